import Foundation

extension Safetensors {
    /// Parses and validates the bytes of a safetensors file; `file` names it in errors.
    ///
    /// Everything is checked before any value is used: the header length against the file,
    /// the JSON, each tensor's dtype, shape and byte size, and that the tensors' byte ranges
    /// tile the data exactly (no overlap, no gap, nothing after the last tensor).
    public static func decode(_ data: Data, file: String = "<memory>") throws -> SafetensorsFile {
        func fail(_ problem: SafetensorsError.Problem, _ detail: String) -> SafetensorsError {
            SafetensorsError(file: file, problem: problem, detail: detail)
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw fail(.truncated, "the file has \(bytes.count) bytes, fewer than the 8-byte header length; it is truncated or not a safetensors file")
        }
        let declared = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard declared <= UInt64(maximumHeaderBytes) else {
            throw fail(.headerTooLarge, "the header length field says \(declared) bytes, more than the \(maximumHeaderBytes) allowed; this is not a safetensors file")
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw fail(.truncated, "the header length field says \(headerLength) bytes but only \(bytes.count - 8) follow; the file is truncated")
        }
        guard headerLength >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw fail(.invalidHeader, "the header does not start with '{'; this is not a safetensors file")
        }
        let entries = try parseHeader(bytes[8..<(8 + headerLength)], fail: fail)

        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart
        var tensors = [(entry: HeaderEntry, count: Int)]()
        for entry in entries.tensors {
            guard entry.dtype == "F32" else {
                throw fail(.unsupportedDType, "tensor '\(entry.name)' has dtype \(entry.dtype); only F32 is supported")
            }
            guard let count = NamedTensor.elementCount(of: entry.shape) else {
                throw fail(.invalidShape, "tensor '\(entry.name)' has invalid shape \(entry.shape)")
            }
            guard entry.offsets.count == 2 else {
                throw fail(.invalidHeader, "tensor '\(entry.name)' has \(entry.offsets.count) data offsets; expected [begin, end]")
            }
            let begin = entry.offsets[0], end = entry.offsets[1]
            guard begin >= 0, begin <= end else {
                throw fail(.offsetsOutOfRange, "tensor '\(entry.name)' has data offsets [\(begin), \(end)], which do not form a range")
            }
            guard end <= dataLength else {
                throw fail(.truncated, "tensor '\(entry.name)' ends at data byte \(end) but the file holds only \(dataLength) data bytes; the file is truncated")
            }
            guard count.multipliedReportingOverflow(by: 4).partialValue == end - begin, count <= Int.max / 4 else {
                throw fail(.sizeMismatch, "tensor '\(entry.name)' has shape \(entry.shape) (\(count) x 4 bytes) but its data offsets span \(end - begin) bytes")
            }
            tensors.append((entry, count))
        }

        tensors.sort { $0.entry.offsets[0] < $1.entry.offsets[0] || ($0.entry.offsets[0] == $1.entry.offsets[0] && $0.entry.offsets[1] < $1.entry.offsets[1]) }
        var position = 0
        var previous = "the start of the data"
        for (entry, _) in tensors {
            if entry.offsets[0] < position {
                throw fail(.overlap, "tensor '\(entry.name)' starts at data byte \(entry.offsets[0]), inside \(previous) (which ends at \(position))")
            }
            if entry.offsets[0] > position {
                throw fail(.gap, "\(entry.offsets[0] - position) unused bytes lie between \(previous) and tensor '\(entry.name)'")
            }
            position = entry.offsets[1]
            previous = "tensor '\(entry.name)'"
        }
        guard position == dataLength else {
            throw fail(.trailingBytes, "\(dataLength - position) bytes follow the last tensor; the file is damaged or was appended to")
        }

        let decoded = tensors.map { entry, count -> NamedTensor in
            let base = dataStart + entry.offsets[0]
            let values = bytes.withUnsafeBytes { raw in
                (0..<count).map { index in
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * index, as: UInt32.self)))
                }
            }
            return NamedTensor(name: entry.name, shape: entry.shape, values: values)
        }
        return SafetensorsFile(tensors: decoded, metadata: entries.metadata)
    }

    private struct HeaderEntry {
        var name: String
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
    }

    private static func parseHeader(
        _ header: ArraySlice<UInt8>, fail: (SafetensorsError.Problem, String) -> SafetensorsError
    ) throws -> (tensors: [HeaderEntry], metadata: [String: String]) {
        guard String(validating: header, as: UTF8.self) != nil else {
            throw fail(.invalidHeader, "the header is not valid UTF-8")
        }
        let root: JSONValue
        do {
            root = try JSONValue(parsing: Data(header))
        } catch {
            throw fail(.invalidJSON, "the header is not valid JSON (\(describe(error)))")
        }
        guard case let .object(members) = root else {
            throw fail(.invalidJSON, "the header is JSON but not an object")
        }
        var tensors = [HeaderEntry]()
        var metadata = [String: String]()
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            if name == "__metadata__" {
                guard case let .object(map) = value else {
                    throw fail(.invalidHeader, "__metadata__ must be an object of strings")
                }
                for (key, item) in map {
                    guard case let .string(text) = item else {
                        throw fail(.invalidHeader, "__metadata__ entry '\(key)' is \(item), not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard case let .string(dtype)? = value["dtype"] else {
                throw fail(.invalidHeader, "tensor '\(name)' lacks a string \"dtype\"")
            }
            guard let shape = integers(value["shape"]) else {
                throw fail(.invalidShape, "tensor '\(name)' lacks \"shape\" as an array of integers")
            }
            guard let offsets = integers(value["data_offsets"]) else {
                throw fail(.invalidHeader, "tensor '\(name)' lacks \"data_offsets\" as an array of integers")
            }
            tensors.append(HeaderEntry(name: name, dtype: dtype, shape: shape, offsets: offsets))
        }
        return (tensors, metadata)
    }

    private static func integers(_ value: JSONValue?) -> [Int]? {
        guard case let .array(items)? = value else { return nil }
        var result = [Int]()
        for item in items {
            guard case let .integer(number) = item else { return nil }
            result.append(number)
        }
        return result
    }

    private static func describe(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}
