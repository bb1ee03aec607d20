import Engine
import EngineTuning
import Foundation
import OpenCLKit
import XCTest

/// The tuner's logic on tiny shapes with few candidates: shape classes, the on-disk store,
/// that a wrong candidate never wins, and that GEMM and convolution pick stored choices up.
final class TuningTests: XCTestCase {
    /// Already built by the GEMM and convolution tests, so no extra kernel compiles.
    private let small = GEMMTuning(tileRows: 3, tileColumns: 8, vectorWidth: 4, localSize: 2)

    func testShapeClassesBucketByPowersOfFour() {
        func name(_ m: Int, _ n: Int, _ k: Int, _ kernel: TunedProduct.Kernel = .gemm) -> String {
            TunedProduct(kernel: kernel, m: m, n: n, k: k).shapeClass.description
        }
        XCTAssertEqual(name(16, 17, 64), "gemm m<=16 n<=64 k<=64")
        XCTAssertEqual(name(1, 65_536, 65_537), "gemm m<=16 n<=65536 k>65536")
        XCTAssertEqual(name(32, 3721, 288, .convolution), "convolution m<=64 n<=4096 k<=1024")
        XCTAssertEqual(TunedProduct(kernel: .gemm, m: 64, n: 100, k: 9).shapeClass, TunedProduct(kernel: .gemm, m: 33, n: 256, k: 16).shapeClass)
        XCTAssertEqual(TunedProduct(kernel: .gemm, m: 2, n: 3, k: 4, batch: 5).flops, 2 * 2 * 3 * 4 * 5)
    }

    func testStoreWritesAtomicallyAndRejectsOtherDevicesAndBrokenFiles() throws {
        let device = try TestDevice.context().device
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-tuning-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = TuningStore(directory: directory)
        XCTAssertNil(try store.load(for: device))

        var table = GEMMTuningTable(device: device)
        table.choices["gemm m<=16 n<=64 k<=64"] = .init(tuning: small, gflops: 2, defaultGFLOPS: 1, shapes: ["gemm 8x40x16"])
        try store.save(table, for: device)
        XCTAssertEqual(try store.load(for: device), table)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [store.url(for: device).lastPathComponent])

        var other = table
        other.driver = "another driver"
        try JSONEncoder().encode(other).write(to: store.url(for: device))
        XCTAssertNil(try store.load(for: device), "a table made under another driver must not be used")

