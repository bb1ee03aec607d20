/// One algorithm a `Convolution` may choose, as the chooser needs it before anything is
/// built: its name and the shapes it computes, plus how to build it (kernels and all), which
/// the convolution does the first time the algorithm is chosen, raced or pinned.
public struct ConvolutionAlgorithmDescriptor {
    /// The name the built algorithm reports (`ConvolutionAlgorithm.name`).
    public let name: String
    private let supportsShape: (ConvGeometry) -> Bool
    private let make: (ConvolutionResources) throws -> ConvolutionAlgorithm

    /// `supports` must answer as the built algorithm's `supports` does, without building it.
    public init(
        name: String, supports: @escaping (ConvGeometry) -> Bool, make: @escaping (ConvolutionResources) throws -> ConvolutionAlgorithm
    ) {
        self.name = name
        supportsShape = supports
        self.make = make
    }

    /// Whether the algorithm computes `geometry`; builds nothing.
    public func supports(_ geometry: ConvGeometry) -> Bool { supportsShape(geometry) }

    /// Builds the algorithm on `resources`; throws when it reports another name than this
    /// descriptor's, so the chooser's names and the objects cannot drift apart.
    func build(_ resources: ConvolutionResources) throws -> ConvolutionAlgorithm {
        let algorithm = try make(resources)
        guard algorithm.name == name else {
            throw EngineError.invalidConfiguration(
                "the convolution algorithm registered as \(name) calls itself \(algorithm.name); register it under its own name")
        }
        return algorithm
    }
}
