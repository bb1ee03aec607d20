import Foundation

extension Array where Element == UInt8 {
    /// The first occurrence of `pattern` at or after `start`; memchr/memcmp keep a 20 MB
    /// upload fast even in debug builds.
    func firstRange(of pattern: [UInt8], from start: Int) -> Range<Int>? {
        guard let first = pattern.first, start >= 0, start + pattern.count <= count else { return nil }
        return withUnsafeBufferPointer { haystack -> Range<Int>? in
            pattern.withUnsafeBufferPointer { needle -> Range<Int>? in
                guard let base = haystack.baseAddress, let needleBase = needle.baseAddress else { return nil }
                var index = start
                let last = count - pattern.count
                while index <= last {
                    guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                    let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + offset, needleBase, pattern.count) == 0 {
                        return offset..<(offset + pattern.count)
                    }
                    index = offset + 1
                }
                return nil
            }
        }
    }

    /// Whether `pattern` occurs exactly at `offset`.
    func hasBytes(_ pattern: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset + pattern.count <= count else { return false }
        return self[offset..<(offset + pattern.count)].elementsEqual(pattern)
    }
}
