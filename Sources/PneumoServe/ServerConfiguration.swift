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

    /// Creates a configuration; the defaults suit one clinic workstation.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = 20 * 1024 * 1024,
        maxPixels: Int = 40_000_000, maxInFlight: Int = 64, maxBatchSize: Int = 8,
        maxBatchWait: Duration = .milliseconds(5)
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.maxPixels = maxPixels
        self.maxInFlight = maxInFlight
        self.maxBatchSize = maxBatchSize
        self.maxBatchWait = maxBatchWait
    }
}
