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

    /// When the fake answers NaN, as a checkpoint with broken weights does.
    enum NonFinite {
        case never
        /// On every image, the server's start-up probe included.
        case always
        /// On uploads only: the probe passes, requests get NaN.
        case exceptProbe
    }

    private let costPerBatch: Duration
    private let gate: Gate?
    private let failure: (any Error)?
    private let probeFailure: (any Error)?
    private let probeGate: Gate?
    private let nonFinite: NonFinite
    private let lock = NSLock()
    private var sizes: [Int] = []
    private var probes = 0

    /// - Parameters:
    ///   - costPerBatch: time each call takes, whatever the batch size.
    ///   - gate: when given, each call waits until the gate opens.
    ///   - failure: when given, each call for uploads throws it.
    ///   - probeFailure: when given, the call for the server's start-up probe throws it.
    ///   - probeGate: when given, the probe waits until it opens.
    ///   - nonFinite: which images get NaN probabilities.
    /// The probe (`ReadinessProbe.jpeg` alone) is answered at once, outside gate, cost and
    /// `batchSizes`.
    init(
        costPerBatch: Duration = .zero, gate: Gate? = nil, failure: (any Error)? = nil, probeFailure: (any Error)? = nil,
        probeGate: Gate? = nil, nonFinite: NonFinite = .never
    ) {
        self.probeGate = probeGate
        self.costPerBatch = costPerBatch
        self.gate = gate
        self.failure = failure
        self.probeFailure = probeFailure
        self.nonFinite = nonFinite
    }

    /// Sizes of the batches received so far, in call order; the probe not included.
    var batchSizes: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return sizes
    }

    /// How many times the server's probe image was classified.
    var probeCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return probes
    }

    func classify(_ images: [ImageInput]) async throws -> [ClassificationOutcome] {
        let isProbe = images.count == 1 && images[0].jpeg == ReadinessProbe.jpeg
        if isProbe {
            lock.withLock { probes += 1 }
            if let probeGate { await probeGate.wait() }
            if let probeFailure { throw probeFailure }
        } else {
            lock.withLock { sizes.append(images.count) }
            if let gate { await gate.wait() }
            if costPerBatch > .zero { try await Task.sleep(for: costPerBatch) }
            if let failure { throw failure }
        }
        let nan = nonFinite == .always || (nonFinite == .exceptProbe && !isProbe)
        return images.map { image in
            guard nan else { return Self.outcome(for: image) }
            return .success(Classification(
                predictedClass: "NORMAL", probabilities: ["NORMAL": .nan, "PNEUMONIA": .nan], threshold: Self.metadata.threshold))
        }
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
