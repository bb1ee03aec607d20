import ArgumentParser
import Foundation
import PneumoApp
import PneumoData
import XCTest
@testable import pneumo

final class OptionValueTests: XCTestCase {
    /// Every value of a fixed-set option reads back as itself from its spelling in `--help`.
    private func assertRoundTrips<Value: ExpressibleByArgument & CaseIterable & RawRepresentable & Equatable>(
        _ type: Value.Type, file: StaticString = #filePath, line: UInt = #line
    ) where Value.RawValue == String {
        XCTAssertEqual(Value.allValueStrings, Value.allCases.map(\.rawValue), file: file, line: line)
        for value in Value.allCases {
            XCTAssertEqual(Value(argument: value.rawValue), value, file: file, line: line)
        }
    }

    func testEveryValueRoundTrips() {
        assertRoundTrips(OptimizerKind.self)
        assertRoundTrips(ValidationMetric.self)
        assertRoundTrips(TrainingRecipe.self)
        assertRoundTrips(PredictionFormat.self)
        assertRoundTrips(LabelScheme.self)
        assertRoundTrips(DatasetSplit.self)
        assertRoundTrips(LowQualityPolicy.self)
        assertRoundTrips(EvaluatedSplit.self)
        assertRoundTrips(ReferenceLibrary.self)
    }

    func testNamesThatIgnoredCaseStillDo() throws {
        XCTAssertEqual(OptimizerKind(argument: "AdamW"), .adamw)
        XCTAssertEqual(ValidationMetric(argument: "AUC"), .auc)
        XCTAssertEqual(TrainingRecipe(argument: "Notebook"), .notebook)
        XCTAssertEqual(ReferenceLibrary(argument: "CLBlast"), .clblast)
        let train = try TrainCommand.parse(["--optimizer", "RMSprop", "--monitor", "F1", "--recipe", "NOTEBOOK"])
        XCTAssertEqual(train.training.optimization.optimizer, .rmsprop)
        XCTAssertEqual(train.training.validation.monitor, .f1)
        XCTAssertEqual(train.training.modelChoice.recipe, .notebook)
    }

    func testEveryOldSpellingStillParses() throws {
        XCTAssertEqual(try PredictCommand.parse(["--model", "m", "a.jpg", "--format", "csv"]).format, .csv)
        XCTAssertEqual(try PredictCommand.parse(["--model", "m", "a.jpg"]).format, .table)
        XCTAssertEqual(try EDACommand.parse(["--data", "d", "--labels", "three-class"]).labels, .threeClass)
        XCTAssertEqual(try EvaluateCommand.parse(["--model", "m", "--split", "validation"]).split, .validation)
        XCTAssertEqual(try EvaluateCommand.parse(["--model", "m"]).split, .test)
        XCTAssertEqual(try LungAuditCommand.parse(["--model", "m", "--out", "o.json", "--split", "val"]).split, .val)
        XCTAssertEqual(try BenchCommand.parse(["--compare", "clblast"]).compare, .clblast)
    }

    func testTestTimeAugmentationFlagsOfPredictAndExport() throws {
        XCTAssertNil(try PredictCommand.parse(["--model", "m", "a.jpg"]).tta, "as the checkpoint was calibrated")
        XCTAssertEqual(try PredictCommand.parse(["--model", "m", "a.jpg", "--no-tta"]).tta, false)
        XCTAssertEqual(try ExportCommand.parse(["--model", "m", "--out", "m.onnx", "--tta"]).tta, true)
        XCTAssertNil(try ExportCommand.parse(["--model", "m", "--out", "m.onnx"]).tta)
        XCTAssertThrowsError(try ExportCommand.parse(["--model", "m", "--format", "pixels", "--out", "x.npy", "--no-tta", "a.jpg"])) { error in
            XCTAssertTrue(ExportCommand.message(for: error).contains("pixels are the image as it is"))
        }
    }

    func testBadValueErrorListsTheAllowedOnes() {
        assertRejected(PredictCommand.self, ["--model", "m", "a.jpg", "--format", "xml"], naming: ["table", "csv", "json"])
        assertRejected(EDACommand.self, ["--data", "d", "--labels", "four"], naming: ["binary", "three-class"])
        assertRejected(TrainCommand.self, ["--optimizer", "lion"], naming: OptimizerKind.allCases.map(\.rawValue))
        assertRejected(TrainCommand.self, ["--monitor", "precision"], naming: ValidationMetric.allCases.map(\.rawValue))
        assertRejected(TrainCommand.self, ["--recipe", "keras"], naming: ["default", "notebook"])
        assertRejected(EvaluateCommand.self, ["--model", "m", "--split", "dev"], naming: ["train", "val", "test", "validation"])
        assertRejected(PredictCommand.self, ["--model", "m", "a.jpg", "--low-quality", "ignore"], naming: ["refuse", "flag"])
    }

    func testHelpListsTheAllowedValues() {
        let help = TrainCommand.helpMessage(columns: 400)
        XCTAssertTrue(help.contains("sgd, momentum, nesterov, adam, adamw, rmsprop"), help)
        XCTAssertTrue(help.contains("loss, accuracy, auc, recall, f1"), help)
        XCTAssertTrue(help.contains("none, standard"), "--augment keeps naming its words")
        XCTAssertTrue(PredictCommand.helpMessage(columns: 400).contains("table, csv, json"))
    }

    private func assertRejected<Command: ParsableCommand>(
        _ command: Command.Type, _ arguments: [String], naming allowed: [String], line: UInt = #line
    ) {
        XCTAssertThrowsError(try command.parse(arguments), line: line) { error in
            let message = command.message(for: error)
            // Short lists come quoted on one line, longer ones as "  - value" lines.
            let listed = Set(message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            for value in allowed {
                XCTAssertTrue(
                    message.contains("'\(value)'") || listed.contains("- \(value)"), "'\(value)' missing from: \(message)", line: line)
            }
        }
    }
}
