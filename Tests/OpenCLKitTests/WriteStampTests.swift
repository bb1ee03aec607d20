import OpenCLKit
import XCTest

/// `DeviceBuffer.writeStamp` moves on every way a buffer can be written, stays put when it is
/// only read, and is never shared by two buffers.
final class WriteStampTests: XCTestCase {
    func testEveryWritePathGivesANewStampAndReadsDoNot() throws {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let buffer = try DeviceBuffer<Float>(context, [1, 2, 3, 4])
        let other = try DeviceBuffer<Float>(context, [5, 6, 7, 8])
        XCTAssertNotEqual(buffer.writeStamp, other.writeStamp, "two buffers never share a stamp")
        var seen: Set<UInt64> = [buffer.writeStamp, other.writeStamp]

        let unchanged = buffer.writeStamp
        _ = try buffer.read()
        try other.copy(from: buffer)
        XCTAssertEqual(buffer.writeStamp, unchanged, "reading, or copying out of it, leaves the stamp")

        let kernel = try context.program(source: HostLayerTests.vectorAdd, label: "stamps.cl").kernel("vector_add")
        let writes: [(String, () throws -> Void)] = [
            ("host write", { try buffer.write([9]) }),
            ("fill", { try buffer.fill(0) }),
            ("copy into it", { try buffer.copy(from: other) }),
            ("bound to a launch", { try context.launch(kernel, global: [4], local: [4], other, other, buffer, 4) }),
            ("native handle taken", { _ = buffer.nativeMemory }),
        ]
        for (path, write) in writes {
            let before = buffer.writeStamp
            try write()
            XCTAssertNotEqual(buffer.writeStamp, before, path)
            XCTAssertTrue(seen.insert(buffer.writeStamp).inserted, "\(path): a stamp is never handed out twice")
        }
        try context.finish()
        let reused = try DeviceBuffer<Float>(context, count: 4)
        XCTAssertTrue(seen.insert(reused.writeStamp).inserted, "a new buffer takes a new stamp")
    }
}
