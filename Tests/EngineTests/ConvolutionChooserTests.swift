import Engine
import Foundation
import OpenCLKit
import XCTest

/// How `Convolution` picks among its algorithms: the profile's rule, pins by property and by
/// environment, tuned entries, registered algorithms, and clear errors for unknown names.
final class ConvolutionChooserTests: XCTestCase {
    private func geometry(_ size: Int, stride: Int = 1, channels: Int = 2) throws -> ConvGeometry {
        try ConvGeometry(batch: 1, inChannels: channels, height: size, width: size, filters: 4, kernelHeight: 3, kernelWidth: 3,
                         stride: stride, padding: .same)
    }

    private func names(_ convolution: Convolution, _ g: ConvGeometry) throws -> [String] {
        try ConvolutionPass.allCases.map { try convolution.algorithm(for: g, $0).name }
    }

    func testRuleTakesDirectKernelsForStrideOneWithFullTiles() throws {
        let convolution = try Convolution(TestDevice.context(), environment: [:])
        XCTAssertEqual(convolution.algorithmNames, ["direct", "im2col", "winograd"])
        // Winograd supports a 16-channel 3x3 stride-1 shape, but the rule leaves layers of 4 filters to the direct kernels.
        XCTAssertTrue(convolution.descriptors[2].supports(try geometry(40, channels: 16)))
        XCTAssertEqual(try names(convolution, geometry(40, channels: 16)), ["direct", "direct", "direct"])
        XCTAssertEqual(try names(convolution, geometry(40)), ["direct", "direct", "direct"])
        XCTAssertEqual(try names(convolution, geometry(40, stride: 2)), ["im2col", "im2col", "im2col"])
        // Tiny planes: most of a tile is wasted, and the weight gradient has too few pixels.
        XCTAssertEqual(try names(convolution, geometry(4)), ["im2col", "im2col", "im2col"])
    }

    /// The CPU profile fuses Winograd's transforms, so its rule gives Winograd the forward and
    /// input-gradient passes with 16 channels or more in and out whose tile grid is mostly the
    /// plane's, and the weight gradients of planes up to 16 x 16 or, fused, of 32 input channels or more;
    /// the GPU profile, which does not fuse them, never picks it untuned.
    func testRuleGivesWinogradTheFusedPassesOnTheCPUProfile() throws {
        func convolution(_ profile: DeviceProfile) throws -> Convolution {
            let context = try ComputeContext(device: TestDevice.context().device)
            context.setDeviceTuning(DeviceTuning(profile: profile))
            return try Convolution(context, environment: [:])
        }
        func layer(_ size: Int, channels: Int, filters: Int) throws -> ConvGeometry {
            try ConvGeometry(batch: 2, inChannels: channels, height: size, width: size, filters: filters, kernelHeight: 3, kernelWidth: 3,
                             stride: 1, padding: .same)
        }
        let cpu = try convolution(.cpu(vectorWidth: 16))
        XCTAssertEqual(try names(cpu, layer(32, channels: 16, filters: 32)), ["winograd", "winograd", "direct"])
        XCTAssertEqual(try names(cpu, layer(16, channels: 64, filters: 128)), ["winograd", "winograd", "winograd"])
        XCTAssertEqual(try names(cpu, layer(32, channels: 8, filters: 32)), ["direct", "direct", "direct"], "too few input channels")
        XCTAssertEqual(try names(cpu, layer(32, channels: 32, filters: 8)), ["direct", "direct", "direct"], "too few filters")
        // 62 wide: 31 tiles a row in the kernel's grid of 32; 40 wide: 20 in a grid of 32, too
        // much of it thrown away.
        XCTAssertEqual(try names(cpu, layer(62, channels: 32, filters: 64)), ["winograd", "winograd", "winograd"])
        XCTAssertEqual(try names(cpu, layer(40, channels: 32, filters: 32)), ["direct", "direct", "direct"])
        XCTAssertEqual(try names(convolution(.gpu), layer(16, channels: 64, filters: 128)), ["direct", "direct", "direct"])
    }

    func testPinnedAlgorithmRunsWhereItSupportsTheShape() throws {
        let convolution = try Convolution(TestDevice.context(), environment: [:])
        convolution.pinnedAlgorithm = "direct"
        XCTAssertEqual(try names(convolution, geometry(4)), ["direct", "direct", "direct"])
        XCTAssertEqual(try names(convolution, geometry(40, stride: 2)), ["im2col", "im2col", "im2col"], "direct runs stride 1 only")
        convolution.pinnedAlgorithm = "im2col"
        XCTAssertEqual(try names(convolution, geometry(40)), ["im2col", "im2col", "im2col"])
        convolution.pinnedAlgorithm = "fourier"
        XCTAssertThrowsError(try convolution.algorithm(for: geometry(40), .forward)) { error in
            XCTAssertTrue("\(error)".contains("fourier") && "\(error)".contains("direct, im2col"), "\(error)")
        }
    }

