import Engine
import Foundation

/// Profiles training steps of a workload step by step: the device drains after every
/// graph step's pass so each kernel's time is charged to the pass that launched it.
public enum StepProfiler {
    /// Averages `steps` training steps after one untimed step (kernel builds, buffer pool).
    /// The workload's context must have been made with `profiling: true`.
    public static func profile(_ workload: ModelWorkload, steps: Int = 2) throws -> StepProfile {
        try averaged(workload, steps: steps, unit: "step", warmUp: { _ = try workload.trainingStep() }, profiledStep)
    }

    /// Averages `steps` inference passes (the folded graph `ModelWorkload.inferenceStep` runs)
    /// after one untimed pass; segments are the upload and each inference step ("inference").
    public static func profileInference(_ workload: ModelWorkload, steps: Int = 2) throws -> StepProfile {
        try averaged(workload, steps: steps, unit: "pass", warmUp: workload.inferenceStep, profiledInferencePass)
    }

    /// Runs `warmUp` once and `record` three times untimed, then `record` `steps` times with the
    /// profiler's and the ledger's totals charged to segments; returns the per-step averages.
    private static func averaged(
        _ workload: ModelWorkload, steps: Int, unit: String, warmUp: () throws -> Void,
        _ record: (ModelWorkload, inout SegmentRecorder) throws -> Void
    ) throws -> StepProfile {
        let context = workload.context
        guard let profiler = context.profiler else {
            throw BenchError.invalidOption("profiling needs a context made with profiling: true")
        }
        guard steps >= 1 else { throw BenchError.invalidOption("profile at least one \(unit), got \(steps)") }
        try warmUp()
        try context.finish()
        let ledger = WorkLedger.start(for: context)
        defer { WorkLedger.stop(for: context) }
        // Three unrecorded runs of the profiled step itself first: a region plans its memory
        // after two equal runs, and the first run on a new plan writes to fresh memory; those
        // first writes (page faults) would be charged to the kernels (3x the time of
        // seed-cnn-tuned's first layer).
        var unrecorded = SegmentRecorder(profiler: profiler, ledger: ledger)
        for _ in 0..<3 { try record(workload, &unrecorded) }
        var recorder = SegmentRecorder(profiler: profiler, ledger: ledger)
        for _ in 0..<steps {
            try record(workload, &recorder)
            recorder.stopRecordingProducts()
        }
        return recorder.profile(workload: workload, steps: steps)
    }

    /// The images' upload, as the first segment of a step or pass.
    private static func measureUpload(_ workload: ModelWorkload, _ recorder: inout SegmentRecorder) throws {
        try recorder.measure(
            workload.context, key: .init(pass: "upload", layer: nil), name: "host to device",
            shape: [workload.batch] + workload.model.inputShape, bytes: 0
        ) { try workload.upload() }
    }

    /// One inference pass with a barrier after each step of the inference graph.
    private static func profiledInferencePass(_ workload: ModelWorkload, _ recorder: inout SegmentRecorder) throws {
        let shapes = try workload.inference.shapes(batch: workload.batch)
        func shape(_ name: String) -> [Int] { shapes[name] ?? [] }
        try measureUpload(workload, &recorder)
        _ = try workload.inference.forward(workload.currentImages) { index, step, pass in
            let output = shape(step.name)
            let input = step.inputs.reduce(0) { $0 + shape($1).reduce(1, *) }
            try recorder.measure(
                workload.context, key: .init(pass: "inference", layer: index), name: describe(step.op, input: []), shape: output,
                bytes: TrafficEstimate.forward(step.op.kind, input: input, output: output.reduce(1, *)), pass)
        }
    }

    /// The training step of `ModelWorkload.trainingStep`, with a barrier after each segment:
    /// one per graph step (fused ops count as one) and pass.
    /// It plans its memory under the real steps' key, as they do.
    private static func profiledStep(_ workload: ModelWorkload, _ recorder: inout SegmentRecorder) throws {
        try workload.context.repeating(Graph.trainingRegion(workload.currentImages.shape)) {
            try recordedStep(workload, &recorder)
        }
    }

