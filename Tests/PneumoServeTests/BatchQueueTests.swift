import PneumoData
import XCTest
@testable import PneumoServe

final class BatchQueueTests: XCTestCase {
    private func input(_ index: Int) -> ImageInput {
        var bytes = TestImages.baseline
        bytes.insert(contentsOf: Array("image \(index)".utf8), at: 20)  // distinct bytes, distinct answers
        return ImageInput(jpeg: bytes, wantsHeatmap: index % 2 == 0, header: JPEGHeader(width: 24, height: 16, colorspace: .gray))
    }

    func testEveryRequestGetsItsOwnAnswerInBoundedBatches() async throws {
        let classifier = FakeClassifier(costPerBatch: .milliseconds(20))
        let queue = BatchQueue(classifier: classifier, maxBatchSize: 4, maxWait: .milliseconds(50))
        let results = await withTaskGroup(of: (Int, Result<BatchedOutcome, BatchFailure>).self) { group in
            for index in 0..<20 {
                group.addTask { (index, await queue.submit(self.input(index))) }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        XCTAssertEqual(results.count, 20)
        for (index, result) in results {
            let batched = try result.get()
            XCTAssertEqual(batched.outcome, FakeClassifier.outcome(for: input(index)), "request \(index)")
            XCTAssertLessThanOrEqual(batched.batchSize, 4)
        }
        let sizes = classifier.batchSizes
        XCTAssertEqual(sizes.reduce(0, +), 20)
        XCTAssertTrue(sizes.allSatisfy { $0 <= 4 }, "\(sizes)")
        // Cost is per call, so grouping is what makes 20 requests cheap.
        XCTAssertLessThanOrEqual(sizes.count, 10, "\(sizes)")
    }

    func testLoneRequestWaitsAtMostTheBatchWindow() async throws {
        let queue = BatchQueue(classifier: FakeClassifier(), maxBatchSize: 8, maxWait: .milliseconds(80))
        let start = ContinuousClock.now
        let batched = try await queue.submit(input(1)).get()
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(batched.batchSize, 1)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(75))
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testFullBatchStartsWithoutWaitingForTheWindow() async throws {
        let classifier = FakeClassifier()
        let queue = BatchQueue(classifier: classifier, maxBatchSize: 3, maxWait: .seconds(30))
        let start = ContinuousClock.now
        let sizes = await withTaskGroup(of: Int.self) { group in
            for index in 0..<3 { group.addTask { (try? await queue.submit(self.input(index)).get())?.batchSize ?? 0 } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(sizes, [3, 3, 3])
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10))
    }

    func testThrownErrorFailsTheBatchAndTheQueueGoesOn() async throws {
        let failing = BatchQueue(classifier: FakeClassifier(failure: FakeDeviceLost()), maxBatchSize: 2, maxWait: .zero)
        let result = await failing.submit(input(0))
        XCTAssertEqual(result.failureValue, .classifierFailed(description: "device lost"))
        let again = await failing.submit(input(1))
        XCTAssertEqual(again.failureValue, .classifierFailed(description: "device lost"))
    }

    func testWrongOutcomeCountIsAContractFailure() async {
        struct Silent: XRayClassifier {
            var metadata: ModelMetadata { FakeClassifier.metadata }
            func classify(_ images: [ImageInput]) async throws -> [ClassificationOutcome] { [] }
        }
        let queue = BatchQueue(classifier: Silent(), maxBatchSize: 2, maxWait: .zero)
        let result = await queue.submit(input(0))
        XCTAssertEqual(result.failureValue, .wrongOutcomeCount(expected: 1, got: 0))
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
