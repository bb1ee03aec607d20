import Engine
import Foundation
import ONNXProto
import OpenCLKit
import PneumoData
import SwiftProtobuf
import XCTest
@testable import PneumoApp

/// The ONNX exporter, read back with swift-protobuf: node types, attributes, initializers equal
/// to the checkpoint's tensors, metadata, and the errors for input it cannot export. Whether
/// ONNX Runtime computes what pneumo computes is Scripts/check-onnx.sh's job.
final class ONNXExportTests: XCTestCase {
    private var directory: URL!
    private var fixture: ONNXCheckpointFixture!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        fixture = ONNXCheckpointFixture(directory: directory)
    }

    // MARK: - Round trips

    func testPneumonetRoundTripsWithEveryTensorAndTheCalibration() throws {
        let spec = try BuiltinModels.resolve("pneumonet")
        let (stem, tensors) = try saveCheckpoint(spec, temperature: 1.7, threshold: 0.42)
        let model = try fixture.exportAndParse(stem)

        XCTAssertEqual(model.opsetImport.map(\.version), [17])
        XCTAssertEqual(model.irVersion, ONNXModelExport.irVersion)
        XCTAssertEqual(model.graph.input.map(\.name), ["image"])
        let input = model.graph.input[0].type.tensorType
        XCTAssertEqual(input.elemType, Int32(Onnx_TensorProto.DataType.uint8.rawValue))
        XCTAssertEqual(input.shape.dim.map(\.dimParam), ["N", "", "", ""])
        XCTAssertEqual(input.shape.dim.dropFirst().map(\.dimValue), [1, 128, 128])
        XCTAssertEqual(model.graph.output.map(\.name), ["logit", "probability"])
        XCTAssertEqual(model.graph.output[1].type.tensorType.shape.dim.last?.dimValue, 2)

        let types = model.graph.node.map(\.opType)
        XCTAssertEqual(types.filter { $0 == "Conv" }.count, 5)
        XCTAssertEqual(types.filter { $0 == "BatchNormalization" }.count, 5)
        XCTAssertEqual(types.filter { $0 == "Relu" }.count, 5)
        XCTAssertEqual(types.filter { $0 == "MaxPool" }.count, 4)
        XCTAssertEqual(types.filter { $0 == "GlobalAveragePool" }.count, 1)
        XCTAssertEqual(types.filter { $0 == "Gemm" }.count, 1)
        XCTAssertFalse(types.contains("Dropout"), "dropout is the identity at inference")
        XCTAssertEqual(Array(types.prefix(2)), ["Cast", "Mul"], "a one-channel network reads the scaled plane as is")
        XCTAssertEqual(Array(types.suffix(6)), ["Identity", "Div", "Sigmoid", "Sub", "Concat", "Identity"])

        // Every checkpoint tensor is an initializer of the same name, shape and values.
        let initializers = Dictionary(uniqueKeysWithValues: model.graph.initializer.map { ($0.name, $0) })
        for tensor in tensors {
            let stored = try XCTUnwrap(initializers[tensor.name], "\(tensor.name) is not in the graph")
            XCTAssertEqual(stored.dims, tensor.shape.map(Int64.init), tensor.name)
            XCTAssertEqual(floats(stored), tensor.values, tensor.name)
        }
        XCTAssertEqual(floats(try XCTUnwrap(initializers["calibration/temperature"])), [1.7])
        XCTAssertEqual(floats(try XCTUnwrap(initializers["pre/scale"])), [Float(1) / 255])

        let gemm = try XCTUnwrap(model.graph.node.first { $0.opType == "Gemm" })
        XCTAssertEqual(gemm.attribute.first { $0.name == "transB" }?.i, 1)
        let batchNorm = try XCTUnwrap(model.graph.node.first { $0.opType == "BatchNormalization" })
        XCTAssertEqual(Array(batchNorm.input.dropFirst()), ["1.weight", "1.bias", "1.running_mean", "1.running_var"])
        XCTAssertEqual(batchNorm.attribute.first { $0.name == "epsilon" }?.f, 1e-5)

        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        XCTAssertEqual(metadata["pneumo.temperature"], "1.7")
        XCTAssertEqual(metadata["pneumo.threshold"], "0.42")
        XCTAssertEqual(metadata["pneumo.class_names"], #"["normal","pneumonia"]"#)
        XCTAssertNotNil(metadata["pneumo.preprocessing.outside_graph"])
    }

    func testThreeChannelInputRepeatsThePlaneAndDenseReadsTheFlattenedImage() throws {
        let spec = try BuiltinModels.resolve("seed-cnn")
        let (stem, _) = try saveCheckpoint(spec)
        let model = try fixture.exportAndParse(stem)
        let copies = try XCTUnwrap(model.graph.node.first { $0.name == "pre/channels" })
        XCTAssertEqual(copies.opType, "Concat")
        XCTAssertEqual(copies.input, Array(repeating: "pre/scaled", count: 3))
        let flatten = try XCTUnwrap(model.graph.node.first { $0.opType == "Flatten" })
        XCTAssertEqual(flatten.attribute.first { $0.name == "axis" }?.i, 1, "NCHW order, as the engine's Dense reads it")
        let gemm = try XCTUnwrap(model.graph.node.first { $0.opType == "Gemm" })
        XCTAssertEqual(gemm.input.first, flatten.output.first)
        let convolutions = model.graph.node.filter { $0.opType == "Conv" }
        XCTAssertEqual(convolutions.map { $0.attribute.first { $0.name == "pads" }?.ints }, [[0, 0, 0, 0], [0, 0, 0, 0]])
    }

    func testThreeClassModelEndsInSoftmax() throws {
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: 32, width: 4)
        let (stem, tensors) = try saveCheckpoint(spec, classNames: ["normal", "bacterial", "viral"])
        let model = try fixture.exportAndParse(stem)
        XCTAssertEqual(tensors.first { $0.name == "21.weight" }?.shape, [3, 64])
        XCTAssertTrue(model.graph.node.contains { $0.opType == "Softmax" })
        XCTAssertFalse(model.graph.node.contains { $0.opType == "Sigmoid" })
        XCTAssertEqual(model.graph.output.map { $0.type.tensorType.shape.dim.last?.dimValue }, [3, 3])
    }

    func testEnsembleAveragesItsMembersCalibratedProbabilities() throws {
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: 32, width: 4)
        let (architecture, tensors) = try ONNXCheckpointFixture.ensemble(of: spec, temperatures: [1.5, 0.8])
        let stem = try fixture.save(architecture: architecture, input: spec.input, tensors: tensors, temperature: 1.2)
        let model = try fixture.exportAndParse(stem)
        let mean = try XCTUnwrap(model.graph.node.first { $0.opType == "Mean" })
        XCTAssertEqual(mean.input, ["m0/calibration/positive", "m1/calibration/positive"])
        let initializers = Dictionary(uniqueKeysWithValues: model.graph.initializer.map { ($0.name, $0) })
        XCTAssertEqual(floats(try XCTUnwrap(initializers["m0/calibration/temperature"])), [1.5])
        XCTAssertEqual(floats(try XCTUnwrap(initializers["m1/calibration/temperature"])), [0.8])
        XCTAssertEqual(floats(try XCTUnwrap(initializers["calibration/temperature"])), [1.2])
        for tensor in tensors {
            let name = tensor.name.replacingOccurrences(of: "m0.", with: "m0/").replacingOccurrences(of: "m1.", with: "m1/")
            XCTAssertEqual(floats(try XCTUnwrap(initializers[name], name)), tensor.values, name)
        }
        XCTAssertEqual(model.graph.node.filter { $0.opType == "Conv" }.count, 10)
    }

    // MARK: - Mappings

    func testSamePaddingPutsTheSmallerHalfFirstAsTheEngineDoes() throws {
        // 128 px, kernel 3, stride 2: one row of padding in all, after.
        XCTAssertEqual(try ONNXNetworkEmitter.pads(height: 128, width: 128, kernel: 3, stride: 2, padding: .same), [0, 0, 1, 1])
        // 45 px, kernel 3, stride 2: 2 in all, split evenly.
        XCTAssertEqual(try ONNXNetworkEmitter.pads(height: 45, width: 45, kernel: 3, stride: 2, padding: .same), [1, 1, 1, 1])
        // Kernel 4, stride 1: 3 in all, 1 before and 2 after.
        XCTAssertEqual(try ONNXNetworkEmitter.pads(height: 20, width: 21, kernel: 4, stride: 1, padding: .same), [1, 1, 2, 2])
        XCTAssertEqual(try ONNXNetworkEmitter.pads(height: 20, width: 20, kernel: 5, stride: 1, padding: .valid), [0, 0, 0, 0])
        for size in 5...40 {
            for stride in 1...3 {
                for kernel in 1...5 {
                    let geometry = try ConvGeometryCheck.geometry(size: size, kernel: kernel, stride: stride)
                    let pads = try ONNXNetworkEmitter.pads(height: size, width: size, kernel: kernel, stride: stride, padding: .same)
                    XCTAssertEqual(pads[0], geometry.padTop)
                    // ONNX's output size from these pads is the engine's.
                    XCTAssertEqual((size + pads[0] + pads[2] - kernel) / stride + 1, geometry.outHeight, "size \(size) k \(kernel) s \(stride)")
                }
            }
        }
    }

    func testActivationOptionsAndLayersBecomeTheirOwnNodesNumberedLikeTheEngine() throws {
        let spec = ArchitectureSpec(name: "mix", input: .init(channels: 1, size: 16), layers: [
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, stride: 2, padding: "same", activation: "leaky_relu", slope: 0.2),
            LayerSpec(type: "Tanh"),
            LayerSpec(type: "AvgPool2D", size: 2),
            LayerSpec(type: "Flatten"),
            LayerSpec(type: "Dense", activation: "sigmoid", units: .fixed(5)),
            LayerSpec(type: "BatchNorm"),
            LayerSpec(type: "Dense", units: .output),
        ])
        let nodes = try ExportNodeList.make(spec, classes: 2)
        let operations: [ExportNode.Operation] = nodes.map { $0.operation }
        XCTAssertEqual(operations, [
            .convolution(filters: 4, kernel: 3, stride: 2, padding: .same), .leakyRelu(slope: 0.2), .tanh,
            .averagePool(size: 2, stride: 2), .flatten, .dense(units: 5), .sigmoid, .batchNorm(epsilon: 1e-5), .dense(units: 1),
        ])
        // The engine numbers layers as built: conv 0, its activation 1, tanh 2, pool 3, flatten 4, dense 5, ...
        XCTAssertEqual(nodes.compactMap { $0.tensorPrefix }, ["0.", "5.", "7.", "8."])
        XCTAssertEqual(Set(try ArchitecturePlan.make(spec, classes: 2).tensors.keys.map { String($0.prefix(2)) }), ["0.", "5.", "7.", "8."])
        XCTAssertEqual(nodes.last?.shape, [1])
    }

    func testGraphArchitecturesExportNodeForNodeWithTheEnginesTensorNames() throws {
        let spec = try BuiltinModels.resolve("pneumoresnet")
        let nodes = try ExportNodeList.make(spec, classes: 2)
        XCTAssertTrue(nodes.contains { $0.operation == .add }, "the residual joins are exported")
        XCTAssertEqual(
            Set(nodes.compactMap(\.tensorPrefix)),
            Set(try ArchitecturePlan.make(spec, classes: 2).tensors.keys.map { String($0[...$0.lastIndex(of: ".")!]) }),
            "every weight the engine names is read, and no other")
        XCTAssertEqual(nodes.last?.shape, [1])
        // Every node reads the image or a node before it.
        var seen: Set<String> = [ExportNodeList.input]
        for node in nodes {
            XCTAssertTrue(node.inputs.allSatisfy(seen.contains), "\(node.output) reads \(node.inputs)")
            seen.insert(node.output)
        }
        let joined = ArchitectureSpec(name: "joined", input: .init(channels: 1, size: 8), nodes: [
            NodeSpec(name: "a", inputs: ["input"], LayerSpec(type: "Conv2D", filters: 3, kernel: 3, padding: "same")),
            NodeSpec(name: "b", inputs: ["input"], LayerSpec(type: "Conv2D", filters: 5, kernel: 1, padding: "same")),
            NodeSpec(name: "cat", inputs: ["a", "b"], LayerSpec(type: "Concat", activation: "relu")),
            NodeSpec(name: "gap", LayerSpec(type: "GlobalAvgPool")),
            NodeSpec(name: "head", LayerSpec(type: "Dense", units: .output)),
        ])
        let joinedNodes = try ExportNodeList.make(joined, classes: 3)
        XCTAssertEqual(joinedNodes.map(\.operation), [
            .convolution(filters: 3, kernel: 3, stride: 1, padding: .same), .convolution(filters: 5, kernel: 1, stride: 1, padding: .same),
            .concat, .relu, .globalAveragePool, .dense(units: 3),
        ])
        XCTAssertEqual(joinedNodes[2].shape, [8, 8, 8])
        XCTAssertEqual(joinedNodes[2].inputs, ["a", "b"])
        XCTAssertEqual(joinedNodes[3].inputs, ["cat"])
        XCTAssertEqual(joinedNodes.compactMap(\.tensorPrefix), ["a.", "b.", "head."])
    }

    func testGraphNodesAddAndConcatByName() throws {
        // A residual join and a channel concatenation, as the graph form of an architecture gives them.
        let nodes = [
            ExportNode(output: "a", operation: .relu, inputs: ["input"], tensorPrefix: nil, shape: [2, 8, 8], layerIndex: 0),
            ExportNode(output: "b", operation: .sigmoid, inputs: ["input"], tensorPrefix: nil, shape: [2, 8, 8], layerIndex: 1),
            ExportNode(output: "sum", operation: .add, inputs: ["a", "b", "input"], tensorPrefix: nil, shape: [2, 8, 8], layerIndex: 2),
            ExportNode(output: "joined", operation: .concat, inputs: ["sum", "a"], tensorPrefix: nil, shape: [4, 8, 8], layerIndex: 3),
        ]
        var graph = ONNXGraphBuilder(name: "g")
        let result = try ONNXNetworkEmitter(tensors: [:], prefix: "").emit(nodes, input: "x", inputShape: [2, 8, 8], into: &graph)
        XCTAssertEqual(result.output, "joined")
        XCTAssertEqual(result.shape, [4, 8, 8])
        let emitted = graph.graph.node
        XCTAssertEqual(emitted.map(\.opType), ["Relu", "Sigmoid", "Add", "Add", "Concat"])
        XCTAssertEqual(emitted[2].input, ["a", "b"])
        XCTAssertEqual(emitted[3].input, ["sum/0", "x"])
        XCTAssertEqual(emitted[4].input, ["sum", "a"])

        var bad = ONNXGraphBuilder(name: "g")
        let mismatched = [
            ExportNode(output: "p", operation: .maxPool(size: 2, stride: 2), inputs: ["input"], tensorPrefix: nil, shape: [2, 4, 4], layerIndex: 0),
            ExportNode(output: "sum", operation: .add, inputs: ["p", "input"], tensorPrefix: nil, shape: [2, 4, 4], layerIndex: 1),
        ]
        assertThrows(ONNXExportError.self, {
            _ = try ONNXNetworkEmitter(tensors: [:], prefix: "").emit(mismatched, input: "x", inputShape: [2, 8, 8], into: &bad)
        }, check: { XCTAssertTrue("\($0)".contains("Add needs two or more inputs of one shape"), "\($0)") })
        let dangling = [ExportNode(output: "a", operation: .relu, inputs: ["nowhere"], tensorPrefix: nil, shape: [2, 8, 8], layerIndex: 0)]
        assertThrows(ONNXExportError.self, {
            _ = try ONNXNetworkEmitter(tensors: [:], prefix: "").emit(dangling, input: "x", inputShape: [2, 8, 8], into: &bad)
        }, check: { XCTAssertEqual($0, .unknownValue(node: "a", input: "nowhere")) })
    }

    // MARK: - Bad input

    func testALayerWithNoMappingIsAClearErrorAndNothingIsWritten() throws {
        let spec = ArchitectureSpec(name: "odd", input: .init(channels: 1, size: 8), layers: [
            LayerSpec(type: "Flatten"), LayerSpec(type: "LayerNorm"), LayerSpec(type: "Dense", units: .output),
        ])
        assertThrows(ONNXExportError.self, { _ = try ExportNodeList.make(spec, classes: 2) }, check: {
            XCTAssertEqual($0, .unsupportedLayer(index: 1, type: "LayerNorm"))
            XCTAssertTrue($0.description.contains("cannot be exported to ONNX"), $0.description)
        })
        // A checkpoint holding such an architecture is refused before any output exists.
        let tensors = [NamedTensor(name: "2.weight", shape: [1, 64], values: Array(repeating: 0.1, count: 64)),
                       NamedTensor(name: "2.bias", shape: [1], values: [0])]
        let stem = try fixture.save(architecture: try JSONValue(encoding: spec), input: spec.input, tensors: tensors, classNames: ["n", "p"])
        let output = directory.appendingPathComponent("odd.onnx")
        XCTAssertThrowsError(try ONNXModelExport.export(checkpointAt: stem, to: output)) { error in
            XCTAssertTrue("\(error)".contains("LayerNorm"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testWeightsThatDoNotFitTheArchitectureAreRefused() throws {
        let spec = try BuiltinModels.resolve("seed-cnn").resized(inputSize: 32)
        let plan = try ArchitecturePlan.make(spec, classes: 2)
        var tensors = ONNXCheckpointFixture.tensors(for: plan, seed: 1)
        // The head (engine layer 7) with a shape from another input size.
        tensors.removeAll { $0.name == "7.weight" }
        tensors.append(NamedTensor(name: "7.weight", shape: [1, 7], values: Array(repeating: 0, count: 7)))
        let stem = try fixture.save(architecture: try JSONValue(encoding: spec), input: spec.input, tensors: tensors, classNames: ["n", "p"])
        let output = directory.appendingPathComponent("bad.onnx")
        assertThrows(CheckpointError.self, { _ = try ONNXModelExport.export(checkpointAt: stem, to: output) }, check: {
            XCTAssertTrue($0.description.contains("tensor 7.weight has shape [1, 7]"), $0.description)
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }

    func testAMissingCheckpointAndAnOutputThatIsAFolderAreClearErrors() throws {
        XCTAssertThrowsError(try ONNXModelExport.export(
            checkpointAt: directory.appendingPathComponent("nothing/best"), to: directory.appendingPathComponent("x.onnx")))
        let (stem, _) = try saveCheckpoint(try BuiltinModels.resolve("seed-cnn").resized(inputSize: 16))
        let folder = directory.appendingPathComponent("taken.onnx")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        assertThrows(FileWriteError.self, { _ = try ONNXModelExport.export(checkpointAt: stem, to: folder) }, check: {
            XCTAssertTrue($0.reason.contains("directory"), $0.reason)
        })
    }

    func testPixelsAreThePlanesTheDecoderGivesInTheOrderGiven() throws {
        let (stem, _) = try saveCheckpoint(try BuiltinModels.resolve("seed-cnn").resized(inputSize: 16))
        let files = try [(40, 30), (23, 57)].enumerated().map { index, size -> URL in
            let pixels = (0..<(size.0 * size.1)).map { UInt8(($0 * 7 + index * 50) % 256) }
            let url = directory.appendingPathComponent("image\(index).jpeg")
            try Data(JPEGEncoder.encodeGray(GrayImage(width: size.0, height: size.1, pixels: pixels))).write(to: url)
            return url
        }
        let output = directory.appendingPathComponent("pixels.npy")
        XCTAssertEqual(try InputPixelsExport.export(files: files.reversed(), checkpointAt: stem, to: output), 16)
        let data = try Data(contentsOf: output)
        let expected = try files.reversed().flatMap { try JPEGDecoder().decode(file: $0, side: 16).pixels }
        XCTAssertEqual(Array(data.suffix(2 * 16 * 16)), expected)
        XCTAssertEqual(data.count % 64, (2 * 16 * 16) % 64, "the header is padded to 64 bytes")

        let notJPEG = directory.appendingPathComponent("notes.jpeg")
        try Data("not an image".utf8).write(to: notJPEG)
        let refused = directory.appendingPathComponent("refused.npy")
        assertThrows(InputPixelsError.self, { _ = try InputPixelsExport.export(files: files + [notJPEG], checkpointAt: stem, to: refused) }, check: {
            XCTAssertEqual($0.file, notJPEG.path)
            XCTAssertTrue($0.description.contains("pass only JPEG files"), $0.description)
        })
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused.path))
    }

    func testNPYHeaderIsAlignedAndDescribesTheArray() throws {
        let data = NPYFile.uint8(shape: [2, 1, 3, 3], values: Array(0..<18))
        XCTAssertEqual(Array(data.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 3, 3), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(Array(data.suffix(18)), Array(0..<18))
    }

    // MARK: - Helpers

    /// Saves a checkpoint of `spec` with seeded weights; returns its stem and tensors.
    private func saveCheckpoint(
        _ spec: ArchitectureSpec, classNames: [String] = ["normal", "pneumonia"], temperature: Double? = nil, threshold: Double? = nil
    ) throws -> (URL, [NamedTensor]) {
        let tensors = ONNXCheckpointFixture.tensors(for: try ArchitecturePlan.make(spec, classes: classNames.count), seed: 7)
        let stem = try fixture.save(
            architecture: try JSONValue(encoding: spec), input: spec.input, tensors: tensors, classNames: classNames,
            temperature: temperature, threshold: threshold)
        return (stem, tensors)
    }

    private func floats(_ tensor: Onnx_TensorProto) -> [Float] {
        XCTAssertEqual(tensor.dataType, Int32(Onnx_TensorProto.DataType.float.rawValue))
        return tensor.rawData.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

/// The engine's own convolution sizes, which the exported pads must reproduce.
private enum ConvGeometryCheck {
    static func geometry(size: Int, kernel: Int, stride: Int) throws -> ConvGeometry {
        try ConvGeometry(batch: 1, inChannels: 1, height: size, width: size, filters: 1,
                         kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: .same)
    }
}
