@testable import PneumoData
import XCTest

final class ResampleTests: XCTestCase {
    func testWeightsSumToOneAndStayInRange() {
        for (source, destination) in [(465, 224), (330, 224), (224, 224), (200, 224), (7, 3), (3, 7), (1, 5), (5, 1)] {
            let taps = ResampleTaps(source: source, destination: destination)
            for i in 0..<destination {
                let weights = taps.weights[(i * taps.tapCount)..<((i + 1) * taps.tapCount)]
                XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-5, "\(source)->\(destination) output \(i)")
                XCTAssertTrue(weights.allSatisfy { $0 >= 0 })
                XCTAssertGreaterThanOrEqual(taps.starts[i], 0)
                XCTAssertLessThanOrEqual(taps.starts[i] + taps.tapCount, source)
            }
        }
    }

    func testHalvingAveragesPairs() {
        let source: [UInt8] = [0, 10, 20, 30, 40, 50, 60, 70,
                               100, 110, 120, 130, 140, 150, 160, 170]
        var output = [UInt8](repeating: 0, count: 4)
        source.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                GrayResampler().resize(input.baseAddress!, width: 8, height: 2, into: out.baseAddress!, outputWidth: 4, outputHeight: 1)
            }
        }
        // Each output averages a 2x2 block: (0+10+100+110)/4 = 55, ...
        XCTAssertEqual(output, [55, 75, 95, 115])
    }

    func testFractionalAreaWeightsOverlap() {
        // 3 -> 2: output 0 covers source [0, 1.5): weights 2/3 and 1/3.
        let taps = ResampleTaps(source: 3, destination: 2)
        XCTAssertEqual(taps.tapCount, 2)
        XCTAssertEqual(taps.weights[0], 2.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(taps.weights[1], 1.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(taps.starts[1], 1)
        XCTAssertEqual(taps.weights[2], 1.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(taps.weights[3], 2.0 / 3.0, accuracy: 1e-6)
    }

    func testDCTScalingPicksSmallestFactorThatStillCovers() {
        // 1857 x 1317 to 224: 1/8 gives 233 x 165 (too short), 1/4 gives 465 x 330.
        let factor = DCTScaling.smallestFactor(width: 1857, height: 1317, atLeastWidth: 224, atLeastHeight: 224)
        XCTAssertEqual(factor.scaled(1857), 465)
        XCTAssertEqual(factor.scaled(1317), 330)
        let exact = DCTScaling.smallestFactor(width: 1792, height: 1792, atLeastWidth: 224, atLeastHeight: 224)
        XCTAssertEqual(exact.scaled(1792), 224)
        let small = DCTScaling.smallestFactor(width: 100, height: 300, atLeastWidth: 224, atLeastHeight: 224)
        XCTAssertEqual(small, DCTScaling(numerator: 1, denominator: 1))
    }
}
