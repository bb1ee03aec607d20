/// Adler-32, the checksum that ends a zlib stream (RFC 1950): the PNG tests check zlib's
/// trailer with it, independently of zlib.
struct Adler32 {
    private var a: UInt32 = 1
    private var b: UInt32 = 0

    init() {}

    /// The checksum of everything passed to `update` so far.
    var value: UInt32 { (b << 16) | a }

    /// Adds `bytes` to the checksum.
    mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        // 5552 is the largest run whose sums cannot overflow 32 bits before the modulo.
        var pending = 0
        for byte in bytes {
            a &+= UInt32(byte)
            b &+= a
            pending += 1
            if pending == 5552 {
                a %= 65521
                b %= 65521
                pending = 0
            }
        }
        a %= 65521
        b %= 65521
    }

    /// The checksum of `bytes` alone.
    static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var adler = Adler32()
        adler.update(bytes)
        return adler.value
    }
}
