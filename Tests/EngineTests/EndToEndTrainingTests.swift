import Engine
import OpenCLKit
import XCTest

/// The whole engine together: a small CNN must learn a synthetic two-class image task
/// (a filled square vs. a hollow ring at random positions), and training must be
/// reproducible bit for bit.
final class EndToEndTrainingTests: XCTestCase {
    static let side = 16

    /// `count` images with labels 0 (filled square) and 1 (ring), alternating.
    static func shapes(count: Int, seed: UInt64) -> (pixels: [Float], labels: [Float]) {
        var rng = SeededGenerator(seed: seed)
        var pixels = [Float](repeating: 0, count: count * side * side)
        var labels = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let ring = index % 2 == 1
            labels[index] = ring ? 1 : 0
            let size = 5 + Int(rng.next() % 4)
            let top = Int(rng.next() % UInt64(side - size + 1))
            let left = Int(rng.next() % UInt64(side - size + 1))
            for y in top..<(top + size) {
                for x in left..<(left + size) {
                    let edge = y == top || x == left || y == top + size - 1 || x == left + size - 1
                    if !ring || edge { pixels[index * side * side + y * side + x] = 1 }
                }
            }
            for i in 0..<(side * side) { pixels[index * side * side + i] += 0.1 * rng.nextUniform() }
        }
        return (pixels, labels)
    }

    static func makeModel(_ context: ComputeContext, seed: UInt64) throws -> Graph {
        var rng = SeededGenerator(seed: seed)
        return try Graph(inputShape: [1, side, side], layers: [
            try Conv2D(context, inputChannels: 1, filters: 8, kernelSize: 3, padding: .same, rng: &rng),
            try BatchNorm(context, channels: 8),
            ReLU(context),
            try MaxPool2D(context, size: 2),
            try Conv2D(context, inputChannels: 8, filters: 16, kernelSize: 3, padding: .same, rng: &rng),
            ReLU(context),
            try GlobalAvgPool(context),
            try Dropout(context, rate: 0.1, seed: rng.next()),
            try Dense(context, inputFeatures: 16, outputFeatures: 1, rng: &rng),
        ])
    }

    /// Trains for `epochs` over `data` in batches of 32; returns the mean loss of each epoch.
    static func train(
        _ model: Graph, data: (pixels: [Float], labels: [Float]), epochs: Int, context: ComputeContext
    ) throws -> [Float] {
        let loss = try BinaryCrossEntropy(context)
        let optimizer = try Adam(context, learningRate: 0.01)
        let batch = 32
        let count = data.labels.count
        var epochLosses: [Float] = []
        for _ in 0..<epochs {
            var losses: [Tensor] = []
            for start in stride(from: 0, to: count - batch + 1, by: batch) {
                let plane = side * side
                let input = try Tensor(
                    context, shape: [batch, 1, side, side], values: Array(data.pixels[(start * plane)..<((start + batch) * plane)]))
                let targets = try Tensor(context, shape: [batch], values: Array(data.labels[start..<(start + batch)]))
                losses.append(try model.trainStep(input: input, targets: targets, loss: loss, optimizer: optimizer).loss)
            }
            // Scalars come back once per epoch, not per step.
            let values = try losses.map { try $0.toArray()[0] }
            epochLosses.append(values.reduce(0, +) / Float(values.count))
        }
        return epochLosses
    }

    static func accuracy(_ model: Graph, data: (pixels: [Float], labels: [Float]), context: ComputeContext) throws -> Double {
        let count = data.labels.count
        let input = try Tensor(context, shape: [count, 1, side, side], values: data.pixels)
        let logits = try model.forward(input, mode: .inference).toArray()
        let correct = zip(logits, data.labels).filter { ($0 > 0 ? 1 : 0) == $1 }.count
        return Double(correct) / Double(count)
    }

    func testSmallCNNLearnsSquaresVersusRings() throws {
        let context = try TestDevice.context()
        let model = try Self.makeModel(context, seed: 11)
        let losses = try Self.train(model, data: Self.shapes(count: 512, seed: 1), epochs: 6, context: context)
        let accuracy = try Self.accuracy(model, data: Self.shapes(count: 256, seed: 2), context: context)
        XCTAssertGreaterThanOrEqual(accuracy, 0.95, "held-out accuracy; losses per epoch: \(losses)")
        XCTAssertLessThan(losses.last!, losses.first! * 0.5, "loss must fall: \(losses)")
    }

    func testSameSeedGivesBitIdenticalWeights() throws {
        let context = try TestDevice.context()
        let data = Self.shapes(count: 96, seed: 3)
        var runs: [[[Float]]] = []
        for _ in 0..<2 {
            let model = try Self.makeModel(context, seed: 5)
            _ = try Self.train(model, data: data, epochs: 1, context: context)
            runs.append(try model.parameters.map { try $0.value.toArray() } + model.namedBuffers.map { try $0.tensor.toArray() })
        }
        XCTAssertEqual(runs[0], runs[1])
        let other = try Self.makeModel(context, seed: 6)
        XCTAssertNotEqual(try other.parameters[0].value.toArray(), runs[0][0], "another seed gives other weights")
    }
}
