import Hummingbird
import NIOHTTP1

/// The paths the server answers and the methods each allows; used to tell a wrong method
/// (405 with Allow) from a wrong path (404).
struct RouteTable: Sendable {
    private(set) var methods: [String: [HTTPRequest.Method]] = [:]

    /// Adds `method` on `path`; GET brings HEAD with it (answered like GET, without a body).
    mutating func add(_ path: String, _ method: HTTPRequest.Method) {
        methods[path, default: []].append(method)
        if method == .get { methods[path, default: []].append(.head) }
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
        } catch let error as HTTPParserError {
            // Body framing broken while a handler read it: the client's fault, and the
            // connection cannot be read any further.
            return APIError.malformedBody(String(describing: error)).response()
        } catch let error as HTTPResponseError {
            let status = Int(error.status.code)
            return APIError(status: status, code: "http_\(status)", message: error.status.reasonPhrase).response()
        } catch {
            context.logger.error("\(request.method.rawValue) \(request.uri.path.prefix(200)) failed: \(error)")
            return APIError.internalError.response()
        }
    }
}

/// Answers HEAD like GET but without a body, whatever produced the answer (a route, an
/// error); the headers, Content-Length included, stay those of the GET answer.
struct HeadMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        return request.method == .head ? response.createHeadResponse() : response
    }
}
