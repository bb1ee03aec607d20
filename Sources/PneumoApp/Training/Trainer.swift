import Engine
import Foundation
import OpenCLKit
import PneumoData

/// How a call to `Trainer.train` ended.
public enum TrainingOutcome {
    /// Every epoch ran, or early stopping ended the run.
    case finished(TrainingSummary)
    /// `shouldStop` asked to stop; a resume checkpoint holds the position (epoch from 0, batches done).
    case interrupted(epoch: Int, batch: Int, run: URL)
}

/// The end of a finished run.
public struct TrainingSummary: Sendable {
    public var epochsCompleted: Int
    public var stoppedEarly: Bool
    public var monitor: ValidationMetric
    public var patience: Int?
    public var bestEpoch: Int?
    public var bestValue: Double?
    /// The decision threshold stored with the best checkpoint.
    public var threshold: ThresholdChoice?
    /// Wall time over every session of the run.
    public var wallSeconds: Double
    public var best: URL
    public var last: URL
    public var historyCSV: URL
    public var history: TrainingHistory
    /// Signs of a collapsed model found on validation for the best checkpoint; empty when none.
    public var warnings: [String] = []
    /// The most device memory this session's context held at once (buffers, pool and planned
    /// block), for sizing a run on a smaller device; nil when not known.
    public var peakDeviceBytes: Int?
}

/// Runs epochs of training: batches prepared on a background thread, uploaded, augmented on
/// the device, one training step each; validation, checkpoints and history after each epoch.
/// Stops between batches when asked and saves a checkpoint that `resume` continues from
/// with bit-identical results.
///
/// Under mpirun the ranks of `group` train one model: each takes its slice of every global
/// batch, gradients are averaged over the ranks before each update, and rank 0 alone
/// validates and writes the run's files.
public final class Trainer {
    public let options: TrainingOptions
    public let run: RunDirectory
    /// Held by rank 0 for the trainer's life so no other training writes into the same folder.
    private let lock: RunLock?
    private let session: TrainingSession
    /// Where the data came from, for calibrating the finished checkpoints on the same validation images.
    private let data: TrainingData
    private let reporter: TrainingReporter
    private var history: HistoryLog
    private var state: ResumeState
    private let group: ProcessGroup
    /// Nil for a single process.
    private let averager: GradientAverager?
    /// Synchronised BatchNorm's exchange; nil unless `--sync-batchnorm` under mpirun.
    private let batchStatistics: BatchStatisticsExchange?
    /// Whether any rank asked to stop, as agreed at the last gradient exchange; nil when not yet known.
    private var agreedStop: Bool?
    /// Seconds between reads of the batch losses (each read waits for the device).
    public var lossReadInterval: Double = 1.0

    /// A new run writing into `output` (created if needed; refused if it holds a run already).
    public convenience init(
        options: TrainingOptions, data: TrainingData, output: URL, context: ComputeContext, reporter: TrainingReporter = .silent,
        group: ProcessGroup = .single
    ) throws {
        try options.validate()
        let run = RunDirectory(output)
        let lock = group.isLeader ? try RunLock(folder: output) : nil
        if group.isLeader { try run.checkFreshStart() }
        let spec = try BuiltinModels.resolve(options.model).resized(inputSize: options.inputSize, width: options.width)
        let session = try TrainingSession(options: options, spec: spec, data: data, context: context, reporter: reporter, group: group)
        let scheduler = LearningRateScheduler(
            schedule: options.schedule, baseRate: options.learningRate, epochs: options.epochs, stepsPerEpoch: session.stepsPerEpoch)
        let streams = session.streams
        var state = ResumeState(
            epoch: 0, batch: 0, optimizerSteps: 0, dropoutSteps: streams.dropoutSteps,
            augmentation: streams.augmentation, scheduler: scheduler,
            earlyStopping: EarlyStopping(metric: options.monitor, patience: options.patience),
            epochTotals: EpochTotals(), elapsedSeconds: 0, epochSeconds: 0)
        state.ranks = group.size
        if group.isLeader {
            try RunRecord(options: options, data: data.root.path, device: context.device.name).write(to: run.options)
        }
        try self.init(session: session, data: data, run: run, lock: lock, state: state, history: HistoryLog(directory: output), reporter: reporter)
    }

