/// Plain-Swift versions of the graph's multi-input ops: the oracle for Add, AddReLU and Concat.
public enum GraphOpsReference {
    /// x0 + x1 + ..., added left to right as the device does.
    public static func add(_ inputs: [[Float]]) -> [Float] {
        var sum = inputs[0]
        for input in inputs.dropFirst() { for i in sum.indices { sum[i] += input[i] } }
        return sum
    }

    /// max(x0 + x1 + ..., 0).
    public static func addReLU(_ inputs: [[Float]]) -> [Float] { add(inputs).map { max($0, 0) } }

    /// Each input's gradient of AddReLU: dy where the output is positive, 0 elsewhere.
    public static func addReLUBackward(_ inputs: [[Float]], outputGradient dy: [Float]) -> [Float] {
        zip(add(inputs), dy).map { $0 > 0 ? $1 : 0 }
    }

    /// Concatenation along dimension 1 of row-major arrays of the given shapes.
    public static func concat(_ inputs: [[Float]], shapes: [[Int]]) -> [Float] {
        let plane = shapes[0].dropFirst(2).reduce(1, *)
        var output: [Float] = []
        for item in 0..<shapes[0][0] {
            for (input, shape) in zip(inputs, shapes) {
                let block = shape[1] * plane
                output += input[(item * block)..<((item + 1) * block)]
            }
        }
        return output
    }

    /// The gradient of each input of a concatenation: the output gradient's slices.
    public static func concatBackward(_ dy: [Float], shapes: [[Int]]) -> [[Float]] {
        let plane = shapes[0].dropFirst(2).reduce(1, *)
        let total = shapes.reduce(0) { $0 + $1[1] } * plane
        var offset = 0
        return shapes.map { shape in
            let block = shape[1] * plane
            defer { offset += block }
            return (0..<shape[0]).flatMap { item in dy[(item * total + offset)..<(item * total + offset + block)] }
        }
    }
}
