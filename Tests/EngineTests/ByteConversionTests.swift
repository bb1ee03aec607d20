import Engine
import XCTest

/// The byte-to-float kernel against `ByteConversionReference`, bit for bit: both round
/// `byte * scale + offset` once.
final class ByteConversionTests: XCTestCase {
    private func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var values = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        if count >= 2 { (values[0], values[count - 1]) = (0, 255) }  // The ends of the range.
        return values
    }

    private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    func testKernelMatchesTheReferenceBitForBit() throws {
        let context = try TestDevice.context()
        let cases: [(count: Int, channels: Int, height: Int, width: Int, scale: Float, offset: Float)] = [
            (1, 1, 1, 2, 1 / 255, 0), (3, 1, 5, 7, 1 / 255, 0), (4, 3, 6, 6, 1 / 255, 0),
            (2, 3, 9, 4, 1 / 127.5, -1), (5, 2, 3, 3, 0.017_124_753, -2.117_904),
        ]
        for (index, shape) in cases.enumerated() {
            let plane = shape.height * shape.width
            let input = bytes(shape.count * plane, seed: UInt64(index))
            let tensor = try ByteConversion.tensor(
                context, bytes: input, count: shape.count, channels: shape.channels, height: shape.height, width: shape.width,
                scale: shape.scale, offset: shape.offset)
            XCTAssertEqual(tensor.shape, [shape.count, shape.channels, shape.height, shape.width])
            let expected = ByteConversionReference.values(
                input, count: shape.count, channels: shape.channels, plane: plane, scale: shape.scale, offset: shape.offset)
            XCTAssertEqual(bits(try tensor.toArray()), bits(expected), "case \(index)")
        }
    }

    /// With offset 0 the result is the single product `Float(byte) * scale` that the host used
    /// to compute before the conversion moved to the device, for every byte value.
    func testUnitScaleKeepsTheHostArithmetic() throws {
        let context = try TestDevice.context()
        let all = (0...255).map { UInt8($0) }
        let tensor = try ByteConversion.tensor(context, bytes: all, count: 1, channels: 1, height: 16, width: 16, scale: 1 / 255, offset: 0)
        XCTAssertEqual(bits(try tensor.toArray()), bits(all.map { Float($0) * (1 / 255) }))
    }

    func testEmptyBatchAndBadShapes() throws {
        let context = try TestDevice.context()
        XCTAssertEqual(try ByteConversion.tensor(context, bytes: [], count: 0, channels: 3, height: 4, width: 4, scale: 1, offset: 0).shape, [0, 3, 4, 4])
        XCTAssertThrowsError(try ByteConversion.tensor(context, bytes: [1, 2, 3], count: 1, channels: 1, height: 2, width: 2, scale: 1, offset: 0)) { error in
            XCTAssertTrue("\(error)".contains("3 bytes are not 1 planes of 2 x 2"), "\(error)")
        }
        XCTAssertThrowsError(try ByteConversion.tensor(context, bytes: [1], count: 1, channels: 0, height: 1, width: 1, scale: 1, offset: 0))
    }
}
