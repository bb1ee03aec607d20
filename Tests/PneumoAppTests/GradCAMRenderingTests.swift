import Foundation
import PneumoData
import XCTest
@testable import PneumoApp

final class GradCAMRenderingTests: XCTestCase {
    func testBilinearResizeAlignsPixelCentres() throws {
        let map = try Heatmap(width: 2, height: 2, values: [0, 1, 2, 3])
        let large = try map.resized(width: 4, height: 4)
        // Source positions of the 4 output columns: -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        XCTAssertEqual(Array(large.values[0..<4]), [0, 0.25, 0.75, 1])
        XCTAssertEqual(Array(large.values[12..<16]), [2, 2.25, 2.75, 3])
        XCTAssertEqual(large[1, 1], 0.75, accuracy: 1e-6)  // rows at 0.25: 0.25 + 0.25 * 2
        XCTAssertEqual(try map.resized(width: 2, height: 2), map)
        let wide = try map.resized(width: 3, height: 1)
        XCTAssertEqual(wide.values.count, 3)
        XCTAssertEqual(wide.values[1], 1.5, accuracy: 1e-6)
        XCTAssertThrowsError(try map.resized(width: 0, height: 3))
        XCTAssertThrowsError(try Heatmap(width: 2, height: 2, values: [1]))
    }

    func testNormalisingScalesTheMaximumToOneAndKeepsZeros() throws {
        let map = try Heatmap(width: 3, height: 1, values: [0, 2, 4])
        XCTAssertEqual(map.normalized().values, [0, 0.5, 1])
        XCTAssertEqual(try Heatmap(width: 2, height: 1, values: [0, 0]).normalized().values, [0, 0])
        XCTAssertEqual(map.peak.x, 2)
    }

    func testColourRampRunsFromBlueThroughYellowToRed() {
        let low = HeatmapColors.color(0), middle = HeatmapColors.color(0.5), high = HeatmapColors.color(1)
        XCTAssertGreaterThan(low.blue, low.red)
        XCTAssertGreaterThan(middle.red, 200)
        XCTAssertGreaterThan(middle.green, 200)
        XCTAssertLessThan(middle.blue, 100)
        XCTAssertGreaterThan(high.red, 3 * max(high.green, high.blue))
        XCTAssertEqual(HeatmapColors.color(-3).blue, low.blue)
        XCTAssertEqual(HeatmapColors.color(.nan).blue, low.blue)
        XCTAssertEqual(HeatmapColors.color(7).red, high.red)
    }

    func testTransparentPNGHasOpacityProportionalToTheMap() throws {
        let map = try Heatmap(width: 3, height: 2, values: [0, 0.5, 1, 0.25, 0, 1])
        let png = try PNGTestDecoder.decode(HeatmapRendering.transparentPNG(map))
        XCTAssertEqual([png.width, png.height, png.colorType], [3, 2, 6])
        let alpha = stride(from: 3, to: png.pixels.count, by: 4).map { png.pixels[$0] }
        XCTAssertEqual(alpha, [0, 128, 255, 64, 0, 255])
        let peak = HeatmapColors.color(1)
        XCTAssertEqual(Array(png.pixels[8..<11]), [peak.red, peak.green, peak.blue])
    }

    func testOverlayBlendsTheHeatmapOverTheXRay() throws {
        let image = GrayImage(width: 4, height: 2, pixels: [10, 60, 110, 160, 210, 250, 0, 90])
        let map = try Heatmap(width: 4, height: 2, values: [0, 0, 1, 0, 0, 0, 0, 0])
        let png = try PNGTestDecoder.decode(HeatmapRendering.overlayPNG(image: image, heatmap: map, opacity: 0.5))
        XCTAssertEqual([png.width, png.height, png.colorType], [4, 2, 2])
        XCTAssertEqual(Array(png.pixels[0..<6]), [10, 10, 10, 60, 60, 60], "untouched where the map is 0")
        let red = HeatmapColors.color(1)
        let blended = [red.red, red.green, red.blue].map { UInt8((55 + Float($0) * 0.5).rounded()) }
        XCTAssertEqual(Array(png.pixels[6..<9]), blended)

        // A coarser map is stretched over the whole image.
        let coarse = try Heatmap(width: 2, height: 1, values: [1, 1])
        let stretched = try PNGTestDecoder.decode(HeatmapRendering.overlayPNG(image: image, heatmap: coarse, opacity: 1))
        XCTAssertEqual(Array(stretched.pixels[21..<24]), [red.red, red.green, red.blue])
        XCTAssertThrowsError(try HeatmapRendering.overlayPNG(image: image, heatmap: map, opacity: 2))
    }
}
