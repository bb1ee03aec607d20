import Engine
import Foundation
import OpenCLKit
import XCTest

/// Device memory of a training step: what the ops save for backward goes back to the pool as
/// soon as their backward has run, and the pool holds no more than its buffers ever did at once.
final class GraphMemoryTests: XCTestCase {
    /// A context of its own, so its pool and byte counts hold this test's buffers only.
    private func freshContext() throws -> ComputeContext {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        return try ComputeContext(device: choice.device)
    }

    /// Three conv–batch-norm–ReLU stages, the first two max-pooled, then global average
    /// pooling and a dense head: activations shrink with depth, as in the built-in models.
    private func pyramid(_ context: ComputeContext) throws -> Graph {
        var rng = SeededGenerator(seed: 41)
        var layers: [any Op] = []
        for (index, (from, to)) in [(1, 8), (8, 16), (16, 32)].enumerated() {
            layers.append(try Conv2D(context, inputChannels: from, filters: to, kernelSize: 3, padding: .same, rng: &rng))
            layers.append(try BatchNorm(context, channels: to))
            layers.append(ReLU(context))
            if index < 2 { layers.append(try MaxPool2D(context, size: 2)) }
        }
        layers.append(try GlobalAvgPool(context))
        layers.append(try Dense(context, inputFeatures: 32, outputFeatures: 1, rng: &rng))
        return try Graph(inputShape: [1, 32, 32], layers: layers)
    }

    private func images(_ context: ComputeContext, batch: Int) throws -> Tensor {
        try Tensor(context, shape: [batch, 1, 32, 32], values: PointwiseFixtures.normal(batch * 1024, seed: 42))
    }

    func testBackwardHandsEachStepsSavedTensorsBackToThePool() throws {
        let context = try TestDevice.context()
        let graph = try pyramid(context)
        XCTAssertEqual(Array(graph.steps.map(\.op.kind).prefix(2)), ["Conv2D", "BatchNormReLUMaxPool"])
        let input = try images(context, batch: 3)
        weak var convOutput: DeviceBuffer<Float>?
        weak var pooledOutput: DeviceBuffer<Float>?
        let logits: Tensor
        do {
            let pass = try graph.run(input, keeping: ["0", "3"], mode: { _ in .run(.training) })
            convOutput = pass.kept["0"]?.buffer
            pooledOutput = pass.kept["3"]?.buffer
            logits = pass.output
        }
        XCTAssertNotNil(convOutput, "the fused batch norm keeps its input for backward")
        XCTAssertNotNil(pooledOutput, "the second convolution keeps its input for backward")
        let held = context.liveBytes
        let gradient = try Tensor(context, shape: logits.shape, values: [1, -0.5, 0.25])
        try graph.backwardToParameters(gradient)
        XCTAssertNil(convOutput, "released once the fused op's backward has run, not at the next forward")
        XCTAssertNil(pooledOutput, "released once the convolution's backward has run")
        let savedBytes = 4 * (3 * 8 * 32 * 32 + 3 * 8 * 16 * 16)
        XCTAssertGreaterThanOrEqual(held - context.liveBytes, savedBytes)
        XCTAssertThrowsError(try graph.backward(gradient), "a second backward needs a new forward") { error in
            XCTAssertTrue("\(error)".contains("forward"), "\(error)")
        }
    }

