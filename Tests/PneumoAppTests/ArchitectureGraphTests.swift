import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// The graph form of architecture files: parsing, errors that name the node, the residual
/// built-ins and the ResNet-18 example, and that chains read and write as they always did.
final class ArchitectureGraphTests: XCTestCase {
    func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    static let residual = """
    {"name": "residual", "input": {"channels": 1, "size": 8},
     "nodes": [{"name": "stem", "type": "Conv2D", "filters": 4, "padding": "same", "activation": "relu"},
               {"name": "conv", "type": "Conv2D", "filters": 4, "padding": "same"},
               {"name": "norm", "type": "BatchNorm"},
               {"name": "sum", "type": "Add", "inputs": ["stem", "norm"], "activation": "relu"},
               {"name": "side", "type": "Conv2D", "filters": 2, "kernel": 1, "inputs": ["stem"]},
               {"name": "joined", "type": "Concat", "inputs": ["sum", "side"]},
               {"name": "pool", "type": "GlobalAvgPool"},
               {"name": "head", "type": "Dense", "units": "output"}]}
    """

    func decode(_ json: String) throws -> ArchitectureSpec { try JSONDecoder().decode(ArchitectureSpec.self, from: Data(json.utf8)) }

    func testGraphFileBuildsWithNamedParametersAndFusedResidualReLU() throws {
        let spec = try decode(Self.residual)
        XCTAssertTrue(spec.isGraph)
        XCTAssertEqual(try decode(try spec.json()), spec, "the graph form survives a round trip")
        let network = try ModelBuilder.build(spec, classes: 2, context: try cpu(), seed: 3)
        XCTAssertEqual(network.namedParameters.map(\.name), [
            "stem.weight", "stem.bias", "conv.weight", "conv.bias", "norm.weight", "norm.bias", "side.weight", "side.bias", "head.weight", "head.bias",
        ])
        XCTAssertEqual(network.node(named: "conv")?.inputs, ["stem.relu"], "a node reads the activation of the node before")
        XCTAssertEqual(network.steps.map(\.op.kind), ["Conv2D", "ReLU", "Conv2D", "BatchNorm", "AddReLU", "Conv2D", "Concat", "GlobalAvgPool", "Dense"])
        XCTAssertEqual(try network.outputShapes(batch: 2).last, [2, 1])
        let plan = try ArchitecturePlan.make(spec, classes: 2)
        XCTAssertEqual(plan.parameterCount, network.parameterCount)
        let summary = try network.summary()
        XCTAssertTrue(summary.contains("<- sum.relu, side"), summary)
        // Weights go out and back in under the node names.
        let model = try TrainedModel(spec: spec, classNames: ["a", "b"], context: try cpu(), seed: 3)
        let tensors = try model.weightTensors()
        XCTAssertTrue(tensors.contains { $0.name == "norm.running_var" })
        try model.setWeights(tensors)
    }

    func testGraphErrorsNameTheNode() throws {
        func expect(_ nodes: String, _ text: String, line: UInt = #line) {
            let json = "{\"name\": \"g\", \"input\": {\"channels\": 1, \"size\": 8}, \"nodes\": [\(nodes)]}"
            XCTAssertThrowsError(try ArchitecturePlan.make(try decode(json), classes: 2), line: line) { error in
                XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
            }
        }
        let head = "{\"name\": \"p\", \"type\": \"GlobalAvgPool\"}, {\"name\": \"h\", \"type\": \"Dense\", \"units\": \"output\"}"
        expect("{\"name\": \"a\", \"type\": \"ReLU\", \"inputs\": [\"b\"]}, \(head)", "node 'a': reads 'b', which is not a node")
        expect("{\"name\": \"a\", \"type\": \"ReLU\"}, {\"name\": \"a\", \"type\": \"ReLU\"}, \(head)", "node 'a': two nodes have this name")
        expect("{\"name\": \"a\", \"type\": \"ReLU\", \"inputs\": [\"b\"]}, {\"name\": \"b\", \"type\": \"ReLU\", \"inputs\": [\"a\"]}, \(head)", "cycle")
        expect("{\"name\": \"a\", \"type\": \"ReLU\"}, {\"name\": \"p\", \"type\": \"GlobalAvgPool\", \"inputs\": [\"input\"]}, "
               + "{\"name\": \"h\", \"type\": \"Dense\", \"units\": \"output\"}", "node 'a': its output is not used")
        expect("{\"name\": \"c\", \"type\": \"Conv2D\", \"filters\": 2, \"padding\": \"same\"}, {\"name\": \"s\", \"type\": \"Add\", \"inputs\": [\"c\", \"input\"]}, \(head)",
               "node 's': Add: inputs must have one shape, got [2, 8, 8], [1, 8, 8]")
        expect("{\"name\": \"s\", \"type\": \"Concat\", \"inputs\": [\"input\"]}, \(head)", "node 's': Concat: needs at least 2 inputs")
        expect("{\"name\": \"x.y\", \"type\": \"ReLU\"}, \(head)", "without dots")
        XCTAssertThrowsError(try decode("{\"name\": \"g\", \"input\": {\"channels\": 1, \"size\": 8}}")) { error in
            XCTAssertTrue("\(error)".contains("\"layers\""), "\(error)")
        }
        let chainWithAdd = ArchitectureSpec(name: "c", input: .init(channels: 1, size: 8), layers: [LayerSpec(type: "Add")])
        XCTAssertThrowsError(try ArchitecturePlan.make(chainWithAdd, classes: 2)) { error in
            XCTAssertTrue("\(error)".hasPrefix("layer 0: Add joins branches"), "\(error)")
        }
        var huge = try decode(Self.residual)
        huge.nodes![1].layer.filters = 20_000
        XCTAssertThrowsError(try ArchitecturePlan.make(huge, classes: 2)) { error in
            XCTAssertTrue("\(error)".contains("node 'conv'") && "\(error)".contains("past the limit"), "\(error)")
        }
    }

