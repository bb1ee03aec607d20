import Engine
import Foundation
import PneumoData
import XCTest
@testable import PneumoApp

final class ShortcutAuditTests: XCTestCase {
    /// `count` train and `count` test records of random sizes; the label is `rule(width / height)`,
    /// or random when `rule` is nil.
    static func records(count: Int, seed: UInt64, rule: ((Double) -> Bool)?) -> [ImageSizeRecord] {
        var generator = SeededGenerator(seed: seed)
        return [DatasetSplit.train, .test].flatMap { split in
            (0..<count).map { _ -> ImageSizeRecord in
                let width = Int.random(in: 900...2400, using: &generator), height = Int.random(in: 900...2000, using: &generator)
                let positive = rule.map { $0(Double(width) / Double(height)) } ?? Bool.random(using: &generator)
                return ImageSizeRecord(split: split, label: positive ? 1 : 0, width: width, height: height)
            }
        }
    }

    func testLogisticRegressionRecoversASeparatingRule() throws {
        let result = try SizeAudit.run(Self.records(count: 400, seed: 11, rule: { $0 > 1.2 }), bootstrap: BootstrapOptions(resamples: 100))
        XCTAssertGreaterThan(try XCTUnwrap(result.testAUC.auc), 0.98)
        XCTAssertGreaterThan(try XCTUnwrap(result.testAUC.interval?.lower), 0.95)
        XCTAssertEqual(result.testAUC.images, 400)
        XCTAssertTrue(result.interpretation.contains("instead of the lungs"))
    }

    func testRandomSizesGiveChanceAUC() throws {
        let result = try SizeAudit.run(Self.records(count: 1000, seed: 12, rule: nil), bootstrap: BootstrapOptions(resamples: 100))
        XCTAssertEqual(try XCTUnwrap(result.testAUC.auc), 0.5, accuracy: 0.06)
        XCTAssertTrue(result.interpretation.contains("little information"))
    }

    func testTheFitIsDeterministic() throws {
        let records = Self.records(count: 100, seed: 13, rule: { $0 > 1 })
        XCTAssertEqual(try SizeAudit.run(records, bootstrap: BootstrapOptions(resamples: 20)),
                       try SizeAudit.run(records, bootstrap: BootstrapOptions(resamples: 20)))
    }

    func testFilesOfOneSizeAreNotedAsNormalised() throws {
        let records = Self.records(count: 50, seed: 14, rule: nil).map { ImageSizeRecord(split: $0.split, label: $0.label, width: 224, height: 224) }
        let result = try SizeAudit.run(records, bootstrap: BootstrapOptions(resamples: 20))
        XCTAssertEqual(try XCTUnwrap(result.testAUC.auc), 0.5, accuracy: 1e-9)
        XCTAssertTrue(result.notes.contains { $0.contains("normalised") }, "\(result.notes)")
        XCTAssertTrue(result.filesNormalised)
        XCTAssertTrue(result.interpretation.contains("cannot be audited"), result.interpretation)
    }

    func testOneClassSplitIsRefused() {
        let records = Self.records(count: 20, seed: 15, rule: { _ in true })
        assertThrows(AuditError.self, { _ = try SizeAudit.run(records) }) {
            XCTAssertTrue($0.description.contains("both classes"), $0.description)
        }
    }

