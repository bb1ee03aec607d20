import Foundation
import XCTest
@testable import PneumoApp

/// Synthetic checkpoint metadata and evaluation results for the card's tests.
enum CardFixture {
    static func metadata(calibrated: Bool = true, warnings: [String] = []) throws -> CheckpointMetadata {
        let youden = ThresholdChoice(strategy: .youden, threshold: 0.42, sensitivity: 0.93, specificity: 0.88, chosenOn: "validation")
        var metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: EvaluateFixture.spec), input: InputSpec(width: 32, height: 32, channels: 3),
            preprocessing: .object(["side": .integer(32)]), classNames: ["normal", "pneumonia"], threshold: youden,
            trainingOptions: .object([
                "validation_fraction": .number(0.1), "seed": .integer(42),
                "augmentation": .object(["aspect": .number(0.2)]), "optimizer": .string("adamw"),
            ]),
            metrics: ["val_auc": 0.95], dataFingerprint: "fingerprint-1", engineVersion: "test")
        metadata.operatingPoints = [youden]
        metadata.warnings = warnings
        if calibrated {
            let labels = [0, 1, 0, 1], raw = [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]
            let measured = CalibrationMetrics.measure(labels: labels, probabilities: raw)
            metadata.calibration = CalibrationRecord(temperature: 1.5, fittedOn: "validation", images: 4, before: measured, after: measured)
        }
        return metadata
    }

    /// A result on four images (two per class) whose ROC AUC is fixed by `probabilities`.
    static func evaluation(_ probabilities: [Double]) throws -> EvaluationResult {
        let labels = [0, 0, 1, 1]
        let bootstrap = BootstrapOptions(resamples: 50, seed: 1)
        return EvaluationResult(
            model: EvaluatedModel(
                name: "tiny-gap", checkpoint: "run/best.json", classNames: ["normal", "pneumonia"], channels: 3, size: 32,
                createdAt: nil, dataFingerprint: "fingerprint-1", trainingMetrics: [:]),
            data: EvaluatedData(root: "data", split: "test", images: 4, perClass: [2, 2], skipped: []),
            threshold: nil,
            binary: try BinaryEvaluation.evaluate(labels: labels, probabilities: probabilities, bootstrap: bootstrap),
            multiclass: nil, bootstrap: bootstrap, imagesPerSecond: 1, predictions: [], notes: [], calibration: nil, operatingPoints: nil)
    }

    /// Three results with ROC AUCs 1, 0.75 and 0.5.
    static func threeEvaluations() throws -> [NamedEvaluation] {
        try [[0.1, 0.2, 0.8, 0.9], [0.1, 0.8, 0.7, 0.9], [0.1, 0.8, 0.05, 0.9]].enumerated().map {
            NamedEvaluation(source: "seed\($0.offset)/evaluation.json", result: try evaluation($0.element))
        }
    }
}

final class ModelCardTests: XCTestCase {
    func testCardHasEveryHeadingAndTheFixedStatements() throws {
        let card = ModelCard.make(ModelCardInputs(metadata: try CardFixture.metadata(), checkpoint: "run/best.json"))
        let markdown = CardMarkdown.render(card), html = CardHTML.render(card)
        for heading in ModelCardText.headings + [ModelCardText.claimHeading] {
            XCTAssertTrue(markdown.contains("\n## \(heading)\n"), "no heading '\(heading)' in the Markdown")
            XCTAssertTrue(html.contains("<h2>\(heading)</h2>"), "no heading '\(heading)' in the HTML")
        }
        XCTAssertEqual(card.sections.prefix(ModelCardText.headings.count).map(\.title), ModelCardText.headings)
        for statement in [
            "decision support for reading pediatric chest X-rays", "not a diagnosis and not a replacement for a radiologist",
            "Guangzhou Women and Children's Medical Center", "Children aged 1 to 5 years", "anterior-posterior chest X-rays",
            "Kermany et al. 2018", "Cell 172(5)", "Mendeley Data v2", "normal or pneumonia", "bacterial or viral",
            "no external validation set was used", "resized to a square", "pneumo train --aspect", "Grayscale JPEG only",
            "Predictions on inputs failing it are refused", "grouped by patient", "The standard test split was never used for any choice",
            "Trainable parameters", "T = 1.500", "youden",
        ] {
            XCTAssertTrue(markdown.contains(statement), "the Markdown card lacks '\(statement)'")
        }
        XCTAssertTrue(html.contains(HTMLEscaping.escape(ModelCardText.trainingSource)), "the HTML card lacks the data source")
        XCTAssertFalse(markdown.contains("UNCALIBRATED"), "a calibrated checkpoint is flagged as uncalibrated")
        XCTAssertFalse(markdown.contains("WARNING"))
    }

    func testParameterCountComesFromTheArchitecture() throws {
        let inputs = ModelCardInputs(metadata: try CardFixture.metadata(), checkpoint: "run/best.json")
        // Global average pooling then Dense(3 -> 1): three weights and one bias.
        XCTAssertEqual(inputs.parameterCount, 4)
        XCTAssertEqual(inputs.aspectAugmentation, 0.2)
    }

    func testAnEnsembleCardNamesItsMembersAndCountsAllTheirParameters() throws {
        var metadata = try CardFixture.metadata()
        let member = try metadata.architecture.decode(ArchitectureSpec.self)
        let ensemble = EnsembleArchitecture(members: [
            .init(architecture: member, temperature: 1.2, source: "runs/a/best.json"),
            .init(architecture: member, temperature: 0.9, source: "runs/b/best.json"),
        ])
        metadata.architecture = try JSONValue(encoding: ensemble)
        let inputs = ModelCardInputs(metadata: metadata, checkpoint: "runs/ensemble.json")
        XCTAssertEqual(inputs.parameterCount, 8, "two members of four parameters")
        let markdown = CardMarkdown.render(ModelCard.make(inputs))
        XCTAssertTrue(markdown.contains("ensemble of 2") && markdown.contains("runs/b/best.json, temperature 0.900"), markdown)
    }

