import Engine
import Foundation
import OpenCLKit
import PneumoApp
import XCTest

/// `pneumo bench`'s building blocks on a tiny model: training steps, timed windows, the
/// layer-by-layer profile and its products, shapes for the GEMM table, and the report.
final class BenchTests: XCTestCase {
    private static let context: Result<ComputeContext, Error> = Result {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        return try ComputeContext(device: choice.device, profiling: true)
    }

    /// Conv 3x3 same (2 -> 4) + ReLU + 2x2 max pool + dense head, on 2 x 16 x 16 images.
    private let spec = ArchitectureSpec(
        name: "tiny", input: .init(channels: 2, size: 16),
        layers: [
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same", activation: "relu"),
            LayerSpec(type: "MaxPool2D", size: 2), LayerSpec(type: "Flatten"), LayerSpec(type: "Dense", units: .output),
        ])

    func testTrainingStepsAndWindows() throws {
        let context = try Self.context.get()
        let workload = try ModelWorkload(spec: spec, batch: 3, context: context)
        let first = try workload.trainingStep()
        XCTAssertTrue(first.isFinite && first > 0, "binary cross-entropy of random labels: \(first)")
        var seen: [Double] = []
        let rates = try ThroughputMeter.measure(context: context, imagesPerStep: 3, warmup: 1, windows: 3, steps: 2, onWindow: { seen.append($0) }) {
            try workload.trainingStep()
        }
        XCTAssertEqual(rates.count, 3)
        XCTAssertEqual(seen, rates)
        XCTAssertTrue(rates.allSatisfy { $0 > 0 && $0.isFinite })
        XCTAssertEqual(ThroughputMeter.median([5, 1, 3]), 3)
        XCTAssertEqual(ThroughputMeter.median([4, 1, 3, 2]), 2.5)
        XCTAssertThrowsError(try ThroughputMeter.measure(context: context, imagesPerStep: 1, warmup: 0, windows: 0, steps: 1) {})
        XCTAssertThrowsError(try ModelWorkload(spec: spec, batch: 0, context: context))
    }

    func testProfileChargesKernelsAndWorkToLayers() throws {
        let context = try Self.context.get()
        let workload = try ModelWorkload(spec: spec, batch: 2, context: context)
        let profile = try StepProfiler.profile(workload, steps: 2)
        XCTAssertEqual(profile.steps, 2)
        XCTAssertEqual(profile.kernels.reduce(0) { $0 + $1.share }, 1, accuracy: 1e-9)
        XCTAssertEqual(profile.kernels.reduce(0) { $0 + $1.milliseconds }, profile.deviceMilliseconds, accuracy: 1e-9)

        // Conv 2 -> 4, 3 x 3, 16 x 16 output, 2 images: 2 * 4 * 256 * 18 * 2 flops per pass.
        let convFlops = 2.0 * 4 * 256 * 18 * 2
        let forward = try XCTUnwrap(profile.segments.first { $0.pass == "forward" && $0.layer == 0 })
        XCTAssertEqual(forward.name, "Conv2D 2->4 k3")
        XCTAssertEqual(forward.shape, [2, 4, 16, 16])
        XCTAssertEqual(forward.flops, convFlops)
        XCTAssertGreaterThan(forward.deviceMilliseconds, 0)
        let backward = try XCTUnwrap(profile.segments.first { $0.pass == "backward" && $0.layer == 0 })
        XCTAssertEqual(backward.flops, convFlops, "the first layer's weight gradient only, as in training")
        // The ReLU after the convolution and the max pool run as one fused op: one segment.
        let pool = try XCTUnwrap(profile.segments.first { $0.pass == "forward" && $0.name == "ReLUMaxPool" })
        XCTAssertEqual(pool.layer, 1, "graph step 1")
        XCTAssertEqual(pool.kernels.keys.sorted(), ["maxpool_forward"])
        XCTAssertEqual(pool.bytes, 4 * (2 * 4 * 256 + 2 * 2 * 4 * 64), "input read, output and argmax written")
        XCTAssertNotNil(profile.segments.first { $0.pass == "optimizer" })
        XCTAssertNil(profile.kernels.first { $0.name.hasPrefix("relu_") }, "the ReLU runs inside the max pooling in training")
        let adam = try XCTUnwrap(profile.kernels.first { $0.name == "adam_step" })
        XCTAssertTrue(adam.bytesEstimated)
        XCTAssertEqual(adam.launchesPerStep, 4, "one launch per parameter tensor")

        let products = profile.products.map { ($0.product.kernel, $0.product.m, $0.product.n, $0.product.k) }
        XCTAssertTrue(products.contains { $0 == (.convolution, 4, 256, 18) }, "forward: \(products)")
        XCTAssertFalse(products.contains { $0 == (.convolution, 2, 256, 36) }, "no gradient to the images: \(products)")
        XCTAssertTrue(products.contains { $0 == (.convolutionWeights, 4, 18, 256) }, "backward to the weights: \(products)")
        XCTAssertEqual(profile.products.filter { $0.product.kernel == .convolution }.count, 1, "recorded for one step only")

        let shapes = ProductComparison.shapes(from: profile.products)
        XCTAssertTrue(shapes.contains { $0.m == 4 && $0.n == 18 && $0.k == 512 && $0.batch == 1 }, "weight gradient summed over the batch: \(shapes)")
        XCTAssertTrue(shapes.contains { $0.m == 4 && $0.n == 256 && $0.k == 18 && $0.batch == 2 && $0.sharedA }, "\(shapes)")
    }

