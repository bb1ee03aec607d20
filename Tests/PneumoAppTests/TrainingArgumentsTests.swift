import Engine
import Foundation
import XCTest
@testable import PneumoApp

final class TrainingArgumentsTests: XCTestCase {
    func testDefaultsAreTheDocumentedOnes() throws {
        let options = try TrainingArguments().resolve()
        var documented = TrainingOptions()
        documented.labelSmoothing = 0.1
        documented.epochs = 45
        documented.testTimeAugmentation = true
        XCTAssertEqual(
            options, documented, "the default recipe is the options' defaults with label smoothing 0.1, 45 epochs and test-time augmentation")
        XCTAssertEqual(options.epochs, 45)
        XCTAssertEqual(options.model, "pneumonet")
        XCTAssertEqual(options.threshold, .youden)
        XCTAssertEqual(options.classWeights, .auto)
        XCTAssertEqual(options.augmentation.rotationDegrees, 15)
        XCTAssertEqual(options.augmentation.zoom, 0.15, accuracy: 1e-6)
        XCTAssertFalse(options.augmentation.horizontalFlip)
        XCTAssertTrue(TrainingArguments().givenOptions.isEmpty)
    }

    func testGivenValuesAreParsed() throws {
        var arguments = TrainingArguments()
        arguments.optimizer = "Nesterov"
        arguments.schedule = "step:2:0.5"
        arguments.classWeights = "2,0.5"
        arguments.augment = "0.5"
        arguments.flip = true
        arguments.rotation = 3
        arguments.threshold = "sensitivity:0.95"
        arguments.monitor = "auc"
        arguments.epochs = 1
        let options = try arguments.resolve()
        XCTAssertEqual(options.optimizer, .nesterov)
        XCTAssertEqual(options.schedule, .step(every: 2, factor: 0.5))
        XCTAssertEqual(options.classWeights, .given([2, 0.5]))
        XCTAssertEqual(options.augmentation.shift, 0.05, accuracy: 1e-7)
        XCTAssertEqual(options.augmentation.rotationDegrees, 3)
        XCTAssertTrue(options.augmentation.horizontalFlip)
        XCTAssertEqual(options.threshold, .targetSensitivity(0.95))
        XCTAssertEqual(options.monitor, .auc)
        XCTAssertEqual(Set(arguments.givenOptions), ["--optimizer", "--schedule", "--class-weights", "--augment", "--flip", "--rotation", "--threshold", "--monitor", "--epochs"])
        XCTAssertEqual(options.validationSeed, options.seed, "the split follows --seed unless told otherwise")
        arguments.splitSeed = 7
        XCTAssertEqual(try arguments.resolve().validationSeed, 7)
        XCTAssertEqual(try arguments.resolve().seed, 42)
    }

    func testLabelSmoothingIsOnInTheDefaultRecipeAndSurvivesTheOptionsFile() throws {
        XCTAssertEqual(try TrainingArguments().resolve().labelSmoothing, 0.1)
        var notebook = TrainingArguments()
        notebook.recipe = "notebook"
        XCTAssertNil(try notebook.resolve().labelSmoothing, "the notebook trained on hard targets")
        var arguments = TrainingArguments()
        arguments.labelSmoothing = 0
        XCTAssertEqual(try arguments.resolve().labelSmoothing, 0, "--label-smoothing 0 turns it off")
        arguments.labelSmoothing = 0.2
        let options = try arguments.resolve()
        XCTAssertEqual(options.labelSmoothing, 0.2)
        XCTAssertEqual(arguments.givenOptions, ["--label-smoothing"])
        let decoded = try JSONDecoder().decode(TrainingOptions.self, from: try JSONEncoder().encode(options))
        XCTAssertEqual(decoded, options)
        // Options files written before the option existed still read, as hard targets.
        var old = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        old.removeValue(forKey: "label_smoothing")
        let oldOptions = try JSONDecoder().decode(TrainingOptions.self, from: try JSONSerialization.data(withJSONObject: old))
        XCTAssertNil(oldOptions.labelSmoothing)
    }

