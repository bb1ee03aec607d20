import Foundation
import OpenCLKit

/// 2-D convolution on the device, choosing per shape and pass among interchangeable
/// algorithms (`ConvolutionAlgorithm`): a pinned name (tests, `PNEUMO_CONV_ALGORITHM`) when
/// it supports the shape, else the device profile's tuned choice, else the profile's rule
/// (`ConvolutionChoice`). Itself an algorithm, so callers need not know there are several.
/// An algorithm's kernels are built the first time it is chosen, raced or named, once per
/// convolution: one the chooser never picks costs nothing.
public final class Convolution: ConvolutionAlgorithm {
    /// The algorithms a convolution chooses among; registering one is one line here.
    public static let standardAlgorithms: [ConvolutionAlgorithmDescriptor] = [
        DirectConvolution.descriptor,
        Im2colConvolution.descriptor,
        // The CPU profile's rule picks it where it runs fused (see `ConvolutionChoice.rule`).
        WinogradConvolution.descriptor,
    ]

    /// Names the algorithm every convolution made afterwards runs where it supports the shape.
    public static let algorithmVariable = "PNEUMO_CONV_ALGORITHM"

    public let name = "automatic"
    public let resources: ConvolutionResources
    /// The algorithms chosen among, in registration order (descriptors: nothing built).
    public let descriptors: [ConvolutionAlgorithmDescriptor]
    /// Algorithms built so far, by name; guarded by `buildLock`.
    private var built: [String: ConvolutionAlgorithm] = [:]
    private let buildLock = NSLock()
    /// Runs this algorithm wherever it supports the shape (tests pin each one); nil chooses.
    public var pinnedAlgorithm: String? {
        didSet { pinnedIsKnown = pinnedAlgorithm.map { name in algorithmNames.contains(name) } ?? true }
    }
    private var pinnedIsKnown = true

    public var context: ComputeContext { resources.context }
    public var gemm: GEMM { resources.gemm }
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes: Int {
        get { resources.scratchLimitBytes }
        set { resources.scratchLimitBytes = newValue }
    }

    /// Chooses among `algorithms` (`standardAlgorithms` unless given), building none yet;
    /// shares `gemm` (and its tuning) when given. Throws when two algorithms share a name or
    /// `PNEUMO_CONV_ALGORITHM` names none of them.
    public init(
        _ context: ComputeContext, gemm: GEMM? = nil, algorithms: [ConvolutionAlgorithmDescriptor]? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        resources = try ConvolutionResources(context, gemm: gemm)
        descriptors = algorithms ?? Convolution.standardAlgorithms
        let names = descriptors.map(\.name)
        if let repeated = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw EngineError.invalidConfiguration("two convolution algorithms are registered as \(repeated); give each its own name")
        }
        if let pinned = environment[Convolution.algorithmVariable], !pinned.isEmpty {
            guard names.contains(pinned) else {
                throw EngineError.invalidConfiguration(
                    "\(Convolution.algorithmVariable)=\(pinned) names no convolution algorithm; use one of "
                        + names.joined(separator: ", "))
            }
            pinnedAlgorithm = pinned
        }
    }

    /// The names of the algorithms chosen among, in registration order.
    public var algorithmNames: [String] { descriptors.map(\.name) }

    /// The names of the algorithms built so far (chosen, raced or named), in registration order.
    public var builtAlgorithmNames: [String] {
        buildLock.lock(); defer { buildLock.unlock() }
        return algorithmNames.filter { built[$0] != nil }
    }

    /// The algorithm called `name`, built on first use and the same object afterwards.
    public func algorithm(named name: String) throws -> ConvolutionAlgorithm {
        guard let descriptor = descriptors.first(where: { $0.name == name }) else {
            throw EngineError.invalidConfiguration(
                "no convolution algorithm is named \(name); use one of " + algorithmNames.joined(separator: ", "))
        }
        buildLock.lock(); defer { buildLock.unlock() }
        if let algorithm = built[name] { return algorithm }
        let algorithm = try descriptor.build(resources)
        built[name] = algorithm
        return algorithm
    }

    /// Every algorithm that computes `geometry`, built (for racing them), in registration order.
    public func algorithms(supporting geometry: ConvGeometry) throws -> [ConvolutionAlgorithm] {
        try descriptors.filter { $0.supports(geometry) }.map { try algorithm(named: $0.name) }
    }

    /// True when some algorithm computes `geometry`; builds nothing.
    public func supports(_ geometry: ConvGeometry) -> Bool { descriptors.contains { $0.supports(geometry) } }

    /// The algorithm that runs `pass` of `g`, built if this is its first use.
    public func algorithm(for g: ConvGeometry, _ pass: ConvolutionPass) throws -> ConvolutionAlgorithm {
        guard pinnedIsKnown else {
            throw EngineError.invalidConfiguration(
                "no convolution algorithm is named \(pinnedAlgorithm ?? ""); use one of " + algorithmNames.joined(separator: ", "))
        }
        let candidates = descriptors.filter { $0.supports(g) }.map(\.name)
        guard let fallback = candidates.first else {
            throw EngineError.invalidConfiguration("no convolution algorithm computes \(g)")
        }
        let tuned = resources.profile.convolutionAlgorithms[ConvolutionChoice.key(g, pass)]
        let chosen = [pinnedAlgorithm, tuned, ConvolutionChoice.rule(g, pass, resources)].compactMap { $0 }.first { candidates.contains($0) }
        return try algorithm(named: chosen ?? fallback)
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