    /// The inference pass profiled step by step: the convolution, its ReLU and pooling are one
    /// fused step, charged with the convolution's flops; then Flatten and the dense head.
    func testInferenceProfileChargesKernelsToTheFusedSteps() throws {
        let context = try Self.context.get()
        let workload = try ModelWorkload(spec: spec, batch: 2, context: context)
        let profile = try StepProfiler.profileInference(workload, steps: 2)
        XCTAssertEqual(profile.steps, 2)
        XCTAssertEqual(profile.segments.map(\.pass), ["upload", "inference", "inference", "inference"])
        let fused = try XCTUnwrap(profile.segments.first { $0.pass == "inference" && $0.layer == 0 })
        XCTAssertEqual(fused.name, "Conv2D+ReLU+MaxPool2D 2->4 k3")
        XCTAssertEqual(fused.shape, [2, 4, 8, 8])
        XCTAssertEqual(fused.flops, 2.0 * 4 * 256 * 18 * 2, "the convolution's flops, once per pass")
        XCTAssertGreaterThan(fused.deviceMilliseconds, 0)
        XCTAssertEqual(profile.segments.last?.name, "Dense 256->1")
        XCTAssertEqual(profile.kernels.reduce(0) { $0 + $1.milliseconds }, profile.deviceMilliseconds, accuracy: 1e-9)
        XCTAssertNil(profile.kernels.first { $0.name.hasPrefix("adam") || $0.name.contains("backward") }, "no training kernel")
        XCTAssertTrue(BenchReportText.profileText(profile, of: "inference pass").contains("inference pass"))
    }

    /// Profiled steps and passes run on their memory plan, as the real ones do: unplanned (or
    /// on a plan just made), their first writes to fresh memory would be charged to the kernels.
    func testProfiledStepsAndPassesRunOnTheirPlan() throws {
        let context = try Self.context.get()
        guard context.bufferPoolPolicy == .planned else { throw XCTSkip("needs the planned memory policy") }
        let workload = try ModelWorkload(spec: spec, batch: 2, context: context)
        var before = context.plannedRuns
        _ = try StepProfiler.profile(workload, steps: 2)
        XCTAssertGreaterThanOrEqual(context.plannedRuns - before, 3, "the last unrecorded step and both recorded ones")
        before = context.plannedRuns
        _ = try StepProfiler.profileInference(workload, steps: 2)
        XCTAssertGreaterThanOrEqual(context.plannedRuns - before, 3, "the last unrecorded pass and both recorded ones")
    }

