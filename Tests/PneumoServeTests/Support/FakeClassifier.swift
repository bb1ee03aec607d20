import Foundation
import PneumoApp
@testable import PneumoServe

/// A stand-in model whose answers follow from the image bytes, so a test can tell whether
/// each request got its own answer, and whose cost is per call (per batch), like a device.
final class FakeClassifier: XRayClassifier, @unchecked Sendable {
    static let metadata = ModelMetadata(
        id: "fake-cnn", version: "7", classes: ["NORMAL", "PNEUMONIA"], positiveClass: "PNEUMONIA", threshold: 0.4,
        architecture: .object(["layers": .array([.string("conv 3x3 x16"), .string("dense 1")]), "input": .number(128)]),
        trainingMetrics: .object(["val_auc": .number(0.97), "epochs": .number(12)]))

    /// PNG bytes returned as the heatmap; the server must pass them through untouched.
    static let heatmap: [UInt8] = Array(Data(base64Encoded: TestImages.pngBase64) ?? Data())

    var metadata: ModelMetadata { Self.metadata }

    private let costPerBatch: Duration
    private let gate: Gate?
    private let failure: (any Error)?
    private let lock = NSLock()
    private var sizes: [Int] = []

    /// - Parameters:
    ///   - costPerBatch: time each call takes, whatever the batch size.
    ///   - gate: when given, each call waits until the gate opens.
    ///   - failure: when given, each call throws it.
    init(costPerBatch: Duration = .zero, gate: Gate? = nil, failure: (any Error)? = nil) {
        self.costPerBatch = costPerBatch
        self.gate = gate
        self.failure = failure
    }

    /// Sizes of the batches received so far, in call order.
    var batchSizes: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return sizes
    }

    func classify(_ images: [ImageInput]) async throws -> [ClassificationOutcome] {
        lock.withLock { sizes.append(images.count) }
        if let gate { await gate.wait() }
        if costPerBatch > .zero { try await Task.sleep(for: costPerBatch) }
        if let failure { throw failure }
        return images.map(Self.outcome)
    }

    /// What the fake says about one image; tests compute the same to check answers.
    static func outcome(for image: ImageInput) -> ClassificationOutcome {
        if image.jpeg.count > 2, image.jpeg[image.jpeg.count - 3] == 0x42 {
            // A byte the server cannot see as wrong: stands for data only a decoder rejects.
            return .failure(.notJPEG(detail: "corrupt Huffman data in scan 1"))
        }
        let pneumonia = probability(of: image.jpeg)
        return .success(Classification(
            predictedClass: pneumonia >= metadata.threshold ? "PNEUMONIA" : "NORMAL",
            probabilities: ["NORMAL": 1 - pneumonia, "PNEUMONIA": pneumonia],
            threshold: metadata.threshold,
            heatmapPNG: image.wantsHeatmap ? heatmap : nil))
    }

    /// A value in [0, 1] that differs between files: FNV-1a of the bytes.
    static func probability(of bytes: [UInt8]) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Double(hash % 1_001) / 1_000
    }
}

/// Holds callers until it is opened; lets a test keep requests in flight on purpose.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters.removeAll()
    }
}

/// A thrown model error, as a device failure would be.
struct FakeDeviceLost: Error, CustomStringConvertible {
    var description: String { "device lost" }
}
