import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// Mixup and CutMix as training options: parsing and refusals, what options.json holds, the
/// card, and that a resumed mixed run ends with the weights of an uninterrupted one.
final class MixingTrainingTests: XCTestCase {
    func testMixingIsOffByDefaultAndAbsentFromTheOptionsFile() throws {
        let options = try TrainingArguments().resolve()
        XCTAssertNil(options.mixing)
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(options)) as! [String: Any]
        XCTAssertNil(json["mixing"], "options files of unmixed runs stay as they were")
        var zero = TrainingArguments()
        zero.mixup = 0
        zero.cutmix = 0
        XCTAssertNil(try zero.resolve().mixing, "alphas of 0 are off")
    }

    func testOptionsFilesWrittenBeforeMixingReadAsOff() throws {
        var old = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        old.removeValue(forKey: "mixing")
        let options = try JSONDecoder().decode(TrainingOptions.self, from: try JSONSerialization.data(withJSONObject: old))
        XCTAssertNil(options.mixing)
        XCTAssertEqual(options, TrainingOptions())
    }

    func testMixingOptionsResolveAndSurviveTheOptionsFile() throws {
        var arguments = TrainingArguments()
        arguments.mixup = 0.2
        var options = try arguments.resolve()
        XCTAssertEqual(options.mixing, MixingSettings(mixup: 0.2, cutmix: 0, probability: 1), "every batch unless told otherwise")
        arguments.cutmix = 1
        arguments.mixProbability = 0.5
        options = try arguments.resolve()
        XCTAssertEqual(options.mixing, MixingSettings(mixup: 0.2, cutmix: 1, probability: 0.5))
        XCTAssertEqual(Set(arguments.givenOptions), ["--mixup", "--cutmix", "--mix-probability"], "refused beside --resume like the others")
        let encoded = try JSONEncoder().encode(options)
        XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: encoded), options)
        let json = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        XCTAssertEqual(json["mixing"] as? [String: Double], ["mixup": 0.2, "cutmix": 1, "probability": 0.5])
        XCTAssertEqual(options.mixing?.summary, "mixup alpha 0.2 or cutmix alpha 1.0 on 50% of batches")
    }

    func testOutOfRangeValuesAreRefusedWithTheOptionAndTheFix() {
        let cases: [(String, (inout TrainingArguments) -> Void, String)] = [
            ("negative mixup", { $0.mixup = -0.2 }, "--mixup -0.2 is out of range"),
            ("huge mixup", { $0.mixup = 50 }, "--mixup 50.0 is out of range"),
            ("NaN mixup", { $0.mixup = .nan }, "--mixup"),
            ("negative cutmix", { $0.cutmix = -1 }, "--cutmix -1.0 is out of range"),
            ("probability above 1", { $0.mixup = 0.2; $0.mixProbability = 1.5 }, "--mix-probability 1.5 is out of range"),
            ("negative probability", { $0.cutmix = 1; $0.mixProbability = -0.5 }, "in [0, 1]"),
            ("probability alone", { $0.mixProbability = 0.5 }, "needs --mixup or --cutmix"),
            ("probability with alphas of 0", { $0.mixup = 0; $0.mixProbability = 0.5 }, "needs --mixup or --cutmix"),
        ]
        for (name, change, expected) in cases {
            var arguments = TrainingArguments()
            change(&arguments)
            XCTAssertThrowsError(try arguments.resolve(), name) { error in
                XCTAssertTrue(error is TrainingError, "\(name): \(type(of: error))")
                XCTAssertTrue("\(error)".contains(expected), "\(name): '\(error)' should mention \(expected)")
            }
        }
        var options = TrainingOptions()
        options.mixing = MixingSettings(mixup: 0.2, probability: 2)
        XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("--mix-probability"), "\($0)") }
    }

    func testStreamsDependOnSeedRankEpochAndBatchAlone() {
        let base = MixingStream.generator(seed: 7, rank: 0, epoch: 2, batch: 3)
        XCTAssertEqual(MixingStream.generator(seed: 7, rank: 0, epoch: 2, batch: 3), base)
        for other in [MixingStream.generator(seed: 8, rank: 0, epoch: 2, batch: 3), MixingStream.generator(seed: 7, rank: 1, epoch: 2, batch: 3),
                      MixingStream.generator(seed: 7, rank: 0, epoch: 3, batch: 3), MixingStream.generator(seed: 7, rank: 0, epoch: 2, batch: 4)] {
            XCTAssertNotEqual(other, base)
        }
    }
}

