import CoreMetrics
import Foundation

/// Routes the metrics created through the process-wide `MetricsSystem` to the registry of the
/// server whose task created them.
///
/// Hummingbird's `MetricsMiddleware` takes no factory: it creates its counters and timers
/// through `MetricsSystem`, which can be bootstrapped only once per process. Each server wants
/// its own registry (so two servers in one process, tests included, never mix their counts),
/// so the process-wide factory is this router, bootstrapped once, and each server runs inside
/// `withFactory`, whose task-local value its request tasks inherit.
enum ServerScopedMetricsFactory {
    @TaskLocal static var current: (any MetricsFactory)?

    /// Installs the router as the process's metrics backend, once. A program embedding
    /// `PneumoServer` must not bootstrap `MetricsSystem` itself.
    private static let bootstrap: Void = MetricsSystem.bootstrap(Router())

    /// Runs `operation` with every metric created by its tasks going to `factory`.
    static func withFactory<T>(_ factory: any MetricsFactory, operation: () async throws -> T) async rethrows -> T {
        _ = bootstrap
        return try await $current.withValue(factory, operation: operation)
    }

    /// Metrics created outside any server (none are, today) go nowhere.
    private struct Router: MetricsFactory {
        private var target: any MetricsFactory { ServerScopedMetricsFactory.current ?? NOOPMetricsHandler.instance }

        func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
            target.makeCounter(label: label, dimensions: dimensions)
        }

        func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
            target.makeFloatingPointCounter(label: label, dimensions: dimensions)
        }

        func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
            target.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }

        func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
            target.makeMeter(label: label, dimensions: dimensions)
        }

        func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
            target.makeTimer(label: label, dimensions: dimensions)
        }

        // Handlers are owned by the server's registry, which lives as long as the server.
        func destroyCounter(_ handler: any CounterHandler) {}
        func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
        func destroyRecorder(_ handler: any RecorderHandler) {}
        func destroyMeter(_ handler: any MeterHandler) {}
        func destroyTimer(_ handler: any TimerHandler) {}
    }
}
