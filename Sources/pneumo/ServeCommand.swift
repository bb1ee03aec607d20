import ArgumentParser
import Engine
import Foundation
import Logging
import OpenCLKit
import PneumoApp
import PneumoServe

/// `pneumo serve`: the web page and JSON API for a trained checkpoint.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a web page and a JSON API that classify chest X-ray JPEGs.",
        discussion: """
            Loads the checkpoint once and keeps the model on the device. Binds to 127.0.0.1 unless \
            --host asks for another address. Uploads stay in memory and are never written to disk; \
            the log (standard error; LOG_LEVEL=debug or warning changes how much) holds method, \
            path, status, body size and latency only. GET /metrics serves Prometheus metrics and \
            GET /openapi.json describes the API.

            GET /healthz says the process is up; GET /readyz says whether the model gave finite \
            outputs on a built-in probe image at start (503 with the reason otherwise, and predictions \
            are then refused). On loopback, requests must name the server as localhost, 127.0.0.1, \
            [::1] or a name given with --allowed-host; POSTs from web pages of other origins are refused.
            """)

    @Option(help: "Checkpoint to serve: its .json or .safetensors file, the stem they share, or a folder holding model.json.")
    var model: String

    @OptionGroup var device: DeviceOptions

    @Option(help: "Address to listen on; anything but loopback exposes the service to the network.")
    var host = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one.")
    var port = 8080

    @Option(name: .customLong("max-body-mb"), help: "Largest accepted request body, in megabytes (MiB).")
    var maxBodyMB = 20

    @Option(help: "Largest accepted image, in decoded pixels (width x height).")
    var maxPixels = 40_000_000

    @Option(help: "Most predictions served at once; more are refused with 503.")
    var maxInFlight = 64

    @Option(help: "Most images per model call.")
    var batchSize = 8

    @Option(name: .customLong("batch-wait-ms"), help: "Longest a request waits for others to join its batch, in milliseconds.")
    var batchWaitMs = 5

    @Option(
        name: .customLong("body-timeout-seconds"),
        help: "Longest the server waits for more of a request body before answering 408 and closing the connection.")
    var bodyTimeoutSeconds = 30

    @Option(
        name: .customLong("allowed-host"),
        help: ArgumentHelp(
            "Another host name clients may use to reach a loopback server (e.g. a name in /etc/hosts); repeatable.",
            discussion: "Only checked when --host is loopback; give the name without a port."))
    var allowedHosts: [String] = []

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, got \(port).") }
        guard (1...1_024).contains(maxBodyMB) else { throw ValidationError("--max-body-mb must be between 1 and 1024, got \(maxBodyMB).") }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels).") }
        guard (1...10_000).contains(maxInFlight) else {
            throw ValidationError("--max-in-flight must be between 1 and 10000, got \(maxInFlight).")
        }
        guard (1...1_024).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1024, got \(batchSize).") }
        guard (0...10_000).contains(batchWaitMs) else {
            throw ValidationError("--batch-wait-ms must be between 0 and 10000, got \(batchWaitMs).")
        }
        guard (1...3_600).contains(bodyTimeoutSeconds) else {
            throw ValidationError("--body-timeout-seconds must be between 1 and 3600, got \(bodyTimeoutSeconds).")
        }
        for name in allowedHosts {
            if let problem = Self.hostNameProblem(name) {
                throw ValidationError("--allowed-host \(name): \(problem)")
            }
        }
        let metadataFile = CheckpointPaths(URL(fileURLWithPath: model)).metadata.path
        guard FileManager.default.fileExists(atPath: metadataFile) else {
            throw ValidationError(
                "No checkpoint at \(model): \(metadataFile) does not exist; pass the .json or .safetensors file "
                    + "written by `pneumo train`, or the stem they share.")
        }
    }

    /// The server settings the options describe.
    var serverConfiguration: ServerConfiguration {
        ServerConfiguration(
            host: host, port: port, maxBodyBytes: maxBodyMB * 1024 * 1024, maxPixels: maxPixels,
            maxInFlight: maxInFlight, maxBatchSize: batchSize, maxBatchWait: .milliseconds(batchWaitMs),
            requestBodyTimeout: .seconds(bodyTimeoutSeconds), allowedHosts: allowedHosts)
    }

    func run() async throws {
        // The process's one logging backend; the server's request log goes through it.
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        let context = try device.makeContext()
        let maxPixels = maxPixels
        try await serve { checkpoint in try await Self.loadClassifier(checkpoint, context: context, maxPixels: maxPixels) }
    }

    /// Loads the classifier through `factory`, then serves until SIGINT or SIGTERM.
    func serve(loadingClassifierWith factory: (URL) async throws -> any XRayClassifier) async throws {
        let loadStart = ContinuousClock.now
        let classifier = try await factory(URL(fileURLWithPath: model))
        let loadTime = ContinuousClock.now - loadStart
        let configuration = serverConfiguration
        if !configuration.isLoopback {
            FileHandle.standardError.write(Data(
                "warning: listening on \(host): the service is reachable from other machines; it has no authentication or TLS.\n".utf8))
            if !allowedHosts.isEmpty {
                FileHandle.standardError.write(Data(
                    "warning: --allowed-host has no effect with --host \(host): Host names are checked on loopback only.\n".utf8))
            }
        }
        let metadata = classifier.metadata
        try await PneumoServer(
            classifier: classifier, configuration: configuration, logger: Self.logger(), modelLoadTime: loadTime
        ).run { port in
            FileHandle.standardOutput.write(Data(
                "Serving model \(metadata.id) version \(metadata.version) at http://\(Self.urlHost(host)):\(port)/\n".utf8))
        }
    }

    /// Loads the checkpoint onto `context` once; the model stays there while the server runs.
    static func loadClassifier(_ checkpoint: URL, context: ComputeContext, maxPixels: Int) async throws -> any XRayClassifier {
        let start = ContinuousClock.now
        let classifier: TrainedModelClassifier
        do {
            classifier = try await TrainedModelClassifier.load(checkpoint: checkpoint, context: context, maxPixels: maxPixels)
        } catch {
            throw ServeCommandError.cannotLoad(checkpoint: checkpoint.path, reason: "\(error)")
        }
        let metadata = classifier.metadata
        let heatmaps = classifier.drawsHeatmaps ? "Grad-CAM heatmaps" : "no heatmaps (the model has no convolutional layer)"
        Console.log(
            "loaded \(metadata.id) version \(metadata.version) (classes \(metadata.classes.joined(separator: ", ")), "
                + "threshold \(metadata.threshold), \(heatmaps)) in \(Int((ContinuousClock.now - start) / .milliseconds(1))) ms")
        return classifier
    }

    /// Why `name` cannot be an --allowed-host value, or nil when it can.
    static func hostNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "the name is empty." }
        if name.contains(where: { $0.isWhitespace || "/@?#".contains($0) }) {
            return "give a bare host name such as xray.clinic.internal, not a URL."
        }
        let colons = name.filter { $0 == ":" }.count
        if colons == 1 || (name.hasPrefix("[") && name.contains("]:")) {
            return "give the name without a port; any port is accepted."
        }
        return nil
    }

    /// The server's logger: info and above, or the level LOG_LEVEL names (trace ... critical).
    static func logger() -> Logger {
        var logger = Logger(label: "pneumo.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        return logger
    }

    private static func urlHost(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}

/// Failures of `pneumo serve` before the server starts.
enum ServeCommandError: Error, CustomStringConvertible {
    case cannotLoad(checkpoint: String, reason: String)

    var description: String {
        switch self {
        case .cannotLoad(let checkpoint, let reason):
            return "Cannot serve \(checkpoint): \(reason). Pass a checkpoint written by `pneumo train` (both its .json and .safetensors files)."
        }
    }
}