    func testGammaAndErasingAreOffByDefaultAndSetByTheirOptions() throws {
        let defaults = try TrainingArguments().resolve().augmentation
        XCTAssertEqual(defaults.gamma, 0)
        XCTAssertEqual(defaults.eraseProbability, 0)
        XCTAssertEqual(AugmentationSettings.standard.gamma, 0)
        XCTAssertEqual(AugmentationSettings.standard.eraseProbability, 0)
        var arguments = TrainingArguments()
        arguments.gamma = 0.3
        arguments.erase = 0.5
        arguments.eraseArea = 0.25
        let settings = try arguments.resolve().augmentation
        XCTAssertEqual(settings, AugmentationSettings(
            rotationDegrees: defaults.rotationDegrees, shift: defaults.shift, zoom: defaults.zoom, brightness: defaults.brightness,
            contrast: defaults.contrast, aspect: defaults.aspect, horizontalFlip: defaults.horizontalFlip,
            gamma: 0.3, eraseProbability: 0.5, eraseArea: 0.25))
        XCTAssertEqual(Set(arguments.givenOptions), ["--gamma", "--erase", "--erase-area"])
        XCTAssertTrue(settings.summary.contains("gamma") && settings.summary.contains("erasing p 0.5"), settings.summary)
    }

    func testSyncBatchNormIsRecordedForResumeAndOldOptionsFilesReadAsOff() throws {
        XCTAssertNil(try TrainingArguments().resolve().syncBatchNorm)
        var arguments = TrainingArguments()
        arguments.syncBatchNorm = true
        let options = try arguments.resolve()
        XCTAssertEqual(options.syncBatchNorm, true)
        XCTAssertEqual(arguments.givenOptions, ["--sync-batchnorm"], "refused beside --resume, which keeps the run's own")
        let encoded = try JSONEncoder().encode(options)
        XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains("\"sync_batchnorm\":true"))
        XCTAssertEqual(try JSONDecoder().decode(TrainingOptions.self, from: encoded), options)
        var old = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        old.removeValue(forKey: "sync_batchnorm")
        let oldOptions = try JSONDecoder().decode(TrainingOptions.self, from: try JSONSerialization.data(withJSONObject: old))
        XCTAssertNil(oldOptions.syncBatchNorm)
    }

    func testOneEpochRunsDropTheDefaultWarmUp() throws {
        var arguments = TrainingArguments()
        arguments.epochs = 1
        XCTAssertEqual(try arguments.resolve().schedule, .cosine(warmupEpochs: 0, minimumFactor: 0.02))
    }

    func testBadValuesNameTheOptionAndTheFix() {
        let cases: [(String, (inout TrainingArguments) -> Void, String)] = [
            ("optimizer", { $0.optimizer = "lbfgs" }, "adamw"),
            ("class count", { $0.classes = 4 }, "--classes"),
            ("weights per class", { $0.classWeights = "1,2,3" }, "one per class"),
            ("weights text", { $0.classWeights = "heavy" }, "auto, none"),
            ("schedule", { $0.schedule = "linear" }, "cosine"),
            ("warm-up", { $0.schedule = "cosine:5"; $0.epochs = 3 }, "warm-up"),
            ("fraction", { $0.validationFraction = 1.5 }, "--val-fraction"),
            ("label smoothing", { $0.labelSmoothing = 0.5 }, "--label-smoothing"),
            ("negative label smoothing", { $0.labelSmoothing = -0.1 }, "--label-smoothing"),
            ("threshold", { $0.threshold = "maybe" }, "youden"),
            ("monitor", { $0.monitor = "speed" }, "auc"),
            ("augment", { $0.augment = "lots" }, "standard"),
            ("zoom", { $0.zoom = 1.5 }, "zoom"),
            ("gamma", { $0.gamma = 1.5 }, "gamma"),
            ("erase", { $0.erase = 1.2 }, "erase probability"),
            ("erase area", { $0.eraseArea = 0.01 }, "erased area"),
            ("learning rate", { $0.learningRate = -1 }, "--lr"),
            ("batch size", { $0.batchSize = 0 }, "--batch-size"),
            ("patience", { $0.patience = 0 }, "--patience"),
            ("input size", { $0.inputSize = 4 }, "--input-size"),
        ]
        for (name, change, expected) in cases {
            var arguments = TrainingArguments()
            change(&arguments)
            XCTAssertThrowsError(try arguments.resolve(), name) { error in
                XCTAssertTrue(error is TrainingError, "\(name): \(type(of: error))")
                XCTAssertTrue("\(error)".contains(expected), "\(name): '\(error)' should mention \(expected)")
            }
        }
    }

    func testAutoClassWeightsAreInverseFrequency() throws {
        let labels = [Int](repeating: 0, count: 1341) + [Int](repeating: 1, count: 3875)
        let weights = try XCTUnwrap(try ClassWeighting.auto.resolve(labels: labels, classes: 2, balancedSampling: false))
        XCTAssertEqual(weights[0], 5216.0 / (2 * 1341), accuracy: 1e-12)
        XCTAssertEqual(weights[1], 5216.0 / (2 * 3875), accuracy: 1e-12)
        XCTAssertEqual(weights[0] * 1341, weights[1] * 3875, accuracy: 1e-9, "each class carries the same total weight")
        XCTAssertNil(try ClassWeighting.auto.resolve(labels: labels, classes: 2, balancedSampling: true))
        XCTAssertThrowsError(try ClassWeighting.auto.resolve(labels: [0, 0], classes: 2, balancedSampling: false))
    }

    func testOptionsAndResumeStateSurviveJSON() throws {
        var options = TrainingOptions(classWeights: .given([1.5, 0.5]), seed: UInt64(Int64.max), threshold: .fixed(0.3))
        options.schedule = .plateau(patience: 2, factor: 0.5, minimumFactor: 0.001)
        XCTAssertEqual(try JSONValue(encoding: options).decode(TrainingOptions.self), options)

        var generator = SeededGenerator(seed: 1)
        _ = generator.next()
        var totals = EpochTotals()
        totals.weightedLoss = 0.1 + 0.2
        totals.images = 12
        let state = ResumeState(
            epoch: 2, batch: 3, optimizerSteps: 11, dropoutSteps: [UInt64.max, 5], augmentation: generator,
            scheduler: LearningRateScheduler(schedule: .constant, baseRate: 0.1, epochs: 3, stepsPerEpoch: 4),
            earlyStopping: EarlyStopping(metric: .auc, patience: 2), epochTotals: totals, elapsedSeconds: 1.25, epochSeconds: 0.5)
        XCTAssertEqual(try JSONValue(encoding: state).decode(ResumeState.self), state, "64-bit counters must not pass through doubles")
    }

    func testDefaultRunFolderIsNamedAfterTheModel() {
        let date = Date(timeIntervalSince1970: 0)
        let folder = RunDirectory.defaultLocation(model: "configs/my net.json", date: date, base: URL(fileURLWithPath: "/r"))
        XCTAssertTrue(folder.lastPathComponent.hasPrefix("my-net-"), folder.path)
        XCTAssertEqual(folder.lastPathComponent.dropFirst("my-net-".count).count, "yyyyMMdd-HHmmss".count, folder.path)
        XCTAssertEqual(folder.deletingLastPathComponent().path, "/r")
    }
}

