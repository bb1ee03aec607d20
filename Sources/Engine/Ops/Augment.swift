import OpenCLKit

/// Random augmentation of image batches on the device (Kernels/augment.cl). Parameters are
/// drawn on the host from a seeded generator, uploaded (`AugmentationParameters.stride` floats
/// per image), and applied by one kernel launch, then by Kernels/local_contrast.cl when local
/// contrast is on; the images never leave the device.
public final class Augmenter {
    public let settings: AugmentationSettings
    public let context: ComputeContext
    private var generator: SeededGenerator
    /// Built kernels by variant (1: gamma, 2: erasing), so a batch costs no lookup.
    private var kernels: [Int: Kernel] = [:]

    /// An augmenter whose sequence of draws is fixed by `seed`.
    public init(context: ComputeContext, settings: AugmentationSettings, seed: UInt64) throws {
        self.settings = try settings.validated()
        self.context = context
        generator = SeededGenerator(seed: seed)
        // Built now, so that a build failure shows at once rather than at the first batch.
        _ = try kernel(gamma: self.settings.gamma > 0, erase: self.settings.eraseProbability > 0)
    }

    /// The generator the next call draws its parameters from; set it to continue a saved stream.
    public var randomState: SeededGenerator {
        get { generator }
        set { generator = newValue }
    }

    /// A new tensor with each image of the NCHW `input` randomly transformed.
    public func callAsFunction(_ input: Tensor) throws -> Tensor {
        let (width, height) = try Augmenter.size(of: input)
        let parameters = AugmentationParameters.draw(count: input.shape[0], width: width, height: height,
                                                     settings: settings, generator: &generator)
        let amounts = AugmentationParameters.localContrastAmounts(count: input.shape[0], settings: settings, generator: &generator)
        let augmented = try apply(input, parameters: parameters)
        return try amounts.map { try LocalContrast.apply(augmented, amounts: $0) } ?? augmented
    }

    /// A new tensor with `parameters` (`AugmentationParameters.stride` per image) applied.
    public func apply(_ input: Tensor, parameters: [Float]) throws -> Tensor {
        let (width, height) = try Augmenter.size(of: input)
        let (batch, channels) = (input.shape[0], input.shape[1])
        guard parameters.count == batch * AugmentationParameters.stride else {
            throw EngineError.shapeMismatch("augment needs \(batch * AugmentationParameters.stride) parameters for \(batch) images, got \(parameters.count)")
        }
        let output = try Tensor(context, shape: input.shape)
        if input.count == 0 { return output }
        let parameterBuffer = try DeviceBuffer<Float>(context, parameters)
        let stride = AugmentationParameters.stride
        let gamma = (0..<batch).contains { parameters[$0 * stride + 8] != 1 }
        let erase = (0..<batch).contains { parameters[$0 * stride + 11] > parameters[$0 * stride + 9] }
        try context.launch(try kernel(gamma: gamma, erase: erase), global: [width, height, batch * channels], local: [8, 8, 1],
                           input.buffer, output.buffer, parameterBuffer, batch, channels, height, width)
        return output
    }

    /// The kernel with gamma and erasing compiled in only where the batch uses them; without
    /// either it is the plain kernel, as fast as before they existed.
    private func kernel(gamma: Bool, erase: Bool) throws -> Kernel {
        let variant = (gamma ? 1 : 0) + (erase ? 2 : 0)
        if let built = kernels[variant] { return built }
        var defines: [String: Int] = [:]
        if gamma { defines["GAMMA"] = 1 }
        if erase { defines["ERASE"] = 1 }
        let built = try context.kernel("augment.cl", "augment", defines: defines)
        kernels[variant] = built
        return built
    }

    private static func size(of input: Tensor) throws -> (width: Int, height: Int) {
        guard input.shape.count == 4 else { throw EngineError.shapeMismatch("augment needs NCHW input, got \(input.shape)") }
        return (input.shape[3], input.shape[2])
    }
}
