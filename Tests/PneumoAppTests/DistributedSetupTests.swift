import Engine
import Foundation
import XCTest
@testable import PneumoApp

/// The parts of multi-process training that need no second process: launch detection, core
/// shares, per-rank streams and the resume state's record of them.
final class DistributedSetupTests: XCTestCase {
    func testLaunchIsReadFromOpenMPIsEnvironmentOnly() {
        XCTAssertNil(MPILaunch.detect(environment: ["PATH": "/usr/bin"]))
        let launch = MPILaunch.detect(environment: [
            "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "3", "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
        ])
        XCTAssertEqual(launch, MPILaunch(rank: 3, size: 4, localRank: 1, localSize: 2))
        XCTAssertEqual(MPILaunch.detect(environment: ["PMIX_SIZE": "2", "PMIX_RANK": "0"]), MPILaunch(rank: 0, size: 2, localRank: 0, localSize: 2))
    }

    func testRanksOnAHostSplitItsCoresUnlessTheUserChose() {
        let launch = MPILaunch(rank: 1, size: 4, localRank: 1, localSize: 2)
        XCTAssertEqual(launch.coreShare(cores: 16, environment: [:]), ["POCL_MAX_PTHREAD_COUNT": "8", "POCL_CPU_MAX_CU_COUNT": "8"])
        XCTAssertEqual(launch.coreShare(cores: 1, environment: [:])["POCL_MAX_PTHREAD_COUNT"], "1")
        XCTAssertEqual(launch.coreShare(cores: 16, environment: ["POCL_MAX_PTHREAD_COUNT": "3"]), ["POCL_CPU_MAX_CU_COUNT": "8"])
    }

    func testRankZeroKeepsTheSingleProcessStreamsAndOthersDiffer() {
        let first = TrainingSession.initialAugmentationGenerator(seed: 42)
        XCTAssertEqual(RankStreams.augmentation(first, rank: 0), first)
        let others = (1...3).map { RankStreams.augmentation(first, rank: $0).state }
        XCTAssertEqual(Set(others + [first.state]).count, 4)
        XCTAssertEqual(RankStreams.firstDropoutStep(rank: 0), 0)
        XCTAssertEqual(RankStreams.firstDropoutStep(rank: 2), 2 << 40)
    }

    func testResumeStateRecordsOtherRanksOnlyWhenThereAreAny() throws {
        var state = ResumeState(
            epoch: 1, batch: 2, optimizerSteps: 7, dropoutSteps: [7], augmentation: SeededGenerator(seed: 9),
            scheduler: LearningRateScheduler(schedule: .constant, baseRate: 0.1, epochs: 2, stepsPerEpoch: 3),
            earlyStopping: EarlyStopping(metric: .loss, patience: nil), epochTotals: EpochTotals(), elapsedSeconds: 1, epochSeconds: 0.5)
        let single = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        XCTAssertFalse(single.contains("processes"), single)
        XCTAssertEqual(try JSONDecoder().decode(ResumeState.self, from: Data(single.utf8)), state)

        state.allStreams = [
            RankStreams(augmentation: SeededGenerator(seed: 9), dropoutSteps: [7]),
            RankStreams(augmentation: SeededGenerator(seed: UInt64.max), dropoutSteps: [(1 << 40) + 7]),
        ]
        let decoded = try JSONDecoder().decode(ResumeState.self, from: try JSONEncoder().encode(state))
        XCTAssertEqual(decoded, state)
        XCTAssertEqual(decoded.ranks, 2)
        XCTAssertEqual(try decoded.streams(rank: 1, file: "f").dropoutSteps, [(1 << 40) + 7])
        XCTAssertThrowsError(try decoded.streams(rank: 2, file: "f"))
    }

    func testAGroupOfOneReturnsItsInput() throws {
        var values: [Float] = [1, 2]
        try ProcessGroup.single.sum(&values)
        XCTAssertEqual(values, [1, 2])
        XCTAssertTrue(try ProcessGroup.single.any(true))
        XCTAssertEqual(try ProcessGroup.single.broadcast([3]), [3])
        XCTAssertNoThrow(try DataAgreement.check(fingerprint: "a", stepsPerEpoch: 1, group: .single))
    }
}