    /// Chains still encode as a `layers` list with no `nodes` key, as checkpoints hold them.
    func testChainBuiltinsEncodeAsBefore() throws {
        for name in ["seed-dense", "seed-cnn", "seed-cnn-tuned", "pneumonet"] {
            let spec = try BuiltinModels.resolve(name)
            let json = try spec.json()
            XCTAssertFalse(json.contains("\"nodes\""), name)
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            XCTAssertEqual(Set(object.keys), ["name", "description", "input", "layers"], name)
            XCTAssertEqual(try decode(json), spec)
        }
    }

    /// pneumoresnet: 308,097 parameters (stem 160; blocks 4,640, 14,432, 57,536 and 229,760
    /// with their projections; BatchNorms 1,440; head 129), fused where the graph allows.
    func testPneumoResNetBuildsFusedWithItsParameterCount() throws {
        let spec = try BuiltinModels.resolve("pneumoresnet")
        let network = try ModelBuilder.build(spec, classes: 2, context: try cpu(), seed: 1)
        XCTAssertEqual(network.parameterCount, 308_097)
        let kinds = network.steps.map(\.op.kind)
        XCTAssertEqual(kinds.filter { $0 == "AddReLU" }.count, 4)
        XCTAssertEqual(kinds.filter { $0 == "BatchNormReLU" }.count, 4)
        XCTAssertEqual(kinds.first { $0.hasPrefix("BatchNorm") }, "BatchNormReLUMaxPool")
        XCTAssertEqual(try network.shapes(batch: 1)["s4b1"], [1, 128, 8, 8])
        XCTAssertEqual(try GradCAM.defaultNode(in: network), "s4b1.relu", "the last block's output")
    }

    /// pneumonet-deep: pneumonet's 393,569 parameters plus a second convolution (and its
    /// BatchNorm) in each of the last three blocks: 36,928 + 128, 147,584 + 256, 590,080 + 512.
    func testPneumoNetDeepAddsOneConvolutionToEachOfTheLastThreeBlocks() throws {
        let spec = try BuiltinModels.resolve("pneumonet-deep")
        let network = try ModelBuilder.build(spec, classes: 2, context: try cpu(), seed: 1)
        XCTAssertEqual(network.parameterCount, 1_169_057)
        XCTAssertEqual(network.ops.filter { $0 is Conv2D }.map { ($0 as! Conv2D).filters }, [16, 32, 64, 64, 128, 128, 256, 256])
        let kinds = network.steps.map(\.op.kind)
        XCTAssertEqual(kinds.filter { $0 == "BatchNormReLUMaxPool" }.count, 4, "every pooled block's BatchNorm, ReLU and pool fused")
        XCTAssertEqual(kinds.filter { $0 == "BatchNormReLU" }.count, 4)
    }

    /// SEED.md gives the deeper draft's layers and its Flatten size (1,024); the parameter
    /// count follows from them: convolutions 896 + 18,496 + 73,856 + 147,584 + 295,168, dense
    /// 524,800 + 131,328 + 257.
    func testSeedCNNDeepIsTheNotebooksDraftLayerForLayer() throws {
        let spec = try BuiltinModels.resolve("seed-cnn-deep")
        let network = try ModelBuilder.build(spec, classes: 2, context: try cpu(), seed: 1)
        XCTAssertEqual(network.parameterCount, 1_192_385)
        let flatten = try XCTUnwrap(network.nodes.firstIndex { $0.op is Flatten })
        XCTAssertEqual(try network.outputShapes(batch: 1)[flatten], [1, 1_024])
        XCTAssertEqual(network.ops.filter { $0 is Conv2D }.map { ($0 as! Conv2D).filters }, [32, 64, 128, 128, 256])
        XCTAssertEqual(network.ops.filter { $0 is Dense }.map { ($0 as! Dense).outputFeatures }, [512, 256, 1])
    }

    /// The example ResNet-18: torchvision's 11,689,512 parameters, less 6,272 for one input
    /// channel instead of three, less 512,487 for one logit instead of 1,000 classes, plus 4,800
    /// convolution biases (this engine's Conv2D always has one; torchvision's have none).
    func testResNet18ExampleBuildsWithTheExpectedParameterCount() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/resnet18.json")
        let spec = try ArchitectureSpec.load(from: url)
        let plan = try ArchitecturePlan.make(spec, classes: 2)
        XCTAssertEqual(plan.parameterCount, 11_689_512 - 6_272 - 512_487 + 4_800)
        let network = try ModelBuilder.build(spec, classes: 2, context: try cpu(), seed: 1)
        XCTAssertEqual(network.parameterCount, plan.parameterCount)
        XCTAssertEqual(network.ops.filter { $0 is Conv2D }.count, 20)
        XCTAssertEqual(try network.shapes(batch: 1)["s4b2"], [1, 512, 7, 7])
    }
}
