import Engine
import Foundation
import PneumoData
import XCTest
@testable import PneumoApp

final class TestTimeAugmentationTests: XCTestCase {
    private func images(side: Int) -> DecodedImageSet {
        let pixels = (0..<(side * side)).map { UInt8(($0 * 7) % 251) }
        let sample = ImageSample(file: URL(fileURLWithPath: "/x.jpeg"), split: .test, classFolder: "NORMAL", label: 0, patientID: "x")
        return DecodedImageSet(side: side, samples: [sample], pixels: pixels)
    }

    func testWholePixelShiftMovesTheImageAndRepeatsTheEdge() {
        let side = 10
        let original = images(side: side).pixels
        let preprocessing = InputPreprocessing(side: side, channels: 1)
        func moved(_ variant: TestTimeAugmentation.Variant) -> [UInt8] {
            guard case let .pixels(bytes) = TestTimeAugmentation.apply(variant, to: .pixels(original), count: 1, preprocessing) else { return [] }
            return bytes
        }
        let shifted = moved(.init(shiftX: 0.1, shiftY: 0, scale: 1))
        XCTAssertEqual(shifted.count, original.count)
        for y in 0..<side {
            XCTAssertEqual(shifted[y * side], original[y * side], "the left edge is repeated")
            for x in 1..<side { XCTAssertEqual(shifted[y * side + x], original[y * side + x - 1]) }
        }
        XCTAssertEqual(moved(.identity), original)
    }

    func testStandardVariantsNeverFlip() {
        XCTAssertEqual(TestTimeAugmentation.standard.variants.count, 7)
        XCTAssertTrue(TestTimeAugmentation.standard.variants.allSatisfy { $0.scale > 0 })
    }

    func testEvaluationOnTheValidationShareWithTestTimeAugmentation() throws {
        let directory = try temporaryDirectory(self)
        let root = try EvaluateFixture.dataSet(in: directory)
        let context = try EvaluateFixture.cpu()
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let stem = directory.appendingPathComponent("model")
        try EvaluateFixture.save(model, to: stem)
        var options = EvaluateFixture.options(stem, root)
        options.onValidationShare = true
        let plain = try Evaluator.run(options, context: context).result
        XCTAssertEqual(plain.data.split, "validation")
        XCTAssertEqual(plain.data.images, 4, "the fixture records no grouped split, so its validation images are val/")
        XCTAssertTrue(plain.notes.contains { $0.contains("optimistic") })
        options.augmentation = .on(.standard)
        let augmented = try Evaluator.run(options, context: context).result
        XCTAssertTrue(augmented.notes.contains { $0.contains("test-time augmentation") })
        XCTAssertNotEqual(augmented.predictions.map(\.probabilities), plain.predictions.map(\.probabilities))
        for row in augmented.predictions { XCTAssertEqual(row.probabilities.reduce(0, +), 1, accuracy: 1e-9) }
    }
}