    func testSizesComeFromTheManifestOrTheHeaders() throws {
        let directory = try temporaryDirectory(self)
        let root = try EvaluateFixture.dataSet(in: directory)
        let fromHeaders = try SizeAudit.run(root: root, manifest: nil, bootstrap: BootstrapOptions(resamples: 20))
        XCTAssertEqual(fromHeaders.sizeSource, "JPEG headers")
        XCTAssertEqual(fromHeaders.trainImages, [4, 4])
        XCTAssertEqual(fromHeaders.testImages, [3, 4])
        XCTAssertTrue(fromHeaders.filesNormalised, "the shared files are all one size")

        // Normal originals wide, pneumonia narrow; one row of unknown size.
        var lines = ["split,class,name,source,original_width,original_height"]
        let scan = try DatasetScanner.scanKaggle(root: root, splits: [.train, .test])
        for (index, sample) in scan.samples.enumerated() {
            let size = index == 0 ? ",," : sample.label == 0 ? "\(2000 + index),1400," : "\(1300 + index),1400,"
            lines.append("\(sample.split!.rawValue),\(sample.classFolder!),\(sample.file.lastPathComponent),original,\(size.dropLast())")
        }
        let manifest = directory.appendingPathComponent("MANIFEST.csv")
        try lines.joined(separator: "\n").write(to: manifest, atomically: true, encoding: .utf8)
        let fromManifest = try SizeAudit.run(root: root, manifest: manifest, bootstrap: BootstrapOptions(resamples: 20))
        XCTAssertEqual(fromManifest.sizeSource, "manifest MANIFEST.csv")
        XCTAssertEqual(fromManifest.leftOut, 1)
        XCTAssertEqual(fromManifest.testAUC.auc, 1)
    }

    func testLungMaskFillsExactlyTheStatedRegion() {
        let side = 10
        let region = LungRegion.standard
        let (columns, rows) = region.rectangle(side: side)
        XCTAssertEqual(columns, 2..<8, "60% of 10 columns, centred")
        XCTAssertEqual(rows, 1..<8, "70% of 10 rows, centred")
        let pixels = (0..<(2 * side * side)).map { UInt8(($0 * 7) % 251) }
        let sample = ImageSample(file: URL(fileURLWithPath: "/x.jpeg"), split: .test, classFolder: "NORMAL", label: 0, patientID: "x")
        let images = DecodedImageSet(side: side, samples: [sample, sample], pixels: pixels)
        let masked = region.masking(images, fill: .region), kept = region.masking(images, fill: .outside)
        for image in 0..<2 {
            let plane = Array(pixels[(image * side * side)..<((image + 1) * side * side)])
            let grey = UInt8((Double(plane.reduce(0) { $0 + Int($1) }) / Double(plane.count)).rounded())
            for y in 0..<side {
                for x in 0..<side {
                    let index = image * side * side + y * side + x
                    let inside = rows.contains(y) && columns.contains(x)
                    XCTAssertEqual(masked.pixels[index], inside ? grey : pixels[index], "masked image \(image) at (\(x), \(y))")
                    XCTAssertEqual(kept.pixels[index], inside ? pixels[index] : grey, "lungs-only image \(image) at (\(x), \(y))")
                }
            }
        }
    }

    func testLungAuditRunsEndToEndOnTheFixture() throws {
        let directory = try temporaryDirectory(self)
        let root = try EvaluateFixture.dataSet(in: directory)
        let context = try EvaluateFixture.cpu()
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let stem = directory.appendingPathComponent("best")
        try EvaluateFixture.save(model, to: stem)
        let result = try LungAudit.run(
            checkpoint: stem, root: root, split: .test, context: context, bootstrap: BootstrapOptions(resamples: 50, seed: 2),
            batchSize: 4, useCache: false)
        for figure in [result.original, result.lungsMasked, result.lungsOnly] {
            XCTAssertEqual(figure.images, 7)
            XCTAssertEqual(figure.positives, 4)
            XCTAssertNotNil(figure.auc)
        }
        XCTAssertEqual(result.region, .standard)
        // The unmasked figure is the model's plain test AUC.
        let images = try DatasetPreparation(root: root, labels: .binary, side: 32, useCache: false).load(.test).images
        let scores = try ImageScoring.probabilities(of: images, model: model, batchSize: 4).map { $0[1] }
        XCTAssertEqual(result.original.auc, try BinaryEvaluation.evaluate(labels: images.labels, probabilities: scores, bootstrap: nil).metrics.rocAUC)
        let file = directory.appendingPathComponent("lungs.json")
        try AuditFile.json(result).write(to: file)
        XCTAssertEqual(try AuditFile.read(file), .lungs(result))
        XCTAssertTrue(result.interpretation.contains("with the lungs masked"))
    }
}
