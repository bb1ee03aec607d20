import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp
@testable import PneumoServe

/// One set of JPEGs through the training batch, `pneumo predict` and the server: the same gray
/// bytes, the same input tensor bit for bit, and the same probabilities.
final class InputContractTests: XCTestCase {
    /// Three channels, so the repetition of the gray plane is part of what is compared.
    static let spec = ArchitectureSpec(
        name: "contract-cnn", input: .init(channels: 3, size: 24),
        layers: [
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same"), LayerSpec(type: "ReLU"),
            LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output),
        ])

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    func testTrainPredictAndServePathsMakeTheSameTensor() async throws {
        let xrays = try TestImages.xrays(4)
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let files = try xrays.enumerated().map { index, xray -> URL in
            let file = directory.appendingPathComponent("\(index).jpeg")
            try Data(xray.bytes).write(to: file)
            return file
        }
        // A checkpoint written the way training writes one, loaded the way every command loads one.
        let fresh = try TrainedModel(spec: Self.spec, classNames: ["normal", "pneumonia"], context: context, seed: 9)
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: Self.spec), input: InputSpec(width: 24, height: 24, channels: 3),
            preprocessing: try JSONValue(encoding: fresh.preprocessing), classNames: fresh.classNames, threshold: nil,
            trainingOptions: .object([:]), metrics: [:], dataFingerprint: "contract", engineVersion: "test")
        let stem = directory.appendingPathComponent("model")
        try CheckpointStore.save(tensors: try fresh.weightTensors(), metadata: metadata, to: stem)
        let model = try TrainedModel.load(from: stem, context: context)
        let preprocessing = model.preprocessing
        XCTAssertEqual(preprocessing, InputPreprocessing(side: 24, channels: 3))
        let count = files.count

        // Training: the loader's decode, a batch, and the trainer's upload.
        let samples = files.enumerated().map { index, file in
            ImageSample(file: file, split: .train, classFolder: nil, label: index % 2, patientID: "p\(index)")
        }
        let (set, _) = try ImageSetLoader.load(samples, name: "contract", preprocessing: preprocessing.decoding, cache: nil)
        let batch = try BatchLoader(set, options: BatchOptions(batchSize: count, shuffle: false)).makeBatch(Array(0..<count)[...])
        let trainTensor = try preprocessing.tensor(pixels: batch.pixels, count: count, context: context)
        XCTAssertEqual(trainTensor.shape, [count, 3, 24, 24])
        let train = try trainTensor.toArray()

        // Prediction: the images `pneumo predict` scored, made input as it makes them.
        let predicted = try Predictor.run(model: model, paths: files, lowQuality: .flag)
        XCTAssertEqual(predicted.images.samples.map(\.file.lastPathComponent), files.map(\.lastPathComponent))
        let predict = try ModelImages.pixels(predicted.images.pixels).tensor(start: 0, count: count, preprocessing, context: context).toArray()

        // Serving: the classifier's decode of each upload.
        let classifier = try TrainedModelClassifier(model: try TrainedModel.load(from: stem, context: context))
        let uploads = try xrays.map { xray in
            ImageInput(jpeg: xray.bytes, wantsHeatmap: false, header: try xray.bytes.withUnsafeBytes { try JPEGDecoder().header($0) }, lowQuality: .flag)
        }
        let served = try uploads.flatMap { try classifier.decodeUpload($0).image.pixels }
        let serve = try ModelImages.pixels(served).tensor(start: 0, count: count, preprocessing, context: context).toArray()

        XCTAssertEqual(predicted.images.pixels, batch.pixels)
        XCTAssertEqual(served, batch.pixels)
        XCTAssertEqual(bits(predict), bits(train))
        XCTAssertEqual(bits(serve), bits(train))
        // The device's values are the host reference's, and the arithmetic the host used before
        // the scaling moved to the device: byte * (1 / 255), the gray plane repeated.
        XCTAssertEqual(bits(train), bits(try preprocessing.values(pixels: batch.pixels, count: count)))
        let plane = 24 * 24
        let before = (0..<count).flatMap { image in
            [[Float]](repeating: batch.pixels[(image * plane)..<((image + 1) * plane)].map { Float($0) * (1 / 255) }, count: 3).joined()
        }
        XCTAssertEqual(bits(train), bits(before))

        // And the three paths give the same probabilities, to the bit.
        let trainProbabilities = try model.probabilities(.pixels(batch.pixels), count: count)
        XCTAssertEqual(predicted.entries.compactMap(\.probabilities), trainProbabilities)
        let outcomes = try await classifier.classify(uploads)
        let servedProbabilities = try outcomes.map { outcome -> [Double] in
            let answer = try outcome.get()
            return ["normal", "pneumonia"].map { answer.probabilities[$0] ?? .nan }
        }
        XCTAssertEqual(servedProbabilities, trainProbabilities)
    }
}
