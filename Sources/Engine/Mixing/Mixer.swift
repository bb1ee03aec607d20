import OpenCLKit

/// Mixes the images of a batch on the device (Kernels/mix.cl) as a `MixingPlan` says; the
/// images never leave the device.
public final class Mixer {
    public let context: ComputeContext
    private let kernel: Kernel

    /// Builds the kernel now, so that a build failure shows at once rather than at the first batch.
    public init(context: ComputeContext) throws {
        self.context = context
        kernel = try context.kernel("mix.cl", "mix_images")
    }

    /// A new tensor with each image of the NCHW `input` mixed with its partner.
    public func apply(_ input: Tensor, plan: MixingPlan) throws -> Tensor {
        guard input.shape.count == 4 else { throw EngineError.shapeMismatch("mixing needs NCHW input, got \(input.shape)") }
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        guard plan.partners.count == batch, plan.shares.count == batch, plan.boxes.map({ $0.count == batch }) ?? true else {
            throw EngineError.shapeMismatch("a mixing plan for \(plan.partners.count) images cannot mix a batch of \(batch)")
        }
        guard plan.partners.allSatisfy({ (0..<batch).contains($0) }) else {
            throw EngineError.invalidConfiguration("a mixing plan names a partner outside the batch of \(batch): \(plan.partners)")
        }
        if let box = plan.boxes?.first(where: { !($0.x0 >= 0 && $0.x0 <= $0.x1 && $0.x1 <= width && $0.y0 >= 0 && $0.y0 <= $0.y1 && $0.y1 <= height) }) {
            throw EngineError.invalidConfiguration("a CutMix box \(box) does not fit images of \(width) x \(height)")
        }
        let output = try Tensor(context, shape: input.shape)
        if input.count == 0 { return output }
        let parameters = try DeviceBuffer<Float>(context, plan.kernelParameters)
        try context.launch(kernel, global: [width, height, batch * channels], local: [8, 8, 1],
                           input.buffer, output.buffer, parameters, batch, channels, height, width)
        return output
    }
}
