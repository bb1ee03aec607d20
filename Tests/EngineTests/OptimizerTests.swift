import Engine
import OpenCLKit
import XCTest

/// Each optimizer runs five steps on a decaying weight [3, 5] and a non-decaying bias [7]
/// with fresh gradients each step, against `OptimizerReference`. Tolerance: 1e-6 absolute +
/// 1e-5 relative. Resuming from loaded state must be bit-identical to not stopping.
final class OptimizerTests: XCTestCase {
    /// An optimizer and the reference update it should match.
    private struct Case {
        let name: String
        let make: (ComputeContext) throws -> Optimizer
        /// (parameter, gradient, two state slots, step from 1, decays)
        let reference: (inout [Float], [Float], inout [[Float]], Int, Bool) -> Void
    }

    private func cases() -> [Case] {
        func sgd(_ name: String, lr: Float, momentum: Float, nesterov: Bool, decay: Float) -> Case {
            Case(
                name: name,
                make: { try SGD($0, learningRate: lr, momentum: momentum, nesterov: nesterov, weightDecay: decay) },
                reference: { p, g, state, t, decays in
                    var buffer: [Float]? = momentum > 0 && t > 1 ? state[0] : nil
                    OptimizerReference.sgdStep(
                        &p, gradient: g, buffer: &buffer, learningRate: lr, momentum: momentum, nesterov: nesterov,
                        decay: decays ? decay : 0)
                    if let buffer { state[0] = buffer }
                })
        }
        func adam(_ name: String, decay: Float, decoupled: Bool) -> Case {
            Case(
                name: name,
                make: { context -> Optimizer in
                    if decoupled {
                        return try AdamW(context, learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: decay)
                    }
                    return try Adam(context, learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: decay)
                },
                reference: { p, g, state, t, decays in
                    let d: Float = decays ? decay : 0
                    var (m, v) = (state[0], state[1])
                    OptimizerReference.adamStep(
                        &p, gradient: g, expAvg: &m, expAvgSq: &v, learningRate: 0.01, beta1: 0.8, beta2: 0.99,
                        epsilon: 1e-6, step: t, decay: decoupled ? 0 : d, decoupledDecay: decoupled ? d : 0)
                    state = [m, v]
                })
        }
        func rmsprop(_ name: String, momentum: Float, decay: Float) -> Case {
            Case(
                name: name,
                make: { try RMSprop($0, learningRate: 0.01, alpha: 0.9, epsilon: 1e-6, momentum: momentum, weightDecay: decay) },
                reference: { p, g, state, _, decays in
                    var (square, buffer) = (state[0], state[1])
                    OptimizerReference.rmspropStep(
                        &p, gradient: g, squareAvg: &square, buffer: &buffer, learningRate: 0.01, alpha: 0.9,
                        epsilon: 1e-6, momentum: momentum, decay: decays ? decay : 0)
                    state = [square, buffer]
                })
        }
        return [
            sgd("SGD", lr: 0.1, momentum: 0, nesterov: false, decay: 0),
            sgd("SGD decay", lr: 0.1, momentum: 0, nesterov: false, decay: 0.05),
            sgd("SGD momentum decay", lr: 0.1, momentum: 0.9, nesterov: false, decay: 0.01),
            sgd("SGD Nesterov decay", lr: 0.1, momentum: 0.9, nesterov: true, decay: 0.05),
            adam("Adam", decay: 0, decoupled: false),
            adam("Adam decay", decay: 0.1, decoupled: false),
            adam("AdamW", decay: 0.1, decoupled: true),
            rmsprop("RMSprop", momentum: 0, decay: 0),
            rmsprop("RMSprop momentum decay", momentum: 0.9, decay: 0.01),
        ]
    }

    private let shapes = [[3, 5], [7]]
    private let decays = [true, false]

    private func initialValues() -> [[Float]] {
        shapes.enumerated().map { PointwiseFixtures.normal($1.reduce(1, *), seed: UInt64(500 + $0)) }
    }

    private func gradient(step: Int, parameter: Int) -> [Float] {
        PointwiseFixtures.normal(shapes[parameter].reduce(1, *), seed: UInt64(1000 * step + parameter))
    }

    private func makeParameters(_ context: ComputeContext, _ values: [[Float]]) throws -> [Parameter] {
        try zip(shapes, values).enumerated().map { index, pair in
            try Parameter(
                name: index == 0 ? "weight" : "bias", value: try Tensor(context, shape: pair.0, values: pair.1),
                decays: decays[index])
        }
    }

    /// Writes the gradients of `steps` and steps the optimizer through them.
    private func run(_ optimizer: Optimizer, _ parameters: [Parameter], steps: Range<Int>) throws {
        for step in steps {
            for (index, parameter) in parameters.enumerated() {
                try parameter.gradient.buffer.write(gradient(step: step, parameter: index))
            }
            try optimizer.step(parameters)
        }
    }

