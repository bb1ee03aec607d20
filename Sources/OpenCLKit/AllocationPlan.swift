/// The device allocations of one run of repeated work (a training step), in the order they
/// were asked for, with when each was freed. Times count requests and frees together, so two
/// runs that ask for the same sizes and free them in the same order have equal traces.
struct AllocationTrace: Equatable {
    struct Entry: Equatable {
        var bytes: Int
        /// The time of the request.
        var start: Int
        /// The time of the free; nil when the buffer outlived the run (a result, a saved state).
        var end: Int?
    }

    private(set) var entries: [Entry] = []
    private(set) var clock = 0

    /// Records a request; returns its index.
    mutating func request(bytes: Int) -> Int {
        entries.append(Entry(bytes: bytes, start: clock))
        clock += 1
        return entries.count - 1
    }

    mutating func free(_ index: Int) {
        entries[index].end = clock
        clock += 1
    }
}

/// Where each allocation of a trace lives inside one block of memory: buffers whose lifetimes overlap
/// get disjoint ranges, the others share memory. Buffers that outlive the run get no place
/// and are allocated as usual.
struct AllocationPlan {
    struct Slot: Equatable {
        var offset: Int
        var bytes: Int
    }

    /// One per trace entry; nil for those allocated outside the block.
    let slots: [Slot?]
    /// The requested size of each entry, to check a later run against.
    let requestedBytes: [Int]
    /// The size of block the slots need.
    let blockBytes: Int

    /// Places the trace's freed allocations with the greedy-by-size rule: largest first, each
    /// at the lowest aligned offset where it overlaps no placed allocation that is alive at the
    /// same time. `blockBytes` is then close to the largest total alive at once.
    init(trace: AllocationTrace, alignment: Int) {
        precondition(alignment > 0)
        let entries = trace.entries
        let order = entries.indices
            .filter { entries[$0].end != nil }
            .sorted { (entries[$0].bytes, $1) > (entries[$1].bytes, $0) }
        var slots = [Slot?](repeating: nil, count: entries.count)
        var placed: [Int] = []
        var blockBytes = 0
        for index in order {
            let entry = entries[index]
            let size = AllocationPlan.rounded(entry.bytes, to: alignment)
            // The ranges of placed allocations alive at the same time, by offset.
            let blocking = placed
                .filter { AllocationPlan.overlapInTime(entries[$0], entry) }
                .map { (slots[$0]!.offset, slots[$0]!.offset + AllocationPlan.rounded(entries[$0].bytes, to: alignment)) }
                .sorted { $0.0 < $1.0 }
            var offset = 0
            for (low, high) in blocking {
                if offset + size <= low { break }
                offset = max(offset, high)
            }
            slots[index] = Slot(offset: offset, bytes: size)
            placed.append(index)
            blockBytes = max(blockBytes, offset + size)
        }
        self.slots = slots
        requestedBytes = entries.map(\.bytes)
        self.blockBytes = blockBytes
    }

    static func rounded(_ bytes: Int, to alignment: Int) -> Int {
        (bytes + alignment - 1) / alignment * alignment
    }

    static func overlapInTime(_ a: AllocationTrace.Entry, _ b: AllocationTrace.Entry) -> Bool {
        guard let aEnd = a.end, let bEnd = b.end else { return true }
        return a.start < bEnd && b.start < aEnd
    }
}
