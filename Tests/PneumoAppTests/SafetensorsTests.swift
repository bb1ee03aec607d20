import Foundation
import XCTest
@testable import PneumoApp

final class SafetensorsTests: XCTestCase {
    /// Written by the Python `safetensors` package (numpy flavour, 0.8.0):
    /// conv.weight = arange(8).reshape(2,1,2,2) * 0.25 - 1, conv.bias = [0.5, -0.5], scalar = 3.25,
    /// metadata {"source": "numpy"}.
    let pythonWritten = """
        6AAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJzb3VyY2UiOiJudW1weSJ9LCJjb252LmJpYXMiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzJdLCJk\
        YXRhX29mZnNldHMiOlswLDhdfSwiY29udi53ZWlnaHQiOnsiZHR5cGUiOiJGMzIiLCJzaGFwZSI6WzIsMSwyLDJdLCJkYXRhX29mZnNldHMiOls4\
        LDQwXX0sInNjYWxhciI6eyJkdHlwZSI6IkYzMiIsInNoYXBlIjpbXSwiZGF0YV9vZmZzZXRzIjpbNDAsNDRdfX0gICAgICAgAAAAPwAAAL8AAIC/\
        AABAvwAAAL8AAIC+AAAAAAAAgD4AAAA/AABAPwAAUEA=
        """

    func testReadsFileWrittenByReferenceImplementation() throws {
        let data = try XCTUnwrap(Data(base64Encoded: pythonWritten))
        let file = try Safetensors.decode(data)
        XCTAssertEqual(file.metadata, ["source": "numpy"])
        XCTAssertEqual(file.tensors.map(\.name), ["conv.bias", "conv.weight", "scalar"])
        XCTAssertEqual(file["conv.weight"]?.shape, [2, 1, 2, 2])
        XCTAssertEqual(file["conv.weight"]?.values, (0..<8).map { Float($0) * 0.25 - 1 })
        XCTAssertEqual(file["conv.bias"]?.values, [0.5, -0.5])
        XCTAssertEqual(file["scalar"], NamedTensor(name: "scalar", shape: [], values: [3.25]))
        // Written in the same order, our bytes equal the reference implementation's.
        let ours = try Safetensors.encode(
            [file["conv.bias"]!, file["conv.weight"]!, file["scalar"]!], metadata: ["source": "numpy"])
        XCTAssertEqual(ours, data)
    }

    func testExactBytesOfSmallFile() throws {
        let data = try Safetensors.encode([NamedTensor(name: "a", shape: [1], values: [1])])
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        XCTAssertEqual(header.utf8.count, 54)
        var expected = Data([56, 0, 0, 0, 0, 0, 0, 0])
        expected += Data((header + "  ").utf8)
        expected += Data([0x00, 0x00, 0x80, 0x3F])
        XCTAssertEqual(data, expected)
    }

