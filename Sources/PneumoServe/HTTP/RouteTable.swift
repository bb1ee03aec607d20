import Hummingbird

/// The paths the server answers and the methods each allows; used to tell a wrong method
/// (405 with Allow) from a wrong path (404).
struct RouteTable: Sendable {
    private(set) var methods: [String: [HTTPRequest.Method]] = [:]

    mutating func add(_ path: String, _ method: HTTPRequest.Method) {
        methods[path, default: []].append(method)
    }

    /// The methods allowed on `path`, or nil when the path is unknown.
    func allowedMethods(for path: String) -> [String]? {
        methods[path].map { $0.map(\.rawValue) }
    }
}

/// Turns every failure into a JSON answer: unknown routes, `APIError`s, anything unexpected.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let routes: RouteTable
    let log: RequestLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response()
        } catch let error as HTTPError where error.status == .notFound {
            let path = String(request.uri.path.prefix(200))
            if let allowed = routes.allowedMethods(for: request.uri.path) {
                return APIError.methodNotAllowed(method: request.method.rawValue, path: path, allowed: allowed).response()
            }
            return APIError.notFound(path: path).response()
        } catch let error as HTTPResponseError {
            let status = Int(error.status.code)
            return APIError(status: status, code: "http_\(status)", message: error.status.reasonPhrase).response()
        } catch {
            log.write("error: \(request.method.rawValue) \(request.uri.path.prefix(200)) failed: \(error)")
            return APIError.internalError.response()
        }
    }
}
