import CoreMetrics
import Prometheus

/// The metrics of one server, in a registry that server owns, served at `GET /metrics` in the
/// Prometheus text format.
///
/// Requests by route and status, their latency and the requests in progress come from
/// Hummingbird's `MetricsMiddleware` through `requestMetricsFactory`; the prediction pipeline
/// adds its own: batch sizes, predictions in flight, and how long the model took to load.
public final class ServerMetrics: Sendable {
    /// The registry behind `/metrics`.
    public let registry: PrometheusCollectorRegistry
    /// Images per model call, recorded by the batch queue as each batch starts.
    let batchSizes: ValueHistogram
    /// Predictions admitted by the in-flight limiter and not yet answered.
    let predictionsInFlight: Prometheus.Gauge
    /// Hands the metrics that Hummingbird's middleware creates to this server's registry.
    let requestMetricsFactory: PrometheusMetricsFactory

    /// The media type of `exposition()`: the Prometheus text format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Creates the metrics; `modelLoadTime`, when known, is published once as a gauge.
    public init(modelLoadTime: Duration? = nil) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        batchSizes = registry.makeValueHistogram(
            descriptor: .init(namespace: "pneumo", metricName: "batch_size", unitName: "", helpText: "Images per model call."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        predictionsInFlight = registry.makeGauge(descriptor: .init(
            namespace: "pneumo", metricName: "predictions_in_flight", unitName: "",
            helpText: "Predictions admitted (see --max-in-flight) and not yet answered."))
        if let modelLoadTime {
            registry.makeGauge(descriptor: .init(
                namespace: "pneumo", metricName: "model_load", unitName: "seconds",
                helpText: "Time taken to load the checkpoint onto the device at start."))
            .set(to: modelLoadTime.milliseconds / 1e3)
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        // swift-metrics labels use dots (http.route); Prometheus names and labels cannot.
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.prometheusName(name), labels.map { (Self.prometheusName($0.0), $0.1) })
        }
        requestMetricsFactory = factory
    }

    /// The current values in the Prometheus text exposition format, version 0.0.4.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func prometheusName(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") ? $0 : "_" })
    }
}