    /// Continues the run in `directory` from its resume checkpoint, with the options it was started with.
    public static func resume(
        from directory: URL, data: TrainingData, context: ComputeContext, reporter: TrainingReporter = .silent,
        group: ProcessGroup = .single
    ) throws -> Trainer {
        let run = RunDirectory(directory)
        try run.checkResumable()
        let lock = group.isLeader ? try RunLock(folder: directory) : nil
        // Checked again under the lock: a run that held it may have finished meanwhile.
        try run.checkResumable()
        let checkpoint = try CheckpointStore.load(from: run.resume)
        let file = CheckpointPaths(run.resume).weights.path
        let options: TrainingOptions, spec: ArchitectureSpec
        var state: ResumeState
        do {
            options = try checkpoint.metadata.trainingOptions.decode(TrainingOptions.self)
            spec = try checkpoint.metadata.architecture.decode(ArchitectureSpec.self)
            guard let saved = checkpoint.metadata.resumeState else { throw TrainingError.resumeMismatch("no resume state") }
            state = try saved.decode(ResumeState.self)
        } catch {
            throw TrainingError.resumeMismatch("\(CheckpointPaths(run.resume).metadata.path) cannot be read as a resume checkpoint: \(error)")
        }
        guard state.ranks == group.size else {
            throw TrainingError.resumeMismatch(
                "the run was trained by \(state.ranks) process\(state.ranks == 1 ? "" : "es") (global batch \(options.batchSize * state.ranks)) "
                    + "and this is \(group.size); continue it with the same count: "
                    + (state.ranks == 1 ? "pneumo train --resume \(directory.path) (without mpirun)" : "mpirun -np \(state.ranks) pneumo train --resume \(directory.path)"))
        }
        let session = try TrainingSession(options: options, spec: spec, data: data, context: context, reporter: reporter, group: group)
        guard state.scheduler.stepsPerEpoch == session.stepsPerEpoch else {
            throw TrainingError.resumeMismatch(
                "the run had \(state.scheduler.stepsPerEpoch) batches per epoch but the data now gives \(session.stepsPerEpoch)")
        }
        try session.restore(from: checkpoint, state: state, file: file)
        // Rank 0 resumes with the run's sums over every rank; the others add theirs from zero.
        if !group.isLeader { state.epochTotals = EpochTotals() }
        let history = try HistoryLog(resumingIn: directory, after: state.epoch)
        reporter.status("resuming \(directory.path) at epoch \(state.epoch + 1), batch \(state.batch) of \(session.stepsPerEpoch)")
        return try Trainer(session: session, data: data, run: run, lock: lock, state: state, history: history, reporter: reporter)
    }

    private init(
        session: TrainingSession, data: TrainingData, run: RunDirectory, lock: RunLock?, state: ResumeState, history: HistoryLog,
        reporter: TrainingReporter
    ) throws {
        options = session.options
        self.session = session
        self.data = data
        self.run = run
        self.lock = lock
        self.state = state
        self.history = history
        self.reporter = reporter
        group = session.group
        try DataAgreement.check(fingerprint: session.fingerprint, stepsPerEpoch: session.stepsPerEpoch, group: group)
        averager = group.size > 1
            ? try GradientAverager(parameters: session.network.parameters, context: session.context, group: group) : nil
        batchStatistics = BatchStatisticsExchange.attach(
            to: session.context, group: group, requested: options.syncBatchNorm == true, reporter: reporter)
    }

    /// The model being trained.
    public var model: TrainedModel { session.model }
    /// Loss weight per class in use; nil when all are 1.
    public var classWeights: [Double]? { session.classWeights }
    /// Training batches per epoch.
    public var stepsPerEpoch: Int { session.stepsPerEpoch }

