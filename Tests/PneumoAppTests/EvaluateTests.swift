import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp

final class EvaluateTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!
    private var root: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        root = try EvaluateFixture.dataSet(in: directory)
        context = try EvaluateFixture.cpu()
    }

    private func binaryModel() throws -> TrainedModel {
        try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
    }

    func testEvaluationWritesReportAndJSONWithTheRightCounts() throws {
        let run = directory.appendingPathComponent("run", isDirectory: true)
        try EvaluateFixture.save(try binaryModel(), to: run.appendingPathComponent("best"))
        var history = TrainingHistory()
        for epoch in 1...3 {
            try history.append(EpochRecord(
                epoch: epoch, trainLoss: 1 / Double(epoch), trainAccuracy: 0.6 + 0.1 * Double(epoch), validationLoss: 0.8,
                validationAccuracy: 0.7, validationRecall: 0.8, validationAUC: 0.75, learningRate: 0.001, imagesPerSecond: 100, seconds: 2))
        }
        try history.write(csv: run.appendingPathComponent("history.csv"), json: run.appendingPathComponent("history.json"))

        let evaluation = try Evaluator.run(EvaluateFixture.options(run.appendingPathComponent("best"), root), context: context)
        let result = evaluation.result
        XCTAssertEqual(result.data.images, 7)
        XCTAssertEqual(result.data.perClass, [3, 4])
        XCTAssertEqual(result.predictions.count, 7)
        XCTAssertEqual(result.confusion.flatMap { $0 }.reduce(0, +), 7)
        XCTAssertEqual(result.confusion[0].reduce(0, +), 3, "the first row holds the 3 normal images")
        XCTAssertEqual(result.threshold?.origin, .defaultValue)
        XCTAssertEqual(result.threshold?.threshold, 0.5)
        let binary = try XCTUnwrap(result.binary)
        XCTAssertNotNil(binary.intervals?.accuracy)
        XCTAssertNotNil(binary.intervals?.falseNegatives)
        XCTAssertNotNil(binary.metrics.rocAUC)
        // Every count and metric agrees with the per-image predictions it reports.
        let correct = result.predictions.filter(\.isCorrect).count
        XCTAssertEqual(binary.metrics.accuracy, Double(correct) / 7, accuracy: 1e-12)
        XCTAssertEqual(result.rows.map(\.name).prefix(3), ["Accuracy", "Precision", "Recall (sensitivity)"])
        XCTAssertEqual(evaluation.history?.records.count, 3)

        let out = directory.appendingPathComponent("out", isDirectory: true)
        let written = try EvaluationWriter.write(evaluation, to: out)
        let html = try String(contentsOf: written.html, encoding: .utf8)
        for piece in ["ROC curve", "Precision-recall curve", "Confusion matrix", "Loss", "data:image/png;base64,", "Specificity", "95% interval"] {
            XCTAssertTrue(html.contains(piece), "report lacks \(piece)")
        }
        XCTAssertFalse(html.contains("src=\"http"), "the report must be self-contained")
        let decoded = try EvaluationResult.read(json: Data(contentsOf: written.json))
        XCTAssertEqual(decoded, result)
        let table = EvaluationTable.render(result)
        XCTAssertTrue(table.contains("ROC AUC"), table)
        XCTAssertTrue(table.contains("true pneumonia"), table)
    }

    func testTheThresholdStoredInTheCheckpointDecides() throws {
        let model = try binaryModel()
        let plain = directory.appendingPathComponent("plain")
        try EvaluateFixture.save(model, to: plain)
        let first = try Evaluator.run(EvaluateFixture.options(plain, root), context: context).result
        // A threshold between two neighbouring probabilities that calls a number of images
        // positive that 0.5 does not.
        let sorted = first.predictions.map { $0.probabilities[1] }.sorted()
        let atHalf = sorted.filter { $0 >= 0.5 }.count
        let wanted = atHalf == 4 ? 2 : 4
        let threshold = (sorted[sorted.count - wanted - 1] + sorted[sorted.count - wanted]) / 2
        let choice = ThresholdChoice(strategy: .youden, threshold: threshold, sensitivity: 0.9, specificity: 0.8, chosenOn: "validation")
        let stored = directory.appendingPathComponent("stored")
        try EvaluateFixture.save(model, to: stored, threshold: choice)

        let result = try Evaluator.run(EvaluateFixture.options(stored, root), context: context).result
        XCTAssertEqual(result.threshold?.origin, .checkpoint)
        XCTAssertEqual(result.threshold?.threshold, threshold)
        XCTAssertEqual(result.threshold?.choice, choice)
        let confusion = try XCTUnwrap(result.binary?.metrics.confusion)
        XCTAssertEqual(confusion.truePositives + confusion.falsePositives, wanted)
        XCTAssertEqual(result.predictions.filter { $0.predicted == 1 }.count, wanted)
        for prediction in result.predictions {
            XCTAssertEqual(prediction.predicted, prediction.probabilities[1] >= threshold ? 1 : 0)
        }
        XCTAssertTrue(EvaluationTable.render(result).contains("from the checkpoint"))

        let given = try Evaluator.run(EvaluateFixture.options(stored, root, threshold: try ThresholdRequest(parsing: "0.999")), context: context)
        XCTAssertEqual(given.result.threshold?.origin, .commandLine)
        XCTAssertEqual(given.result.binary?.metrics.confusion.truePositives, 0)
    }

    func testYoudenIsChosenOnTheRecordedGroupedValidationSplitNotOnTest() throws {
        let model = try binaryModel()
        let stem = directory.appendingPathComponent("grouped")
        try EvaluateFixture.save(model, to: stem, trainingOptions: .object(["validationFraction": .number(0.5), "seed": .integer(7)]))
        let result = try Evaluator.run(EvaluateFixture.options(stem, root, threshold: .strategy(.youden)), context: context).result
        let decision = try XCTUnwrap(result.threshold)
        XCTAssertEqual(decision.origin, .validation)
        XCTAssertEqual(decision.validation, .grouped(fraction: 0.5, seed: 7))

        // The same split made independently, and Youden's threshold on it.
        let preparation = try DatasetPreparation(root: root, labels: .binary, side: 32, useCache: false)
        let validation = try preparation.trainingAndValidation(validationFraction: 0.5, seed: 7).validation
        XCTAssertTrue(validation.samples.allSatisfy { $0.split == .train })
        let probabilities = try ImageScoring.probabilities(of: validation, model: model, batchSize: 8).map { $0[1] }
        let expected = try ThresholdChoice.choose(.youden, labels: validation.labels, probabilities: probabilities)
        XCTAssertEqual(decision.threshold, expected.threshold)
        XCTAssertTrue(decision.explanation.contains("never on the split evaluated"), decision.explanation)

        // Without a recorded split, the official val folder is used.
        let plain = directory.appendingPathComponent("plain")
        try EvaluateFixture.save(model, to: plain)
        let official = try Evaluator.run(EvaluateFixture.options(plain, root, threshold: .strategy(.targetSensitivity(1))), context: context)
        XCTAssertEqual(official.result.threshold?.validation, .officialVal)
        let val = try preparation.load(.val).images
        let valProbabilities = try ImageScoring.probabilities(of: val, model: model, batchSize: 8).map { $0[1] }
        XCTAssertEqual(official.result.threshold?.threshold, valProbabilities.enumerated().filter { val.labels[$0.offset] == 1 }.map(\.element).min())
    }

    func testThreeClassCheckpointsGetPerClassMetricsAndA3x3Matrix() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "bacterial", "viral"], context: context)
        let stem = directory.appendingPathComponent("three")
        try EvaluateFixture.save(model, to: stem)
        let evaluation = try Evaluator.run(EvaluateFixture.options(stem, root), context: context)
        let result = evaluation.result
        XCTAssertNil(result.binary)
        XCTAssertNil(result.threshold)
        let multiclass = try XCTUnwrap(result.multiclass)
        XCTAssertEqual(result.data.perClass, [3, 2, 2])
        XCTAssertEqual(multiclass.metrics.confusion.count, 3)
        XCTAssertTrue(multiclass.metrics.confusion.allSatisfy { $0.count == 3 })
        XCTAssertEqual(multiclass.metrics.perClass.map(\.support), [3, 2, 2])
        XCTAssertNotNil(multiclass.intervals?.macroF1)
        XCTAssertEqual(result.rows.filter { $0.name.hasSuffix(" F1") }.count, 4, "macro F1 and one per class")
        let written = try EvaluationWriter.write(evaluation, to: directory.appendingPathComponent("out3"))
        let html = try String(contentsOf: written.html, encoding: .utf8)
        XCTAssertTrue(html.contains("Macro F1") && html.contains("viral"), "three-class report incomplete")
        XCTAssertFalse(html.contains("ROC curve"))

        XCTAssertThrowsError(try Evaluator.run(EvaluateFixture.options(stem, root, threshold: .strategy(.youden)), context: context)) {
            XCTAssertTrue("\($0)".contains("two-class"), "\($0)")
        }
    }

    func testClearErrorsForAMissingOrTruncatedCheckpointAndAMissingSplit() throws {
        let missing = directory.appendingPathComponent("nothing/best")
        assertThrows(CheckpointError.self, { _ = try Evaluator.run(EvaluateFixture.options(missing, self.root), context: self.context) }) {
            XCTAssertEqual($0.problem, .missing)
            XCTAssertTrue($0.description.contains("nothing/best.json"), $0.description)
        }

        let stem = directory.appendingPathComponent("cut")
        let paths = try EvaluateFixture.save(try binaryModel(), to: stem)
        let bytes = try Data(contentsOf: paths.weights)
        try bytes.prefix(bytes.count / 2).write(to: paths.weights)
        assertThrows(CheckpointError.self, { _ = try Evaluator.run(EvaluateFixture.options(stem, self.root), context: self.context) }) {
            XCTAssertEqual($0.problem, .truncated)
            XCTAssertTrue($0.description.contains("truncated"), $0.description)
        }

        let good = directory.appendingPathComponent("good")
        try EvaluateFixture.save(try binaryModel(), to: good)
        try FileManager.default.removeItem(at: root.appendingPathComponent("test"))
        assertThrows(DataError.self, { _ = try Evaluator.run(EvaluateFixture.options(good, self.root), context: self.context) }) {
            XCTAssertEqual($0, .missingSplit(self.root, .test))
            XCTAssertTrue($0.description.contains("no test/ folder"), $0.description)
        }
    }
}

