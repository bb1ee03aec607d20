import Foundation
import Hummingbird

/// Builds JSON responses with the headers every API answer carries.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Encodes `value` as the body; falls back to a fixed 500 body if encoding fails.
    static func make(status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let data = (try? encoder.encode(value))
            ?? Data(#"{"error":{"status":500,"code":"internal_error","message":"The response could not be encoded."}}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        // Answers are about patients' images: keep them out of caches.
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