    /// Trains until the last epoch, early stopping, or `shouldStop` (checked before each batch,
    /// on every rank: one rank's request stops them all after the same batch).
    public func train(shouldStop: () -> Bool = { false }) throws -> TrainingOutcome {
        let sessionStart = ProgressBar.monotonicSeconds()
        let elapsedBefore = state.elapsedSeconds
        let elapsed = { elapsedBefore + ProgressBar.monotonicSeconds() - sessionStart }
        describeStart()
        while state.epoch < options.epochs && !state.earlyStopping.shouldStop {
            let epoch = state.epoch
            let epochStart = ProgressBar.monotonicSeconds() - state.epochSeconds
            let accumulator = EpochAccumulator(classes: session.classNames.count, totals: state.epochTotals)
            let trainingStart = ProgressBar.monotonicSeconds()
            let stoppedAt = try trainBatches(epoch: epoch, from: state.batch, into: accumulator, shouldStop: shouldStop)
            try accumulator.collect()
            accumulator.addSeconds(ProgressBar.monotonicSeconds() - trainingStart)
            let totals = try reducedOverRanks(accumulator.totals)
            if let batch = try stoppedAt ?? (stopAgreed(shouldStop) ? session.stepsPerEpoch : nil) {
                // The checkpoint holds one set of running statistics; they are linear in the
                // batches, so their mean at the epoch's end comes out the same after a resume.
                try RunningStatistics.average(session.network.namedBuffers, over: group)
                try saveResume(epoch: epoch, batch: batch, totals: totals,
                               epochSeconds: ProgressBar.monotonicSeconds() - epochStart, elapsed: elapsed())
                reporter.status("stopped at epoch \(epoch + 1), batch \(batch) of \(session.stepsPerEpoch); saved \(CheckpointPaths(run.resume).metadata.path)")
                return .interrupted(epoch: epoch, batch: batch, run: run.url)
            }
            try finishEpoch(epoch, totals: totals, epochStart: epochStart, elapsed: elapsed)
        }
        reportExchange()
        if group.isLeader {
            run.removeResumeCheckpoint()
            try finishAveragedCheckpoint()
            calibrateCheckpoints()
            writeModelCard()
        }
        let summary = try makeSummary(wallSeconds: elapsed())
        reporter.status(TrainingLog.summary(summary))
        if !summary.warnings.isEmpty { reporter.status(CollapseCheck.banner(summary.warnings, checkpoint: run.best.path)) }
        return .finished(summary)
    }

    /// Trains the batches of `epoch` from `first`; returns the batch position when a stop was asked for.
    private func trainBatches(epoch: Int, from first: Int, into accumulator: EpochAccumulator, shouldStop: () -> Bool) throws -> Int? {
        let steps = session.stepsPerEpoch
        guard first < steps else { return nil }
        let batches = session.batches(epoch: epoch)
        defer { batches.cancel() }
        for _ in 0..<first { _ = batches.next() }
        let progress = EpochProgress(
            bar: reporter.progressBar?((steps - first) * options.batchSize, "epoch \(epoch + 1)/\(options.epochs)"),
            accumulator: accumulator, readInterval: lossReadInterval)
        for index in first..<steps {
            if try stopAgreed(shouldStop) {
                try progress.finish()
                return index
            }
            guard let batch = batches.next() else {
                throw TrainingError.invalidOption("the batch loader ended after \(index) of \(steps) batches")
            }
            session.optimizer.learningRate = Float(state.scheduler.rate(epoch: epoch, step: index))
            let (loss, logits, labels) = try step(batch, epoch: epoch, index: index, shouldStop: shouldStop)
            accumulator.add(loss: loss, logits: logits, labels: labels)
            try progress.batchDone(images: batch.count, last: index == steps - 1)
        }
        try progress.finish()
        return nil
    }

    /// Uploads one batch, augments and (when asked) mixes it, and takes one optimizer step;
    /// under MPI the gradients are averaged over the ranks between the backward pass and the
    /// update. Returns the labels training accuracy counts: the dominant one of a mixed image.
    private func step(_ batch: Batch, epoch: Int, index: Int, shouldStop: () -> Bool) throws -> (loss: Tensor, logits: Tensor, labels: [Int]) {
        let plan = session.mixingPlan(epoch: epoch, batch: index, count: batch.count)
        // Steps of one batch size and one kind (clean, mixup or CutMix) allocate alike: their
        // temporaries get planned, each kind its own plan. Under one key, a run that mixes only
        // some batches would re-plan whenever the kind changed.
        let kind = plan.map { " \($0.method.rawValue)" } ?? ""
        return try session.context.repeating("training \(batch.count)\(kind)") {
            try plannedStep(batch, plan: plan, shouldStop: shouldStop)
        }
    }

    private func plannedStep(_ batch: Batch, plan: MixingPlan?, shouldStop: () -> Bool) throws -> (loss: Tensor, logits: Tensor, labels: [Int]) {
        let context = session.context
        var input = try session.preprocessing.tensor(pixels: batch.pixels, count: batch.count, context: context)
        if let augmenter = session.augmenter { input = try augmenter(input) }
        if let plan, let mixer = session.mixer { input = try mixer.apply(input, plan: plan) }
        let mixed = try plan?.labels(batch.labels)
        let targets = mixed == nil ? try Tensor(context, shape: [batch.count], values: batch.targets) : nil
        let network = session.network
        let logits = try network.forward(input, mode: .training)
        let loss = try mixed.map { try session.loss.forward(logits: logits, mixed: $0) }
            ?? session.loss.forward(logits: logits, targets: targets!)
        try network.backwardToParameters(try session.loss.backward())
        if let averager { agreedStop = try averager.average(stopRequested: shouldStop()) }
        try session.optimizer.step(network.parameters)
        return (loss, logits, mixed?.dominant ?? batch.labels)
    }

