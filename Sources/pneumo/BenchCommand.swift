import ArgumentParser
import Engine
import EngineTuning
import Foundation
import OpenCLKit
import PneumoApp

/// `pneumo bench`: kernel times, model throughput and memory on the chosen device.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure kernels, training and inference speed, and device memory.",
        discussion: """
            For each model and batch size: training and inference images/s (median of timed \
            windows, random data, Adam, binary cross-entropy), the peak device memory, and a \
            layer-by-layer profile of a training step (each kernel's time, GFLOP/s or GB/s and \
            share of the step). Then GEMM shapes timed alone: those of --gemm, and with \
            --model-shapes or --compare every shape the models run. --rate-only prints just `images_per_second=<n>` and `cpu_images_per_second=<n>` lines per \
            training window, `parameters=<n>`, `peak_device_bytes=<n>` (the buffer pool's high-water mark, idle \
            pooled buffers included) and `peak_live_bytes=<n>` (the most bytes buffers in use held at once), for scripts \
            (Scripts/peers/bench.py).
            """)

    @OptionGroup var deviceOptions: DeviceOptions

    @Option(help: "Comma-separated built-in model names or architecture files; 'all' for every built-in, 'none' for GEMM only.")
    var models = "all"

    @Option(help: "Comma-separated batch sizes.")
    var batch = "32"

    @Option(help: "Input size (height = width) instead of each model's own.")
    var inputSize: Int?

    @Option(help: "Untimed steps before timing.")
    var warmup = 3

    @Option(help: "Timed windows; medians are reported.")
    var windows = 5

    @Option(help: "Steps per timed window.")
    var steps = 5

    @Option(help: "Training steps averaged in the profile (0: no profile).")
    var profileSteps = 2

    @Flag(help: "Skip the inference timing.")
    var noInference = false

    @Option(help: "Comma-separated GEMM shapes MxNxK[xBATCH] to time alone, or 'none'.")
    var gemm = "1024x1024x1024"

    @Flag(help: "Also time every GEMM shape the models run (implied by --compare).")
    var modelShapes = false

    @Option(help: "Time a reference library on the same GEMM shapes: clblast (loaded at run time if installed).")
    var compare: ReferenceLibrary?

    @Flag(help: "Tune GEMM and convolution tiles for this device on the models' shapes first, and store the choices.")
    var tune = false

    @Flag(help: "Instead of the models: time each 3x3 stride-1 convolution they run under the direct kernels, im2col and Winograd (medians of --windows repeats).")
    var convolutions = false

    @Flag(help: "Instead of the models: time the training augmentation of one batch (--batch, --input-size or 128 px, 1 channel) under each setting, alternated, medians of --windows repeats of --steps batches.")
    var augmentation = false

    @Option(help: "With --augmentation: comma-separated settings to time, of default, gamma, erase, both, local-contrast, mixup, cutmix. Default: all.")
    var augmentationSettings: String?

    @Flag(help: "Print only `images_per_second=<n>` per training window of one model at one batch size, for scripts.")
    var rateOnly = false

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func validate() throws {
        guard warmup >= 0, windows >= 1, steps >= 1, profileSteps >= 0 else {
            throw ValidationError("--warmup and --profile-steps must be >= 0, --windows and --steps >= 1.")
        }
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--batch takes positive integers separated by commas, got '\(batch)'.")
        }
        if let inputSize, inputSize < 8 { throw ValidationError("--input-size must be at least 8, got \(inputSize).") }
        if tune, modelNames.isEmpty { throw ValidationError("--tune needs at least one model whose shapes it tunes.") }
        if rateOnly, modelNames.count != 1 || batchSizes.count != 1 {
            throw ValidationError("--rate-only times one model at one batch size; give --models NAME and --batch N.")
        }
        _ = try gemmShapes()
    }

    /// Shapes from --gemm; empty for 'none'.
    func gemmShapes() throws -> [GEMMShapeTiming] {
        if gemm.lowercased() == "none" || gemm.isEmpty { return [] }
        do {
            return try gemm.split(separator: ",").map { try ProductComparison.parse(String($0)) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    var batchSizes: [Int] { batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var modelNames: [String] {
        if models.lowercased() == "none" { return [] }
        if models.lowercased() == "all" { return BuiltinModels.names }
        return models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() throws {
        let choice = try DeviceSelector.choose(flag: deviceOptions.device, requireGPU: deviceOptions.requireGPU)
        let device = choice.device
        Console.log("device: \(device.name) (\(device.kind.rawValue), \(device.platform.name), driver \(device.driverVersion)) — \(choice.reason)")
        let specs = try modelNames.map { name -> ArchitectureSpec in
            let spec = try BuiltinModels.resolve(name)
            return inputSize.map { spec.resized(inputSize: $0) } ?? spec
        }
        if convolutions {
            let rows = try ConvolutionAlgorithmBenchmark.run(specs: specs, batch: batchSizes[0], device: device, repeats: windows) { Console.log($0) }
            print(json ? String(decoding: try JSONEncoder().encode(rows), as: UTF8.self) : ConvolutionAlgorithmBenchmark.render(rows))
            return
        }
        if augmentation {
            let side = inputSize ?? 128
            let names = augmentationSettings.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let rows = try AugmentationBenchmark.run(
                batch: batchSizes[0], side: side, steps: steps, repeats: windows, names: names, device: device)
            print(json ? String(decoding: try JSONEncoder().encode(rows), as: UTF8.self) : AugmentationBenchmark.render(rows, batch: batchSizes[0], side: side))
            return
        }
        if rateOnly {
            guard let spec = specs.first else { throw ValidationError("--rate-only needs a model (--models NAME).") }
            let plan = ModelBenchmarkPlan(warmup: warmup, windows: windows, steps: steps, inference: false, profileSteps: 0)
            let result = try ModelBenchmark.run(spec, batch: batchSizes[0], device: device, plan: plan) { window in
                print(String(format: "images_per_second=%.3f\ncpu_images_per_second=%.3f", window.imagesPerSecond, window.imagesPerCPUSecond))
                fflush(stdout)
            }
            print("parameters=\(result.parameters)")
            print("peak_device_bytes=\(result.peakDeviceBytes)")
            if let live = result.peakLiveBytes { print("peak_live_bytes=\(live)") }
            return
        }
        var notes: [String] = []
        // Loaded before anything is timed, so a missing library is reported at once.
        var clblast: CLBlastSGEMM?
        if compare != nil {
            do {
                clblast = try CLBlastSGEMM()
            } catch {
                notes.append("\(error)")
                Console.log("\(error)")
            }
        }
        var tuning: [TuningChoiceRow]?
        if tune {
            guard let store = TuningStore.standard else {
                throw ValidationError("PNEUMO_TUNING_DIR=off disables the tuning store; unset it to use --tune.")
            }
            Console.log("tuning on the shapes of \(specs.map(\.name).joined(separator: ", ")) (stored in \(store.url(for: device).path)) ...")
            tuning = try BenchTuning.run(specs: specs, batch: batchSizes[0], device: device, store: store) { Console.log($0) }
        }
        let plan = ModelBenchmarkPlan(
            warmup: warmup, windows: windows, steps: steps, inference: !noInference, profileSteps: profileSteps)
        // Peak memory depends on how buffers are reused: say which policy the figures are under.
        let memoryPolicy = try EngineRuntime.bufferPoolPolicy(from: ProcessInfo.processInfo.environment)
        notes.append("device memory policy: \(memoryPolicy.rawValue) (PNEUMO_MEMORY=planned|fast|lean)")
        var results: [ModelBenchmarkResult] = []
        for spec in specs {
            for batch in batchSizes {
                Console.log("timing \(spec.name), batch \(batch) ...")
                results.append(try ModelBenchmark.run(spec, batch: batch, device: device, plan: plan))
            }
        }
        var shapes = try gemmShapes()
        if modelShapes || compare != nil {
            if profileSteps == 0 { notes.append("the models' GEMM shapes come from their profiles; --profile-steps 0 leaves them out") }
            shapes += ProductComparison.shapes(from: results.flatMap { $0.profile?.products ?? [] })
        }
        let timed = try ProductComparison.time(shapes, device: device, clblast: clblast) { Console.log("timing \($0)") }
        let report = BenchReport(
            device: BenchDeviceInfo(device), models: results, gemm: timed.rows, tuning: tuning, notes: notes + timed.notes)
        if json {
            print(try report.json())
        } else {
            print(BenchReportText.render(report))
        }
    }
}

/// The reference libraries `--compare` can time.
enum ReferenceLibrary: String, CaseIterable, ExpressibleByArgument {
    case clblast

    /// Any case, as `--compare` always accepted.
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
