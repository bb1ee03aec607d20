import Engine
import Foundation
import OpenCLKit
import PneumoApp
import PneumoData
import SeededRandom
import XCTest
@testable import PneumoServe

/// The server in front of a real checkpoint: a small CNN saved and loaded the way `pneumo
/// train` and `pneumo serve` do, X-rays from the data set over loopback HTTP.
final class RealModelServeTests: XCTestCase {
    static let spec = ArchitectureSpec(
        name: "tiny-cnn", input: .init(channels: 1, size: 24),
        layers: [
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same"),
            LayerSpec(type: "BatchNorm"), LayerSpec(type: "ReLU"), LayerSpec(type: "MaxPool2D", size: 2),
            LayerSpec(type: "Conv2D", filters: 6, kernel: 3, padding: "same", activation: "relu"),
            LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dropout", rate: 0.2), LayerSpec(type: "Dense", units: .output),
        ])
    static let threshold = 0.45

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-serve-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    /// Saves a freshly initialised model with a chosen threshold and metrics; returns the
    /// checkpoint stem. `poison` rewrites the weights first (NaN weights, say).
    func makeCheckpoint(context: ComputeContext, poison: (inout [NamedTensor]) -> Void = { _ in }) throws -> URL {
        let model = try TrainedModel(spec: Self.spec, classNames: ["normal", "pneumonia"], context: context, seed: 4)
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: Self.spec), input: InputSpec(width: 24, height: 24, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames,
            threshold: ThresholdChoice(strategy: .youden, threshold: Self.threshold, sensitivity: 0.9, specificity: 0.8, chosenOn: "validation"),
            trainingOptions: .object(["epochs": .number(3)]), metrics: ["val_auc": 0.875, "val_loss": 0.4],
            dataFingerprint: "test-data", engineVersion: "test")
        let stem = directory.appendingPathComponent("tiny")
        var tensors = try model.weightTensors()
        poison(&tensors)
        try CheckpointStore.save(tensors: tensors, metadata: metadata, to: stem)
        return stem
    }

    func testPredictionsAreTheCheckpointsProbabilitiesWithHeatmaps() async throws {
        let xrays = try TestImages.xrays(6)
        let context = try cpu()
        let checkpoint = try makeCheckpoint(context: context)
        let classifier = try await TrainedModelClassifier.load(checkpoint: checkpoint, context: context)
        XCTAssertTrue(classifier.drawsHeatmaps)

        // The reference: the same checkpoint loaded again, the same decoder, the inference path.
        let reference = try TrainedModel.load(from: checkpoint, context: context)
        let decoder = try JPEGDecoder()
        let pixels = try xrays.flatMap { try decoder.decode($0.bytes, side: 24).pixels }
        let expected = try reference.probabilities(.pixels(pixels), count: xrays.count)

        try await withServer(classifier, configuration: testConfiguration(maxBatchSize: 4, maxBatchWait: .milliseconds(50))) { port in
            let answers = try await withThrowingTaskGroup(of: (Int, HTTPAnswer).self) { group in
                for (index, xray) in xrays.enumerated() {
                    group.addTask { (index, try await predict(port: port, xray.bytes, query: index % 2 == 0 ? "?heatmap=1" : "")) }
                }
                var answers: [Int: HTTPAnswer] = [:]
                for try await (index, answer) in group { answers[index] = answer }
                return answers
            }
            var largestBatch = 0
            for (index, xray) in xrays.enumerated() {
                let answer = try XCTUnwrap(answers[index])
                XCTAssertEqual(answer.status, 200, xray.name)
                let json = try XCTUnwrap(answer.json, xray.name)
                let probabilities = try XCTUnwrap(json["probabilities"] as? [String: Double])
                XCTAssertEqual(try XCTUnwrap(probabilities["normal"]), expected[index][0], accuracy: 1e-6, xray.name)
                XCTAssertEqual(try XCTUnwrap(probabilities["pneumonia"]), expected[index][1], accuracy: 1e-6, xray.name)
                XCTAssertEqual(json["class"] as? String, expected[index][1] >= Self.threshold ? "pneumonia" : "normal", xray.name)
                XCTAssertEqual(json["threshold"] as? Double, Self.threshold)
                largestBatch = max(largestBatch, json["batch_size"] as? Int ?? 0)
                let heatmap = json["heatmap"] as? [String: Any]
                if index % 2 == 0 {
                    XCTAssertEqual(heatmap?["media_type"] as? String, "image/png")
                    let png = try XCTUnwrap(Data(base64Encoded: heatmap?["base64"] as? String ?? ""), xray.name)
                    let info = try PNGCheck.validate([UInt8](png))
                    XCTAssertEqual([info.width, info.height, info.colorType], [24, 24, 6], xray.name)
                } else {
                    XCTAssertNil(heatmap, xray.name)
                }
            }
            XCTAssertGreaterThan(largestBatch, 1, "concurrent requests share device batches")
        }
    }

    func testModelEndpointDescribesTheCheckpoint() async throws {
        let context = try cpu()
        let checkpoint = try makeCheckpoint(context: context)
        let stored = try CheckpointStore.loadMetadata(from: checkpoint)
        let classifier = try await TrainedModelClassifier.load(checkpoint: checkpoint, context: context)
        try await withServer(classifier) { port in
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/api/v1/model")
            let json = try XCTUnwrap(answer.json)
            XCTAssertEqual(json["id"] as? String, "tiny-cnn")
            XCTAssertEqual(json["version"] as? String, stored.weights?.crc32)
            XCTAssertEqual(json["classes"] as? [String], ["normal", "pneumonia"])
            XCTAssertEqual(json["positive_class"] as? String, "pneumonia")
            XCTAssertEqual(json["threshold"] as? Double, Self.threshold)
            let architecture = try XCTUnwrap(json["architecture"] as? [String: Any])
            XCTAssertEqual((architecture["layers"] as? [Any])?.count, Self.spec.layers.count)
            XCTAssertEqual((architecture["input"] as? [String: Any])?["size"] as? Int, 24)
            XCTAssertEqual(architecture["heatmap_layer"] as? String, "5 ReLU")
            let reference = try TrainedModel(spec: Self.spec, classNames: ["normal", "pneumonia"], context: context, seed: 0)
            XCTAssertEqual(architecture["parameter_count"] as? Int, reference.network.parameterCount)
            let training = try XCTUnwrap(json["training_metrics"] as? [String: Any])
            XCTAssertEqual(training["val_auc"] as? Double, 0.875)
            XCTAssertEqual((training["threshold_choice"] as? [String: Any])?["chosenOn"] as? String, "validation")
            XCTAssertEqual(training["data_fingerprint"] as? String, "test-data")
        }
    }

    /// Inputs only a real decoder can reject get a 4xx for themselves alone; the rest of their
    /// batch is answered, and the server keeps serving.
    func testBadInputsGetClientErrorsAndTheRestOfTheBatchIsServed() async throws {
        let xray = try TestImages.xrays(1)[0].bytes
        let context = try cpu()
        let classifier = try await TrainedModelClassifier.load(checkpoint: try makeCheckpoint(context: context), context: context)
        let bogusTables = try Self.withBogusHuffmanTable(xray)
        try await withServer(classifier, configuration: testConfiguration(maxBatchSize: 4, maxBatchWait: .milliseconds(50))) { port in
            async let bad = predict(port: port, bogusTables, query: "?heatmap=1")
            async let good = predict(port: port, xray, query: "?heatmap=1")
            let (badAnswer, goodAnswer) = try await (bad, good)
            XCTAssertEqual(badAnswer.status, 400)
            XCTAssertEqual(badAnswer.errorCode, "not_a_jpeg")
            XCTAssertTrue(badAnswer.errorMessage?.contains("Huffman") == true, badAnswer.errorMessage ?? "")
            XCTAssertEqual(goodAnswer.status, 200)

            for (body, status, code) in [
                ([UInt8](), 400, "empty_body"), (Array(xray.prefix(xray.count / 2)), 400, "truncated_jpeg"),
                (TestImages.png, 415, "unsupported_image_format"),
                (TestImages.baseline(claiming: 60_000, 60_000), 413, "too_many_pixels"),
            ] {
                let answer = try await predict(port: port, body)
                XCTAssertEqual(answer.status, status, code)
                XCTAssertEqual(answer.errorCode, code)
            }
            let after = try await predict(port: port, xray)
            XCTAssertEqual(after.status, 200, "still serving")
        }
    }

    /// A checkpoint whose weights hold NaN loads, but the probe finds it out: not ready, and
    /// no prediction is ever answered with a 200.
    func testCheckpointWithNaNWeightsIsNotReadyAndRefusesPredictions() async throws {
        let context = try cpu()
        let poison: (inout [NamedTensor]) -> Void = { tensors in
            let last = tensors.lastIndex { $0.name.hasSuffix("weight") } ?? tensors.count - 1
            tensors[last].values = tensors[last].values.map { _ in .nan }
        }
        // Such a file is refused as it loads, naming the tensor...
        do {
            _ = try await TrainedModelClassifier.load(checkpoint: try makeCheckpoint(context: context, poison: poison), context: context)
            XCTFail("a checkpoint with NaN weights loaded")
        } catch let error as CheckpointError {
            XCTAssertTrue(error.description.contains("nan"), error.description)
        }
        // ...and a model that turns to NaN in memory is caught by the probe.
        let model = try TrainedModel(spec: Self.spec, classNames: ["normal", "pneumonia"], context: context, seed: 4)
        var tensors = try model.weightTensors()
        poison(&tensors)
        try model.setWeights(tensors)
        let classifier = try TrainedModelClassifier(model: model)
        let capture = LogCapture()
        try await withServer(classifier, log: capture.log) { port in
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 503, String(decoding: ready.body, as: UTF8.self))
            XCTAssertEqual(ready.errorCode, "model_output_not_finite")
            XCTAssertTrue((ready.json?["reason"] as? String ?? "").contains("nan"), "\(ready.json ?? [:])")
            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
            for query in ["", "?heatmap=1"] {
                let answer = try await predict(port: port, TestImages.baseline, query: query)
                XCTAssertEqual(answer.status, 503, String(decoding: answer.body, as: UTF8.self))
                XCTAssertTrue(answer.errorMessage?.contains("cannot produce finite outputs") ?? false, answer.errorMessage ?? "")
            }
        }
        XCTAssertFalse(capture.lines.contains { $0.contains(" 200 ") && $0.contains("predict") }, "\(capture.lines)")
    }

    /// The real decoder turns CMYK and YCCK into gray, so the server classifies them as
    /// `pneumo predict` does.
    func testCMYKAndYCCKJPEGsAreClassified() async throws {
        let context = try cpu()
        let classifier = try await TrainedModelClassifier.load(checkpoint: try makeCheckpoint(context: context), context: context)
        try await withServer(classifier) { port in
            for kind in [TestJPEG.Kind.cmyk, .ycck] {
                // 40x32 px is below the quality gate's minimum; flagged, it is still classified.
                let answer = try await predict(port: port, try TestJPEG.make(kind), query: "?low_quality=flag")
                XCTAssertEqual(answer.status, 200, "\(kind): \(String(decoding: answer.body, as: UTF8.self))")
                XCTAssertEqual(answer.json?["image"] as? [String: Int], ["width": 40, "height": 32])
            }
        }
    }

    func testMissingOrDamagedCheckpointsAreRefusedWithTheirFile() async throws {
        let context = try cpu()
        do {
            _ = try await TrainedModelClassifier.load(checkpoint: directory.appendingPathComponent("absent"), context: context)
            XCTFail("a missing checkpoint loaded")
        } catch let error as CheckpointError {
            XCTAssertEqual(error.problem, .missing)
            XCTAssertTrue(error.description.contains("absent.json"), error.description)
        }
        let checkpoint = try makeCheckpoint(context: context)
        let weights = CheckpointPaths(checkpoint).weights
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 5] ^= 0xFF
        try bytes.write(to: weights)
        do {
            _ = try await TrainedModelClassifier.load(checkpoint: checkpoint, context: context)
            XCTFail("a damaged checkpoint loaded")
        } catch let error as CheckpointError {
            XCTAssertEqual(error.problem, .corrupted)
        }
    }

    /// The quality gate of `pneumo predict`, over HTTP: garbage gets a 422 naming the rule, or a
    /// flagged answer when the caller asks for one; a radiograph passes untouched.
    func testImagesFailingTheQualityGateGet422OrAFlaggedAnswer() async throws {
        let context = try cpu()
        let classifier = try await TrainedModelClassifier.load(checkpoint: try makeCheckpoint(context: context), context: context)
        let xray = try TestImages.xrays(1)[0].bytes
        var grey = xray
        // A zeroed quantisation table: the same file decodes to flat grey.
        var index = 2
        while grey[index + 1] != 0xDB { index += 2 + (Int(grey[index + 2]) << 8 | Int(grey[index + 3])) }
        for offset in (index + 5)..<(index + 69) { grey[offset] = 0 }
        try await withServer(classifier) { port in
            let good = try await predict(port: port, xray)
            XCTAssertEqual(good.status, 200, String(decoding: good.body, as: UTF8.self))
            XCTAssertNil(good.json?["quality_findings"])
            let refused = try await predict(port: port, grey)
            XCTAssertEqual(refused.status, 422)
            XCTAssertEqual(refused.errorCode, "low_quality_image")
            XCTAssertTrue(refused.errorMessage?.contains("rule contrast") ?? false, refused.errorMessage ?? "")
            let flagged = try await predict(port: port, grey, query: "?low_quality=flag")
            XCTAssertEqual(flagged.status, 200)
            let findings = try XCTUnwrap(flagged.json?["quality_findings"] as? [[String: Any]])
            XCTAssertTrue(findings.contains { $0["rule"] as? String == "contrast" }, "\(findings)")
            let bad = try await predict(port: port, grey, query: "?low_quality=maybe")
            XCTAssertEqual(bad.status, 400)
        }
    }

    /// The model's familiarity check, over HTTP: an image every pixel rule passes but whose
    /// features lie far from the X-rays the check was fitted on gets the gate's 422 naming the
    /// rule, or a flagged answer; the X-rays themselves pass.
    func testImagesUnlikeTheTrainingImagesGet422OrAFlaggedAnswer() async throws {
        let context = try cpu()
        let checkpoint = try makeCheckpoint(context: context)
        let xrays = try TestImages.xrays(6).map(\.bytes)
        let model = try TrainedModel.load(from: checkpoint, context: context)
        let decoder = try JPEGDecoder()
        let pixels = try xrays.flatMap { try decoder.decodeMeasured(Data($0), side: 24).image.pixels }
        let features = try model.features(.pixels(pixels), count: xrays.count)
        var metadata = try CheckpointStore.loadMetadata(from: checkpoint)
        metadata.familiarity = try FeatureFamiliarity.fit(
            layer: try model.featureLayer(), dimension: features.dimension, classes: 2, training: features.values, labels: [0, 1, 0, 1, 0, 1],
            validation: features.values, fittedOn: "six test X-rays")
        try CheckpointStore.replaceMetadata(metadata, at: checkpoint)

        // 16 px squares of grey between 150 and 255: textured, many levels, nothing like a chest.
        var generator = SeededGenerator(seed: 2)
        let squares = (0..<(16 * 16)).map { _ in UInt8.random(in: 150...255, using: &generator) }
        var collage = [UInt8](repeating: 0, count: 256 * 256)
        for y in 0..<256 { for x in 0..<256 { collage[y * 256 + x] = squares[(y / 16) * 16 + x / 16] } }
        let unfamiliar = try JPEGEncoder.encodeGray(GrayImage(width: 256, height: 256, pixels: collage), quality: 95)

        let classifier = try await TrainedModelClassifier.load(checkpoint: checkpoint, context: context)
        let described = try XCTUnwrap(classifier.metadata.trainingMetrics["familiarity_check"])
        XCTAssertEqual(described["limit"], .number(try XCTUnwrap(metadata.familiarity?.limit)))
        try await withServer(classifier) { port in
            let good = try await predict(port: port, xrays[0])
            XCTAssertEqual(good.status, 200, String(decoding: good.body, as: UTF8.self))
            let refused = try await predict(port: port, unfamiliar)
            XCTAssertEqual(refused.status, 422, String(decoding: refused.body, as: UTF8.self))
            XCTAssertEqual(refused.errorCode, "low_quality_image")
            XCTAssertTrue(refused.errorMessage?.contains("rule familiarity") ?? false, refused.errorMessage ?? "")
            let flagged = try await predict(port: port, unfamiliar, query: "?low_quality=flag")
            XCTAssertEqual(flagged.status, 200)
            let findings = try XCTUnwrap(flagged.json?["quality_findings"] as? [[String: Any]])
            XCTAssertEqual(findings.compactMap { $0["rule"] as? String }, ["familiarity"])
        }
    }

    /// A model without convolutions still classifies; it just cannot draw heatmaps.
    func testDenseModelClassifiesWithoutHeatmaps() async throws {
        let context = try cpu()
        let spec = ArchitectureSpec(
            name: "dense", input: .init(channels: 3, size: 8),
            layers: [LayerSpec(type: "Flatten"), LayerSpec(type: "Dense", units: .output)])
        let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 1)
        let classifier = try TrainedModelClassifier(model: model)
        XCTAssertFalse(classifier.drawsHeatmaps)
        let header = try UploadCheck.header(of: TestImages.baseline, maxPixels: .max)
        let outcomes = try await classifier.classify([
            ImageInput(jpeg: TestImages.baseline, wantsHeatmap: true, header: header, lowQuality: .flag),
            ImageInput(jpeg: Array(TestImages.baseline.prefix(40)), wantsHeatmap: false, header: header, lowQuality: .flag),
        ])
        XCTAssertEqual(outcomes.count, 2)
        let first = try outcomes[0].get()
        XCTAssertNil(first.heatmapPNG)
        XCTAssertEqual(first.probabilities.values.reduce(0, +), 1, accuracy: 1e-9)
        guard case .failure(.truncated) = outcomes[1] else { return XCTFail("\(outcomes[1])") }
    }

    /// `jpeg` with its first Huffman table's code counts raised past what the segment holds:
    /// the server's header check passes it, libjpeg refuses it.
    static func withBogusHuffmanTable(_ jpeg: [UInt8]) throws -> [UInt8] {
        var bytes = jpeg
        guard let marker = (2..<(bytes.count - 20)).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC4 }) else {
            throw XCTSkip("no Huffman table in the test image")
        }
        for offset in 0..<16 { bytes[marker + 5 + offset] = 0xFF }
        return bytes
    }
}

/// Checks a PNG's structure: signature, chunk CRCs, IHDR first and IEND last.
enum PNGCheck {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func validate(_ bytes: [UInt8]) throws -> (width: Int, height: Int, colorType: Int) {
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure(description: "no PNG signature") }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var position = 8
        var types: [String] = []
        var header: (Int, Int, Int) = (0, 0, 0)
        while position + 12 <= bytes.count {
            let length = u32(position)
            guard position + 12 + length <= bytes.count else { throw Failure(description: "chunk runs past the end") }
            let typed = bytes[(position + 4)..<(position + 8 + length)]
            guard CRC32.checksum(typed) == UInt32(u32(position + 8 + length)) else { throw Failure(description: "bad CRC") }
            let type = String(decoding: typed.prefix(4), as: UTF8.self)
            if type == "IHDR" { header = (u32(position + 8), u32(position + 12), Int(bytes[position + 17])) }
            types.append(type)
            position += 12 + length
        }
        guard types.first == "IHDR", types.last == "IEND", types.contains("IDAT"), position == bytes.count else {
            throw Failure(description: "chunks \(types)")
        }
        return header
    }
}