    /// Whether to stop before the next batch. A single process asks `shouldStop`; ranks use the
    /// answer agreed at the last gradient exchange, or agree on it now.
    private func stopAgreed(_ shouldStop: () -> Bool) throws -> Bool {
        guard group.size > 1 else { return shouldStop() }
        defer { agreedStop = nil }
        if let agreedStop { return agreedStop }
        return try group.any(shouldStop())
    }

    /// The epoch's sums over every rank (rank 0's wall time).
    private func reducedOverRanks(_ totals: EpochTotals) throws -> EpochTotals {
        guard group.size > 1 else { return totals }
        var sums = [totals.weightedLoss, Double(totals.images), Double(totals.correct)]
        try group.sum(&sums)
        var reduced = totals
        reduced.weightedLoss = sums[0]
        reduced.images = Int(sums[1].rounded())
        reduced.correct = Int(sums[2].rounded())
        return reduced
    }

    /// Validation, threshold, early stopping, schedule, history and checkpoints after an epoch's
    /// batches. Under MPI rank 0 validates and writes; every rank learns the monitored figure.
    private func finishEpoch(_ epoch: Int, totals: EpochTotals, epochStart: Double, elapsed: () -> Double) throws {
        try ReplicaCheck.verify(session.network.parameters, group: group, epoch: epoch + 1)
        try RunningStatistics.average(session.network.namedBuffers, over: group)
        let result = group.isLeader ? try session.validation.evaluate(session.model) : nil
        let monitored = try group.broadcast([result?.value(of: options.monitor) ?? .nan])[0]
        let improved = state.earlyStopping.record(monitored, epoch: epoch + 1)
        if monitored.isFinite { state.scheduler.epochEnded(metric: monitored, lowerIsBetter: options.monitor.lowerIsBetter) }
        let record = try result.map { try recordEpoch(epoch, result: $0, improved: improved, totals: totals, epochStart: epochStart) }
        try saveResume(epoch: epoch + 1, batch: 0, totals: EpochTotals(), epochSeconds: 0, elapsed: elapsed())
        if let record { reporter.epoch(TrainingLog.epochLine(record, of: options.epochs, improved: improved, monitor: options.monitor)) }
    }

    /// Rank 0's record of an epoch: threshold, history, best and last checkpoints, the running average.
    private func recordEpoch(_ epoch: Int, result: ValidationResult, improved: Bool, totals: EpochTotals, epochStart: Double) throws -> EpochRecord {
        let lastRate = state.scheduler.rate(epoch: epoch, step: session.stepsPerEpoch - 1)
        let threshold = try session.validation.chooseThreshold(options.threshold, probabilities: result.probabilities)
        let record = EpochRecord(
            epoch: epoch + 1, trainLoss: totals.meanLoss, trainAccuracy: totals.accuracy, validationLoss: result.loss,
            validationAccuracy: result.accuracy, validationRecall: result.recall, validationAUC: result.auc,
            learningRate: lastRate,
            imagesPerSecond: totals.imagesPerSecond, seconds: ProgressBar.monotonicSeconds() - epochStart)
        try history.record(record)
        let metrics = Self.figures(record, result: result, threshold: threshold, labels: session.validation.labels)
        let warnings = CollapseCheck.warnings(
            probabilities: result.probabilities, labels: session.validation.labels, auc: result.auc, threshold: threshold,
            classNames: session.classNames)
        if improved { try session.saveModel(to: run.best, threshold: threshold, metrics: metrics, warnings: warnings) }
        try session.saveModel(to: run.last, threshold: threshold, metrics: metrics, warnings: warnings)
        try foldIntoAverage(epoch: epoch + 1)
        return record
    }