    /// From the start of each step's backward on, only what the steps up to it saved and the
    /// gradient of its output may be live: at most twice the outputs of the steps up to it (an
    /// output and a saved argmax or input of the same size) plus its output once more, on top
    /// of what was allocated before the first forward (weights, gradients, images).
    func testLiveBytesInTheBackwardPassShrinkWithTheStepsLeft() throws {
        let context = try freshContext()
        context.bufferPoolPolicy = .lean
        let graph = try pyramid(context)
        let batch = 8
        let input = try images(context, batch: batch)
        let outputGradient = try Tensor(context, shape: [batch, 1], values: (0..<batch).map { Float($0 % 3) - 1 })
        let resident = context.liveBytes
        let shapes = try graph.shapes(batch: batch)
        let outputBytes = graph.steps.map { 4 * shapes[$0.name]!.reduce(1, *) }
        var checked = 0
        for step in 0..<2 {
            _ = try graph.forward(input, mode: .training)
            _ = try graph.backpropagate(outputGradient, to: nil, mode: { _ in .run(.training) }) { index, current, pass in
                if step == 1 {
                    let bound = resident + 2 * outputBytes[...index].reduce(0, +) + outputBytes[index]
                    XCTAssertLessThanOrEqual(context.liveBytes, bound, "at the backward of step \(index) (\(current.op.kind))")
                    checked += 1
                }
                try pass()
            }
        }
        XCTAssertEqual(checked, graph.steps.count)
        XCTAssertEqual(context.peakAllocatedBytes, context.peakLiveBytes, "a lean pool never holds more than its buffers did at once")
    }

    /// Six Adam steps of the pyramid under each policy, each in a context of its own: the
    /// planned steps give the same losses and weights bit for bit, take their temporaries from
    /// the plan from the third step on, and never hold more than the lean pool.
    func testPlannedStepsTrainBitForBitLikeThePoolInNoMoreMemory() throws {
        var results: [BufferPoolPolicy: (losses: [Float], weights: [[Float]], peak: Int, planned: Int)] = [:]
        for policy in [BufferPoolPolicy.keepIdle, .lean, .planned] {
            let context = try freshContext()
            context.bufferPoolPolicy = policy
            let graph = try pyramid(context)
            let loss = try BinaryCrossEntropy(context)
            let optimizer = try Adam(context, learningRate: 0.01)
            var losses: [Float] = []
            for step in 0..<6 {
                let input = try Tensor(context, shape: [8, 1, 32, 32], values: PointwiseFixtures.normal(8 * 1024, seed: UInt64(step)))
                let targets = try Tensor(context, shape: [8], values: (0..<8).map { Float(($0 + step) % 2) })
                losses.append(try graph.trainStep(input: input, targets: targets, loss: loss, optimizer: optimizer).loss.toArray()[0])
            }
            let weights = try graph.parameters.map { try $0.value.toArray() }
            results[policy] = (losses, weights, context.peakAllocatedBytes, context.plannedRuns)
        }
        let fast = results[.keepIdle]!, lean = results[.lean]!, planned = results[.planned]!
        XCTAssertEqual(planned.losses, fast.losses)
        XCTAssertEqual(planned.weights, fast.weights)
        XCTAssertEqual(planned.planned, 3, "step 1 also makes Adam's moments; steps 2 and 3 record alike; 4 to 6 run on the plan")
        XCTAssertEqual(fast.planned, 0)
        XCTAssertLessThanOrEqual(planned.peak, lean.peak)
        XCTAssertLessThan(planned.peak, fast.peak)
    }

    func testMemoryPolicyComesFromTheEnvironment() throws {
        XCTAssertEqual(try EngineRuntime.bufferPoolPolicy(from: [:]), .planned)
        XCTAssertEqual(try EngineRuntime.bufferPoolPolicy(from: ["PNEUMO_MEMORY": "fast"]), .keepIdle)
        XCTAssertEqual(try EngineRuntime.bufferPoolPolicy(from: ["PNEUMO_MEMORY": "Lean"]), .lean)
        XCTAssertEqual(try EngineRuntime.bufferPoolPolicy(from: ["PNEUMO_MEMORY": "planned"]), .planned)
        XCTAssertThrowsError(try EngineRuntime.bufferPoolPolicy(from: ["PNEUMO_MEMORY": "small"])) { error in
            XCTAssertTrue("\(error)".contains("PNEUMO_MEMORY=small"), "\(error)")
            XCTAssertTrue("\(error)".contains("lean"), "\(error)")
        }
    }
}
