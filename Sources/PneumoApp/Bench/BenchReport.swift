import Engine
import Foundation

/// The device a benchmark ran on, as reports name it.
public struct BenchDeviceInfo: Codable, Sendable {
    public var name: String
    public var kind: String
    public var platform: String
    public var driver: String
    public var computeUnits: Int
    public var globalMemoryBytes: Int

    public init(_ device: Device) {
        name = device.name
        kind = device.kind.rawValue
        platform = device.platform.name
        driver = device.driverVersion
        computeUnits = device.computeUnits
        globalMemoryBytes = device.globalMemory
    }
}

/// Everything `pneumo bench` measured, as one value for JSON and text output.
public struct BenchReport: Codable, Sendable {
    public var device: BenchDeviceInfo
    public var models: [ModelBenchmarkResult]
    /// The GEMM shapes the models ran, timed alone (and with CLBlast when asked).
    public var gemm: [GEMMShapeTiming]
    /// What the tuner chose, when `--tune` ran.
    public var tuning: [TuningChoiceRow]?
    /// Why a comparison that was asked for could not run.
    public var notes: [String]

    public init(device: BenchDeviceInfo, models: [ModelBenchmarkResult], gemm: [GEMMShapeTiming] = [],
                tuning: [TuningChoiceRow]? = nil, notes: [String] = []) {
        self.device = device
        self.models = models
        self.gemm = gemm
        self.tuning = tuning
        self.notes = notes
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// One GEMM shape timed with our kernel and, when asked, with CLBlast.
public struct GEMMShapeTiming: Codable, Sendable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var batch: Int
    /// Where the models use it, e.g. "seed-cnn-tuned conv 32->64 forward".
    public var uses: [String]
    public var tuning: String
    public var gflops: Double
    public var clblastGFLOPS: Double?
}

/// The tile configuration the tuner kept for one shape class.
public struct TuningChoiceRow: Codable, Sendable {
    public var shapeClass: String
    public var tuning: String
    public var gflops: Double
    public var defaultGFLOPS: Double
}
