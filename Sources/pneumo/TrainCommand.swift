import ArgumentParser
import Foundation
import PneumoApp

/// `pneumo train`: trains a model on the chest X-ray set, with checkpoints, history and resume.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a pneumonia detector; keeps the best checkpoint, the history, and a resumable state on Ctrl-C.",
        discussion: """
            Writes OUT/best.{safetensors,json} (best validation figure of --monitor, with the decision \
            threshold chosen on validation), OUT/last.*, OUT/history.{csv,json} and OUT/options.json. \
            Ctrl-C or SIGTERM saves OUT/resume.* after the current batch; `pneumo train --resume OUT` \
            continues with the run's own options and ends with the same weights as an uninterrupted run.
            """)

    @Option(help: "Folder holding train/ and val/ with NORMAL/ and PNEUMONIA/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Option(help: "Starting point for the options below: default (tuned for pneumonet) or notebook (the Keras notebook's settings for the model).")
    var recipe: String?

    @Option(help: "Built-in model (pneumonet, seed-cnn-tuned, seed-cnn, seed-dense) or an architecture .json file. Default: pneumonet.")
    var model: String?

    @Option(help: "2: normal / pneumonia; 3: normal / bacterial / viral. Default: 2.")
    var classes: Int?

    @Option(help: "Input side in pixels, replacing the architecture's.")
    var inputSize: Int?

    @Option(help: "Filters of the first convolution; later ones keep their ratio to it.")
    var width: Int?

    @Option(help: "Epochs. Default: 15.")
    var epochs: Int?

    @Option(help: "Images per batch. Default: 32.")
    var batchSize: Int?

    @Option(help: "sgd, momentum, nesterov, adam, adamw or rmsprop. Default: adamw.")
    var optimizer: String?

    @Option(name: .customLong("lr"), help: "Base learning rate. Default: 0.002.")
    var learningRate: Double?

    @Option(help: "Momentum for momentum, nesterov and rmsprop. Default: 0.9.")
    var momentum: Double?

    @Option(help: "constant, step[:EVERY[:FACTOR]], cosine[:WARMUP_EPOCHS[:FLOOR]] or plateau[:PATIENCE[:FACTOR]]. Default: cosine:1:0.02.")
    var schedule: String?

    @Option(help: "Weight decay (decoupled for adamw, L2 otherwise). Default: 0.05.")
    var weightDecay: Double?

    @Option(help: "auto (inverse class frequency in the training split), none, or one weight per class such as 1.9,0.66. Default: auto.")
    var classWeights: String?

    @Flag(name: .customLong("balanced"), inversion: .prefixedNo, help: "Draw the classes equally often in each epoch. Default: off.")
    var balancedSampling: Bool?

    @Option(help: "Augmentation: none, standard (10° rotation, 10% shift, zoom, brightness, contrast, 20% aspect ratio) or a factor on standard such as 0.5. Default: 1.5.")
    var augment: String?

    @Option(help: "Largest rotation in degrees (overrides --augment).")
    var rotation: Double?

    @Option(help: "Largest shift as a fraction of the side (overrides --augment).")
    var shift: Double?

    @Option(help: "Largest zoom change, e.g. 0.1 (overrides --augment).")
    var zoom: Double?

    @Option(help: "Largest brightness change in [0, 1] units (overrides --augment).")
    var brightness: Double?

    @Option(help: "Largest contrast change, e.g. 0.1 (overrides --augment).")
    var contrast: Double?

    @Option(help: "Largest aspect-ratio change, e.g. 0.2 stretches width against height by up to 1.2x either way (overrides --augment).")
    var aspect: Double?

    @Flag(inversion: .prefixedNo, help: "Mirror half the images left to right. Default: off (the heart is on the left).")
    var flip: Bool?

    @Option(name: .customLong("val-fraction"), help: "Share of training patients held out for validation; 0 uses the 16-image val folder. Default: 0.1.")
    var validationFraction: Double?

    @Option(help: "Seed for weights, split, batch order, dropout and augmentation. Default: 42.")
    var seed: UInt64?

    @Option(help: "Seed for the validation split alone (default: --seed); runs that share it share their validation images.")
    var splitSeed: UInt64?

    @Option(help: "Validation figure that picks the best checkpoint and drives early stopping: loss, accuracy, auc, recall or f1. Default: loss.")
    var monitor: String?

    @Option(help: "Stop after this many epochs without a better --monitor value. Default: never.")
    var patience: Int?

    @Option(help: "Also save an 'averaged' checkpoint: the mean of the weights at the end of this many last epochs. Default: 0 (none).")
    var averageEpochs: Int?

    @Option(help: "Decision threshold, chosen on validation: a number such as 0.5, youden, or sensitivity:0.95. Default: youden.")
    var threshold: String?

    @Option(help: "Run folder. Default: runs/<model>-<yyyyMMdd-HHmmss>.")
    var out: String?

    @Option(help: "Continue the interrupted run in this folder, with its own options.")
    var resume: String?

    @Option(help: "Folder for the decoded-image cache (default: $PNEUMO_CACHE_DIR or ~/.cache/pneumo/decoded).")
    var cacheDir: String?

    @Flag(help: "Decode every image without reading or writing the cache.")
    var noCache = false

    @OptionGroup var device: DeviceOptions

    var arguments: TrainingArguments {
        var arguments = TrainingArguments()
        arguments.recipe = recipe
        arguments.model = model
        arguments.classes = classes
        arguments.inputSize = inputSize
        arguments.width = width
        arguments.epochs = epochs
        arguments.batchSize = batchSize
        arguments.optimizer = optimizer
        arguments.learningRate = learningRate
        arguments.momentum = momentum
        arguments.schedule = schedule
        arguments.weightDecay = weightDecay
        arguments.classWeights = classWeights
        arguments.balancedSampling = balancedSampling
        arguments.augment = augment
        arguments.rotation = rotation
        arguments.shift = shift
        arguments.zoom = zoom
        arguments.brightness = brightness
        arguments.contrast = contrast
        arguments.aspect = aspect
        arguments.flip = flip
        arguments.validationFraction = validationFraction
        arguments.seed = seed
        arguments.splitSeed = splitSeed
        arguments.monitor = monitor
        arguments.patience = patience
        arguments.averageEpochs = averageEpochs
        arguments.threshold = threshold
        return arguments
    }

    func validate() throws {
        if resume != nil {
            let given = arguments.givenOptions + (out != nil ? ["--out"] : [])
            guard given.isEmpty else {
                throw ValidationError("--resume continues with the options the run was started with; drop \(given.joined(separator: ", "))")
            }
        } else {
            do {
                _ = try arguments.resolve()
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    func run() throws {
        let cache = cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) }
        let reporter = TrainingReporter(
            status: { Console.log($0) },
            epoch: { line in
                print(line)
                fflush(stdout)
            },
            progressBar: { total, label in ProgressBar(total: total, label: label) })
        let trainer: Trainer
        if let resume {
            let folder = URL(fileURLWithPath: resume, isDirectory: true)
            try RunDirectory(folder).checkResumable()
            let data = TrainingData(root: try resumeDataRoot(folder), cacheDirectory: cache, useCache: !noCache)
            trainer = try Trainer.resume(from: folder, data: data, context: try device.makeContext(), reporter: reporter)
        } else {
            let options = try arguments.resolve()
            let root = try DataLocator.locate(data)
            let folder = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RunDirectory.defaultLocation(model: options.model)
            Console.log("data: \(root.path); run folder: \(folder.path)")
            let data = TrainingData(root: root, cacheDirectory: cache, useCache: !noCache)
            trainer = try Trainer(options: options, data: data, output: folder, context: try device.makeContext(), reporter: reporter)
        }

        let interrupt = InterruptSignal()
        interrupt.install { signal in
            Console.log("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): saving a resumable checkpoint after this batch (send it again to quit at once)")
        }
        defer { interrupt.uninstall() }
        switch try trainer.train(shouldStop: { interrupt.receivedSignal != nil }) {
        case .finished:
            break
        case let .interrupted(_, _, run):
            Console.log("training interrupted; continue it with: pneumo train --resume \(run.path)")
            throw ExitCode(128 + (interrupt.receivedSignal ?? SIGINT))
        }
    }

    /// `--data` when given, else the folder the run was started on (when it still exists), else the usual search.
    private func resumeDataRoot(_ folder: URL) throws -> URL {
        if data == nil, let record = try? RunRecord.read(from: RunDirectory(folder).options),
           FileManager.default.fileExists(atPath: record.data) {
            return URL(fileURLWithPath: record.data, isDirectory: true)
        }
        return try DataLocator.locate(data)
    }
}
