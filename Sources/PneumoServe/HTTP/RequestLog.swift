import Foundation
import Hummingbird
import Logging

/// Logs one line per request, through the application's `Logger`, once its response is ready.
/// Lines never contain image content: method, path, status, body size and latency only (the
/// log handler adds the time, and the request's `hb.request.id` travels as metadata).
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        // The path only: queries, bodies and file names could carry patient details.
        let path = String(request.uri.path.prefix(200))
        // Bytes actually read, plus the declared length when the body was refused unread.
        let read = context.bodyMeter.bytesRead
        var body = "body=\(read)B"
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared != read {
            body += " declared=\(declared)B"
        }
        context.logger.info(
            "\(request.method.rawValue) \(path) \(response.status.code) \(body) \(String(format: "%.1f", elapsed.milliseconds))ms")
        return response
    }
}