/// Training runs with mixing on the few real X-rays of `TinyChestXRays`.
final class MixedTrainerTests: XCTestCase {
    var context: ComputeContext!
    var folder: URL!
    var data: TrainingData!
    var model: String!

    override func setUpWithError() throws {
        (folder, context, data, model) = try TinyChestXRays.fixture(self)
    }

    private func stopper(after checks: Int?) -> () -> Bool {
        var calls = 0
        return {
            calls += 1
            return checks.map { calls > $0 } ?? false
        }
    }

    private func train(_ options: TrainingOptions, into name: String, stopAfter checks: Int? = nil) throws -> TrainingOutcome {
        try Trainer(options: options, data: data, output: folder.appendingPathComponent(name), context: context)
            .train(shouldStop: stopper(after: checks))
    }

    private func weights(_ run: String, _ name: String = "last") throws -> [NamedTensor] {
        try CheckpointStore.load(from: folder.appendingPathComponent("\(run)/\(name)")).tensors
    }

    func testResumedMixedRunEndsWithTheSameWeightsAndKeepsItsOptions() throws {
        var options = TinyChestXRays.options(model: model)
        options.mixing = MixingSettings(mixup: 0.4, cutmix: 1, probability: 0.75)
        options.labelSmoothing = 0.1
        guard case .finished = try train(options, into: "straight") else { return XCTFail("the uninterrupted run should finish") }
        guard case let .interrupted(epoch, batch, runURL) = try train(options, into: "resumed", stopAfter: 6) else {
            return XCTFail("expected an interruption")
        }
        XCTAssertEqual([epoch, batch], [1, 1])
        let resumed = try Trainer.resume(from: runURL, data: data, context: context)
        XCTAssertEqual(resumed.options.mixing, options.mixing, "the resume checkpoint keeps the mixing options")
        guard case .finished = try resumed.train() else { return XCTFail("the resumed run should finish") }
        for (a, b) in zip(try weights("resumed"), try weights("straight")) {
            let differing = zip(a.values, b.values).filter { $0.bitPattern != $1.bitPattern }.count
            XCTAssertEqual(differing, 0, "tensor \(a.name): \(differing) of \(a.values.count) values differ after resuming")
        }
        let straight = try TrainingHistory.read(json: folder.appendingPathComponent("straight/history.json")).records
        let again = try TrainingHistory.read(json: runURL.appendingPathComponent("history.json")).records
        XCTAssertEqual(straight.map(\.trainLoss), again.map(\.trainLoss))
        XCTAssertEqual(straight.map(\.trainAccuracy), again.map(\.trainAccuracy))
        XCTAssertEqual(try RunRecord.read(from: RunDirectory(runURL).options).options.mixing, options.mixing)
        let card = try String(contentsOf: runURL.appendingPathComponent("MODEL_CARD.md"), encoding: .utf8)
        XCTAssertTrue(card.contains("mixup alpha 0.4 or cutmix alpha 1.0 on 75% of batches"), "the card's training details name the mixing")
    }

    /// Mixing changes what is trained; a probability of 0 trains exactly as no mixing at all.
    func testMixingChangesTheRunAndProbabilityZeroDoesNot() throws {
        var plain = TinyChestXRays.options(model: model, epochs: 1)
        plain.schedule = .constant
        var mixed = plain, never = plain
        mixed.mixing = MixingSettings(mixup: 1)
        never.mixing = MixingSettings(mixup: 1, probability: 0)
        for (options, name) in [(plain, "plain"), (mixed, "mixed"), (never, "never")] {
            guard case .finished = try train(options, into: name) else { return XCTFail("\(name) should finish") }
        }
        let (a, b, c) = (try weights("plain"), try weights("mixed"), try weights("never"))
        XCTAssertNotEqual(a.map(\.values), b.map(\.values), "mixup must change the updates")
        XCTAssertEqual(a.map(\.values), c.map(\.values), "probability 0 must train as no mixing")
    }
}
