import Hummingbird
import PneumoData

/// A failed request as the client sees it: an HTTP status, a stable code to branch on and a
/// sentence saying what was wrong and what to do.
struct APIError: Error, Sendable {
    /// HTTP status code.
    var status: Int
    /// Stable machine-readable code, e.g. `body_too_large`.
    var code: String
    /// What was wrong and what to do about it.
    var message: String
    /// Extra response headers (Allow, Retry-After, Connection).
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
            self.init(status: 400, code: "empty_body", message: "The request body is empty; send one JPEG or DICOM image.")
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
        case .dicom(let error):
            self.init(dicom: error)
        case .lowQuality(let findings):
            self.init(
                status: 422, code: "low_quality_image",
                message: "Not a usable chest X-ray, so no prediction is given: "
                    + findings.map(\.description).joined(separator: "; ")
                    + ". Send the original radiograph, or add ?low_quality=flag to classify it anyway, marked as low quality.")
        }
    }

    /// The answer for a DICOM file that cannot be read; the message never quotes the dataset.
    private init(dicom error: DICOMDecodeError) {
        let message = "The DICOM file cannot be used: \(error)."
        switch error {
        case .noPixelData: self.init(status: 422, code: "dicom_without_pixel_data", message: message)
        case .unsupportedSyntax: self.init(status: 415, code: "unsupported_dicom_syntax", message: message)
        case .unsupportedImage: self.init(status: 415, code: "unsupported_dicom_image", message: message)
        case .badDimensions: self.init(status: 400, code: "bad_dicom_dimensions", message: message)
        case .truncated: self.init(status: 400, code: "truncated_dicom", message: message)
        case .unreadable, .decodeFailed: self.init(status: 400, code: "unreadable_dicom", message: message)
        }
    }

    static func notFound(path: String) -> APIError {
        APIError(
            status: 404, code: "not_found",
            message: "No resource at \(path). Try GET /, POST /api/v1/predict, GET /api/v1/model, GET /healthz, GET /readyz, GET /metrics or GET /openapi.json.")
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

    /// The body's HTTP framing is broken (a chunk size that is not hexadecimal, a bad chunk
    /// end); the connection cannot be trusted any more, so it is closed after the answer.
    static func malformedBody(_ detail: String) -> APIError {
        APIError(
            status: 400, code: "malformed_body",
            message: "The request body is not valid HTTP/1.1 (\(detail)); check the client's chunked encoding or Content-Length.",
            headers: [.connection: "close"])
    }

    /// The connection ended before the body did.
    static func incompleteBody(received: Int, declared: Int?) -> APIError {
        let expected = declared.map { "the \($0) bytes its Content-Length announces" } ?? "its last chunk"
        return APIError(
            status: 400, code: "incomplete_body",
            message: "The request body ended after \(received) bytes, before \(expected); send the whole file.",
            headers: [.connection: "close"])
    }

    /// The client stopped sending the body.
    static func bodyTimeout(after timeout: Duration, received: Int, declared: Int?) -> APIError {
        let of = declared.map { " of \($0)" } ?? ""
        return APIError(
            status: 408, code: "request_timeout",
            message: "No more of the request body arrived for \(timeout.secondsText) (\(received)\(of) bytes received); "
                + "the connection is closed. Check the network and send the file again.",
            headers: [.connection: "close"])
    }

    /// The model's output for this request is NaN or infinite: no valid prediction exists.
    static let modelOutputNotFinite = APIError(
        status: 500, code: "model_output_not_finite",
        message: "The model produced a non-finite output (NaN or infinity) for this image, so there is no valid "
            + "prediction; the checkpoint may be damaged. The details are in the server log.")

    /// Predictions are refused because the model failed its start-up probe.
    static func modelNotReady(_ failure: ReadinessFailure) -> APIError {
        let message: String
        switch failure.code {
        case ReadinessFailure.notFiniteCode:
            message = "The model cannot produce finite outputs (\(failure.reason)), so the server refuses predictions. "
                + "Check the checkpoint: retrain it or serve an earlier one, then restart the server. GET /readyz says why."
        default:
            message = "The model failed its start-up check (\(failure.reason)), so the server refuses predictions. "
                + "Check the checkpoint and the server log, then restart the server. GET /readyz says why."
        }
        return APIError(status: 503, code: "model_not_ready", message: message)
    }

    /// The Host header names this server by a name it does not answer to.
    static func hostNotAllowed(_ host: String, allowed: [String]) -> APIError {
        APIError(
            status: 421, code: "host_not_allowed",
            message: "This server does not answer to the host name '\(host.prefix(100))' (it accepts "
                + "\(allowed.joined(separator: ", "))). If that name is yours, start the server with --allowed-host \(host.prefix(100)); "
                + "the check keeps web pages from reaching a loopback server through DNS rebinding.")
    }

    /// A POST from a web page of another origin.
    static func crossOrigin(_ origin: String, expected: String) -> APIError {
        APIError(
            status: 403, code: "cross_origin_request",
            message: "The request comes from a page at \(origin.prefix(200)), not from this server (\(expected.prefix(200))); "
                + "requests from other web pages are refused. Use this server's own page, or send the request without "
                + "an Origin header (curl and scripts send none).")
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
