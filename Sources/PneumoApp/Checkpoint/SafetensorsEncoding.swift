import Foundation

/// Reads and writes the safetensors format for float32 tensors.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces
/// to a multiple of 8 so the data that follows is aligned), then the raw little-endian data.
/// The header maps each tensor name to `{"dtype": "F32", "shape": [...], "data_offsets": [begin,
/// end]}` (offsets relative to the data start) and may hold "__metadata__", a string-to-string map.
public enum Safetensors {
    /// Headers beyond this size are refused, as the reference implementation does.
    public static let maximumHeaderBytes = 100_000_000

    /// The bytes of a safetensors file holding `tensors` in the given order and `metadata`.
    public static func encode(_ tensors: [NamedTensor], metadata: [String: String] = [:], file: String = "<memory>") throws -> Data {
        var seen = Set<String>()
        var entries = [String]()
        var offset = 0
        for tensor in tensors {
            guard !tensor.name.isEmpty, tensor.name != "__metadata__" else {
                throw SafetensorsError(file: file, problem: .invalidTensor, detail: "tensor name '\(tensor.name)' is not allowed")
            }
            guard seen.insert(tensor.name).inserted else {
                throw SafetensorsError(file: file, problem: .invalidTensor, detail: "tensor name '\(tensor.name)' appears twice")
            }
            guard let count = NamedTensor.elementCount(of: tensor.shape) else {
                throw SafetensorsError(file: file, problem: .invalidShape, detail: "tensor '\(tensor.name)' has invalid shape \(tensor.shape)")
            }
            guard count == tensor.values.count else {
                throw SafetensorsError(
                    file: file, problem: .sizeMismatch,
                    detail: "tensor '\(tensor.name)' has shape \(tensor.shape) (\(count) elements) but \(tensor.values.count) values")
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + count * 4)]}")
            offset += count * 4
        }
        if !metadata.isEmpty {
            let members = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            entries.insert("\"__metadata__\":{\(members.joined(separator: ","))}", at: 0)
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        guard header.count <= maximumHeaderBytes else {
            throw SafetensorsError(file: file, problem: .headerTooLarge, detail: "header of \(header.count) bytes exceeds \(maximumHeaderBytes)")
        }

        var data = Data(capacity: 8 + header.count + offset)
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for tensor in tensors {
            #if _endian(little)
            tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
            for value in tensor.values {
                var bits = value.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
            #endif
        }
        return data
    }

    /// Writes `tensors` and `metadata` to `url` atomically.
    public static func write(_ tensors: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata, file: url.path), to: url)
    }

    /// Reads and validates the safetensors file at `url`.
    public static func read(from url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SafetensorsError(file: url.path, problem: .unreadable, detail: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// A JSON string literal for `text`, with every character JSON requires escaped.
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
