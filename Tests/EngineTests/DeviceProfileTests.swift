import Engine
import Foundation
import OpenCLKit
import XCTest

/// The per-device profile: its families, how a context gets one (environment, stored tuned
/// profile), that it and the work ledger belong to one context, and that bad numbers are refused.
final class DeviceProfileTests: XCTestCase {
    private func temporaryStore() -> (TuningStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-profile-\(UUID().uuidString)")
        return (TuningStore(directory: directory), directory)
    }

    /// Writes `table` where `store` looks for the device's file, as the tuner's `save` does
    /// (the engine only reads the store).
    private func write(_ table: GEMMTuningTable, to store: TuningStore, for device: Device) throws {
        try FileManager.default.createDirectory(at: store.directory, withIntermediateDirectories: true)
        try JSONEncoder().encode(table).write(to: store.url(for: device))
    }

    func testEnvironmentForcesEitherFamilyAndRejectsOthers() throws {
        let device = try TestDevice.context().device
        let own: DeviceProfile.Family = device.kind == .cpu ? .cpu : .gpu
        XCTAssertEqual(try DeviceTuning.standard(for: device, environment: [:], store: nil).profile, DeviceProfile.defaults(own, for: device))
        XCTAssertEqual(try DeviceTuning.standard(for: device, environment: ["PNEUMO_DEVICE_PROFILE": "gpu"], store: nil).profile, .gpu)
        XCTAssertEqual(try DeviceTuning.standard(for: device, environment: ["PNEUMO_DEVICE_PROFILE": "CPU"], store: nil).profile.family, .cpu)
        XCTAssertThrowsError(try DeviceTuning.standard(for: device, environment: ["PNEUMO_DEVICE_PROFILE": "tpu"], store: nil)) { error in
            XCTAssertTrue("\(error)".contains("PNEUMO_DEVICE_PROFILE=tpu") && "\(error)".contains("cpu, gpu"), "\(error)")
        }
    }

    /// The two families differ in every kernel variant the tests must cover on both.
    func testFamiliesDifferInTheirKernelVariants() {
        let cpu = DeviceProfile.cpu(vectorWidth: 16), gpu = DeviceProfile.gpu
        XCTAssertNotEqual(cpu.gemmTiles, gpu.gemmTiles)
        XCTAssertEqual([cpu.onePassStatistics, cpu.contiguousRuns], [true, true])
        XCTAssertEqual([gpu.onePassStatistics, gpu.contiguousRuns], [false, false])
        XCTAssertEqual(cpu.weightGradientGroupSize, 1)
        XCTAssertNil(gpu.weightGradientGroupSize, "GPUs take the tile configuration's wide groups")
        XCTAssertNotNil(cpu.rowItemsPerComputeUnit)
        XCTAssertNil(gpu.rowItemsPerComputeUnit)
        XCTAssertEqual(cpu.tiles(for: TunedProduct(kernel: .convolution, m: 16, n: 100, k: 9)), GEMMTuning(tileRows: 4, tileColumns: 64, vectorWidth: 16))
        XCTAssertEqual(cpu.tiles(for: TunedProduct(kernel: .convolution, m: 17, n: 100, k: 9)), GEMMTuning(tileRows: 8, tileColumns: 48, vectorWidth: 16))
        XCTAssertEqual(DeviceProfile.cpu(vectorWidth: 8).tiles(for: TunedProduct(kernel: .convolution, m: 17, n: 100, k: 9)),
                       GEMMTuning(tileRows: 6, tileColumns: 16, vectorWidth: 8))
        XCTAssertEqual(gpu.tiles(for: TunedProduct(kernel: .convolution, m: 17, n: 100, k: 9)), gpu.gemmTiles)
    }

    func testStoredProfileIsUsedUnlessAnotherFamilyIsForced() throws {
        let device = try TestDevice.context().device
        let (store, directory) = temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var table = GEMMTuningTable(device: device)
        var tuned = DeviceProfile.defaults(for: device)
        tuned.directUtilizationLimit = 0.5
        tuned.convolutionAlgorithms["forward 1x8x8 f2 k3x3 s1 same"] = "im2col"
        table.profile = tuned
        try write(table, to: store, for: device)
        let loaded = try DeviceTuning.standard(for: device, environment: [:], store: store)
        XCTAssertEqual(loaded.profile, tuned)
        XCTAssertEqual(loaded.choices, table)
        let other: DeviceProfile.Family = tuned.family == .cpu ? .gpu : .cpu
        let forced = try DeviceTuning.standard(for: device, environment: ["PNEUMO_DEVICE_PROFILE": other.rawValue], store: store)
        XCTAssertEqual(forced.profile, DeviceProfile.defaults(other, for: device))
        XCTAssertNil(forced.choices, "tuned tiles belong to the device's own kernel variants")
    }

