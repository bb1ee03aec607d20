import Engine
import Foundation
import OpenCLKit

/// Where the device time of one training step goes: by layer and pass, and by kernel.
public struct StepProfile: Codable, Sendable {
    /// One stretch of the step: a layer's forward or backward pass, the loss, or the optimizer.
    public struct Segment: Codable, Sendable {
        /// "forward", "backward", "loss", "optimizer" or "upload".
        public var pass: String
        /// Layer index in the model; nil for the loss, optimizer and upload.
        public var layer: Int?
        /// e.g. "Conv2D 3->32 k3" or "Adam".
        public var name: String
        /// Output shape of the layer (with the batch).
        public var shape: [Int]
        /// Device time of the segment's kernels per step.
        public var deviceMilliseconds: Double
        /// Host wall time of the segment per step, from its first launch to the device draining.
        public var wallMilliseconds: Double
        /// Floating-point operations per step, as counted by the ops.
        public var flops: Double
        /// Bytes moved per step: counted by the ops, or estimated from tensor sizes where an op does not count.
        public var bytes: Double
        /// Kernel name -> device milliseconds per step within this segment.
        public var kernels: [String: Double]

        /// flops / device time, in 10^9 per second; nil when the segment does no counted arithmetic.
        public var gflops: Double? { flops > 0 && deviceMilliseconds > 0 ? flops / deviceMilliseconds / 1e6 : nil }
        /// bytes / device time, in 10^9 per second.
        public var gigabytesPerSecond: Double? { bytes > 0 && deviceMilliseconds > 0 ? bytes / deviceMilliseconds / 1e6 : nil }
    }

    /// One kernel over the whole step.
    public struct KernelRow: Codable, Sendable {
        public var name: String
        public var launchesPerStep: Double
        public var milliseconds: Double
        /// Share of the step's total device time, 0...1.
        public var share: Double
        public var flops: Double
        public var bytes: Double
        /// True when `bytes` is estimated from layer tensor sizes rather than counted by the op.
        public var bytesEstimated: Bool

        public var gflops: Double? { flops > 0 && milliseconds > 0 ? flops / milliseconds / 1e6 : nil }
        public var gigabytesPerSecond: Double? { bytes > 0 && milliseconds > 0 ? bytes / milliseconds / 1e6 : nil }
    }

    /// A matrix product one pass ran, and where.
    public struct ProductUse: Codable, Sendable {
        public var product: TunedProduct
        /// e.g. "seed-cnn-tuned 4 Conv2D 32->64 k3 backward".
        public var use: String
    }

    public var model: String
    public var batch: Int
    public var inputShape: [Int]
    /// Steps averaged.
    public var steps: Int
    public var segments: [Segment]
    /// Kernels by device time, largest first.
    public var kernels: [KernelRow]
    /// Sum of all kernels' device time per step.
    public var deviceMilliseconds: Double
    /// Wall time per step with a barrier after every segment (slightly above an unprofiled step).
    public var wallMilliseconds: Double
    /// Floating-point operations per step counted by the ops.
    public var flops: Double
    /// The products of one step, in order.
    public var products: [ProductUse]
}