    /// Records the loop's state (every rank's random streams included); rank 0 writes the resume checkpoint.
    private func saveResume(epoch: Int, batch: Int, totals: EpochTotals, epochSeconds: Double, elapsed: Double) throws {
        state.epoch = epoch
        state.batch = batch
        state.optimizerSteps = session.optimizer.stepCount
        state.allStreams = try RankStreams.gather(session.streams, over: group)
        state.epochTotals = totals
        state.epochSeconds = epochSeconds
        state.elapsedSeconds = elapsed
        if group.isLeader { try session.saveResume(to: run.resume, state: state) }
    }

    /// Says how long the gradient exchange took per step, for judging what more processes buy.
    private func reportExchange() {
        guard let averager, averager.exchanges > 0 else { return }
        let bytes = session.network.parameterCount * MemoryLayout<Float>.stride
        let perStep = { (seconds: Double) in NumberFormat.fixed(seconds / Double(averager.exchanges) * 1000, 2) }
        reporter.status(
            "gradient exchange over \(group.size) processes: \(perStep(averager.exchangeSeconds)) ms per step, "
                + "of which MPI_Allreduce \(perStep(averager.allreduceSeconds)) ms, for \(NumberFormat.fixed(Double(bytes) / 1_000_000, 2)) MB of gradients")
        if let batchStatistics, batchStatistics.calls > 0 {
            let calls = Double(batchStatistics.calls) / Double(averager.exchanges)
            reporter.status(
                "synchronised BatchNorm: \(NumberFormat.fixed(calls, 0)) MPI_Allreduce calls per step "
                    + "(\(NumberFormat.fixed(Double(batchStatistics.values * 8) / Double(batchStatistics.calls), 0)) bytes each on average), "
                    + "\(perStep(batchStatistics.seconds)) ms per step in them")
        }
    }

    /// The named figures stored in a checkpoint's metadata.
    static func figures(_ record: EpochRecord, result: ValidationResult, threshold: ThresholdChoice?, labels: [Int]) -> [String: Double] {
        var figures: [String: Double] = [
            "epoch": Double(record.epoch), "train_loss": record.trainLoss, "train_accuracy": record.trainAccuracy,
            "val_loss": result.loss, "val_accuracy": result.accuracy, "val_recall": result.recall, "val_f1": result.f1,
            "val_images": Double(labels.count),
        ]
        if let auc = result.auc { figures["val_auc"] = auc }
        if let threshold {
            figures["val_threshold"] = threshold.threshold
            figures["val_sensitivity_at_threshold"] = threshold.sensitivity
            figures["val_specificity_at_threshold"] = threshold.specificity
            let correct = zip(labels, result.probabilities).filter { label, p in (p[1] >= threshold.threshold ? 1 : 0) == label }.count
            figures["val_accuracy_at_threshold"] = Double(correct) / Double(max(1, labels.count))
        }
        return figures
    }

    /// Adds the weights at the end of `epoch` (from 1) to the `averaged` checkpoint when the
    /// epoch is one of the last `--average-epochs`.
    private func foldIntoAverage(epoch: Int) throws {
        guard WeightAveraging.includes(epoch: epoch, of: options.epochs, window: options.averageEpochs ?? 0),
              let folded = try WeightAveraging.fold(try session.model.weightTensors(), epoch: epoch, into: run.averaged)
        else { return }
        let metrics = [WeightAveraging.countKey: Double(folded.count), WeightAveraging.lastEpochKey: Double(epoch)]
        try CheckpointStore.save(tensors: folded.tensors, metadata: try session.metadata(threshold: nil, metrics: metrics), to: run.averaged)
    }

    /// Validates the averaged weights once training is over and stores their threshold and figures.
    private func finishAveragedCheckpoint() throws {
        guard FileManager.default.fileExists(atPath: CheckpointPaths(run.averaged).metadata.path) else { return }
        let averaged = try CheckpointStore.load(from: run.averaged)
        try session.model.setWeights(averaged.tensors, file: CheckpointPaths(run.averaged).weights.path)
        let result = try session.validation.evaluate(session.model)
        let threshold = try session.validation.chooseThreshold(options.threshold, probabilities: result.probabilities)
        let epoch = Int(averaged.metadata.metrics[WeightAveraging.lastEpochKey] ?? 0)
        let record = EpochRecord(
            epoch: epoch, trainLoss: .nan, trainAccuracy: .nan, validationLoss: result.loss, validationAccuracy: result.accuracy,
            validationRecall: result.recall, validationAUC: result.auc, learningRate: .nan, imagesPerSecond: .nan, seconds: .nan)
        var metrics = Self.figures(record, result: result, threshold: threshold, labels: session.validation.labels)
        metrics.merge(averaged.metadata.metrics) { _, stored in stored }
        let warnings = CollapseCheck.warnings(
            probabilities: result.probabilities, labels: session.validation.labels, auc: result.auc, threshold: threshold,
            classNames: session.classNames)
        try session.saveModel(to: run.averaged, threshold: threshold, metrics: metrics, warnings: warnings)
        let count = Int(averaged.metadata.metrics[WeightAveraging.countKey] ?? 0)
        reporter.status(
            "averaged checkpoint (epochs \(epoch - count + 1)-\(epoch)): val loss \(NumberFormat.fixed(result.loss, 4)), "
                + "auc \(result.auc.map { NumberFormat.fixed($0, 4) } ?? "n/a"); saved \(CheckpointPaths(run.averaged).metadata.path)")
    }

