import Foundation
import Hummingbird

/// Builds JSON responses with the headers every API answer carries.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Encodes `value` as the body; if encoding fails (a NaN, say) the answer is a fixed 500,
    /// never the status asked for.
    static func make(status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        var status = status
        let data: Data
        if let encoded = try? encoder.encode(value) {
            data = encoded
        } else {
            status = .internalServerError
            data = Data(#"{"error":{"code":"internal_error","message":"The response could not be encoded.","status":500}}"#.utf8)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        // Answers are about patients' images: keep them out of caches.
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
