import Foundation
import Hummingbird
import Logging
import NIOCore

/// The HTTP server: a page for clinicians and a JSON API in front of an `XRayClassifier`.
///
/// Routes: `GET /` (the page), `POST /api/v1/predict`, `GET /api/v1/model`, `GET /healthz`
/// (liveness: the process serves HTTP), `GET /readyz` (readiness: the model gave finite
/// outputs on a probe image at start), `GET /metrics` (Prometheus), `GET /openapi.json` (this API
/// described in OpenAPI 3.1); HEAD wherever GET works.
/// Every error is JSON: `{"error": {"status", "code", "message"}}`.
public struct PneumoServer: Sendable {
    /// Address and limits.
    public let configuration: ServerConfiguration
    /// What `/metrics` serves; owned by this server alone.
    public let metrics: ServerMetrics
    private let classifier: any XRayClassifier
    private let logger: Logger

    /// Creates a server; nothing listens until `run` is called. `logger` receives the request
    /// log and the framework's messages; `modelLoadTime` is published at `/metrics`.
    public init(
        classifier: any XRayClassifier, configuration: ServerConfiguration = .init(),
        logger: Logger = Logger(label: "pneumo.serve"), modelLoadTime: Duration? = nil
    ) {
        self.classifier = classifier
        self.configuration = configuration
        self.logger = logger
        self.metrics = ServerMetrics(modelLoadTime: modelLoadTime)
    }

    /// Serves until the task is cancelled (which stops at once) or, with `stopOnSignals`, until
    /// SIGINT or SIGTERM (which first finish the requests in flight). `onListening` receives
    /// the bound port, useful when the configuration asks for port 0. Meanwhile the model is
    /// probed once; `/readyz` reports the outcome.
    ///
    /// Throws `ServerStartError` when the address cannot be bound (port taken, say).
    public func run(stopOnSignals: Bool = true, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let readiness = Readiness()
        let classifier = classifier, logger = logger
        let probe = Task {
            let outcome = await ReadinessProbe.run(classifier)
            if case .failure(let failure) = outcome {
                logger.error("model probe failed: \(failure.reason); /readyz answers 503 and predictions are refused")
            }
            await readiness.settle(outcome)
        }
        defer { probe.cancel() }

        let listening = ListeningFlag()
        // Idle keep-alive connections are closed after a minute, so abandoned clients cannot
        // pile up; a body that stops arriving is answered 408 before that (requestBodyTimeout).
        let idle = max(60, Int64((configuration.requestBodyTimeout.milliseconds / 1e3).rounded(.up)) + 5)
        let app = Application(
            router: makeRouter(readiness: readiness),
            server: .http1(configuration: .init(idleTimeout: .seconds(idle))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "pneumo"),
            onServerRunning: { [configuration] channel in
                listening.set()
                await onListening(channel.localAddress?.port ?? configuration.port)
            },
            logger: logger)
        do {
            try await ServerScopedMetricsFactory.withFactory(metrics.requestMetricsFactory) {
                if stopOnSignals {
                    try await app.runService()
                } else {
                    try await app.run()
                }
            }
        } catch let error as IOError where !listening.isSet {
            throw ServerStartError(host: configuration.host, port: configuration.port, error: error)
        }
    }

    private static let routes: RouteTable = {
        var table = RouteTable()
        table.add("/", .get)
        table.add("/api/v1/predict", .post)
        table.add("/api/v1/model", .get)
        table.add("/healthz", .get)
        table.add("/readyz", .get)
        table.add("/metrics", .get)
        table.add("/openapi.json", .get)
        return table
    }()