    func testAugmentationTimingsIncludeMixing() throws {
        let device = try Self.context.get().device
        let rows = try AugmentationBenchmark.run(batch: 4, side: 16, steps: 1, repeats: 1, names: ["default", "mixup", "cutmix"], device: device)
        XCTAssertEqual(rows.map(\.name), ["default", "mixup", "cutmix"])
        XCTAssertTrue(rows.allSatisfy { $0.milliseconds > 0 })
        XCTAssertTrue(rows[1].settings.contains("mixup alpha 0.2 on 100% of batches"), rows[1].settings)
        XCTAssertTrue(rows[2].settings.contains("cutmix alpha 1.0"), rows[2].settings)
        XCTAssertThrowsError(try AugmentationBenchmark.run(batch: 4, side: 16, steps: 1, repeats: 1, names: ["mixing"], device: device))
    }

    func testGEMMShapesParseAndTime() throws {
        let shape = try ProductComparison.parse("24x40x16x2")
        XCTAssertEqual([shape.m, shape.n, shape.k, shape.batch], [24, 40, 16, 2])
        XCTAssertEqual(try ProductComparison.parse("8X9X10").batch, 1)
        for bad in ["12x3", "1x2x0", "axbxc", "1x2x3x4x5"] {
            XCTAssertThrowsError(try ProductComparison.parse(bad), bad) { XCTAssertTrue("\($0)".contains("MxNxK"), "\($0)") }
        }
        let device = try Self.context.get().device
        let timed = try ProductComparison.time([shape], device: device, clblast: nil, runs: 1)
        XCTAssertEqual(timed.rows.count, 1)
        XCTAssertGreaterThan(timed.rows[0].gflops, 0)
        XCTAssertNil(timed.rows[0].clblastGFLOPS)
        XCTAssertFalse(timed.rows[0].tuning.isEmpty)
    }

    func testReportAsJSONAndText() throws {
        let context = try Self.context.get()
        let workload = try ModelWorkload(spec: spec, batch: 2, context: context)
        let profile = try StepProfiler.profile(workload, steps: 1)
        let result = ModelBenchmarkResult(
            model: "tiny", batch: 2, inputShape: [2, 16, 16], parameters: workload.model.parameterCount,
            trainingWindows: [10, 12, 11], trainingImagesPerSecond: 11, inferenceWindows: nil, inferenceImagesPerSecond: nil,
            peakDeviceBytes: 3 << 20, peakLiveBytes: 5 << 19, profile: profile)
        var gemm = GEMMShapeTiming(m: 8, n: 9, k: 10, uses: ["requested"])
        gemm.gflops = 1.5
        let report = BenchReport(device: BenchDeviceInfo(context.device), models: [result], gemm: [gemm], notes: ["a note"])
        let json = try report.json()
        let decoded = try JSONDecoder().decode(BenchReport.self, from: Data(json.utf8))
        XCTAssertEqual(decoded.models.first?.trainingImagesPerSecond, 11)
        XCTAssertEqual(decoded.models.first?.peakLiveBytes, 5 << 19)
        XCTAssertEqual(decoded.models.first?.profile?.segments.count, profile.segments.count)
        XCTAssertEqual(decoded.gemm, [gemm])
        XCTAssertEqual(decoded.device.driver, context.device.driverVersion)

        let text = BenchReportText.render(report)
        for expected in [context.device.name, "driver \(context.device.driverVersion)", "tiny", "3.0 MiB", "2.5 MiB", "peak live", "Conv2D 2->4 k3", "maxpool_forward", "note: a note", "1.50"] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
    }
}
