import Hummingbird

/// Which Host and Origin headers the server answers.
///
/// - Host: when bound to loopback, only the names this machine reaches it by are accepted
///   (`localhost`, `127.0.0.1`, `[::1]`, the bound address, and names added with
///   `--allowed-host`), with any port or none. Otherwise a web page on another site could
///   rebind its own name to 127.0.0.1 and read the answers (DNS rebinding). A server bound
///   to another address is meant to be reached by names this one cannot know; it takes any.
/// - Origin: a request that changes something (POST) and carries an Origin must come from
///   this server's own page: `http://` and the same host and port as its Host header. So a
///   page elsewhere cannot post images through a visitor's browser. Clients that send no
///   Origin (curl, scripts) are not affected.
struct HostPolicy: Sendable {
    /// Lowercased names, without port; IPv6 addresses in brackets. Empty: any host.
    let allowedNames: [String]

    init(configuration: ServerConfiguration) {
        guard configuration.isLoopback else {
            allowedNames = []
            return
        }
        var names = ["localhost", "127.0.0.1", "[::1]"]
        for name in [configuration.host] + configuration.allowedHosts {
            let normalized = Self.normalizedName(name)
            if !normalized.isEmpty, !names.contains(normalized) { names.append(normalized) }
        }
        allowedNames = names
    }

    /// A bare host name or address as the Host header writes it: lowercased, IPv6 in
    /// brackets, without a trailing dot.
    static func normalizedName(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        if name.contains(":") && !name.hasPrefix("[") { name = "[\(name)]" }
        return name
    }

    /// Splits `host[:port]` (`[v6]:port` for IPv6); nil when it is not of that form.
    static func splitAuthority(_ authority: String) -> (name: String, port: Int?)? {
        let name: Substring, rest: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            name = authority[...close]
            rest = authority[authority.index(after: close)...]
        } else if let colon = authority.firstIndex(of: ":") {
            name = authority[..<colon]
            rest = authority[colon...]
        } else {
            name = Substring(authority)
            rest = ""
        }
        guard !name.isEmpty, !name.contains(where: { $0 == "/" || $0 == "@" || $0 == " " }) else { return nil }
        if rest.isEmpty { return (normalizedName(String(name)), nil) }
        let digits = rest.dropFirst()
        guard rest.first == ":", !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(digits), port <= 65_535
        else { return nil }
        return (normalizedName(String(name)), port)
    }

    /// The refusal for a request with this method, Host (`authority`) and Origin, or nil.
    func refusal(method: HTTPRequest.Method, authority: String?, origin: String?) -> APIError? {
        // A request without Host (HTTP/1.0) cannot come from a browser, so it is no rebinding risk.
        if !allowedNames.isEmpty, let authority {
            let host = Self.splitAuthority(authority)
            guard let host, allowedNames.contains(host.name) else {
                return .hostNotAllowed(host?.name ?? authority, allowed: allowedNames)
            }
        }
        // Reading is harmless: browsers do not let other pages read cross-origin answers.
        guard let origin, ![.get, .head, .options].contains(method) else { return nil }
        let expected = "http://\(authority ?? "")"
        guard let authority, let own = Self.splitAuthority(authority), origin.lowercased().hasPrefix("http://"),
              let from = Self.splitAuthority(String(origin.dropFirst("http://".count))),
              from.name == own.name, (from.port ?? 80) == (own.port ?? 80)
        else {
            return .crossOrigin(origin, expected: expected)
        }
        return nil
    }
}

/// Applies `HostPolicy` before any route runs.
struct HostPolicyMiddleware: RouterMiddleware {
    typealias Context = ServeRequestContext
    let policy: HostPolicy
    /// The first Host header becomes `request.head.authority`; any further one stays a field.
    private static let host = HTTPFields.Element.Name("Host")!

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // A second Host header would leave the server and a proxy disagreeing on the name.
        if request.headers[Self.host] != nil {
            throw APIError(status: 400, code: "bad_host", message: "The request has more than one Host header; send one.")
        }
        if let refusal = policy.refusal(method: request.method, authority: request.head.authority, origin: request.headers[.origin]) {
            throw refusal
        }
        return try await next(request, context)
    }
}
