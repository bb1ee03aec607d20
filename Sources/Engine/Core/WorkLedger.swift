import Foundation
import OpenCLKit

/// Arithmetic and memory traffic of kernel launches, reported by the ops that know them, so a
/// benchmark can turn profiled device times into GFLOP/s and GB/s. Off (and nearly free)
/// unless a ledger has been attached to the context with `start(for:)`.
public final class WorkLedger: @unchecked Sendable {
    /// What the launches of one kernel did in total.
    public struct Work: Sendable, Codable, Equatable {
        /// Floating-point operations (a multiply-add counts as two).
        public var flops: Double = 0
        /// Bytes the launches must at least read and write.
        public var bytes: Double = 0
        public var launches = 0

        public init(flops: Double = 0, bytes: Double = 0, launches: Int = 0) {
            self.flops = flops
            self.bytes = bytes
            self.launches = launches
        }
    }

    private var totals: [String: Work] = [:]
    private var productLog: [RecordedProduct] = []
    private let lock = NSLock()

    private init() {}

    /// Starts recording the work of launches on `context` (replacing an earlier ledger): the
    /// ledger is attached to the context, as an observer of its launches.
    public static func start(for context: ComputeContext) -> WorkLedger {
        let ledger = WorkLedger()
        context.attach(WorkLedgerKey.self, ledger)
        return ledger
    }

    /// Stops recording for `context`.
    public static func stop(for context: ComputeContext) {
        context.attach(WorkLedgerKey.self, nil)
    }

    /// Adds one launch of `kernel` to the context's ledger, when one is recording.
    static func record(_ context: ComputeContext, _ kernel: Kernel, flops: Double = 0, bytes: Double) {
        context.attachment(WorkLedgerKey.self)?.add(kernel.name, Work(flops: flops, bytes: bytes, launches: 1))
    }

    /// Notes a matrix product an op ran (a GEMM, or a convolution pass in GEMM terms).
    static func record(_ context: ComputeContext, product: TunedProduct, convolution: ConvGeometry? = nil, pass: ConvolutionPass? = nil) {
        guard let ledger = context.attachment(WorkLedgerKey.self) else { return }
        ledger.lock.lock(); defer { ledger.lock.unlock() }
        ledger.productLog.append(RecordedProduct(product: product, convolution: convolution, pass: pass))
    }

    private func add(_ name: String, _ work: Work) {
        lock.lock(); defer { lock.unlock() }
        totals[name, default: Work()].flops += work.flops
        totals[name, default: Work()].bytes += work.bytes
        totals[name, default: Work()].launches += work.launches
    }

    /// Totals per kernel name since the start or the last `reset()`.
    public var entries: [String: Work] {
        lock.lock(); defer { lock.unlock() }
        return totals
    }

    /// Every product noted since the start or the last `reset()`, in order.
    public var products: [RecordedProduct] {
        lock.lock(); defer { lock.unlock() }
        return productLog
    }

    public func reset() {
        lock.lock(); defer { lock.unlock() }
        totals = [:]
        productLog = []
    }
}

/// A product an op ran, with the convolution it came from (if any).
public struct RecordedProduct: Sendable, Equatable {
    public let product: TunedProduct
    public let convolution: ConvGeometry?
    public let pass: ConvolutionPass?
}

/// Where a context keeps its recording ledger.
private enum WorkLedgerKey: ContextAttachmentKey {
    typealias Value = WorkLedger
}

/// Bytes of `count` floats (or 32-bit integers), as a Double for the ledger.
@inline(__always)
func floatBytes(_ count: Int) -> Double { Double(count) * 4 }
