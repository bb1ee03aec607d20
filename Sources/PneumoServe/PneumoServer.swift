import Hummingbird

/// The HTTP server: a page for clinicians and a JSON API in front of an `XRayClassifier`.
///
/// Routes: `GET /` (the page), `POST /api/v1/predict`, `GET /api/v1/model`, `GET /healthz`.
/// Every error is JSON: `{"error": {"status", "code", "message"}}`.
public struct PneumoServer: Sendable {
    /// Address and limits.
    public let configuration: ServerConfiguration
    private let classifier: any XRayClassifier
    private let log: RequestLog

    /// Creates a server; nothing listens until `run` is called.
    public init(classifier: any XRayClassifier, configuration: ServerConfiguration = .init(), log: RequestLog = .standardError) {
        self.classifier = classifier
        self.configuration = configuration
        self.log = log
    }

    /// Serves until the task is cancelled (which stops at once) or, with `stopOnSignals`, until
    /// SIGINT or SIGTERM (which first finish the requests in flight). `onListening` receives
    /// the bound port, useful when the configuration asks for port 0.
    public func run(stopOnSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = Application(
            router: makeRouter(),
            // Idle keep-alive connections are closed after a minute, so abandoned clients cannot
            // pile up; a slow upload that keeps sending is not idle.
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pneumo"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) })
        if stopOnSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }

    private static let routes: RouteTable = {
        var table = RouteTable()
        table.add("/", .get)
        table.add("/api/v1/predict", .post)
        table.add("/api/v1/model", .get)
        table.add("/healthz", .get)
        return table
    }()

    private func makeRouter() -> Router<ServeRequestContext> {
        let limiter = InFlightLimiter(limit: configuration.maxInFlight)
        let metadata = classifier.metadata
        let predict = PredictHandler(
            uploads: UploadReader(maxBodyBytes: configuration.maxBodyBytes),
            limiter: limiter,
            queue: BatchQueue(classifier: classifier, maxBatchSize: configuration.maxBatchSize, maxWait: configuration.maxBatchWait),
            metadata: metadata,
            maxPixels: configuration.maxPixels,
            log: log)
        let modelBody = ResponseBodies.Model(
            id: metadata.id, version: metadata.version, classes: metadata.classes, positiveClass: metadata.positiveClass,
            threshold: metadata.threshold, architecture: metadata.architecture, trainingMetrics: metadata.trainingMetrics,
            limits: .init(
                maxBodyBytes: configuration.maxBodyBytes, maxPixels: configuration.maxPixels,
                maxInFlight: configuration.maxInFlight, maxBatchSize: configuration.maxBatchSize,
                maxBatchWaitMs: configuration.maxBatchWait.milliseconds))
        let reference = ResponseBodies.ModelReference(id: metadata.id, version: metadata.version)

        let router = Router(context: ServeRequestContext.self)
        router.add(middleware: RequestLogMiddleware(log: log))
        router.add(middleware: JSONErrorMiddleware(routes: Self.routes, log: log))
        router.get("/") { _, _ in IndexPage.response() }
        router.post("/api/v1/predict") { request, context in try await predict.handle(request, context: context) }
        router.get("/api/v1/model") { _, _ in JSONResponse.make(status: .ok, modelBody) }
        router.get("/healthz") { _, _ in
            JSONResponse.make(
                status: .ok,
                ResponseBodies.Health(status: "ok", model: reference, inFlight: limiter.current, maxInFlight: limiter.limit))
        }
        return router
    }
}