    func testEnvironmentPinsAnAlgorithmAndRejectsUnknownNames() throws {
        let context = try TestDevice.context()
        let pinned = try Convolution(context, environment: [Convolution.algorithmVariable: "im2col"])
        XCTAssertEqual(pinned.pinnedAlgorithm, "im2col")
        XCTAssertEqual(try names(pinned, geometry(40)), ["im2col", "im2col", "im2col"])
        XCTAssertThrowsError(try Convolution(context, environment: [Convolution.algorithmVariable: "fft"])) { error in
            XCTAssertTrue("\(error)".contains("PNEUMO_CONV_ALGORITHM=fft") && "\(error)".contains("direct, im2col"), "\(error)")
        }
    }

    func testTunedEntryOfTheProfileWinsOverTheRule() throws {
        let g = try geometry(40)
        var profile = try TestDevice.context().profile
        profile.convolutionAlgorithms[ConvolutionChoice.key(g, .backwardInput)] = "im2col"
        profile.convolutionAlgorithms[ConvolutionChoice.key(try geometry(40, stride: 2), .forward)] = "direct"
        let context = try ComputeContext(device: TestDevice.context().device)
        context.setDeviceTuning(DeviceTuning(profile: profile))
        let convolution = try Convolution(context, environment: [:])
        XCTAssertEqual(ConvolutionChoice.key(g, .backwardInput), "backward-input 2x40x40 f4 k3x3 s1 same")
        XCTAssertEqual(try names(convolution, g), ["direct", "im2col", "direct"])
        XCTAssertEqual(try convolution.algorithm(for: geometry(40, stride: 2), .forward).name, "im2col", "a tuned entry must support the shape")
        convolution.pinnedAlgorithm = "direct"
        XCTAssertEqual(try names(convolution, g), ["direct", "direct", "direct"], "a pin wins over the table")
    }

    /// A registered algorithm is chosen by name and gets exactly the gradients asked of it.
    func testRegisteredAlgorithmIsChosenAndGetsEachPass() throws {
        let context = try TestDevice.context()
        var recorder: RecordingAlgorithm?
        let recording = ConvolutionAlgorithmDescriptor(name: "recording", supports: { $0.stride == 1 }) {
            let made = RecordingAlgorithm(try Im2colConvolution($0))
            recorder = made
            return made
        }
        let convolution = try Convolution(context, algorithms: Convolution.standardAlgorithms + [recording], environment: [:])
        convolution.pinnedAlgorithm = "recording"
        let g = try geometry(9, channels: 3)
        var rng = SeededGenerator(seed: 5)
        func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
        let x = random(g.inputShape), w = random(g.weightShape), dy = random(g.outputShape)
        let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        try convolution.forward(input: DeviceBuffer(context, x), weight: DeviceBuffer(context, w), bias: nil, output: y, geometry: g)
        assertClose(try y.read(), ConvolutionReference.forward(input: x, weight: w, bias: nil, geometry: g), absolute: 2e-4)
        let dx = try DeviceBuffer<Float>(context, count: x.count)
        try convolution.backwardInput(outputGradient: DeviceBuffer(context, dy), weight: DeviceBuffer(context, w), inputGradient: dx, geometry: g)
        assertClose(try dx.read(), ConvolutionReference.backwardInput(outputGradient: dy, weight: w, geometry: g), absolute: 2e-4)
        XCTAssertEqual(recorder?.calls, ["forward", "backward input"])
        convolution.pinnedAlgorithm = nil
        try convolution.forward(input: DeviceBuffer(context, x), weight: DeviceBuffer(context, w), bias: nil, output: y, geometry: g)
        XCTAssertEqual(recorder?.calls.count, 2, "unpinned, the rule never names it")
    }

