import Engine
import Foundation

/// An in-process stand-in for an allreduce over `replicas` threads: each thread's reducer
/// hands its values in, the last to arrive sums them in replica order, and every thread
/// leaves with the same sums. A thread left waiting (another one failed) gives up after a
/// minute instead of hanging the test run.
final class ReplicaRendezvous: @unchecked Sendable {
    let replicas: Int
    private let condition = NSCondition()
    private var contributions: [[Double]?]
    private var sums: [Double] = []
    private var round = 0
    private var failure: String?

    init(replicas: Int) {
        self.replicas = replicas
        contributions = Array(repeating: nil, count: replicas)
    }

    /// The reducer replica `index` attaches to its context.
    func reducer(_ index: Int) -> any BatchStatisticsReducer { Member(rendezvous: self, index: index) }

    /// Ends every current and later wait with an error (a replica failed and will not arrive).
    func abandon(_ why: String) {
        condition.lock()
        failure = why
        condition.broadcast()
        condition.unlock()
    }

    fileprivate func sum(_ values: inout [Double], from index: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw RendezvousError(failure) }
        let myRound = round
        contributions[index] = values
        if contributions.allSatisfy({ $0 != nil }) {
            let all = contributions.map { $0! }
            guard all.allSatisfy({ $0.count == values.count }) else {
                failure = "replicas summed vectors of different lengths: \(all.map(\.count))"
                condition.broadcast()
                throw RendezvousError(failure!)
            }
            sums = all.dropFirst().reduce(all[0]) { zip($0, $1).map { $0 + $1 } }
            contributions = Array(repeating: nil, count: replicas)
            round += 1
            condition.broadcast()
        } else {
            let deadline = Date().addingTimeInterval(60)
            while round == myRound && failure == nil {
                guard condition.wait(until: deadline) else { throw RendezvousError("replica \(index) waited a minute for the others") }
            }
            if let failure { throw RendezvousError(failure) }
        }
        // The next round cannot finish before this replica arrives again, so `sums` still holds this round's.
        values = sums
    }

    private final class Member: BatchStatisticsReducer {
        let rendezvous: ReplicaRendezvous
        let index: Int
        init(rendezvous: ReplicaRendezvous, index: Int) {
            self.rendezvous = rendezvous
            self.index = index
        }
        func sumOverReplicas(_ values: inout [Double]) throws { try rendezvous.sum(&values, from: index) }
    }
}

struct RendezvousError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body(replica)` on `count` threads at once (each replica must run while the others
/// wait in the rendezvous, so a thread pool narrower than `count` would not do) and returns
/// the results in replica order.
func runReplicas<T>(_ count: Int, rendezvous: ReplicaRendezvous, _ body: @escaping (Int) throws -> T) throws -> [T] {
    let run = ReplicaRun(count: count, rendezvous: rendezvous, body: body)
    for index in 0..<count {
        run.finished.enter()
        let thread = Thread { run.execute(index) }
        thread.stackSize = 8 << 20
        thread.start()
    }
    run.finished.wait()
    return try run.results.map { try $0!.get() }
}

/// The shared state of `runReplicas`: each thread writes only its own slot, under the lock.
private final class ReplicaRun<T>: @unchecked Sendable {
    let rendezvous: ReplicaRendezvous
    let body: (Int) throws -> T
    let finished = DispatchGroup()
    private let lock = NSLock()
    private(set) var results: [Result<T, Error>?]

    init(count: Int, rendezvous: ReplicaRendezvous, body: @escaping (Int) throws -> T) {
        self.rendezvous = rendezvous
        self.body = body
        results = Array(repeating: nil, count: count)
    }

    func execute(_ index: Int) {
        let result = Result { try body(index) }
        if case let .failure(error) = result { rendezvous.abandon("replica \(index) failed: \(error)") }
        lock.lock()
        results[index] = result
        lock.unlock()
        finished.leave()
    }
}