    /// Tables written before profiles existed have no `profile` key: they still load.
    func testTableWithoutProfileStillLoads() throws {
        let device = try TestDevice.context().device
        let (store, directory) = temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        var table = GEMMTuningTable(device: device)
        table.choices["gemm m<=16 n<=64 k<=64"] = .init(tuning: GEMMTuning(tileRows: 3, tileColumns: 8, vectorWidth: 4, localSize: 2),
                                                         gflops: 2, defaultGFLOPS: 1, shapes: ["gemm 8x40x16"])
        try write(table, to: store, for: device)
        XCTAssertFalse(try String(contentsOf: store.url(for: device), encoding: .utf8).contains("profile"))
        let loaded = try DeviceTuning.standard(for: device, environment: [:], store: store)
        XCTAssertEqual(loaded.choices, table)
        XCTAssertEqual(loaded.profile, DeviceProfile.defaults(for: device))
    }

    func testBadNumbersAreRefused() {
        var profile = DeviceProfile.gpu
        profile.statisticsGroupLimit = 24
        XCTAssertThrowsError(try profile.validate()) { XCTAssertTrue("\($0)".contains("power of two"), "\($0)") }
        profile = .gpu
        profile.rowGroupSize = 0
        XCTAssertThrowsError(try profile.validate())
        profile = .gpu
        profile.gemmTiles.vectorWidth = 3
        XCTAssertThrowsError(try profile.validate())
        XCTAssertNoThrow(try DeviceProfile.cpu(vectorWidth: 8).validate())
    }

    /// The engine's way to open a context attaches the tuning it is given, else the standard one.
    func testOpenedContextCarriesItsTuning() throws {
        let device = try TestDevice.context().device
        var profile = DeviceProfile.gpu
        profile.rowGroupSize = 16
        let given = try EngineRuntime.open(device: device, tuning: DeviceTuning(profile: profile))
        XCTAssertEqual(given.profile, profile)
        XCTAssertNil(given.profiler)
        let standard = try EngineRuntime.open(device: device, profiling: true)
        XCTAssertEqual(standard.profile, try DeviceTuning.standard(for: device).profile)
        XCTAssertNotNil(standard.profiler)
        XCTAssertTrue(try EngineRuntime.smokeTest(device))
    }

    /// A profile and a ledger attached to one context leave every other context alone.
    func testProfileAndLedgerBelongToOneContext() throws {
        let device = try TestDevice.context().device
        let first = try ComputeContext(device: device), second = try ComputeContext(device: device)
        var profile = DeviceProfile.gpu
        profile.rowGroupSize = 32
        first.setDeviceTuning(DeviceTuning(profile: profile))
        XCTAssertEqual(first.profile.rowGroupSize, 32)
        XCTAssertEqual(try second.deviceTuning().profile, try DeviceTuning.standard(for: device).profile)

        let ledger = WorkLedger.start(for: first)
        defer { WorkLedger.stop(for: first) }
        func multiply(on context: ComputeContext) throws {
            let a = try DeviceBuffer<Float>(context, [1, 2, 3, 4])
            let c = try DeviceBuffer<Float>(context, count: 4)
            try GEMM(context).multiply(m: 2, n: 2, k: 2, GEMMOperand(a, leadingDimension: 2), GEMMOperand(a, leadingDimension: 2),
                                       GEMMOperand(c, leadingDimension: 2))
            try context.finish()
            XCTAssertEqual(try c.read(), [7, 10, 15, 22])
        }
        try multiply(on: second)
        XCTAssertTrue(ledger.products.isEmpty && ledger.entries.isEmpty, "launches on another context: \(ledger.entries)")
        try multiply(on: first)
        XCTAssertEqual(ledger.entries["gemm_naive"]?.launches, 1)
    }
}
