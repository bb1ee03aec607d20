import Foundation
import Engine
import OpenCLKit
import XCTest

/// The augment kernel against `AugmentReference`, plus checks of what the parameters mean.
/// Tolerance against the reference: 1e-4 absolute (bilinear weights in float; the device may
/// fuse multiply-adds, which moves a sample point by an ulp).
final class AugmentTests: XCTestCase {
    /// The geometric and gain/bias parameters of one image, with gamma 1 and nothing erased.
    private func plain(_ first: [Float]) -> [Float] { first + [1, 0, 0, 0, 0, 0] }

    private func randomImages(_ shape: [Int], seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() }
    }

    func testKernelMatchesReferenceOnSeveralShapes() throws {
        let context = try TestDevice.context()
        let strong = AugmentationSettings(rotationDegrees: 40, shift: 0.3, zoom: 0.4, brightness: 0.3, contrast: 0.5, aspect: 0.3, horizontalFlip: true)
        let augmenter = try Augmenter(context: context, settings: strong, seed: 11)
        var generator = SeededGenerator(seed: 5)
        for (index, shape) in [[1, 1, 7, 5], [3, 3, 9, 12], [2, 1, 16, 16], [4, 1, 1, 6]].enumerated() {
            let values = randomImages(shape, seed: UInt64(index))
            let parameters = AugmentationParameters.draw(count: shape[0], width: shape[3], height: shape[2],
                                                         settings: strong, generator: &generator)
            let input = try Tensor(context, shape: shape, values: values)
            let output = try augmenter.apply(input, parameters: parameters).toArray()
            assertClose(output, AugmentReference.apply(values, shape: shape, parameters: parameters),
                        absolute: 1e-4, relative: 0, "shape \(shape)")
        }
    }

    func testZeroStrengthIsTheIdentity() throws {
        let context = try TestDevice.context()
        let shape = [3, 3, 11, 8]
        let values = randomImages(shape, seed: 3)
        let input = try Tensor(context, shape: shape, values: values)
        let augmenter = try Augmenter(context: context, settings: AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, contrast: 0.1).scaled(by: 0), seed: 9)
        XCTAssertTrue(augmenter.settings.isIdentity)
        XCTAssertEqual(try augmenter(input).toArray(), values)
        XCTAssertEqual(AugmentReference.apply(values, shape: shape, parameters: AugmentationParameters.identity(count: 3)), values)
    }

    func testFlipOnlyMirrorsOrKeepsEachImage() throws {
        let context = try TestDevice.context()
        let shape = [8, 1, 5, 6]
        let values = randomImages(shape, seed: 4)
        let augmenter = try Augmenter(context: context, settings: AugmentationSettings(horizontalFlip: true), seed: 2)
        let output = try augmenter(try Tensor(context, shape: shape, values: values)).toArray()
        var flipped = 0
        for n in 0..<8 {
            let image = Array(values[(n * 30)..<((n + 1) * 30)]), result = Array(output[(n * 30)..<((n + 1) * 30)])
            let mirrored = (0..<5).flatMap { y in (0..<6).reversed().map { x in image[y * 6 + x] } }
            XCTAssertTrue(result == image || result == mirrored, "image \(n) is neither kept nor mirrored")
            if result == mirrored { flipped += 1 }
        }
        XCTAssertTrue((1...7).contains(flipped), "about half should flip, got \(flipped) of 8")
    }

    func testAspectOnlyStretchesOneAxisAgainstTheOther() {
        let settings = AugmentationSettings(aspect: 0.25)
        var generator = SeededGenerator(seed: 8)
        let parameters = AugmentationParameters.draw(count: 200, width: 32, height: 32, settings: settings, generator: &generator)
        var ratios: [Float] = []
        for n in 0..<200 {
            let p = Array(parameters[(n * AugmentationParameters.stride)..<((n + 1) * AugmentationParameters.stride)])
            XCTAssertEqual(p[1], 0, accuracy: 1e-7)
            XCTAssertEqual(p[2], 0, accuracy: 1e-7)
            XCTAssertEqual(p[0] * p[3], 1, accuracy: 1e-5, "the area must stay unchanged")
            ratios.append(p[3] / p[0])  // Width scale over height scale.
        }
        XCTAssertLessThanOrEqual(ratios.max()!, 1.25 + 1e-4)
        XCTAssertGreaterThanOrEqual(ratios.min()!, 1 / 1.25 - 1e-4)
        XCTAssertGreaterThan(ratios.max()!, 1.15, "draws should reach near the top of the range")
        XCTAssertLessThan(ratios.min()!, 1 / 1.15, "draws should reach near the bottom of the range")
    }

    func testSettingsSavedWithoutAspectStillLoad() throws {
        let old = #"{"rotationDegrees":10,"shift":0.1,"zoom":0.1,"brightness":0.1,"contrast":0.1,"horizontalFlip":false}"#
        let settings = try JSONDecoder().decode(AugmentationSettings.self, from: Data(old.utf8))
        XCTAssertEqual(settings.aspect, 0)
        XCTAssertEqual(settings.zoom, 0.1)
        let mild = AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1, aspect: 0.2)
        XCTAssertEqual(try JSONDecoder().decode(AugmentationSettings.self, from: JSONEncoder().encode(mild)), mild)
    }

    func testParametersMeanWhatTheySay() {
        // A 4x4 ramp: value = x + 10 y (scaled into [0, 1] by 1/100).
        let image: [Float] = (0..<16).map { (i: Int) -> Float in
            let x = i % 4, y = i / 4
            return Float(x + 10 * y) / 100
        }
        let at = { (output: [Float], x: Int, y: Int) in (output[y * 4 + x] * 100).rounded() }
        // Shift by one pixel: output x reads input x + 1; the last column repeats the edge.
        let shifted = AugmentReference.apply(image, shape: [1, 1, 4, 4], parameters: plain([1, 0, 0, 1, 1, 0, 1, 0]))
        XCTAssertEqual(at(shifted, 0, 2), 21)
        XCTAssertEqual(at(shifted, 3, 2), 23)
        // 90 degrees (cos 0, sin 1): output (x, y) reads input (cx + dy, cy - dx).
        let turned = AugmentReference.apply(image, shape: [1, 1, 4, 4], parameters: plain([0, 1, -1, 0, 0, 0, 1, 0]))
        XCTAssertEqual(at(turned, 0, 0), 30)  // reads input (0, 3)
        XCTAssertEqual(at(turned, 3, 0), 0)   // reads input (0, 0)
        // Gain 2 around mid-gray plus 0.1 brightness: v -> 2v - 0.5 + 0.1, clamped to [0, 1].
        let bright = AugmentReference.apply(image, shape: [1, 1, 4, 4], parameters: plain([1, 0, 0, 1, 0, 0, 2, -0.4]))
        XCTAssertEqual(bright[0], 0)
        XCTAssertEqual(bright[15], 2 * 0.33 - 0.4, accuracy: 1e-6)
        // Half-pixel shift: bilinear midpoint.
        let half = AugmentReference.apply(image, shape: [1, 1, 4, 4], parameters: plain([1, 0, 0, 1, 0.5, 0, 1, 0]))
        XCTAssertEqual(half[0], 0.005, accuracy: 1e-6)
    }

    func testSameSeedSameDrawsAndSettingsAreChecked() throws {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1), c = SeededGenerator(seed: 2)
        let mild = AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1, aspect: 0.2)
        let first = AugmentationParameters.draw(count: 4, width: 8, height: 8, settings: mild, generator: &a)
        XCTAssertEqual(first, AugmentationParameters.draw(count: 4, width: 8, height: 8, settings: mild, generator: &b))
        XCTAssertNotEqual(first, AugmentationParameters.draw(count: 4, width: 8, height: 8, settings: mild, generator: &c))
        // Ranges hold: gain within 1 +- 0.1, shifts within 0.8 pixels.
        for n in 0..<4 {
            XCTAssertEqual(first[n * AugmentationParameters.stride + 6], 1, accuracy: 0.1 + 1e-6)
            XCTAssertLessThanOrEqual(abs(first[n * AugmentationParameters.stride + 4]), 0.8 + 1e-6)
        }
        XCTAssertThrowsError(try AugmentationSettings(zoom: 1).validated())
        XCTAssertThrowsError(try AugmentationSettings(rotationDegrees: -5).validated())
        XCTAssertThrowsError(try Augmenter(context: try TestDevice.context(), settings: AugmentationSettings(contrast: .nan), seed: 0))
    }
}