    /// Fits the temperature and operating points of `best` and `last` on the validation split. A
    /// failure leaves them uncalibrated (probabilities as the network gives them) and says so:
    /// the weights are saved and good either way.
    private func calibrateCheckpoints() {
        let checkpoints = [run.best, run.last, run.averaged].filter {
            FileManager.default.fileExists(atPath: CheckpointPaths($0).metadata.path)
        }
        let results = Calibrator.calibrate(
            checkpoints: checkpoints, dataRoot: data.root, context: session.context,
            cacheDirectory: data.cacheDirectory, useCache: data.useCache, batchSize: options.batchSize,
            augmentation: options.testTimeAugmentation == true ? .on(.standard) : .off, log: { reporter.status($0) })
        for (checkpoint, result) in zip(checkpoints, results) {
            switch result {
            case .success(let metadata):
                reporter.status("calibrated \(checkpoint.lastPathComponent): \(CalibrationSummary.text(metadata))")
            case .failure(let error):
                reporter.status("warning: \(checkpoint.lastPathComponent) is left uncalibrated: \(error)")
            }
        }
    }

    /// Writes the model card beside the best checkpoint from its metadata alone (no test figures
    /// exist yet). A failure is a warning: the checkpoint is complete without its card.
    private func writeModelCard() {
        let paths = CheckpointPaths(run.best)
        guard FileManager.default.fileExists(atPath: paths.metadata.path) else { return }
        do {
            let written = try ModelCardWriter.write(
                try ModelCardWriter.inputs(checkpoint: run.best), to: paths.metadata.deletingLastPathComponent())
            reporter.status("model card: \(written.markdown.path)")
        } catch {
            reporter.status("warning: no model card was written for \(run.best.lastPathComponent): \(error)")
        }
    }

    private func describeStart() {
        let o = options
        let weights = session.classWeights.map { $0.map { NumberFormat.fixed($0, 3) }.joined(separator: ", ") } ?? "none"
        reporter.status(
            "model \(session.spec.name): \(session.spec.input.size)px x\(session.spec.input.channels), \(session.network.parameterCount) parameters, "
                + "\(session.classNames.count) classes; \(o.optimizer.rawValue) lr \(o.learningRate), \(o.schedule), weight decay \(o.weightDecay); "
                + "\(batchDescription) x \(session.stepsPerEpoch) per epoch; class weights \(weights)\(o.balancedSampling ? ", balanced sampling" : ""); "
                + "augmentation \(o.augmentation.summary)\(o.mixing.map { "; mixing \($0.summary)" } ?? ""); monitor val \(o.monitor.rawValue)")
    }

    private var batchDescription: String {
        guard group.size > 1 else { return "batch \(options.batchSize)" }
        return "batch \(options.batchSize) per process x \(group.size) processes = \(options.batchSize * group.size)"
            + (batchStatistics != nil ? " (BatchNorm synchronised over the global batch)" : "")
    }

    private func makeSummary(wallSeconds: Double) throws -> TrainingSummary {
        let best = try? CheckpointStore.loadMetadata(from: run.best)
        return TrainingSummary(
            epochsCompleted: history.history.records.count, stoppedEarly: state.earlyStopping.shouldStop && state.epoch < options.epochs,
            monitor: options.monitor, patience: options.patience, bestEpoch: state.earlyStopping.bestEpoch,
            bestValue: state.earlyStopping.best, threshold: best?.threshold, wallSeconds: wallSeconds,
            best: run.best, last: run.last, historyCSV: history.csvURL, history: history.history, warnings: best?.warnings ?? [],
            peakDeviceBytes: session.context.peakAllocatedBytes)
    }
}