final class TrainingRecipeTests: XCTestCase {
    func testNotebookRecipeFollowsTheNotebookPerModel() throws {
        var arguments = TrainingArguments()
        arguments.recipe = "notebook"
        arguments.model = "seed-cnn-tuned"
        let tuned = try arguments.resolve()
        XCTAssertEqual(tuned.optimizer, .adam)
        XCTAssertEqual(tuned.learningRate, 0.001)
        XCTAssertEqual(tuned.batchSize, 32)
        XCTAssertEqual(tuned.epochs, 10)
        XCTAssertEqual(tuned.schedule, .constant)
        XCTAssertEqual(tuned.classWeights, ClassWeighting.none)
        XCTAssertEqual(tuned.augmentation, .none)
        XCTAssertEqual(tuned.validationFraction, 0)
        XCTAssertEqual(tuned.threshold, .fixed(0.5))

        arguments.model = "seed-cnn"
        arguments.epochs = 2
        let cnn = try arguments.resolve()
        XCTAssertEqual([cnn.optimizer.rawValue, "\(cnn.learningRate)", "\(cnn.batchSize)", "\(cnn.epochs)"], ["sgd", "0.01", "100", "2"])

        arguments.recipe = "fast"
        XCTAssertThrowsError(try arguments.resolve()) { XCTAssertTrue("\($0)".contains("notebook"), "\($0)") }
    }
}