    func testUncalibratedCheckpointAndWarningsAreShownFirst() throws {
        let warning = "collapsed: every validation image was called pneumonia"
        let metadata = try CardFixture.metadata(calibrated: false, warnings: [warning])
        let card = ModelCard.make(ModelCardInputs(metadata: metadata, checkpoint: "run/best.json"))
        XCTAssertTrue(card.alerts.contains(ModelCardText.uncalibrated))
        XCTAssertTrue(card.alerts.contains { $0.contains(warning) })
        let markdown = CardMarkdown.render(card)
        let alert = try XCTUnwrap(markdown.range(of: "UNCALIBRATED")), firstSection = try XCTUnwrap(markdown.range(of: "## Model details"))
        XCTAssertLessThan(alert.lowerBound, firstSection.lowerBound, "the uncalibrated notice must come before the sections")
        XCTAssertLessThan(try XCTUnwrap(markdown.range(of: warning)).lowerBound, firstSection.lowerBound)
        XCTAssertTrue(CardHTML.render(card).contains("<div class=\"alert\" role=\"alert\">UNCALIBRATED"))
    }

    func testSeveralEvaluationsAreSummarisedAsMeanSDAndRange() throws {
        let evaluations = try CardFixture.threeEvaluations()
        let summary = EvaluationSummary.summarise(evaluations.map(\.result))
        let auc = try XCTUnwrap(summary.first { $0.name == "ROC AUC" })
        XCTAssertEqual(auc.values, [1, 0.75, 0.5])
        XCTAssertEqual(auc.mean, 0.75, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(auc.standardDeviation), 0.25, accuracy: 1e-12)
        XCTAssertEqual(auc.meanText, "0.750 ± 0.250")
        XCTAssertEqual(auc.rangeText, "0.500 – 1.000")
        XCTAssertFalse(summary.contains { $0.name == "True positives" }, "counts are not averaged")

        let card = ModelCard.make(ModelCardInputs(metadata: try CardFixture.metadata(), checkpoint: "run/best.json", evaluations: evaluations))
        let markdown = CardMarkdown.render(card)
        XCTAssertTrue(markdown.contains("| ROC AUC | 0.750 ± 0.250 | 0.500 – 1.000 | 3 |"), markdown)
        for named in evaluations { XCTAssertTrue(markdown.contains(named.source.replacingOccurrences(of: "_", with: "\\_"))) }
        XCTAssertFalse(card.alerts.contains { $0.hasPrefix("NOT EVALUATED") })
    }

    func testOneEvaluationIsShownWithItsIntervals() throws {
        let one = try CardFixture.threeEvaluations()[1]
        let card = ModelCard.make(ModelCardInputs(metadata: try CardFixture.metadata(), checkpoint: "run/best.json", evaluations: [one]))
        let markdown = CardMarkdown.render(card)
        XCTAssertTrue(markdown.contains("| ROC AUC | 0.750 | "), markdown)
        XCTAssertTrue(markdown.contains("95% interval"))
    }

    func testWriterReadsTheFilesAndWritesBothForms() throws {
        let directory = try temporaryDirectory(self)
        let checkpoint = directory.appendingPathComponent("best.json")
        try JSONEncoder().encode(try CardFixture.metadata()).write(to: checkpoint)
        let evaluationFolder = directory.appendingPathComponent("evaluation-test")
        try FileManager.default.createDirectory(at: evaluationFolder, withIntermediateDirectories: false)
        try CardFixture.evaluation([0.1, 0.2, 0.8, 0.9]).json().write(to: evaluationFolder.appendingPathComponent("evaluation.json"))
        let sizeAudit = try SizeAudit.run(ShortcutAuditTests.records(count: 200, seed: 5, rule: { $0 > 1.1 }))
        let auditFile = directory.appendingPathComponent("size.json")
        try AuditFile.json(sizeAudit).write(to: auditFile)

        let inputs = try ModelCardWriter.inputs(checkpoint: directory.appendingPathComponent("best"), evaluations: [evaluationFolder], audits: [auditFile])
        XCTAssertEqual(inputs.evaluations.count, 1)
        XCTAssertEqual(inputs.audits, [.size(sizeAudit)])
        let written = try ModelCardWriter.write(inputs, to: directory.appendingPathComponent("card"))
        let markdown = try String(contentsOf: written.markdown, encoding: .utf8)
        XCTAssertTrue(markdown.contains("Shape audit"))
        XCTAssertTrue(markdown.contains("could learn the shape of the image instead of the lungs"), markdown)
        XCTAssertTrue(try String(contentsOf: written.html, encoding: .utf8).contains("<h2>Quantitative analyses</h2>"))
    }

    func testAnEvaluationFileThatIsNotOneIsRefusedWithItsPath() throws {
        let directory = try temporaryDirectory(self)
        let checkpoint = directory.appendingPathComponent("best.json")
        try JSONEncoder().encode(try CardFixture.metadata()).write(to: checkpoint)
        let bogus = directory.appendingPathComponent("evaluation.json")
        try Data("{}".utf8).write(to: bogus)
        assertThrows(FileReadError.self, { _ = try ModelCardWriter.inputs(checkpoint: checkpoint, evaluations: [bogus]) }) {
            XCTAssertTrue($0.description.contains(bogus.path))
        }
    }
}