    func testOptimizersMatchReference() throws {
        let context = try TestDevice.context()
        for testCase in cases() {
            let parameters = try makeParameters(context, initialValues())
            let optimizer = try testCase.make(context)
            try run(optimizer, parameters, steps: 1..<6)
            XCTAssertEqual(optimizer.stepCount, 5)
            for index in parameters.indices {
                var expected = initialValues()[index]
                var state = [[Float]](repeating: [Float](repeating: 0, count: expected.count), count: 2)
                for step in 1..<6 {
                    testCase.reference(&expected, gradient(step: step, parameter: index), &state, step, decays[index])
                }
                assertClose(try parameters[index].value.toArray(), expected, absolute: 1e-6, relative: 1e-5, "\(testCase.name) \(index)")
            }
        }
    }

    /// Three steps of torch.optim on a decaying parameter, checked after every step.
    func testMatchesPyTorchFixtures() throws {
        let context = try TestDevice.context()
        let fixtures = try Fixtures.all(op: "adam") + Fixtures.all(op: "adamw") + Fixtures.all(op: "sgd")
        XCTAssertGreaterThanOrEqual(fixtures.count, 2)
        for fixture in fixtures {
            let lr = Float(try fixture.double("lr")), decay = Float(try fixture.double("weight_decay"))
            let optimizer: Optimizer
            switch fixture.op {
            case "sgd":
                optimizer = try SGD(
                    context, learningRate: lr, momentum: Float(try fixture.double("momentum")),
                    nesterov: fixture.config["nesterov"]?.bool ?? false, weightDecay: decay)
            default:
                let betas = fixture.config["betas"]?.array?.compactMap(\.double) ?? []
                XCTAssertEqual(betas.count, 2, fixture.name)
                let (beta1, beta2, epsilon) = (Float(betas.first ?? 0.9), Float(betas.last ?? 0.999), Float(try fixture.double("eps")))
                optimizer = fixture.op == "adamw"
                    ? try AdamW(context, learningRate: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay)
                    : try Adam(context, learningRate: lr, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: decay)
            }
            let start = try fixture.tensor("param")
            let parameter = try Parameter(name: "param", value: try Tensor(context, shape: start.shape, values: start.data), decays: true)
            for step in 1...(try fixture.int("steps")) {
                try parameter.gradient.buffer.write(try fixture.tensor("grad_\(step)").data)
                try optimizer.step([parameter])
                assertClose(
                    try parameter.value.toArray(), try fixture.tensor("param_\(step)").data, absolute: 2e-6, relative: 1e-5,
                    "\(fixture.name) step \(step)")
            }
        }
    }

    func testWeightDecayOnlyTouchesDecayingParameters() throws {
        let context = try TestDevice.context()
        let optimizers: [Optimizer] = [try SGD(context, learningRate: 0.1, weightDecay: 0.5), try AdamW(context, learningRate: 0.1, weightDecay: 0.5)]
        for optimizer in optimizers {
            let values = initialValues()
            let parameters = try makeParameters(context, values)
            try optimizer.step(parameters)  // gradients are zero
            assertClose(try parameters[0].value.toArray(), values[0].map { $0 * 0.95 }, absolute: 1e-6, relative: 1e-6)
            XCTAssertEqual(try parameters[1].value.toArray(), values[1])
        }
    }

    func testStateTensorNames() throws {
        let context = try TestDevice.context()
        let expected: [(Optimizer, [String])] = [
            (try SGD(context, learningRate: 0.1), []),
            (try SGD(context, learningRate: 0.1, momentum: 0.9), ["weight.momentum_buffer", "bias.momentum_buffer"]),
            (try Adam(context), ["weight.exp_avg", "weight.exp_avg_sq", "bias.exp_avg", "bias.exp_avg_sq"]),
            (try AdamW(context), ["weight.exp_avg", "weight.exp_avg_sq", "bias.exp_avg", "bias.exp_avg_sq"]),
            (try RMSprop(context), ["weight.square_avg", "bias.square_avg"]),
            (try RMSprop(context, momentum: 0.5), ["weight.square_avg", "weight.momentum_buffer", "bias.square_avg", "bias.momentum_buffer"]),
        ]
        for (optimizer, names) in expected {
            let parameters = try makeParameters(context, initialValues())
            XCTAssertTrue(optimizer.stateTensors(for: parameters).isEmpty, "state exists before the first step")
            try optimizer.step(parameters)
            let state = optimizer.stateTensors(for: parameters)
            XCTAssertEqual(state.map(\.name), names)
            for (name, tensor) in state {
                XCTAssertEqual(tensor.shape, name.hasPrefix("weight") ? [3, 5] : [7])
            }
        }
    }