    func testRoundTripOfAssortedShapes() throws {
        let tensors = [
            NamedTensor(name: "0.weight", shape: [3, 2, 3, 3], values: (0..<54).map { Float($0) / 7 - 2 }),
            NamedTensor(name: "0.bias", shape: [3], values: [-.infinity, 0, .greatestFiniteMagnitude]),
            NamedTensor(name: "empty", shape: [0, 4], values: []),
            NamedTensor(name: "scalar", shape: [], values: [42]),
            NamedTensor(name: "näme \"quoted\" \\ \n", shape: [2], values: [1, 2]),
        ]
        let metadata = ["classes": "NORMAL,PNEUMONIA", "note": "line\nbreak \"q\""]
        let data = try Safetensors.encode(tensors, metadata: metadata)
        let headerLength = Int(data[0]) | Int(data[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        let file = try Safetensors.decode(data)
        XCTAssertEqual(file.tensors, tensors)
        XCTAssertEqual(file.metadata, metadata)
    }

    func testNaNSurvivesBitExactly() throws {
        let nan = Float(bitPattern: 0x7FC0_1234)
        let file = try Safetensors.decode(Safetensors.encode([NamedTensor(name: "x", shape: [1], values: [nan])]))
        XCTAssertEqual(file.tensors[0].values[0].bitPattern, 0x7FC0_1234)
    }

    func testReadsTensorsInAnyHeaderOrderAndWhitespace() throws {
        let header = """
            { "b" : {"data_offsets":[4,12], "shape":[2], "dtype":"F32"},
              "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]} }
            """
        let file = try Safetensors.decode(build(header: header, data: floats([1, 2, 3])))
        XCTAssertEqual(file.tensors.map(\.name), ["a", "b"])
        XCTAssertEqual(file["b"]?.values, [2, 3])
        XCTAssertEqual(file.metadata, [:])
    }

    func testWriterRejectsInconsistentTensors() {
        assertThrows(SafetensorsError.self, {
            _ = try Safetensors.encode([NamedTensor(name: "w", shape: [2, 2], values: [1, 2, 3])])
        }) { XCTAssertEqual($0.problem, .sizeMismatch); XCTAssertTrue($0.detail.contains("'w'")) }
        assertThrows(SafetensorsError.self, {
            _ = try Safetensors.encode([NamedTensor(name: "w", shape: [1], values: [1]), NamedTensor(name: "w", shape: [1], values: [2])])
        }) { XCTAssertEqual($0.problem, .invalidTensor) }
        assertThrows(SafetensorsError.self, {
            _ = try Safetensors.encode([NamedTensor(name: "w", shape: [-1], values: [])])
        }) { XCTAssertEqual($0.problem, .invalidShape) }
        assertThrows(SafetensorsError.self, {
            _ = try Safetensors.encode([NamedTensor(name: "__metadata__", shape: [1], values: [1])])
        }) { XCTAssertEqual($0.problem, .invalidTensor) }
    }

    func testReaderNamesEachProblem() throws {
        let valid = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let cases: [(String, Data, SafetensorsError.Problem)] = [
            ("short", Data([1, 2, 3]), .truncated),
            ("header beyond file", Data([200, 0, 0, 0, 0, 0, 0, 0]) + Data("{}".utf8), .truncated),
            ("huge header", Data([0, 0, 0, 0, 0, 1, 0, 0]), .headerTooLarge),
            ("not an object", build(header: "[1, 2]", data: Data()), .invalidHeader),
            ("bad JSON", build(header: #"{"a": {"dtype": }"#, data: Data()), .invalidJSON),
            ("data cut short", build(header: valid, data: floats([1])), .truncated),
            ("unsupported dtype", build(header: #"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: floats([1])), .unsupportedDType),
            ("size mismatch", build(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: floats([1, 2])), .sizeMismatch),
            ("negative shape", build(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: floats([1, 2])), .invalidShape),
            ("fractional shape", build(header: #"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}"#, data: floats([1, 2])), .invalidShape),
            ("reversed offsets", build(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: floats([1, 2])), .offsetsOutOfRange),
            ("three offsets", build(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}"#, data: floats([1, 2])), .invalidHeader),
            ("missing dtype", build(header: #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: floats([1, 2])), .invalidHeader),
            ("overlap", build(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: floats([1, 2])), .overlap),
            ("gap", build(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, data: floats([1, 2, 3])), .gap),
            ("trailing bytes", build(header: valid, data: floats([1, 2, 3])), .trailingBytes),
            ("metadata not strings", build(header: #"{"__metadata__":{"epoch":3}}"#, data: Data()), .invalidHeader),
        ]
        for (name, data, problem) in cases {
            assertThrows(SafetensorsError.self, { _ = try Safetensors.decode(data, file: "model.safetensors") }) { error in
                XCTAssertEqual(error.problem, problem, "case '\(name)': \(error)")
                XCTAssertTrue(error.description.contains("model.safetensors"), "case '\(name)'")
            }
        }
    }

    func testFileRoundTripIsAtomicAndErrorsNameThePath() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("nested/weights.safetensors")
        let tensors = [NamedTensor(name: "w", shape: [2], values: [1, 2])]
        try Safetensors.write(tensors, metadata: ["k": "v"], to: url)
        XCTAssertEqual(try Safetensors.read(from: url), SafetensorsFile(tensors: tensors, metadata: ["k": "v"]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["weights.safetensors"])

        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 3).write(to: url)
        assertThrows(SafetensorsError.self, { _ = try Safetensors.read(from: url) }) { error in
            XCTAssertEqual(error.problem, .truncated)
            XCTAssertTrue(error.description.contains(url.path))
        }
        assertThrows(SafetensorsError.self, { _ = try Safetensors.read(from: directory.appendingPathComponent("absent.safetensors")) }) {
            XCTAssertEqual($0.problem, .unreadable)
        }
    }

    private func build(header: String, data: Data) -> Data {
        let headerBytes = Data(header.utf8)
        var length = UInt64(headerBytes.count).littleEndian
        return Data(bytes: &length, count: 8) + headerBytes + data
    }

    private func floats(_ values: [Float]) -> Data {
        values.reduce(into: Data()) { data, value in
            var bits = value.bitPattern.littleEndian
            data += Data(bytes: &bits, count: 4)
        }
    }
}
