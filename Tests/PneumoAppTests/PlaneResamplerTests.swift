import SeededRandom
import XCTest
@testable import PneumoApp

/// The separable, parallel resampler against the plain per-pixel formula it replaced: the same
/// bits for gray bytes and prepared values, for every standard copy and the extremes a stored
/// record may ask for.
final class PlaneResamplerTests: XCTestCase {
    /// The oracle: every output pixel works out its own source position and neighbours.
    private static func reference(_ source: [Double], planes: Int, side: Int, shiftX: Double, shiftY: Double, scale: Double) -> [Double] {
        let centre = Double(side - 1) / 2
        var result = source
        for plane in 0..<planes {
            let base = plane * side * side
            for y in 0..<side {
                let sy = (Double(y) - shiftY * Double(side) - centre) / scale + centre
                for x in 0..<side {
                    let sx = (Double(x) - shiftX * Double(side) - centre) / scale + centre
                    let cx = min(max(sx, 0), Double(side - 1)), cy = min(max(sy, 0), Double(side - 1))
                    let x0 = Int(cx), y0 = Int(cy)
                    let x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
                    let fx = cx - Double(x0), fy = cy - Double(y0)
                    func at(_ px: Int, _ py: Int) -> Double { source[base + py * side + px] }
                    let top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
                    let bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
                    result[base + y * side + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return result
    }

    private static let variants: [TestTimeAugmentation.Variant] = TestTimeAugmentation.standard.variants + [
        .init(shiftX: 0.25, shiftY: -0.25, scale: 1), .init(shiftX: -0.13, shiftY: 0.07, scale: 0.5),
        .init(shiftX: 0.01, shiftY: 0.2, scale: 2), .init(shiftX: 0, shiftY: 0, scale: 1.37),
    ]

    func testBytesMatchThePerPixelFormulaToTheBit() {
        var generator = SeededGenerator(seed: 5)
        for side in [1, 2, 7, 32, 33] {
            let planes = 5
            let bytes = (0..<(planes * side * side)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            for variant in Self.variants {
                let resampler = PlaneResampler(side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
                let expected = Self.reference(bytes.map(Double.init), planes: planes, side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
                    .map { UInt8(min(255, max(0, $0.rounded()))) }
                XCTAssertEqual(resampler.resample(bytes, planes: planes), expected, "side \(side), \(variant)")
            }
        }
    }

    func testPreparedValuesMatchThePerPixelFormulaToTheBit() {
        var generator = SeededGenerator(seed: 9)
        let side = 24, planes = 6
        let values = (0..<(planes * side * side)).map { _ in Float(Int(generator.next() % 20001) - 10000) / 997 }
        for variant in Self.variants {
            let resampler = PlaneResampler(side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
            let expected = Self.reference(values.map(Double.init), planes: planes, side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
                .map { Float($0) }
            XCTAssertEqual(resampler.resample(values, planes: planes).map(\.bitPattern), expected.map(\.bitPattern), "\(variant)")
        }
    }

    func testByteRoundingIsRoundedHalfAwayFromZeroClamped() {
        let edges: [Double] = [0, 1e-300, 0.49999999999999994, 0.5, 1.5, 2.5, 127.5, 254.49999999999997, 254.5, 255,
                               255.00000000000003, 300, -0.4, -3]
        var generator = SeededGenerator(seed: 1)
        let random = (0..<10000).map { _ in Double(generator.next() % 2_600_000) / 10000 }
        for value in edges + random {
            XCTAssertEqual(UInt8.storing(value), UInt8(min(255, max(0, value.rounded()))), "\(value)")
        }
    }

    func testOnlyTheNamedPlanesChange() {
        let side = 4
        let bytes = (0..<(3 * side * side)).map { UInt8($0) }
        let moved = PlaneResampler(side: side, shiftX: 0.25, shiftY: 0, scale: 1).resample(bytes, planes: 2)
        XCTAssertNotEqual(Array(moved[0..<(2 * side * side)]), Array(bytes[0..<(2 * side * side)]))
        XCTAssertEqual(Array(moved[(2 * side * side)...]), Array(bytes[(2 * side * side)...]), "a plane past `planes` is left as it was")
    }
}