    /// An algorithm is built the first time it is chosen: an unpinned, untuned convolution on
    /// a shape Winograd supports never compiles Winograd's program; pinning it builds it once.
    func testAlgorithmsAreBuiltOnFirstUse() throws {
        // A context of its own, so no other test's builds show, with no tuned entries.
        let context = try ComputeContext(device: TestDevice.context().device)
        var profile = try TestDevice.context().profile
        profile.convolutionAlgorithms = [:]
        context.setDeviceTuning(DeviceTuning(profile: profile))
        let convolution = try Convolution(context, environment: [:])
        let g = try geometry(40, channels: 16)
        XCTAssertTrue(convolution.descriptors.first { $0.name == "winograd" }?.supports(g) == true)
        XCTAssertTrue(convolution.supports(g))
        XCTAssertEqual(convolution.builtAlgorithmNames, [], "making the convolution or asking what it supports builds no algorithm")

        var rng = SeededGenerator(seed: 8)
        func random(_ shape: [Int]) throws -> DeviceBuffer<Float> {
            try DeviceBuffer(context, (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
        }
        let x = try random(g.inputShape), w = try random(g.weightShape), dy = try random(g.outputShape)
        let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        let dx = try DeviceBuffer<Float>(context, count: g.inputShape.reduce(1, *))
        let dw = try DeviceBuffer<Float>(context, count: g.weightShape.reduce(1, *))
        try convolution.forward(input: x, weight: w, bias: nil, output: y, geometry: g)
        try convolution.backward(input: x, outputGradient: dy, weight: w, inputGradient: dx, weightGradient: dw, biasGradient: nil, geometry: g)
        try context.finish()
        XCTAssertEqual(convolution.builtAlgorithmNames, ["direct"])
        XCTAssertTrue(context.builtProgramLabels.contains("conv.cl"), "\(context.builtProgramLabels)")
        XCTAssertFalse(context.builtProgramLabels.contains("winograd.cl"), "\(context.builtProgramLabels)")

        convolution.pinnedAlgorithm = "winograd"
        let pinned = try convolution.algorithm(for: g, .forward)
        XCTAssertEqual(convolution.builtAlgorithmNames, ["direct", "winograd"])
        XCTAssertTrue(context.builtProgramLabels.contains("winograd.cl"), "\(context.builtProgramLabels)")
        XCTAssertTrue(pinned === (try convolution.algorithm(named: "winograd")), "built once per convolution")
        XCTAssertEqual(try convolution.algorithms(supporting: geometry(40, stride: 2)).map(\.name), ["im2col"])
        XCTAssertEqual(convolution.builtAlgorithmNames, ["direct", "im2col", "winograd"])
    }

    /// Registrations are checked by name: no two alike, and the built object must answer to its own.
    func testRegistrationsAreCheckedByName() throws {
        let context = try TestDevice.context()
        XCTAssertThrowsError(try Convolution(context, algorithms: [DirectConvolution.descriptor, DirectConvolution.descriptor], environment: [:])) {
            XCTAssertTrue("\($0)".contains("registered as direct"), "\($0)")
        }
        let misnamed = ConvolutionAlgorithmDescriptor(name: "fast", supports: { _ in true }) { try Im2colConvolution($0) }
        let convolution = try Convolution(context, algorithms: [misnamed], environment: [:])
        XCTAssertThrowsError(try convolution.algorithm(for: geometry(8), .forward)) {
            XCTAssertTrue("\($0)".contains("registered as fast calls itself im2col"), "\($0)")
        }
    }

    func testMissingOperandsOfAGradientAreReported() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context, environment: [:])
        let g = try geometry(8)
        let dy = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        let dx = try DeviceBuffer<Float>(context, count: g.inputShape.reduce(1, *))
        XCTAssertThrowsError(try convolution.backward(
            input: nil, outputGradient: dy, weight: nil, inputGradient: dx, weightGradient: nil, biasGradient: nil, geometry: g)) { error in
            XCTAssertTrue("\(error)".contains("needs its weights"), "\(error)")
        }
        XCTAssertThrowsError(try DirectConvolution(convolution.resources).forward(
            input: dx, weight: dx, bias: nil, output: dy, geometry: geometry(8, stride: 2))) { error in
            XCTAssertTrue("\(error)".contains("stride 1 only"), "\(error)")
        }
    }
}

/// Passes everything to another algorithm, noting which passes it was asked for.
private final class RecordingAlgorithm: ConvolutionAlgorithm {
    let name = "recording"
    let inner: ConvolutionAlgorithm
    var calls: [String] = []

    init(_ inner: ConvolutionAlgorithm) { self.inner = inner }

    func supports(_ geometry: ConvGeometry) -> Bool { geometry.stride == 1 }

    func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, output: DeviceBuffer<Float>, geometry: ConvGeometry
    ) throws {
        calls.append("forward")
        try inner.forward(input: input, weight: weight, bias: bias, output: output, geometry: geometry)
    }

    func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?, geometry: ConvGeometry
    ) throws {
        calls.append([inputGradient.map { _ in "input" }, weightGradient.map { _ in "weights" }, biasGradient.map { _ in "bias" }]
            .compactMap { $0 }.reduce("backward") { $0 + " " + $1 })
        try inner.backward(
            input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: weightGradient, biasGradient: biasGradient, geometry: geometry)
    }
}