        try Data("{not json".utf8).write(to: store.url(for: device))
        XCTAssertThrowsError(try store.load(for: device)) { error in
            XCTAssertTrue("\(error)".contains(store.url(for: device).path) && "\(error)".contains("--tune"), "\(error)")
        }
    }

    func testWrongCandidateNeverWinsEvenWhenFastest() throws {
        let device = try TestDevice.context().device
        let fast = GEMMTuning(tileRows: 2, tileColumns: 8, vectorWidth: 8)
        let medium = GEMMTuning(tileRows: 4, tileColumns: 8, vectorWidth: 8)
        let trial = ScriptedTrial(
            product: TunedProduct(kernel: .gemm, m: 10, n: 10, k: 10),
            seconds: [small: 3, fast: 1, medium: 2], wrong: [fast])
        var table = GEMMTuningTable(device: device)
        let results = GEMMTuner(candidates: [fast, medium]).tune([trial], baseline: { _ in self.small }, table: &table)
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results[0].winner, medium)
        XCTAssertEqual(results[0].rejected.keys.sorted(), [fast.description])
        XCTAssertEqual(results[0].defaultGFLOPS, trial.product.flops / 3 / 1e9, accuracy: 1e-12)
        XCTAssertEqual(table.tuning(for: trial.product.shapeClass), medium)
        XCTAssertEqual(Set(trial.timed), [small, medium], "the wrong candidate must not even be timed")
        XCTAssertEqual(trial.timed.count, 10, "five rounds of the two valid candidates")
    }

    func testBaselineStaysUnlessBeatenByTheMargin() throws {
        let device = try TestDevice.context().device
        let slightly = GEMMTuning(tileRows: 2, tileColumns: 8, vectorWidth: 8)
        let product = TunedProduct(kernel: .gemm, m: 10, n: 10, k: 10)
        var table = GEMMTuningTable(device: device)
        let kept = GEMMTuner(candidates: [slightly]).tune(
            [ScriptedTrial(product: product, seconds: [small: 1.0, slightly: 0.97], wrong: [])], baseline: { _ in self.small }, table: &table)
        XCTAssertEqual(kept.first?.winner, small, "3% is within the 5% margin")
        let replaced = GEMMTuner(candidates: [slightly], minimumGain: 0.01).tune(
            [ScriptedTrial(product: product, seconds: [small: 1.0, slightly: 0.97], wrong: [])], baseline: { _ in self.small }, table: &table)
        XCTAssertEqual(replaced.first?.winner, slightly)
    }

    /// One burst of load during a candidate's first timing does not sink it: the rounds
    /// interleave and the median counts.
    func testALoadBurstDoesNotDecideTheWinner() throws {
        let device = try TestDevice.context().device
        let faster = GEMMTuning(tileRows: 2, tileColumns: 8, vectorWidth: 8)
        let product = TunedProduct(kernel: .gemm, m: 10, n: 10, k: 10)
        let trial = ScriptedTrial(product: product, seconds: [small: 1.0, faster: 0.8], wrong: [], burst: (faster, 10))
        var table = GEMMTuningTable(device: device)
        let results = GEMMTuner(candidates: [faster]).tune([trial], baseline: { _ in self.small }, table: &table)
        XCTAssertEqual(results.first?.winner, faster)
        XCTAssertEqual(results.first?.gflops ?? 0, product.flops / 0.8 / 1e9, accuracy: 1e-9)
        let single = ScriptedTrial(product: product, seconds: [small: 1.0, faster: 0.8], wrong: [], burst: (faster, 10))
        let once = GEMMTuner(candidates: [faster], rounds: 1).tune([single], baseline: { _ in self.small }, table: &table)
        XCTAssertEqual(once.first?.winner, small, "a single timing is at the mercy of the burst")
    }

    func testTunedChoicesReachGEMMAndConvolution() throws {
        let context = try TestDevice.context()
        let geometry = try ConvGeometry(batch: 2, inChannels: 3, height: 12, width: 14, filters: 5, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
        let trials: [TuningTrial] = [
            GEMMTrial(context, m: 24, n: 40, k: 37, batch: 2),
            try ConvolutionTrial(context, geometry: geometry, pass: .forward),
        ]
        var table = GEMMTuningTable(device: context.device)
        let results = GEMMTuner(candidates: [small]).tune(trials, baseline: { context.profile.tiles(for: $0) }, table: &table)
        XCTAssertEqual(results.map(\.shapeClass), trials.map { $0.product.shapeClass.description })
        for result in results {
            XCTAssertTrue(result.rejected.isEmpty, "\(result.rejected)")
            XCTAssertNotNil(result.winner)
            XCTAssertGreaterThan(result.gflops, 0)
        }
        let gemm = try GEMM(context, choices: table)
        for (trial, result) in zip(trials, results) {
            XCTAssertEqual(gemm.tuning(for: trial.product), result.winner)
        }
        let unknown = TunedProduct(kernel: .gemm, m: 5000, n: 5000, k: 5000)
        XCTAssertEqual(gemm.tuning(for: unknown), context.profile.tiles(for: unknown), "unknown classes keep the profile's tiles")
        XCTAssertEqual(try GEMM(context, tuning: small, choices: table).tuning(for: trials[0].product), small, "an explicit tuning wins")

        // A convolution on the tuned GEMM still matches the reference with the chosen tiles.
        let convolution = try Convolution(context, gemm: gemm)
        var rng = SeededGenerator(seed: 12)
        let x = (0..<geometry.inputShape.reduce(1, *)).map { _ in rng.nextNormal() }
        let w = (0..<geometry.weightShape.reduce(1, *)).map { _ in rng.nextNormal() }
        let y = try DeviceBuffer<Float>(context, count: geometry.outputShape.reduce(1, *))
        try convolution.forward(input: try DeviceBuffer(context, x), weight: try DeviceBuffer(context, w), bias: nil, output: y, geometry: geometry)
        assertClose(try y.read(), ConvolutionReference.forward(input: x, weight: w, bias: nil, geometry: geometry), absolute: 2e-4, relative: 1e-4)
    }

    func testCandidatesAreValidAndDistinct() throws {
        let profile = try TestDevice.context().profile
        let candidates = GEMMTuner.candidates(for: profile)
        XCTAssertGreaterThanOrEqual(candidates.count, 3)
        XCTAssertEqual(Set(candidates).count, candidates.count)
        for candidate in candidates { XCTAssertNoThrow(try candidate.validate(), "\(candidate)") }
        XCTAssertTrue(candidates.contains(profile.gemmTiles))
    }
}

/// A trial with made-up timings that reports some candidates as computing wrong results.
private final class ScriptedTrial: TuningTrial {
    let product: TunedProduct
    let secondsByTuning: [GEMMTuning: Double]
    let wrong: Set<GEMMTuning>
    /// A candidate whose first timing takes this long instead, as if the machine were busy.
    let burst: (tuning: GEMMTuning, seconds: Double)?
    private(set) var timed: [GEMMTuning] = []

    init(product: TunedProduct, seconds: [GEMMTuning: Double], wrong: Set<GEMMTuning>,
         burst: (tuning: GEMMTuning, seconds: Double)? = nil) {
        self.product = product
        secondsByTuning = seconds
        self.wrong = wrong
        self.burst = burst
    }

    func validate(_ tuning: GEMMTuning) throws {
        if wrong.contains(tuning) { throw EngineError.invalidConfiguration("\(tuning) computes wrong results") }
    }

    func seconds(_ tuning: GEMMTuning) throws -> Double {
        timed.append(tuning)
        if let burst, burst.tuning == tuning, timed.filter({ $0 == tuning }).count == 1 { return burst.seconds }
        return secondsByTuning[tuning] ?? 10
    }
}