/// The parts of evaluation that need no data set.
final class EvaluatePartsTests: XCTestCase {
    func testThresholdRequestsParse() throws {
        XCTAssertEqual(try ThresholdRequest(parsing: "from-checkpoint"), .fromCheckpoint)
        XCTAssertEqual(try ThresholdRequest(parsing: "0.5"), .strategy(.fixed(0.5)))
        XCTAssertEqual(try ThresholdRequest(parsing: "youden"), .strategy(.youden))
        XCTAssertEqual(try ThresholdRequest(parsing: "sensitivity:0.95"), .strategy(.targetSensitivity(0.95)))
        XCTAssertThrowsError(try ThresholdRequest(parsing: "best"))
        XCTAssertEqual(ValidationSource(trainingOptions: .object(["validation_fraction": .number(0.15), "seed": .integer(3)])),
                       .grouped(fraction: 0.15, seed: 3))
        XCTAssertEqual(ValidationSource(trainingOptions: .object(["validationFraction": .integer(0), "seed": .integer(3)])), .officialVal)
        XCTAssertEqual(ValidationSource(trainingOptions: .null), .officialVal)
        // A run with its own split seed was validated on that split, whatever its other seed.
        var options = TrainingOptions(seed: 5)
        options.splitSeed = 42
        XCTAssertEqual(ValidationSource(trainingOptions: try JSONValue(encoding: options)), .grouped(fraction: 0.1, seed: 42))
        XCTAssertEqual(ValidationSource(trainingOptions: try JSONValue(encoding: TrainingOptions(seed: 5))), .grouped(fraction: 0.1, seed: 5))
    }

    func testExamplesMixClassesAndPutConfidentMistakesFirst() {
        func prediction(_ label: Int, _ predicted: Int, _ p: Double) -> ImagePrediction {
            ImagePrediction(file: "f", label: label, predicted: predicted, probabilities: predicted == 1 ? [1 - p, p] : [p, 1 - p])
        }
        let predictions = [
            prediction(0, 1, 0.6), prediction(0, 1, 0.9), prediction(1, 0, 0.7), prediction(0, 0, 0.8),
            prediction(1, 1, 0.8), prediction(1, 1, 0.99), prediction(0, 0, 0.55),
        ]
        let (wrong, correct) = ExampleSelection.choose(predictions, count: 2, classCount: 2)
        XCTAssertEqual(wrong, [1, 2], "the most confident mistake of each class")
        XCTAssertEqual(correct.count, 2)
        XCTAssertEqual(Set(correct.map { predictions[$0].label }), [0, 1])
        XCTAssertEqual(ExampleSelection.choose(predictions, count: 10, classCount: 2).wrong.count, 3)
    }
}
