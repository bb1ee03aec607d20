/// A fast 128-bit checksum (two multiply-rotate lanes over 64-bit words, SplitMix finaliser).
/// Detects damaged or mixed-up cache files; it is not a cryptographic hash.
struct ContentHash: Equatable, CustomStringConvertible {
    let high: UInt64
    let low: UInt64

    var description: String { String(format: "%016llx%016llx", high, low) }

    /// The checksum of `bytes`.
    init(_ bytes: UnsafeRawBufferPointer) {
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        var b: UInt64 = 0x1319_8A2E_0370_7344
        let words = bytes.count / 8
        if let base = bytes.baseAddress {
            for i in 0..<words {
                let word = base.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                a = ContentHash.rotate(a ^ (word &* 0x87C3_7B91_1142_53D5), 31) &* 0x4CF5_AD43_2745_937F
                b = ContentHash.rotate(b &+ (word ^ 0x52DC_E729_DA3E_D2B1), 27) &* 0x9E37_79B9_7F4A_7C15 &+ a
            }
            var tail: UInt64 = 0
            for i in (words * 8)..<bytes.count { tail = tail << 8 | UInt64(base.load(fromByteOffset: i, as: UInt8.self)) }
            a ^= tail
            b ^= tail &* 0x87C3_7B91_1142_53D5
        }
        let length = UInt64(bytes.count)
        high = ContentHash.finish(a ^ length)
        low = ContentHash.finish(b ^ ContentHash.rotate(length, 17) ^ high)
    }

    /// The checksum of a string's UTF-8 bytes.
    init(_ text: String) {
        var copy = text
        self = copy.withUTF8 { ContentHash(UnsafeRawBufferPointer($0)) }
    }

    /// Combines two checksums in order.
    func followed(by other: ContentHash) -> ContentHash {
        ContentHash(high: ContentHash.finish(high ^ ContentHash.rotate(other.high, 23)),
                    low: ContentHash.finish(low &+ other.low &* 0x9E37_79B9_7F4A_7C15))
    }

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    private static func finish(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
