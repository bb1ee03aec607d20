import Foundation
import Engine
import OpenCLKit
import XCTest

/// Local-contrast augmentation: the two-pass kernel against the direct-window reference, what
/// the amount does to an image, how it is drawn, and that it leaves runs without it unchanged.
final class LocalContrastTests: XCTestCase {
    private func randomImages(_ shape: [Int], seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() }
    }

    func testKernelMatchesTheDirectWindowReference() throws {
        let context = try TestDevice.context()
        // Sides below, at and above 16 (radius 1 and 2), odd ones, several channels, and an
        // image narrower than its box.
        for (index, shape) in [[3, 1, 16, 16], [2, 3, 9, 40], [2, 1, 33, 20], [1, 2, 5, 3]].enumerated() {
            let values = randomImages(shape, seed: UInt64(30 + index))
            let amounts: [Float] = [0.7, -0.6, 0, 1].prefix(shape[0]).map { $0 }
            let output = try LocalContrast.apply(try Tensor(context, shape: shape, values: values), amounts: amounts).toArray()
            assertClose(output, LocalContrastReference.apply(values, shape: shape, amounts: amounts),
                        absolute: 1e-5, relative: 0, "shape \(shape)")
        }
    }

    func testAmountZeroAndFlatImagesStayExactlyAsTheyWere() throws {
        let context = try TestDevice.context()
        let shape = [3, 1, 12, 12]
        var values = randomImages(shape, seed: 5)
        // The third image is flat: its blur is itself, so no amount changes it.
        for i in 288..<432 { values[i] = 0.375 }
        let output = try LocalContrast.apply(try Tensor(context, shape: shape, values: values), amounts: [0, 0.8, -0.9]).toArray()
        XCTAssertEqual(Array(output[0..<144]), Array(values[0..<144]))
        XCTAssertNotEqual(Array(output[144..<288]), Array(values[144..<288]))
        XCTAssertEqual(Array(output[288..<432]), Array(values[288..<432]))
    }

    func testPositiveAmountsSharpenAndNegativeOnesFlattenFineDetail() throws {
        // A one-pixel checkerboard on mid-gray: detail finer than the box, whose mean over an
        // odd window is within 0.004 of 0.45 away from the edges (where repeated pixels weigh more).
        let side = 32, shape = [2, 1, side, side]
        let board = (0..<(side * side)).map { Float(0.4) + (($0 % side + $0 / side) % 2 == 0 ? 0.1 : 0) }
        let output = LocalContrastReference.apply(board + board, shape: shape, amounts: [0.5, -0.5])
        func spread(_ image: Int) -> Float {
            let inner = 2..<(side - 2)  // The radius is 2 at this side.
            let values = inner.flatMap { y in inner.map { x in output[image * side * side + y * side + x] } }
            return values.max()! - values.min()!
        }
        XCTAssertEqual(spread(0), 0.15, accuracy: 0.01, "amount 0.5 makes the pattern 1.5x as strong")
        XCTAssertEqual(spread(1), 0.05, accuracy: 0.01, "amount -0.5 halves it")
    }

    func testAmountsAreUniformWithinTheRangeAndDrawnOnlyWhenOn() {
        var generator = SeededGenerator(seed: 8)
        XCTAssertNil(AugmentationParameters.localContrastAmounts(count: 4, settings: .none, generator: &generator))
        XCTAssertEqual(generator, SeededGenerator(seed: 8), "off, it draws nothing")
        let amounts = AugmentationParameters.localContrastAmounts(count: 1000, settings: AugmentationSettings(localContrast: 0.4),
                                                                 generator: &generator)!
        XCTAssertTrue(amounts.allSatisfy { abs($0) <= 0.4 })
        XCTAssertEqual(amounts.filter { $0 > 0.2 }.count, 250, accuracy: 50)
        XCTAssertEqual(amounts.filter { $0 < -0.2 }.count, 250, accuracy: 50)
    }

    func testAugmenterAppliesItAfterTheOtherAugmentations() throws {
        let context = try TestDevice.context()
        let shape = [3, 1, 20, 20]
        let values = randomImages(shape, seed: 9)
        let settings = AugmentationSettings(rotationDegrees: 10, shift: 0.1, contrast: 0.2, localContrast: 0.6)
        let augmenter = try Augmenter(context: context, settings: settings, seed: 21)
        let output = try augmenter(try Tensor(context, shape: shape, values: values)).toArray()
        // The same draws by hand: the batch's parameters, then its amounts.
        var generator = SeededGenerator(seed: 21)
        let parameters = AugmentationParameters.draw(count: 3, width: 20, height: 20, settings: settings, generator: &generator)
        let amounts = AugmentationParameters.localContrastAmounts(count: 3, settings: settings, generator: &generator)!
        let expected = LocalContrastReference.apply(AugmentReference.apply(values, shape: shape, parameters: parameters),
                                                    shape: shape, amounts: amounts)
        assertClose(output, expected, absolute: 1e-4, relative: 0)
    }

    func testRangeAndSavedSettingsWithoutIt() throws {
        XCTAssertThrowsError(try AugmentationSettings(localContrast: 1.5).validated())
        XCTAssertThrowsError(try AugmentationSettings(localContrast: -0.1).validated())
        XCTAssertNoThrow(try AugmentationSettings(localContrast: 1).validated())
        XCTAssertFalse(AugmentationSettings(localContrast: 0.3).isIdentity)
        XCTAssertEqual(AugmentationSettings(localContrast: 0.8).scaled(by: 2).localContrast, 1)
        // Settings written before local contrast existed read with it off.
        var saved = try JSONSerialization.jsonObject(with: JSONEncoder().encode(AugmentationSettings.none)) as! [String: Any]
        saved.removeValue(forKey: "localContrast")
        let read = try JSONDecoder().decode(AugmentationSettings.self, from: JSONSerialization.data(withJSONObject: saved))
        XCTAssertEqual(read.localContrast, 0)
    }
}
