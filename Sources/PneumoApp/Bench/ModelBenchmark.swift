import Engine
import Foundation
import OpenCLKit

/// Training and inference speed of one model at one batch size, with its memory peak and
/// (optionally) where a training step's device time goes.
public struct ModelBenchmarkResult: Codable, Sendable {
    public var model: String
    public var batch: Int
    /// [C, H, W] of one image.
    public var inputShape: [Int]
    public var parameters: Int
    /// Images per second of each timed window, and their median.
    public var trainingWindows: [Double]
    public var trainingImagesPerSecond: Double
    /// Median training images per CPU-second of the process (nil when not measured).
    public var trainingImagesPerCPUSecond: Double?
    public var inferenceWindows: [Double]?
    public var inferenceImagesPerSecond: Double?
    /// The largest number of bytes the model's context held on the device during training steps
    /// (its high-water mark: buffers in use, idle pooled ones and the planned block).
    public var peakDeviceBytes: Int
    /// The largest number of those bytes held by buffers in use at once; the rest of
    /// `peakDeviceBytes` is idle pooled memory or unused block (nil in reports written before
    /// it was measured).
    public var peakLiveBytes: Int?
    public var profile: StepProfile?
    /// Where an inference pass's device time goes (nil when not profiled).
    public var inferenceProfile: StepProfile?

    public init(
        model: String, batch: Int, inputShape: [Int], parameters: Int, trainingWindows: [Double], trainingImagesPerSecond: Double,
        inferenceWindows: [Double]?, inferenceImagesPerSecond: Double?, peakDeviceBytes: Int, peakLiveBytes: Int? = nil,
        profile: StepProfile?
    ) {
        self.model = model
        self.batch = batch
        self.inputShape = inputShape
        self.parameters = parameters
        self.trainingWindows = trainingWindows
        self.trainingImagesPerSecond = trainingImagesPerSecond
        trainingImagesPerCPUSecond = nil
        self.inferenceWindows = inferenceWindows
        self.inferenceImagesPerSecond = inferenceImagesPerSecond
        self.peakDeviceBytes = peakDeviceBytes
        self.peakLiveBytes = peakLiveBytes
        self.profile = profile
    }
}

/// How to time one model.
public struct ModelBenchmarkPlan: Sendable {
    public var warmup = 3
    public var windows = 5
    public var steps = 5
    /// Also time inference (forward only, running statistics, no dropout).
    public var inference = true
    /// Training steps averaged in the layer-by-layer profile; 0 skips it.
    public var profileSteps = 2
    public var seed: UInt64 = 1

    public init(warmup: Int = 3, windows: Int = 5, steps: Int = 5, inference: Bool = true, profileSteps: Int = 2, seed: UInt64 = 1) {
        self.warmup = warmup
        self.windows = windows
        self.steps = steps
        self.inference = inference
        self.profileSteps = profileSteps
        self.seed = seed
    }
}

/// Times models, each in a context of its own so its memory peak is its own.
public enum ModelBenchmark {
    /// Training (and inference) images/s of `spec` at `batch` on `device`, then the profile.
    /// `onWindow` sees each training window's rate as it is measured.
    public static func run(
        _ spec: ArchitectureSpec, batch: Int, device: Device, plan: ModelBenchmarkPlan,
        onWindow: (ThroughputMeter.Window) -> Void = { _ in }
    ) throws -> ModelBenchmarkResult {
        let context = try EngineRuntime.open(device: device)
        let workload = try ModelWorkload(spec: spec, batch: batch, context: context, seed: plan.seed)
        let windows = try ThroughputMeter.measureWindows(
            context: context, imagesPerStep: batch, warmup: plan.warmup, windows: plan.windows, steps: plan.steps,
            onWindow: onWindow
        ) { try workload.trainingStep() }
        let training = windows.map(\.imagesPerSecond)
        // The training step's peak, before inference allocates buffers of other sizes on top of
        // the pool the training steps leave behind.
        let trainingPeak = context.peakAllocatedBytes
        let trainingLivePeak = context.peakLiveBytes
        var inference: [Double]?
        if plan.inference {
            inference = try ThroughputMeter.measure(
                context: context, imagesPerStep: batch, warmup: 1, windows: plan.windows, steps: plan.steps
            ) { try workload.inferenceStep() }
        }
        var result = ModelBenchmarkResult(
            model: spec.name, batch: batch, inputShape: workload.model.inputShape, parameters: workload.model.parameterCount,
            trainingWindows: training, trainingImagesPerSecond: ThroughputMeter.median(training),
            inferenceWindows: inference, inferenceImagesPerSecond: inference.map(ThroughputMeter.median),
            peakDeviceBytes: trainingPeak, peakLiveBytes: trainingLivePeak, profile: nil)
        result.trainingImagesPerCPUSecond = ThroughputMeter.median(windows.map(\.imagesPerCPUSecond))
        if plan.profileSteps > 0 {
            result.profile = try profile(spec, batch: batch, device: device, steps: plan.profileSteps, seed: plan.seed)
            if plan.inference {
                result.inferenceProfile = try inferenceProfile(spec, batch: batch, device: device, passes: plan.profileSteps, seed: plan.seed)
            }
        }
        return result
    }

    /// The step-by-step profile of inference passes, in a profiling context of its own.
    public static func inferenceProfile(_ spec: ArchitectureSpec, batch: Int, device: Device, passes: Int, seed: UInt64 = 1) throws -> StepProfile {
        let context = try EngineRuntime.open(device: device, profiling: true)
        let workload = try ModelWorkload(spec: spec, batch: batch, context: context, seed: seed)
        return try StepProfiler.profileInference(workload, steps: passes)
    }

    /// The layer-by-layer profile of training steps, in a profiling context of its own.
    public static func profile(_ spec: ArchitectureSpec, batch: Int, device: Device, steps: Int, seed: UInt64 = 1) throws -> StepProfile {
        let context = try EngineRuntime.open(device: device, profiling: true)
        let workload = try ModelWorkload(spec: spec, batch: batch, context: context, seed: seed)
        return try StepProfiler.profile(workload, steps: steps)
    }
}