    private static func recordedStep(_ workload: ModelWorkload, _ recorder: inout SegmentRecorder) throws {
        let context = workload.context
        let model = workload.model
        let shapes = try model.shapes(batch: workload.batch)
        try measureUpload(workload, &recorder)
        func shape(_ name: String) -> [Int] { shapes[name] ?? [] }
        func inputCount(_ step: Graph.Step) -> Int { step.inputs.reduce(0) { $0 + shape($1).reduce(1, *) } }
        let logits = try model.run(workload.currentImages, keeping: [], mode: { _ in .run(.training) }) { index, step, pass in
            let output = shape(step.name)
            try recorder.measure(
                context, key: .init(pass: "forward", layer: index), name: describe(step.op, input: shape(step.inputs[0])), shape: output,
                bytes: TrafficEstimate.forward(step.op.kind, input: inputCount(step), output: output.reduce(1, *)), pass)
        }.output
        var gradient = logits
        var lossValue: Tensor?
        try recorder.measure(context, key: .init(pass: "loss", layer: nil), name: workload.loss.kind, shape: [1], bytes: floatBytes(3 * logits.count)) {
            lossValue = try workload.loss.forward(logits: logits, targets: workload.currentLabels)
            gradient = try workload.loss.backward()
        }
        // As in training: steps that read only the images write their parameters' gradients only.
        _ = try model.backpropagate(gradient, to: nil, mode: { _ in .run(.training) }) { index, step, pass in
            let input = shape(step.inputs[0])
            try recorder.measure(
                context, key: .init(pass: "backward", layer: index), name: describe(step.op, input: input), shape: input,
                bytes: TrafficEstimate.backward(step.op.kind, input: inputCount(step), output: shape(step.name).reduce(1, *)), pass)
        }
        let parameterCount = model.parameterCount
        try recorder.measure(context, key: .init(pass: "optimizer", layer: nil), name: "Adam", shape: [parameterCount], bytes: floatBytes(7 * parameterCount)) {
            try workload.optimizer.step(model.parameters)
        }
        _ = try lossValue?.toArray()
    }

    /// "Conv2D 3->32 k3", "Dense 25088->128", or the layer kind.
    static func describe(_ op: any Op, input: [Int]) -> String {
        switch op {
        case let conv as Conv2D:
            return "Conv2D \(conv.inputChannels)->\(conv.filters) k\(conv.kernelSize)" + (conv.stride > 1 ? " s\(conv.stride)" : "")
        case let dense as Dense:
            return "Dense \(dense.inputFeatures)->\(dense.outputFeatures)"
        case let fused as InferenceConvolution:
            return fused.kind + " " + describe(fused.conv, input: input).dropFirst("Conv2D ".count)
        case let fused as InferenceDense:
            return fused.kind + " " + describe(fused.dense, input: input).dropFirst("Dense ".count)
        default:
            return op.kind
        }
    }
}

@inline(__always)
func floatBytes(_ count: Int) -> Double { Double(count) * 4 }

/// Minimum bytes a layer pass must move, for layers whose kernels do not count their own
/// traffic (pointwise and normalisation layers): inputs read once, outputs written once.
enum TrafficEstimate {
    static func forward(_ kind: String, input: Int, output: Int) -> Double {
        switch kind {
        case "Flatten": return 0
        default: return floatBytes(input + output)
        }
    }

    static func backward(_ kind: String, input: Int, output: Int) -> Double {
        switch kind {
        case "Flatten": return 0
        // The mask is recomputed from a hash: read dY, write dX.
        case "Dropout": return floatBytes(input + output)
        // Read the saved input (or output) and dY, write dX.
        default: return floatBytes(input + 2 * output)
        }
    }
}
