import Foundation
import OpenCLKit

/// 2-D convolution on the device, choosing per shape and pass among interchangeable
/// algorithms (`ConvolutionAlgorithm`): a pinned name (tests, `PNEUMO_CONV_ALGORITHM`) when
/// it supports the shape, else the device profile's tuned choice, else the profile's rule
/// (`ConvolutionChoice`). Itself an algorithm, so callers need not know there are several.
public final class Convolution: ConvolutionAlgorithm {
    /// Makes the algorithms a convolution chooses among; registering one is one line here.
    public static let standardAlgorithms: [(ConvolutionResources) throws -> ConvolutionAlgorithm] = [
        { try DirectConvolution($0) },
        { try Im2colConvolution($0) },
        // Chosen only where tuning measured it faster, or when pinned: it rounds differently.
        { try WinogradConvolution($0.context, gemm: $0.gemm) },
    ]

    /// Names the algorithm every convolution made afterwards runs where it supports the shape.
    public static let algorithmVariable = "PNEUMO_CONV_ALGORITHM"

    public let name = "automatic"
    public let resources: ConvolutionResources
    /// The algorithms chosen among, in registration order.
    public let algorithms: [ConvolutionAlgorithm]
    /// Runs this algorithm wherever it supports the shape (tests pin each one); nil chooses.
    public var pinnedAlgorithm: String? {
        didSet { pinnedIsKnown = pinnedAlgorithm.map { name in algorithms.contains { $0.name == name } } ?? true }
    }
    private var pinnedIsKnown = true

    public var context: ComputeContext { resources.context }
    public var gemm: GEMM { resources.gemm }
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes: Int {
        get { resources.scratchLimitBytes }
        set { resources.scratchLimitBytes = newValue }
    }

    /// Builds the algorithms (`standardAlgorithms` unless given); shares `gemm` (and its
    /// tuning) when given. Throws when `PNEUMO_CONV_ALGORITHM` names no algorithm.
    public init(
        _ context: ComputeContext, gemm: GEMM? = nil, algorithms makers: [(ConvolutionResources) throws -> ConvolutionAlgorithm]? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        let resources = try ConvolutionResources(context, gemm: gemm)
        self.resources = resources
        algorithms = try (makers ?? Convolution.standardAlgorithms).map { try $0(resources) }
        if let pinned = environment[Convolution.algorithmVariable], !pinned.isEmpty {
            guard algorithms.contains(where: { $0.name == pinned }) else {
                throw EngineError.invalidConfiguration(
                    "\(Convolution.algorithmVariable)=\(pinned) names no convolution algorithm; use one of "
                        + algorithms.map(\.name).joined(separator: ", "))
            }
            pinnedAlgorithm = pinned
        }
    }

    /// True when some algorithm computes `geometry`.
    public func supports(_ geometry: ConvGeometry) -> Bool { algorithms.contains { $0.supports(geometry) } }

    /// The algorithm that runs `pass` of `g`.
    public func algorithm(for g: ConvGeometry, _ pass: ConvolutionPass) throws -> ConvolutionAlgorithm {
        guard pinnedIsKnown else {
            throw EngineError.invalidConfiguration(
                "no convolution algorithm is named \(pinnedAlgorithm ?? ""); use one of " + algorithms.map(\.name).joined(separator: ", "))
        }
        let candidates = algorithms.filter { $0.supports(g) }
        guard let fallback = candidates.first else {
            throw EngineError.invalidConfiguration("no convolution algorithm computes \(g)")
        }
        let tuned = resources.profile.convolutionAlgorithms[ConvolutionChoice.key(g, pass)]
        for name in [pinnedAlgorithm, tuned, ConvolutionChoice.rule(g, pass, resources)].compactMap({ $0 }) {
            if let chosen = candidates.first(where: { $0.name == name }) { return chosen }
        }
        return fallback
    }

    /// output = conv(input, weight) + bias, all NCHW; bias (length F) is optional.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        try algorithm(for: g, .forward).forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
    }

    /// Writes whichever gradients are given (each overwritten): the input gradient by the
    /// algorithm chosen for `.backwardInput`, the weight and bias gradients by the one chosen
    /// for `.backwardWeights`, in one call when they are the same (it may then share work,
    /// as the direct kernels share the padded output gradient). Pass nil where nothing needs
    /// a gradient, e.g. the input gradient of a network's first layer.
    public func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?,
        geometry g: ConvGeometry
    ) throws {
        try resources.requireBackward(
            input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: weightGradient, biasGradient: biasGradient, g)
        if weightGradient != nil || biasGradient != nil {
            WorkLedger.record(context, product: ConvolutionShapes.product(g, .backwardWeights), convolution: g, pass: .backwardWeights)
        }
        if inputGradient != nil {
            WorkLedger.record(context, product: ConvolutionShapes.product(g, .backwardInput), convolution: g, pass: .backwardInput)
        }
        let forInput = try inputGradient.map { _ in try algorithm(for: g, .backwardInput) }
        let forWeights = weightGradient != nil || biasGradient != nil ? try algorithm(for: g, .backwardWeights) : nil
        if let forInput, let forWeights, forInput === forWeights {
            try forInput.backward(
                input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
            return
        }
        try forWeights?.backward(
            input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
            weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        try forInput?.backward(
            input: nil, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: nil, biasGradient: nil, geometry: g)
    }

    /// inputGradient = d(loss)/d(input) from outputGradient (overwritten, not accumulated).
    public func backwardInput(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try backward(
            input: nil, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: nil, biasGradient: nil, geometry: g)
    }

    /// weightGradient (and biasGradient, when given) from the input and output gradient,
    /// summed over the batch in a fixed order; both are overwritten.
    public func backwardWeights(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>,
        biasGradient: DeviceBuffer<Float>?, geometry g: ConvGeometry
    ) throws {
        try backward(
            input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
            weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
    }
}
