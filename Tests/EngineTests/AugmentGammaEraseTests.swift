import Foundation
import Engine
import OpenCLKit
import XCTest

/// Gamma and random erasing: the kernel against `AugmentReference`, what the parameters mean,
/// their ranges, and how settings without them are read. Tolerance against the reference as in
/// AugmentTests: 1e-4 absolute.
final class AugmentGammaEraseTests: XCTestCase {
    private let stride = AugmentationParameters.stride

    private func randomImages(_ shape: [Int], seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() }
    }

    /// Image `n`'s parameters.
    private func image(_ n: Int, of parameters: [Float]) -> [Float] { Array(parameters[(n * stride)..<((n + 1) * stride)]) }

    func testKernelMatchesReferenceWithGammaAndErasing() throws {
        let context = try TestDevice.context()
        let settings = AugmentationSettings(rotationDegrees: 15, shift: 0.15, zoom: 0.15, brightness: 0.15, contrast: 0.15,
                                            aspect: 0.3, gamma: 0.3, eraseProbability: 0.7, eraseArea: 0.4)
        let augmenter = try Augmenter(context: context, settings: settings, seed: 3)
        var generator = SeededGenerator(seed: 12)
        var erased = 0
        for (index, shape) in [[4, 1, 16, 16], [3, 3, 9, 12], [2, 1, 33, 20], [1, 2, 1, 6]].enumerated() {
            var values = randomImages(shape, seed: UInt64(20 + index))
            // Black and white pixels too: gamma must keep 0 at 0 and 1 at 1.
            for i in Swift.stride(from: 0, to: values.count, by: 7) { values[i] = Float(i / 7 % 2) }
            var parameters = AugmentationParameters.draw(count: shape[0], width: shape[3], height: shape[2],
                                                         settings: settings, generator: &generator)
            // The first image without gamma or erasing, in a batch whose others have them.
            parameters.replaceSubrange(8..<stride, with: [1, 0, 0, 0, 0, 0])
            erased += (0..<shape[0]).filter { image($0, of: parameters)[11] > 0 }.count
            let output = try augmenter.apply(try Tensor(context, shape: shape, values: values), parameters: parameters).toArray()
            assertClose(output, AugmentReference.apply(values, shape: shape, parameters: parameters),
                        absolute: 1e-4, relative: 0, "shape \(shape)")
        }
        XCTAssertGreaterThan(erased, 0, "some images must be erased for the comparison to cover erasing")
    }

    func testGammaActsOnTheClampedValueBeforeContrastAndBrightness() {
        let ramp: [Float] = [0, 0.25, 0.5, 1]
        let identityGeometry: [Float] = [1, 0, 0, 1, 0, 0]
        // Gamma 2 alone: v -> v^2.
        let squared = AugmentReference.apply(ramp, shape: [1, 1, 1, 4], parameters: identityGeometry + [1, 0, 2, 0, 0, 0, 0, 0])
        XCTAssertEqual(squared, [0, 0.0625, 0.25, 1])
        // Gamma 0.5, then gain 2 around mid-gray: sqrt(v) * 2 - 0.5, clamped.
        let both = AugmentReference.apply(ramp, shape: [1, 1, 1, 4], parameters: identityGeometry + [2, -0.5, 0.5, 0, 0, 0, 0, 0])
        XCTAssertEqual(both[1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(both[2], Float(2 * 0.5.squareRoot() - 0.5), accuracy: 1e-6)
        XCTAssertEqual(both[3], 1)
    }

    func testGammaIsDrawnLogUniformlyWithinItsRange() {
        var generator = SeededGenerator(seed: 4)
        let parameters = AugmentationParameters.draw(count: 400, width: 8, height: 8, settings: AugmentationSettings(gamma: 0.3),
                                                     generator: &generator)
        let gammas = (0..<400).map { image($0, of: parameters)[8] }
        XCTAssertLessThanOrEqual(gammas.max()!, 1.3 + 1e-5)
        XCTAssertGreaterThanOrEqual(gammas.min()!, 1 / 1.3 - 1e-5)
        XCTAssertGreaterThan(gammas.max()!, 1.25)
        XCTAssertLessThan(gammas.min()!, 1 / 1.25)
        // Log-uniform: as many exponents below 1 as above.
        let below = gammas.filter { $0 < 1 }.count
        XCTAssertTrue((160...240).contains(below), "\(below) of 400 below 1")
    }

    func testEraseProbabilityOneAlwaysErasesAndZeroNever() {
        let (width, height) = (40, 24)
        for area: Float in [0.02, 0.2, 1] {
            var generator = SeededGenerator(seed: 6)
            let always = AugmentationParameters.draw(count: 300, width: width, height: height,
                                                     settings: AugmentationSettings(eraseProbability: 1, eraseArea: area), generator: &generator)
            for n in 0..<300 {
                let p = image(n, of: always)
                let (x0, y0, x1, y1) = (Int(p[9]), Int(p[10]), Int(p[11]), Int(p[12]))
                XCTAssertTrue(x0 >= 0 && y0 >= 0 && x1 <= width && y1 <= height && x0 < x1 && y0 < y1, "image \(n): \(p[9...12])")
                // Rounding the sides to whole pixels moves the area by up to a side's length.
                let erased = Float((x1 - x0) * (y1 - y0)), slack = Float(x1 - x0 + y1 - y0)
                XCTAssertLessThanOrEqual(erased, area * Float(width * height) + slack, "image \(n)")
                XCTAssertGreaterThanOrEqual(erased, max(0.02 * Float(width * height) - slack, 1), "image \(n)")
            }
        }
        for probability: Float in [0, 1e-9] {
            var generator = SeededGenerator(seed: 6)
            let never = AugmentationParameters.draw(count: 300, width: width, height: height,
                                                    settings: AugmentationSettings(eraseProbability: probability), generator: &generator)
            for n in 0..<300 { XCTAssertEqual(Array(image(n, of: never)[9...13]), [0, 0, 0, 0, 0], "image \(n), p \(probability)") }
        }
        var generator = SeededGenerator(seed: 6)
        let half = AugmentationParameters.draw(count: 400, width: width, height: height,
                                               settings: AugmentationSettings(eraseProbability: 0.5), generator: &generator)
        let count = (0..<400).filter { image($0, of: half)[11] > 0 }.count
        XCTAssertTrue((160...240).contains(count), "\(count) of 400 erased at p 0.5")
    }

    func testErasedRectanglesSpanTheAspectRange() {
        var generator = SeededGenerator(seed: 9)
        let parameters = AugmentationParameters.draw(count: 400, width: 128, height: 128,
                                                     settings: AugmentationSettings(eraseProbability: 1, eraseArea: 0.2), generator: &generator)
        let ratios = (0..<400).map { n -> Float in
            let p = image(n, of: parameters)
            return (p[12] - p[10]) / (p[11] - p[9])  // Height over width.
        }
        XCTAssertLessThan(ratios.min()!, 0.4)
        XCTAssertGreaterThan(ratios.max()!, 2.5)
        XCTAssertGreaterThanOrEqual(ratios.min()!, 0.25)
        XCTAssertLessThanOrEqual(ratios.max()!, 4)
    }

    func testErasedPixelsAreNoiseAndTheOthersUntouched() throws {
        let context = try TestDevice.context()
        let shape = [6, 2, 12, 10]
        let values = randomImages(shape, seed: 30)
        let input = try Tensor(context, shape: shape, values: values)
        let augmenter = try Augmenter(context: context, settings: AugmentationSettings(eraseProbability: 1, eraseArea: 0.3), seed: 5)
        var generator = augmenter.randomState
        let parameters = AugmentationParameters.draw(count: 6, width: 10, height: 12, settings: augmenter.settings, generator: &generator)
        let output = try augmenter(input).toArray()
        var noise: [Float] = []
        for plane in 0..<12 {
            let p = image(plane / 2, of: parameters)
            for y in 0..<12 {
                for x in 0..<10 {
                    let i = plane * 120 + y * 10 + x
                    if x >= Int(p[9]) && x < Int(p[11]) && y >= Int(p[10]) && y < Int(p[12]) {
                        XCTAssertEqual(output[i], AugmentationParameters.eraseNoise(seed: UInt32(p[13]), pixel: UInt32(y * 10 + x)))
                        if plane % 2 == 0 { noise.append(output[i]) }  // Both channels get the same noise.
                    } else {
                        XCTAssertEqual(output[i], values[i], "plane \(plane) (\(x), \(y)) is outside the rectangle")
                    }
                }
            }
        }
        XCTAssertGreaterThan(noise.count, 30)
        let mean = noise.reduce(0, +) / Float(noise.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.1, "the fill is uniform noise in [0, 1)")
        XCTAssertGreaterThan(Set(noise).count, noise.count * 9 / 10, "the fill varies from pixel to pixel")
    }

    func testRangesAreCheckedWithClearErrors() throws {
        let bad: [(AugmentationSettings, String)] = [
            (AugmentationSettings(gamma: 1.5), "gamma"),
            (AugmentationSettings(gamma: -0.1), ">= 0"),
            (AugmentationSettings(gamma: .infinity), "finite"),
            (AugmentationSettings(eraseProbability: 1.2), "erase probability"),
            (AugmentationSettings(eraseProbability: .nan), "finite"),
            (AugmentationSettings(eraseArea: 0.01), "erased area"),
            (AugmentationSettings(eraseArea: 1.5), "erased area"),
        ]
        for (settings, words) in bad {
            XCTAssertThrowsError(try settings.validated(), "\(settings)") { error in
                XCTAssertTrue("\(error)".contains(words), "'\(error)' should mention \(words)")
            }
        }
        for good in [AugmentationSettings(gamma: 1), AugmentationSettings(eraseProbability: 1, eraseArea: 1),
                     AugmentationSettings(eraseProbability: 0.5, eraseArea: 0.02)] {
            XCTAssertNoThrow(try good.validated(), "\(good)")
        }
    }

    func testSettingsSavedWithoutGammaOrErasingReadAsOff() throws {
        let old = #"{"rotationDegrees":15,"shift":0.15,"zoom":0.15,"brightness":0.15,"contrast":0.15,"aspect":0.3,"horizontalFlip":false}"#
        let settings = try JSONDecoder().decode(AugmentationSettings.self, from: Data(old.utf8))
        XCTAssertEqual(settings.gamma, 0)
        XCTAssertEqual(settings.eraseProbability, 0)
        XCTAssertEqual(settings.eraseArea, AugmentationSettings.none.eraseArea)
        XCTAssertEqual(settings.aspect, 0.3)
        let on = AugmentationSettings(zoom: 0.1, gamma: 0.3, eraseProbability: 0.5, eraseArea: 0.25)
        XCTAssertEqual(try JSONDecoder().decode(AugmentationSettings.self, from: JSONEncoder().encode(on)), on)
    }

    func testScalingAndTheIdentity() {
        let settings = AugmentationSettings(zoom: 0.1, gamma: 0.3, eraseProbability: 0.6, eraseArea: 0.25)
        let doubled = settings.scaled(by: 2)
        XCTAssertEqual(doubled.gamma, 0.6, accuracy: 1e-7)
        XCTAssertEqual(doubled.eraseProbability, 1, "a probability is capped at 1")
        XCTAssertEqual(doubled.eraseArea, 0.25, "the largest area is a shape, not a strength")
        XCTAssertEqual(settings.scaled(by: 0.5).eraseProbability, 0.3, accuracy: 1e-7)
        XCTAssertTrue(settings.scaled(by: 0).isIdentity)
        XCTAssertTrue(AugmentationSettings(eraseArea: 0.5).isIdentity, "a largest area with erasing off changes nothing")
        XCTAssertFalse(AugmentationSettings(gamma: 0.1).isIdentity)
        XCTAssertFalse(AugmentationSettings(eraseProbability: 0.1).isIdentity)
    }
}
