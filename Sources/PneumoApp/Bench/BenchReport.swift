import Engine
import Foundation
import OpenCLKit

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
public struct GEMMShapeTiming: Codable, Sendable, Equatable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var batch: Int
    /// One A for every batch item (convolution weights).
    public var sharedA: Bool
    /// Where the models use it, e.g. "seed-cnn-tuned 4 Conv2D 32->64 k3 forward".
    public var uses: [String]
    public var tuning: String
    public var gflops: Double
    public var clblastGFLOPS: Double?

    public init(m: Int, n: Int, k: Int, batch: Int = 1, sharedA: Bool = false, uses: [String]) {
        self.m = m
        self.n = n
        self.k = k
        self.batch = batch
        self.sharedA = sharedA
        self.uses = uses
        tuning = ""
        gflops = 0
        clblastGFLOPS = nil
    }
}

/// The tile configuration the tuner kept for one shape class.
public struct TuningChoiceRow: Codable, Sendable {
    public var shapeClass: String
    /// The winner, or "none" when every candidate failed validation.
    public var tuning: String
    public var gflops: Double
    public var defaultGFLOPS: Double
    /// Candidates left out, with the reason.
    public var rejected: [String: String]
}
