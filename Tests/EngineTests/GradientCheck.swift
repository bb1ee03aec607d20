import Engine
import OpenCLKit
import XCTest

/// Finite-difference checks of hand-written backward passes.
///
/// The scalar checked is L = sum(forward(x) * r) for a fixed random r, so dL/dy = r and one
/// backward call gives the analytic gradient of every input and parameter element. A sample
/// of elements is then perturbed by ±epsilon and L recomputed on the device (central
/// differences, summed in Double on the host).
enum GradientCheck {
    struct Failure: CustomStringConvertible {
        let what: String
        let index: Int
        let analytic: Float
        let numeric: Float
        var description: String { "\(what)[\(index)]: analytic \(analytic) vs numeric \(numeric)" }
    }

    /// Checks a layer's input and parameter gradients; returns the mismatches (empty when good).
    /// Agreement means |a - n| <= tolerance * max(1, |a|, |n|).
    static func check(
        _ layer: Layer, inputShape: [Int], context: ComputeContext, mode: Mode = .training,
        epsilon: Float = 1e-2, tolerance: Float = 2e-2, samples: Int = 24, seed: UInt64 = 7,
        input: [Float]? = nil
    ) throws -> [Failure] {
        var rng = SeededGenerator(seed: seed)
        let inputValues = input ?? (0..<inputShape.reduce(1, *)).map { _ in rng.nextNormal() }
        let x = try Tensor(context, shape: inputShape, values: inputValues)
        let y = try layer.forward(x, mode: mode)
        let projection = (0..<y.count).map { _ in rng.nextNormal() }
        let r = try Tensor(context, shape: y.shape, values: projection)
        let dx = try layer.backward(r).toArray()
        let parameterGradients = try layer.parameters.map { try $0.gradient.toArray() }

        func loss() throws -> Double {
            let output = try layer.forward(x, mode: mode).toArray()
            return zip(output, projection).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        func numeric(_ buffer: DeviceBuffer<Float>, _ index: Int) throws -> Float {
            let original = try buffer.read(offset: index, count: 1)[0]
            try buffer.write([original + epsilon], offset: index)
            let plus = try loss()
            try buffer.write([original - epsilon], offset: index)
            let minus = try loss()
            try buffer.write([original], offset: index)
            return Float((plus - minus) / Double(2 * epsilon))
        }
        func agree(_ a: Float, _ n: Float) -> Bool { abs(a - n) <= tolerance * max(1, abs(a), abs(n)) }

        var failures: [Failure] = []
        for index in sampleIndices(count: x.count, samples: samples, rng: &rng) {
            let n = try numeric(x.buffer, index)
            if !agree(dx[index], n) { failures.append(Failure(what: "input", index: index, analytic: dx[index], numeric: n)) }
        }
        for (parameter, gradient) in zip(layer.parameters, parameterGradients) {
            for index in sampleIndices(count: parameter.value.count, samples: samples, rng: &rng) {
                let n = try numeric(parameter.value.buffer, index)
                if !agree(gradient[index], n) {
                    failures.append(Failure(what: parameter.name, index: index, analytic: gradient[index], numeric: n))
                }
            }
        }
        return failures
    }

    /// Up to `samples` distinct indices in 0..<count, always including the first and last.
    static func sampleIndices(count: Int, samples: Int, rng: inout SeededGenerator) -> [Int] {
        if count <= samples { return Array(0..<count) }
        var chosen: Set<Int> = [0, count - 1]
        while chosen.count < samples { chosen.insert(Int(rng.next() % UInt64(count))) }
        return chosen.sorted()
    }
}

/// Asserts that two arrays agree elementwise within |a - b| <= absolute + relative * |b|.
func assertClose(
    _ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-4,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail("count \(actual.count) != \(expected.count) \(message())", file: file, line: line)
        return
    }
    var worst = (index: -1, error: Float(0))
    for i in 0..<actual.count {
        let error = abs(actual[i] - expected[i])
        let allowed = absolute + relative * abs(expected[i])
        if !(error <= allowed), error > worst.error || worst.index < 0 { worst = (i, error) }
    }
    if worst.index >= 0 {
        let i = worst.index
        XCTFail("mismatch at \(i): \(actual[i]) vs \(expected[i]) (error \(worst.error)) \(message())", file: file, line: line)
    }
}
