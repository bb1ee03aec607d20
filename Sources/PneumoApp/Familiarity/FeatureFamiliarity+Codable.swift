import Foundation

/// In checkpoint metadata the statistics are float32 little-endian bytes in base64: a 256-wide
/// layer's precision matrix is 32,896 numbers, which as JSON text would dwarf the rest of the file.
extension FeatureFamiliarity: Codable {
    private enum CodingKeys: String, CodingKey {
        case method, layer, dimension, shrinkage, fittedOn, fittedImages, limit, refusedShare, validationImages, validationMedian
        case encoding, classMeans, precisionUpperTriangle
    }

    static let method = "smallest Mahalanobis distance to a class mean, shared covariance (Lee et al. 2018)"
    static let encoding = "float32 little-endian, base64; classMeans class by class, precisionUpperTriangle row by row"

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        layer = try container.decode(String.self, forKey: .layer)
        dimension = try container.decode(Int.self, forKey: .dimension)
        shrinkage = try container.decode(Double.self, forKey: .shrinkage)
        fittedOn = try container.decode(String.self, forKey: .fittedOn)
        fittedImages = try container.decode(Int.self, forKey: .fittedImages)
        limit = try container.decode(Double.self, forKey: .limit)
        refusedShare = try container.decode(Double.self, forKey: .refusedShare)
        validationImages = try container.decode(Int.self, forKey: .validationImages)
        validationMedian = try container.decode(Double.self, forKey: .validationMedian)
        let means = try Self.floats(container, .classMeans)
        guard dimension > 0, means.count % dimension == 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .classMeans, in: container, debugDescription: "holds \(means.count) values, not a multiple of dimension \(dimension)")
        }
        let width = dimension
        classMeans = stride(from: 0, to: means.count, by: width).map { Array(means[$0..<($0 + width)]) }
        precisionUpperTriangle = try Self.floats(container, .precisionUpperTriangle)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.method, forKey: .method)
        try container.encode(layer, forKey: .layer)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(shrinkage, forKey: .shrinkage)
        try container.encode(fittedOn, forKey: .fittedOn)
        try container.encode(fittedImages, forKey: .fittedImages)
        try container.encode(limit, forKey: .limit)
        try container.encode(refusedShare, forKey: .refusedShare)
        try container.encode(validationImages, forKey: .validationImages)
        try container.encode(validationMedian, forKey: .validationMedian)
        try container.encode(Self.encoding, forKey: .encoding)
        try container.encode(Self.base64(Array(classMeans.joined())), forKey: .classMeans)
        try container.encode(Self.base64(precisionUpperTriangle), forKey: .precisionUpperTriangle)
    }

    private static func base64(_ values: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }

    private static func floats(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Float] {
        let text = try container.decode(String.self, forKey: key)
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "is not base64 of float32 values")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