    private func makeRouter(readiness: Readiness) -> Router<ServeRequestContext> {
        let limiter = InFlightLimiter(limit: configuration.maxInFlight, gauge: metrics.predictionsInFlight)
        let metadata = classifier.metadata
        let predict = PredictHandler(
            uploads: UploadReader(maxBodyBytes: configuration.maxBodyBytes, bodyTimeout: configuration.requestBodyTimeout),
            limiter: limiter,
            queue: BatchQueue(
                classifier: classifier, maxBatchSize: configuration.maxBatchSize, maxWait: configuration.maxBatchWait,
                batchSizes: metrics.batchSizes),
            readiness: readiness,
            metadata: metadata,
            maxPixels: configuration.maxPixels)
        let modelBody = ResponseBodies.Model(
            id: metadata.id, version: metadata.version, classes: metadata.classes, positiveClass: metadata.positiveClass,
            threshold: metadata.threshold, architecture: metadata.architecture, trainingMetrics: metadata.trainingMetrics,
            limits: .init(
                maxBodyBytes: configuration.maxBodyBytes, maxPixels: configuration.maxPixels,
                maxInFlight: configuration.maxInFlight, maxBatchSize: configuration.maxBatchSize,
                maxBatchWaitMs: configuration.maxBatchWait.milliseconds),
            temperature: metadata.temperature, operatingPoint: metadata.operatingPoint)
        let reference = ResponseBodies.ModelReference(id: metadata.id, version: metadata.version)

        let router = Router(context: ServeRequestContext.self, options: .autoGenerateHeadEndpoints)
        // Outermost, so the counts see every answer's final status, refusals and errors included.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestLogMiddleware())
        router.add(middleware: HeadMiddleware())
        router.add(middleware: JSONErrorMiddleware(routes: Self.routes))
        router.add(middleware: HostPolicyMiddleware(policy: HostPolicy(configuration: configuration)))
        router.get("/") { _, _ in IndexPage.response() }
        router.post("/api/v1/predict") { request, context in try await predict.handle(request, context: context) }
        router.get("/api/v1/model") { _, _ in JSONResponse.make(status: .ok, modelBody) }
        router.get("/healthz") { _, _ in
            JSONResponse.make(
                status: .ok,
                ResponseBodies.Health(
                    status: "ok", ready: await readiness.isReady, model: reference, inFlight: limiter.current,
                    maxInFlight: limiter.limit))
        }
        router.get("/readyz") { _, _ in Self.readinessResponse(await readiness.state, model: reference) }
        // Independent of readiness: a server whose model failed its probe is worth watching too.
        router.get("/metrics") { [metrics] _, _ in
            Response(
                status: .ok, headers: [.contentType: ServerMetrics.contentType, .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        return router
    }

    /// Every path the router serves with the methods it allows there (HEAD comes with GET).
    static var routeMethods: [String: [String]] {
        routes.methods.mapValues { $0.map(\.rawValue) }
    }

    private static func readinessResponse(_ state: Readiness.State, model: ResponseBodies.ModelReference) -> Response {
        switch state {
        case .ready(let probe):
            return JSONResponse.make(status: .ok, ResponseBodies.Readiness(
                ready: true, status: "ready", reason: nil, model: model,
                probe: .init(probabilities: probe.probabilities, milliseconds: probe.duration.milliseconds), error: nil))
        case .starting:
            let reason = "the model is being checked on its probe image; retry in a moment"
            var response = JSONResponse.make(status: .serviceUnavailable, ResponseBodies.Readiness(
                ready: false, status: "starting", reason: reason, model: model, probe: nil,
                error: .init(status: 503, code: "model_starting", message: "Not ready yet: \(reason).")))
            response.headers[.retryAfter] = "1"
            return response
        case .failed(let failure):
            return JSONResponse.make(status: .serviceUnavailable, ResponseBodies.Readiness(
                ready: false, status: "failed", reason: failure.reason, model: model, probe: nil,
                error: .init(status: 503, code: failure.code, message: APIError.modelNotReady(failure).message)))
        }
    }
}

/// Why the server could not start listening.
public struct ServerStartError: Error, CustomStringConvertible {
    /// The address and port asked for.
    public let host: String
    public let port: Int
    /// The system's error, e.g. EADDRINUSE.
    public let error: IOError

    public var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        switch error.errnoCode {
        case EADDRINUSE:
            return "Cannot listen on \(address): port \(port) is already in use, probably by another pneumo serve or "
                + "another web server. Stop that program, or choose another port with --port (e.g. --port \(port == 8080 ? 8081 : 8080), "
                + "or --port 0 for any free one); --host chooses the address."
        case EACCES:
            return "Cannot listen on \(address): permission denied (ports below 1024 need administrator rights). "
                + "Choose another port with --port, e.g. --port 8080."
        case EADDRNOTAVAIL:
            return "Cannot listen on \(address): \(host) is not an address of this machine. Choose one with --host "
                + "(127.0.0.1 for this machine only, 0.0.0.0 for every network)."
        default:
            return "Cannot listen on \(address): \(error). Check --host and --port."
        }
    }
}

/// Set once the server listens; errors before that are start-up errors.
private final class ListeningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock()
        defer { lock.unlock() }
        value = true
    }
}
