/// Plain-Swift versions of the elementwise ops: the oracle the kernels are tested against.
public enum ElementwiseReference {
    /// factor * x
    public static func scale(_ x: [Float], by factor: Float) -> [Float] { x.map { factor * $0 } }

    /// y + a * x
    public static func axpy(_ a: Float, _ x: [Float], _ y: [Float]) -> [Float] {
        zip(x, y).map { a * $0 + $1 }
    }

    /// a + b
    public static func add(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 + $1 } }

    /// a * b
    public static func multiply(_ a: [Float], _ b: [Float]) -> [Float] { zip(a, b).map { $0 * $1 } }

    /// scale * sum(x), accumulated in Double so it is a more accurate oracle than the kernel.
    public static func sum(_ x: [Float], scale: Float = 1) -> Float {
        Float(Double(scale) * x.reduce(0.0) { $0 + Double($1) })
    }
}
