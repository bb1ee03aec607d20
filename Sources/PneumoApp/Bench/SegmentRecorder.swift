import Engine
import Foundation
import OpenCLKit

/// Charges profiled kernel time and counted work to the segment of the step that ran it, by
/// taking differences of the profiler's and the ledger's running totals around each segment.
struct SegmentRecorder {
    struct Key: Hashable {
        let pass: String
        let layer: Int?
    }

    private struct Accumulated {
        var name: String
        var shape: [Int]
        var wallNanoseconds: UInt64 = 0
        var kernelNanoseconds: [String: UInt64] = [:]
        var kernelLaunches: [String: Int] = [:]
        var counted: [String: WorkLedger.Work] = [:]
        var estimatedBytes: Double = 0
    }

    private let profiler: Profiler
    private let ledger: WorkLedger
    private var order: [Key] = []
    private var segments: [Key: Accumulated] = [:]
    private var lastKernels: [String: Profiler.Entry] = [:]
    private var lastWork: [String: WorkLedger.Work] = [:]
    private var productCount = 0
    private var productUses: [StepProfile.ProductUse] = []
    private var recordsProducts = true

    init(profiler: Profiler, ledger: WorkLedger) {
        self.profiler = profiler
        self.ledger = ledger
        lastKernels = profiler.entries
        lastWork = ledger.entries
        productCount = ledger.products.count
    }

    /// Runs `body`, drains the device and charges what happened to the segment `key`.
    /// `bytes` is the traffic estimate used for kernels that do not count their own.
    mutating func measure(_ context: ComputeContext, key: Key, name: String, shape: [Int], bytes: Double, _ body: () throws -> Void) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try context.finish()
        let wall = DispatchTime.now().uptimeNanoseconds - start
        let kernels = profiler.entries
        let work = ledger.entries
        var segment = segments[key] ?? Accumulated(name: name, shape: shape)
        if segments[key] == nil { order.append(key) }
        segment.wallNanoseconds += wall
        for (kernel, entry) in kernels {
            let launchesBefore = lastKernels[kernel]?.launches ?? 0
            guard entry.launches > launchesBefore else { continue }
            segment.kernelNanoseconds[kernel, default: 0] += entry.nanoseconds - (lastKernels[kernel]?.nanoseconds ?? 0)
            segment.kernelLaunches[kernel, default: 0] += entry.launches - launchesBefore
        }
        for (kernel, entry) in work {
            let before = lastWork[kernel] ?? WorkLedger.Work()
            guard entry.launches > before.launches else { continue }
            segment.counted[kernel, default: WorkLedger.Work()].flops += entry.flops - before.flops
            segment.counted[kernel, default: WorkLedger.Work()].bytes += entry.bytes - before.bytes
            segment.counted[kernel, default: WorkLedger.Work()].launches += entry.launches - before.launches
        }
        segment.estimatedBytes += bytes
        segments[key] = segment
        lastKernels = kernels
        lastWork = work
        let products = ledger.products
        if recordsProducts {
            let label = [name, key.pass].joined(separator: " ")
            let use = key.layer.map { "\($0) \(label)" } ?? label
            productUses += products.dropFirst(productCount).map { StepProfile.ProductUse(product: $0.product, use: use) }
        }
        productCount = products.count
    }

    /// Stops noting products (after the first step, which has them all).
    mutating func stopRecordingProducts() { recordsProducts = false }

    /// The totals divided by `steps`.
    func profile(workload: ModelWorkload, steps: Int) -> StepProfile {
        let perStep = 1 / Double(steps)
        var kernelRows: [String: StepProfile.KernelRow] = [:]
        var result: [StepProfile.Segment] = []
        for key in order {
            guard let segment = segments[key] else { continue }
            let deviceNanoseconds = segment.kernelNanoseconds.values.reduce(0, +)
            let countedFlops = segment.counted.values.reduce(0) { $0 + $1.flops }
            let countedBytes = segment.counted.values.reduce(0) { $0 + $1.bytes }
            // Kernels the ops did not count share the segment's estimate by their device time.
            let uncounted = segment.kernelNanoseconds.filter { segment.counted[$0.key] == nil }
            let uncountedNanoseconds = uncounted.values.reduce(0, +)
            let estimate = uncounted.isEmpty ? 0 : segment.estimatedBytes
            for (kernel, nanoseconds) in segment.kernelNanoseconds {
                var row = kernelRows[kernel] ?? StepProfile.KernelRow(
                    name: kernel, launchesPerStep: 0, milliseconds: 0, share: 0, flops: 0, bytes: 0, bytesEstimated: false)
                row.launchesPerStep += Double(segment.kernelLaunches[kernel] ?? 0) * perStep
                row.milliseconds += Double(nanoseconds) / 1e6 * perStep
                if let counted = segment.counted[kernel] {
                    row.flops += counted.flops * perStep
                    row.bytes += counted.bytes * perStep
                } else if uncountedNanoseconds > 0 {
                    row.bytes += estimate * Double(nanoseconds) / Double(uncountedNanoseconds) * perStep
                    row.bytesEstimated = true
                }
                kernelRows[kernel] = row
            }
            result.append(StepProfile.Segment(
                pass: key.pass, layer: key.layer, name: segment.name, shape: segment.shape,
                deviceMilliseconds: Double(deviceNanoseconds) / 1e6 * perStep,
                wallMilliseconds: Double(segment.wallNanoseconds) / 1e6 * perStep,
                flops: countedFlops * perStep, bytes: (countedBytes + estimate) * perStep,
                kernels: segment.kernelNanoseconds.mapValues { Double($0) / 1e6 * perStep }))
        }
        let total = kernelRows.values.reduce(0) { $0 + $1.milliseconds }
        let rows = kernelRows.values.map { row -> StepProfile.KernelRow in
            var row = row
            row.share = total > 0 ? row.milliseconds / total : 0
            return row
        }.sorted { $0.milliseconds > $1.milliseconds }
        return StepProfile(
            model: workload.spec.name, batch: workload.batch, inputShape: workload.model.inputShape, steps: steps,
            segments: result, kernels: rows, deviceMilliseconds: total,
            wallMilliseconds: result.reduce(0) { $0 + $1.wallMilliseconds }, flops: result.reduce(0) { $0 + $1.flops },
            products: productUses.map { StepProfile.ProductUse(product: $0.product, use: "\(workload.spec.name) \($0.use)") })
    }
}
