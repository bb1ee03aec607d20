import Hummingbird

/// A failed request as the client sees it: an HTTP status, a stable code to branch on and a
/// sentence saying what was wrong and what to do.
struct APIError: Error, Sendable {
    /// HTTP status code.
    var status: Int
    /// Stable machine-readable code, e.g. `body_too_large`.
    var code: String
    /// What was wrong and what to do about it.
    var message: String
    /// Extra response headers (Allow, Retry-After).
    var headers: HTTPFields

    init(status: Int, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }
}

extension APIError {
    /// The 4xx answer for an image the server or the model refused.
    init(_ error: ImageInputError) {
        switch error {
        case .empty:
            self.init(status: 400, code: "empty_body", message: "The request body is empty; send one JPEG image.")
        case .notJPEG(let detail):
            self.init(status: 400, code: "not_a_jpeg", message: "The image is not a readable JPEG: \(detail).")
        case .truncated(let detail):
            self.init(status: 400, code: "truncated_jpeg", message: "The JPEG is incomplete: \(detail).")
        case .tooManyPixels(let width, let height, let limit):
            self.init(
                status: 413, code: "too_many_pixels",
                message: "The image is \(width)x\(height) = \(width * height) pixels, above the limit of \(limit); "
                    + "downscale it or start the server with a larger --max-pixels.")
        case .unsupportedFormat(let detail):
            self.init(status: 415, code: "unsupported_image_format", message: "Unsupported image: \(detail).")
        }
    }

    static func notFound(path: String) -> APIError {
        APIError(
            status: 404, code: "not_found",
            message: "No resource at \(path). Try GET /, POST /api/v1/predict, GET /api/v1/model or GET /healthz.")
    }

    static func methodNotAllowed(method: String, path: String, allowed: [String]) -> APIError {
        APIError(
            status: 405, code: "method_not_allowed",
            message: "\(method) is not allowed on \(path); use \(allowed.joined(separator: " or ")).",
            headers: [.allow: allowed.joined(separator: ", ")])
    }

    static func busy(limit: Int) -> APIError {
        APIError(
            status: 503, code: "server_busy",
            message: "The server is already handling \(limit) predictions; retry in a moment.",
            headers: [.retryAfter: "1"])
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(
            status: 413, code: "body_too_large",
            message: "The request body is larger than the limit of \(limit) bytes; "
                + "send a smaller JPEG or start the server with a larger --max-body-mb.")
    }

    static let inferenceFailed = APIError(
        status: 500, code: "inference_failed",
        message: "The model failed while processing this request; the error is in the server log. Retry, "
            + "and report it if it persists.")

    static let internalError = APIError(
        status: 500, code: "internal_error", message: "The server hit an unexpected error; the error is in the server log.")
}

extension APIError {
    private struct Body: Encodable {
        struct Detail: Encodable {
            let status: Int
            let code: String
            let message: String
        }
        let error: Detail
    }

    /// The JSON response carrying this error.
    func response() -> Response {
        var response = JSONResponse.make(
            status: HTTPResponse.Status(code: status),
            Body(error: .init(status: status, code: code, message: message)))
        response.headers.append(contentsOf: headers)
        return response
    }
}
