import ArgumentParser
import PneumoApp
import XCTest
@testable import pneumo

final class TrainOptionGroupTests: XCTestCase {
    func testNothingGivenResolvesToTheDefaults() throws {
        let command = try TrainCommand.parse([])
        XCTAssertEqual(command.arguments, TrainingArguments())
        XCTAssertEqual(try command.arguments.resolve(), try TrainingArguments().resolve())
    }

    func testEveryOptionReachesTheTrainingArguments() throws {
        let command = try TrainCommand.parse([
            "--recipe", "notebook", "--model", "seed-cnn", "--classes", "3", "--input-size", "96", "--width", "8",
            "--epochs", "4", "--batch-size", "16", "--optimizer", "Nesterov", "--lr", "0.01", "--momentum", "0.8",
            "--schedule", "step:2:0.5", "--weight-decay", "0.001", "--class-weights", "2,0.5,1", "--no-balanced",
            "--augment", "0.5", "--rotation", "3", "--shift", "0.02", "--zoom", "0.1", "--brightness", "0.2",
            "--contrast", "0.3", "--aspect", "0.1", "--flip", "--gamma", "0.3", "--erase", "0.5", "--erase-area", "0.25",
            "--mixup", "0.2", "--cutmix", "1", "--mix-probability", "0.5", "--val-fraction", "0.2", "--seed", "7", "--split-seed", "9",
            "--monitor", "auc", "--patience", "3", "--average-epochs", "2", "--threshold", "sensitivity:0.95",
        ])
        var expected = TrainingArguments()
        expected.recipe = "notebook"
        expected.model = "seed-cnn"
        expected.classes = 3
        expected.inputSize = 96
        expected.width = 8
        expected.epochs = 4
        expected.batchSize = 16
        expected.optimizer = "nesterov"
        expected.learningRate = 0.01
        expected.momentum = 0.8
        expected.schedule = "step:2:0.5"
        expected.weightDecay = 0.001
        expected.classWeights = "2,0.5,1"
        expected.balancedSampling = false
        expected.augment = "0.5"
        expected.rotation = 3
        expected.shift = 0.02
        expected.zoom = 0.1
        expected.brightness = 0.2
        expected.contrast = 0.3
        expected.aspect = 0.1
        expected.flip = true
        expected.gamma = 0.3
        expected.erase = 0.5
        expected.eraseArea = 0.25
        expected.mixup = 0.2
        expected.cutmix = 1
        expected.mixProbability = 0.5
        expected.validationFraction = 0.2
        expected.seed = 7
        expected.splitSeed = 9
        expected.monitor = "auc"
        expected.patience = 3
        expected.averageEpochs = 2
        expected.threshold = "sensitivity:0.95"
        XCTAssertEqual(command.arguments, expected)
        XCTAssertEqual(command.arguments.givenOptions.count, 35, "every training option is seen as given")
    }

    func testResolvedOptionsMatchTheOnesBuiltByHand() throws {
        let options = try TrainCommand.parse(["--optimizer", "ADAM", "--epochs", "1", "--augment", "none", "--monitor", "recall"])
            .arguments.resolve()
        var byHand = TrainingArguments()
        byHand.optimizer = "ADAM"
        byHand.epochs = 1
        byHand.augment = "none"
        byHand.monitor = "recall"
        XCTAssertEqual(options, try byHand.resolve())
        XCTAssertEqual(options.optimizer, .adam)
    }

    func testResumeStillRefusesOtherOptions() {
        XCTAssertThrowsError(try TrainCommand.parse(["--resume", "runs/a", "--epochs", "3", "--optimizer", "sgd", "--out", "b"])) { error in
            let message = TrainCommand.message(for: error)
            XCTAssertTrue(message.contains("drop --epochs, --optimizer, --out"), message)
        }
        XCTAssertNoThrow(try TrainCommand.parse(["--resume", "runs/a", "--data", "d", "--no-cache"]))
    }

    func testCacheOptionsAreSharedByTheCommandsThatDecode() throws {
        let train = try TrainCommand.parse(["--cache-dir", "/tmp/c", "--no-cache"])
        XCTAssertEqual(train.cache.directory?.path, "/tmp/c")
        XCTAssertFalse(train.cache.useCache)
        let evaluate = try EvaluateCommand.parse(["--model", "m"])
        XCTAssertNil(evaluate.cache.directory)
        XCTAssertTrue(evaluate.cache.useCache)
    }
}
