import Foundation
import PneumoData
import XCTest
@testable import PneumoServe

/// Many clients at once: every answer correct and matched to its request, and the requests
/// grouped into batches so that the model is called far fewer times than there are requests.
final class ServerConcurrencyTests: XCTestCase {
    func testThirtyTwoConcurrentRequestsAreAnsweredCorrectlyInBatches() async throws {
        let images = TestImages.distinctJPEGs(32)
        XCTAssertEqual(Set(images).count, 32, "distinct images, distinct answers")
        // A model whose cost is per call, as on a device: batching is what buys throughput.
        let classifier = FakeClassifier(costPerBatch: .milliseconds(40))
        let configuration = testConfiguration(maxInFlight: 64, maxBatchSize: 8, maxBatchWait: .milliseconds(10))
        try await withServer(classifier, configuration: configuration) { port in
            let start = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: (Int, HTTPAnswer).self) { group in
                for (index, image) in images.enumerated() {
                    group.addTask { (index, try await predict(port: port, image, query: index % 4 == 0 ? "?heatmap=1" : "")) }
                }
                return try await group.reduce(into: [Int: HTTPAnswer]()) { $0[$1.0] = $1.1 }
            }
            let elapsed = ContinuousClock.now - start
            XCTAssertEqual(answers.count, 32)
            var batchSizesSeen: [Int] = []
            for (index, answer) in answers.sorted(by: { $0.key < $1.key }) {
                XCTAssertEqual(answer.status, 200, "request \(index)")
                let header = try UploadCheck.header(of: images[index], maxPixels: .max)
                let expected = FakeClassifier.outcome(for: ImageInput(jpeg: images[index], wantsHeatmap: false, header: header))
                guard case .success(let classification) = expected else {
                    XCTAssertEqual(answer.status, 400, "request \(index)")
                    continue
                }
                let pneumonia = (answer.json?["probabilities"] as? [String: Double])?["PNEUMONIA"] ?? -1
                XCTAssertEqual(pneumonia, classification.probabilities["PNEUMONIA"] ?? -2, accuracy: 1e-12, "request \(index)")
                XCTAssertEqual(answer.json?["class"] as? String, classification.predictedClass, "request \(index)")
                XCTAssertEqual(answer.json?["heatmap"] != nil, index % 4 == 0, "request \(index)")
                batchSizesSeen.append(answer.json?["batch_size"] as? Int ?? 0)
            }
            let calls = classifier.batchSizes
            XCTAssertEqual(calls.reduce(0, +), 32)
            XCTAssertTrue(calls.allSatisfy { (1...8).contains($0) }, "\(calls)")
            XCTAssertGreaterThan(batchSizesSeen.max() ?? 0, 1, "no batch of more than one formed: \(calls)")
            XCTAssertLessThanOrEqual(calls.count, 16, "32 requests took \(calls.count) model calls: \(calls)")
            print("32 concurrent requests: \(calls.count) model calls, batch sizes \(calls), \(elapsed)")
        }
    }
}
