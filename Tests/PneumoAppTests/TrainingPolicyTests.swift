import XCTest
@testable import PneumoApp

final class TrainingPolicyTests: XCTestCase {
    func testScheduleParsing() throws {
        XCTAssertEqual(try LearningRateSchedule(parsing: "constant"), .constant)
        XCTAssertEqual(try LearningRateSchedule(parsing: "step:3:0.1"), .step(every: 3, factor: 0.1))
        XCTAssertEqual(try LearningRateSchedule(parsing: "cosine:2"), .cosine(warmupEpochs: 2, minimumFactor: 0.01))
        XCTAssertThrowsError(try LearningRateSchedule(parsing: "linear"))
        XCTAssertThrowsError(try LearningRateSchedule(parsing: "step:x"))
    }

    func testStepScheduleDecaysEveryNEpochs() {
        let scheduler = LearningRateScheduler(schedule: .step(every: 2, factor: 0.5), baseRate: 0.1, epochs: 6, stepsPerEpoch: 10)
        XCTAssertEqual(scheduler.rate(epoch: 0, step: 5), 0.1, accuracy: 1e-12)
        XCTAssertEqual(scheduler.rate(epoch: 1, step: 9), 0.1, accuracy: 1e-12)
        XCTAssertEqual(scheduler.rate(epoch: 2, step: 0), 0.05, accuracy: 1e-12)
        XCTAssertEqual(scheduler.rate(epoch: 5, step: 0), 0.025, accuracy: 1e-12)
    }

    func testCosineWarmsUpThenFallsToTheFloor() {
        let scheduler = LearningRateScheduler(
            schedule: .cosine(warmupEpochs: 1, minimumFactor: 0.1), baseRate: 1, epochs: 5, stepsPerEpoch: 4)
        XCTAssertEqual(scheduler.rate(epoch: 0, step: 0), 0.25, accuracy: 1e-9)
        XCTAssertEqual(scheduler.rate(epoch: 0, step: 3), 1.0, accuracy: 1e-9)
        XCTAssertEqual(scheduler.rate(epoch: 1, step: 0), 1.0, accuracy: 1e-9)
        XCTAssertEqual(scheduler.rate(epoch: 3, step: 0), 0.55, accuracy: 1e-9)  // half way: floor + half the span
        XCTAssertEqual(scheduler.rate(epoch: 4, step: 3), 0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * 3.75 / 4)), accuracy: 1e-9)
        var previous = Double.infinity
        for epoch in 1..<5 {
            for step in 0..<4 {
                let rate = scheduler.rate(epoch: epoch, step: step)
                XCTAssertLessThanOrEqual(rate, previous)
                previous = rate
            }
        }
    }

    func testPlateauCutsTheRateAfterPatienceEpochs() {
        var scheduler = LearningRateScheduler(
            schedule: .plateau(patience: 2, factor: 0.5, minimumFactor: 0.2), baseRate: 1, epochs: 10, stepsPerEpoch: 1)
        for loss in [1.0, 0.9, 0.95, 0.92] { scheduler.epochEnded(metric: loss, lowerIsBetter: true) }
        XCTAssertEqual(scheduler.rate(epoch: 4, step: 0), 0.5)
        for loss in [0.93, 0.94, 0.95, 0.96, 0.97, 0.98] { scheduler.epochEnded(metric: loss, lowerIsBetter: true) }
        XCTAssertEqual(scheduler.rate(epoch: 10, step: 0), 0.2, "never below the floor")
    }

    func testEarlyStoppingTracksBestAndPatience() {
        var stopping = EarlyStopping(metric: .auc, patience: 2)
        XCTAssertTrue(stopping.record(0.80, epoch: 0))
        XCTAssertTrue(stopping.record(0.85, epoch: 1))
        XCTAssertFalse(stopping.record(0.84, epoch: 2))
        XCTAssertFalse(stopping.shouldStop)
        XCTAssertFalse(stopping.record(.nan, epoch: 3))
        XCTAssertTrue(stopping.shouldStop)
        XCTAssertEqual(stopping.bestEpoch, 1)
        var byLoss = EarlyStopping(metric: .loss, patience: nil)
        XCTAssertTrue(byLoss.record(0.5, epoch: 0))
        XCTAssertTrue(byLoss.record(0.4, epoch: 1))
        XCTAssertFalse(byLoss.shouldStop)
    }
}
