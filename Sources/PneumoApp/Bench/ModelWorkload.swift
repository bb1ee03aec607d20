import Engine
import Foundation
import OpenCLKit

/// A built-in (or user) architecture set up to time training and inference steps on random
/// data: the model, binary cross-entropy on its single logit, Adam, and host batches that
/// are uploaded afresh every step as a data loader's would be.
public final class ModelWorkload {
    public let spec: ArchitectureSpec
    public let batch: Int
    public let model: Graph
    /// `model` rewritten for inference, as trained models run it.
    public let inference: InferenceGraph
    public let context: ComputeContext
    let loss: BinaryCrossEntropy
    let optimizer: Adam
    private let hostImages: [[Float]]
    private let hostLabels: [[Float]]
    private let images: Tensor
    private let labels: Tensor
    private var nextBatch = 0

    /// Builds `spec` for two classes with seeded weights and two distinct random batches.
    public init(spec: ArchitectureSpec, batch: Int, context: ComputeContext, seed: UInt64 = 1) throws {
        guard batch >= 1 else { throw BenchError.invalidOption("batch size must be at least 1, got \(batch)") }
        self.spec = spec
        self.batch = batch
        self.context = context
        model = try ModelBuilder.build(spec, classes: 2, context: context, seed: seed)
        inference = try InferenceGraph(model)
        loss = try BinaryCrossEntropy(context)
        optimizer = try Adam(context, learningRate: 1e-3)
        let imageShape = [batch] + model.inputShape
        var rng = SeededGenerator(seed: seed &+ 1)
        let pixels = imageShape.reduce(1, *)
        hostImages = (0..<2).map { _ in (0..<pixels).map { _ in rng.nextUniform() } }
        hostLabels = (0..<2).map { _ in (0..<batch).map { _ in rng.nextUniform() < 0.5 ? 0 : 1 } }
        images = try Tensor(context, shape: imageShape)
        labels = try Tensor(context, shape: [batch])
    }

    /// Images per step.
    public var imagesPerStep: Int { batch }

    /// Copies the next host batch to the device.
    func upload() throws {
        try images.buffer.write(hostImages[nextBatch])
        try labels.buffer.write(hostLabels[nextBatch])
        nextBatch = (nextBatch + 1) % hostImages.count
    }

    /// One training step: upload, forward, loss, backward, Adam; returns the loss (one float
    /// read back, as a training loop reports it).
    @discardableResult
    public func trainingStep() throws -> Float {
        try upload()
        return try model.trainStep(input: images, targets: labels, loss: loss, optimizer: optimizer).loss.toArray()[0]
    }

    /// One inference step: upload and forward through the inference graph; waits for the logits.
    public func inferenceStep() throws {
        try upload()
        _ = try inference.forward(images)
        try context.finish()
    }

    /// The images tensor of the current step (for per-layer profiling).
    var currentImages: Tensor { images }
    var currentLabels: Tensor { labels }
}

/// Problems with what a benchmark was asked to do.
public enum BenchError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case unavailable(String)

    public var description: String {
        switch self {
        case let .invalidOption(why): return "bench: \(why)"
        case let .unavailable(why): return "bench: \(why)"
        }
    }
}
