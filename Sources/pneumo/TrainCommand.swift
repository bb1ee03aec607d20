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
            continues with the run's own options and ends with the same weights as an uninterrupted run. \
            Under `mpirun -np N` the ranks train one model data-parallel, each on its slice of every batch \
            (--batch-size is per rank); SIGTERM to any one rank stops them all after the same batch.
            """)

    @Option(help: "Folder holding train/ and val/ with NORMAL/ and PNEUMONIA/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @OptionGroup var training: TrainingOptionGroup

    @Option(help: "Run folder. Default: runs/<model>-<yyyyMMdd-HHmmss>.")
    var out: String?

    @Option(help: "Continue the interrupted run in this folder, with its own options.")
    var resume: String?

    @OptionGroup var cache: CacheOptions

    @OptionGroup var device: DeviceOptions

    /// The training options as given on the command line.
    var arguments: TrainingArguments { training.arguments }

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
        guard let launch = MPILaunch.detect() else { return try train(group: .single, launch: nil) }
        // PoCL reads its thread count when the OpenCL platform is first opened, so before that.
        launch.applyCoreShare()
        let group: ProcessGroup
        do {
            group = try ProcessGroup.join(launch)
        } catch {
            Console.error("rank \(launch.rank) on \(ProcessInfo.processInfo.hostName): \(error)")
            throw ExitCode.failure
        }
        Console.muted = !group.isLeader
        do {
            try train(group: group, launch: launch)
            group.finalize()
        } catch let exit as ExitCode {
            group.finalize()
            throw exit
        } catch {
            // One rank's failure ends the job at once: the others would wait for it forever.
            Console.error("\(group.name) failed: \(error); stopping all \(group.size) processes")
            group.abort(code: 1)
        }
    }

    /// Trains as one process, or as one rank of `group`.
    private func train(group: ProcessGroup, launch: MPILaunch?) throws {
        let reporter = group.isLeader ? TrainingReporter(
            status: { Console.log($0) },
            epoch: { line in
                print(line)
                fflush(stdout)
            },
            progressBar: { total, label in ProgressBar(total: total, label: label) }) : .silent
        let trainer: Trainer
        if let resume {
            let folder = URL(fileURLWithPath: resume, isDirectory: true)
            try RunDirectory(folder).checkResumable()
            let data = TrainingData(root: try resumeDataRoot(folder), cacheDirectory: cache.directory, useCache: cache.useCache)
            trainer = try Trainer.resume(from: folder, data: data, context: try device.makeContext(launch: launch), reporter: reporter, group: group)
        } else {
            let options = try arguments.resolve()
            let root = try DataLocator.locate(data)
            let folder = out.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? RunDirectory.defaultLocation(model: options.model)
            Console.log("data: \(root.path); run folder: \(folder.path)")
            let data = TrainingData(root: root, cacheDirectory: cache.directory, useCache: cache.useCache)
            trainer = try Trainer(
                options: options, data: data, output: folder, context: try device.makeContext(launch: launch), reporter: reporter, group: group)
        }

        let interrupt = InterruptSignal()
        let speaker = group.size > 1 ? "\(group.name) " : ""
        interrupt.install { signal in
            Console.error("\(speaker)received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): saving a resumable checkpoint after this batch (send it again to quit at once)")
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
