import PneumoData
import XCTest

final class JPEGEncoderTests: XCTestCase {
    func testGrayRoundTripsThroughTheDecoder() throws {
        let image = GrayImage(width: 40, height: 24, pixels: TestJPEG.ramp(width: 40, height: 24))
        let jpeg = try JPEGEncoder.encodeGray(image, quality: 100)
        XCTAssertEqual(try jpeg.withUnsafeBytes { try JPEGDecoder().header($0) }, JPEGHeader(width: 40, height: 24, colorspace: .gray))
        let decoded = try JPEGDecoder().decode(jpeg)
        let worst = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 3)
        XCTAssertEqual(try JPEGEncoder.encodeGray(image, quality: 100), jpeg, "deterministic")
    }

    func testEmptyImageIsRefused() {
        XCTAssertThrowsError(try JPEGEncoder.encodeGray(GrayImage(width: 0, height: 0, pixels: []))) { error in
            XCTAssertEqual(error as? JPEGEncodeError, .emptyImage)
        }
    }
}
