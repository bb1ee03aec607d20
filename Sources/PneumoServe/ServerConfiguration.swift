/// Where the server listens and the limits it enforces.
public struct ServerConfiguration: Sendable, Equatable {
    /// Address to bind; loopback unless another host is asked for.
    public var host: String
    /// TCP port; 0 picks a free one (reported through `PneumoServer.run(onListening:)`).
    public var port: Int
    /// Largest accepted request body in bytes; larger gets 413.
    public var maxBodyBytes: Int
    /// Largest accepted image in decoded pixels (width x height); larger gets 413.
    public var maxPixels: Int
    /// Most prediction requests served at once; more get 503.
    public var maxInFlight: Int
    /// Most images per classifier call.
    public var maxBatchSize: Int
    /// Longest a request waits for others to join its batch.
    public var maxBatchWait: Duration
    /// Longest the server waits for the next bytes of a request body; a client that stops
    /// sending gets 408 and its connection is closed. A slow upload that keeps sending is fine.
    public var requestBodyTimeout: Duration
    /// Host names, besides the loopback names and `host`, that requests may carry in their
    /// Host header when the server is bound to loopback (for example a name in /etc/hosts).
    public var allowedHosts: [String]

    /// Creates a configuration; the defaults suit one clinic workstation.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 20 * 1024 * 1024,
        maxPixels: Int = 40_000_000, maxInFlight: Int = 64, maxBatchSize: Int = 8,
        maxBatchWait: Duration = .milliseconds(5), requestBodyTimeout: Duration = .seconds(30), allowedHosts: [String] = []
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxPixels = maxPixels
        self.maxInFlight = maxInFlight
        self.maxBatchSize = maxBatchSize
        self.maxBatchWait = maxBatchWait
        self.requestBodyTimeout = requestBodyTimeout
        self.allowedHosts = allowedHosts
    }

    /// Whether `host` is a loopback address, reachable from this machine only.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// Whether `host` names a loopback address: `localhost`, `::1` or `127.x.x.x`.
    public static func isLoopback(_ host: String) -> Bool {
        let name = host.lowercased()
        return name == "localhost" || name == "::1" || name == "[::1]" || name.hasPrefix("127.")
    }
}
