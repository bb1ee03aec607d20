import Foundation

/// NumPy's `.npy` format (version 1.0) for a C-ordered uint8 array, which `numpy.load` reads.
enum NPYFile {
    /// The file's bytes: magic, header dictionary padded to a multiple of 64 bytes, then `values`.
    static func uint8(shape: [Int], values: [UInt8]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        let dimensions = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(dimensions)), }"
        // magic (6) + version (2) + length (2) + header + newline, aligned to 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: values)
        return data
    }
}
