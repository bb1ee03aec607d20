import Foundation
import XCTest
@testable import PneumoApp

/// The Swift half of Scripts/check-interop.sh: reads the files the Python libraries wrote and
/// writes files for them to read. Skipped unless PNEUMO_INTEROP_DIR names the exchange folder.
final class InteropExportTests: XCTestCase {
    func testExchangeWithPythonLibraries() throws {
        guard let path = ProcessInfo.processInfo.environment["PNEUMO_INTEROP_DIR"] else {
            throw XCTSkip("set PNEUMO_INTEROP_DIR (Scripts/check-interop.sh does) to run")
        }
        let directory = URL(fileURLWithPath: path)

        let expected = (0..<24).map { Float($0) * 0.5 - 3 }
        // numpy's file always; torch's where the script had torch to write it.
        let writers = ["numpy", "torch"].filter {
            $0 == "numpy" || FileManager.default.fileExists(atPath: directory.appendingPathComponent("\($0).safetensors").path)
        }
        for writer in writers {
            let file = try Safetensors.read(from: directory.appendingPathComponent("\(writer).safetensors"))
            XCTAssertEqual(file.metadata["writer"], writer)
            XCTAssertEqual(file["features.0.weight"]?.shape, [2, 3, 4], writer)
            XCTAssertEqual(file["features.0.weight"]?.values, expected, writer)
            XCTAssertEqual(file["features.0.bias"]?.values, [1.5, -2.25], writer)
            XCTAssertEqual(file["scalar"], NamedTensor(name: "scalar", shape: [], values: [7]), writer)
        }

        // Keep in step with swift_tensors() in Scripts/interop.py.
        let tensors = [
            NamedTensor(name: "0.weight", shape: [8, 1, 3, 3], values: (0..<72).map { Float($0) * 0.001 - 0.03 }),
            NamedTensor(name: "0.bias", shape: [8], values: (0..<8).map { Float($0) * 0.25 - 1 }),
            NamedTensor(name: "scalar", shape: [], values: [0.125]),
            NamedTensor(name: "empty", shape: [0, 3], values: []),
        ]
        try Safetensors.write(tensors, metadata: ["writer": "pneumo"], to: directory.appendingPathComponent("swift.safetensors"))

        let gray = try PNGEncoder.encode(width: 13, height: 7, pixels: (0..<91).map { UInt8(($0 * 37) % 256) })
        try AtomicFile.write(gray, to: directory.appendingPathComponent("gray.png"))
        let rgb = try PNGEncoder.encode(width: 5, height: 4, pixels: (0..<60).map { UInt8(($0 * 11) % 256) }, colorType: .rgb)
        try AtomicFile.write(rgb, to: directory.appendingPathComponent("rgb.png"))
        let big = try PNGEncoder.encode(width: 300, height: 300, pixels: (0..<90_000).map { UInt8($0 % 251) })
        try AtomicFile.write(big, to: directory.appendingPathComponent("big.png"))
    }
}
