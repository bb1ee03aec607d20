import Engine
import Foundation

/// Profiles training steps of a workload layer by layer: the device drains after every
/// layer's pass so each kernel's time is charged to the pass that launched it.
public enum StepProfiler {
    /// Averages `steps` training steps after one untimed step (kernel builds, buffer pool).
    /// The workload's context must have been made with `profiling: true`.
    public static func profile(_ workload: ModelWorkload, steps: Int = 2) throws -> StepProfile {
        let context = workload.context
        guard let profiler = context.profiler else {
            throw BenchError.invalidOption("profiling needs a context made with profiling: true")
        }
        guard steps >= 1 else { throw BenchError.invalidOption("profile at least one step, got \(steps)") }
        try workload.trainingStep()
        try context.finish()
        let ledger = WorkLedger.start(for: context)
        defer { WorkLedger.stop(for: context) }
        var recorder = SegmentRecorder(profiler: profiler, ledger: ledger)
        for _ in 0..<steps {
            try profiledStep(workload, &recorder)
            recorder.stopRecordingProducts()
        }
        return recorder.profile(workload: workload, steps: steps)
    }

    /// The training step of `ModelWorkload.trainingStep`, with a barrier after each segment.
    private static func profiledStep(_ workload: ModelWorkload, _ recorder: inout SegmentRecorder) throws {
        let context = workload.context
        let model = workload.model
        let shapes = try model.outputShapes(batch: workload.batch)
        try recorder.measure(context, key: .init(pass: "upload", layer: nil), name: "host to device", shape: [workload.batch] + model.inputShape, bytes: 0) {
            try workload.upload()
        }
        var activation = workload.currentImages
        for (index, layer) in model.layers.enumerated() {
            let inputCount = activation.count
            let input = activation
            try recorder.measure(
                context, key: .init(pass: "forward", layer: index), name: describe(layer, input: input.shape), shape: shapes[index],
                bytes: TrafficEstimate.forward(layer.kind, input: inputCount, output: shapes[index].reduce(1, *))
            ) {
                activation = try layer.forward(input, mode: .training)
            }
        }
        let logits = activation
        var gradient = logits
        var lossValue: Tensor?
        try recorder.measure(context, key: .init(pass: "loss", layer: nil), name: workload.loss.kind, shape: [1], bytes: floatBytes(3 * logits.count)) {
            lossValue = try workload.loss.forward(logits: logits, targets: workload.currentLabels)
            gradient = try workload.loss.backward()
        }
        for (index, layer) in model.layers.enumerated().reversed() {
            let outputGradient = gradient
            let inputShape = index == 0 ? [workload.batch] + model.inputShape : shapes[index - 1]
            try recorder.measure(
                context, key: .init(pass: "backward", layer: index), name: describe(layer, input: inputShape), shape: inputShape,
                bytes: TrafficEstimate.backward(layer.kind, input: inputShape.reduce(1, *), output: outputGradient.count)
            ) {
                // As in training: the first layer writes its parameters' gradients only.
                if index == 0 { try layer.backwardParameters(outputGradient) } else { gradient = try layer.backward(outputGradient) }
            }
        }
        let parameterCount = model.parameterCount
        try recorder.measure(context, key: .init(pass: "optimizer", layer: nil), name: "Adam", shape: [parameterCount], bytes: floatBytes(7 * parameterCount)) {
            try workload.optimizer.step(model.parameters)
        }
        _ = try lossValue?.toArray()
    }

    /// "Conv2D 3->32 k3", "Dense 25088->128", or the layer kind.
    static func describe(_ layer: Layer, input: [Int]) -> String {
        switch layer {
        case let conv as Conv2D:
            return "Conv2D \(conv.inputChannels)->\(conv.filters) k\(conv.kernelSize)" + (conv.stride > 1 ? " s\(conv.stride)" : "")
        case let dense as Dense:
            return "Dense \(dense.inputFeatures)->\(dense.outputFeatures)"
        default:
            return layer.kind
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