    func testResumingFromLoadedStateIsBitIdentical() throws {
        let context = try TestDevice.context()
        for testCase in cases() where testCase.name != "SGD" {
            let parameters = try makeParameters(context, initialValues())
            let original = try testCase.make(context)
            try run(original, parameters, steps: 1..<4)
            // A checkpoint: parameter values, optimizer state (copied off the live tensors) and step count.
            let resumedParameters = try makeParameters(context, try parameters.map { try $0.value.toArray() })
            let saved = try original.stateTensors(for: parameters).map { ($0.name, try $0.tensor.copy()) }
            let resumed = try testCase.make(context)
            try resumed.loadState(saved, for: resumedParameters)
            resumed.stepCount = original.stepCount
            try run(original, parameters, steps: 4..<6)
            try run(resumed, resumedParameters, steps: 4..<6)
            for (a, b) in zip(parameters, resumedParameters) {
                XCTAssertEqual(try a.value.toArray().map(\.bitPattern), try b.value.toArray().map(\.bitPattern), testCase.name)
            }
        }
    }

    /// Layers all call their weight `weight`; the model's names keep the state apart.
    func testStateUsesTheNamesTheModelGives() throws {
        let context = try TestDevice.context()
        let first = try Parameter(name: "weight", value: try Tensor(context, shape: [2], values: [1, 2]), decays: true)
        let second = try Parameter(name: "weight", value: try Tensor(context, shape: [3], values: [3, 4, 5]), decays: true)
        let named = [(name: "0.weight", parameter: first), (name: "2.weight", parameter: second)]
        let optimizer = try Adam(context)
        try first.gradient.buffer.write([0.5, -0.5])
        try second.gradient.buffer.write([1, 0, -1])
        try optimizer.step([first, second])
        let state = optimizer.stateTensors(for: named)
        XCTAssertEqual(state.map(\.name), ["0.weight.exp_avg", "0.weight.exp_avg_sq", "2.weight.exp_avg", "2.weight.exp_avg_sq"])

        let restored = try Adam(context)
        try restored.loadState(state, for: named)
        let reloaded = restored.stateTensors(for: named)
        XCTAssertEqual(reloaded.map(\.name), state.map(\.name))
        for (a, b) in zip(state, reloaded) {
            XCTAssertEqual(try a.tensor.toArray(), try b.tensor.toArray(), a.name)
            XCTAssertFalse(a.tensor === b.tensor, "loaded state must be a copy")
        }
        // By their short names the two parameters cannot be told apart.
        XCTAssertThrowsError(try restored.loadState(state, for: [first, second]))
        // Loading only one parameter's state leaves the other's alone.
        try restored.loadState([], for: [named[0]])
        XCTAssertEqual(restored.stateTensors(for: named).map(\.name), ["2.weight.exp_avg", "2.weight.exp_avg_sq"])
    }

    func testLoadStateRejectsBadCheckpoints() throws {
        let context = try TestDevice.context()
        let parameters = try makeParameters(context, initialValues())
        let adam = try Adam(context)
        let good = try Tensor.zeros(context, shape: [3, 5])
        XCTAssertThrowsError(try adam.loadState([("weight.velocity", good)], for: parameters))
        XCTAssertThrowsError(try adam.loadState([("weight.exp_avg", good)], for: parameters), "half the state")
        XCTAssertThrowsError(
            try adam.loadState(
                [("weight.exp_avg", good), ("weight.exp_avg_sq", try Tensor.zeros(context, shape: [4]))], for: parameters))
        let twins = [try Parameter(name: "weight", value: good, decays: true), try Parameter(name: "weight", value: good, decays: true)]
        XCTAssertThrowsError(try adam.loadState([], for: twins))
        try adam.loadState([("weight.exp_avg", good), ("weight.exp_avg_sq", good)], for: parameters)
        XCTAssertEqual(adam.stateTensors(for: parameters).map(\.name), ["weight.exp_avg", "weight.exp_avg_sq"])
    }

    func testInvalidHyperparametersThrow() throws {
        let context = try TestDevice.context()
        XCTAssertThrowsError(try SGD(context, learningRate: -1))
        XCTAssertThrowsError(try SGD(context, learningRate: 0.1, nesterov: true))
        XCTAssertThrowsError(try SGD(context, learningRate: 0.1, weightDecay: .nan))
        XCTAssertThrowsError(try Adam(context, beta1: 1))
        XCTAssertThrowsError(try AdamW(context, beta2: -0.1))
        XCTAssertThrowsError(try RMSprop(context, alpha: 1.5))
        XCTAssertThrowsError(try RMSprop(context, momentum: -1))
    }
}
