import Foundation
import Hummingbird

/// Where the server writes its log lines. Lines never contain image content: a request line
/// holds method, path, status, body size and latency only.
public struct RequestLog: Sendable {
    /// Receives one complete line, without a trailing newline.
    public let write: @Sendable (String) -> Void

    /// Creates a log that hands each line to `write`.
    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// Writes lines to standard error, one `write(2)` per line so lines do not interleave.
    public static let standardError = RequestLog { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Drops every line.
    public static let discard = RequestLog { _ in }
}

/// Logs one line per request once its response is ready.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let log: RequestLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        // The path only: queries and bodies could carry patient details.
        let path = String(request.uri.path.prefix(200))
        let timestamp = ISO8601DateFormatter().string(from: Date())
        // Bytes actually read, plus the declared length when the body was refused unread.
        let read = context.bodyMeter.bytesRead
        var body = "body=\(read)B"
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared != read {
            body += " declared=\(declared)B"
        }
        log.write(
            "\(timestamp) \(request.method.rawValue) \(path) \(response.status.code) \(body) "
                + "\(String(format: "%.1f", elapsed.milliseconds))ms")
        return response
    }
}
