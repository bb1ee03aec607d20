import Foundation
import ONNXProto
import SwiftProtobuf

/// What an export wrote, for the command line to report.
public struct ONNXExportSummary: Equatable, Sendable {
    public let path: String
    public let bytes: Int
    public let nodes: Int
    public let parameters: Int
    public let networks: Int
}

/// Turns a checkpoint into an ONNX model that gives what `pneumo predict` gives: from the
/// decoded 8-bit grayscale image to the calibrated class probabilities.
///
/// In the graph: test-time augmentation's copies and their mean logit (when the checkpoint was
/// calibrated with it), the scaling to [0, 1], the channel copies, the network(s), an
/// ensemble's mean of member probabilities, and the temperature. Outside it (in `metadata_props`): the JPEG
/// decode and resize, which no ONNX operator reproduces bit for bit, and the threshold.
public enum ONNXModelExport {
    /// The operator set the graph is written against.
    public static let opset: Int64 = 17
    /// The IR version that goes with opset 17.
    public static let irVersion: Int64 = 8
    /// The graph's input: one decoded grayscale plane per image.
    public static let inputName = "image"
    /// Raw network output, before the temperature (one column for two classes).
    public static let logitName = "logit"
    /// Calibrated class probabilities, one column per class.
    public static let probabilityName = "probability"
    /// The batch dimension's symbolic name.
    static let batch = ONNXDimension.symbol("N")

    /// Reads the checkpoint at `location` and writes its ONNX model to `output` atomically.
    /// `augmentation` chooses whether the graph scores test-time augmentation's copies; by
    /// default as the checkpoint was calibrated.
    public static func export(
        checkpointAt location: URL, to output: URL, augmentation: TestTimeAugmentationChoice = .asStored
    ) throws -> ONNXExportSummary {
        let source = try ExportSource.load(from: location)
        let model = try self.model(of: source, augmentation: augmentation.resolved(stored: source.storedAugmentation))
        let data: Data = try model.serializedBytes()
        try AtomicFile.write(data, to: output)
        return ONNXExportSummary(
            path: output.path, bytes: data.count, nodes: model.graph.node.count,
            parameters: model.graph.initializer.reduce(0) { $0 + Int($1.dims.reduce(1, *)) }, networks: source.networks.count)
    }

    /// The ONNX model of a checked checkpoint.
    static func model(of source: ExportSource, augmentation: TestTimeAugmentation?) throws -> Onnx_ModelProto {
        var graph = ONNXGraphBuilder(name: source.name.replacingOccurrences(of: " ", with: "_"))
        let input = source.input
        let classes = source.classes
        graph.input(inputName, type: .uint8, shape: [batch, .size(1), .size(input.size), .size(input.size)])
        let images = augmentation.map { ONNXTestTimeAugmentation.copies(of: inputName, $0, side: input.size, into: &graph) } ?? inputName
        let pixels = try preprocessing(source.metadata.inputPreprocessing(), of: images, into: &graph)
        let inputShape = [input.channels, input.size, input.size]

        let logit: String
        if source.isEnsemble {
            var memberProbabilities: [String] = []
            for (index, network) in source.networks.enumerated() {
                let prefix = "m\(index)/"
                let output = try emitNetwork(network, classes: classes, prefix: prefix, input: pixels, inputShape: inputShape, into: &graph)
                let calibrated = calibrate(output, temperature: network.memberTemperature ?? 1, classes: classes, prefix: prefix, into: &graph)
                memberProbabilities.append(classes == 2 ? calibrated.positive : calibrated.probability)
            }
            logit = ensembleLogit(memberProbabilities, classes: classes, into: &graph)
        } else {
            logit = try emitNetwork(source.networks[0], classes: classes, prefix: "", input: pixels, inputShape: inputShape, into: &graph)
        }
        let outputColumns = classes == 2 ? 1 : classes
        let scored = augmentation.map {
            ONNXTestTimeAugmentation.meanOverCopies(logit, copies: $0.variants.count, columns: outputColumns, into: &graph)
        } ?? logit
        graph.node("Identity", [scored], logitName)
        let calibrated = calibrate(logitName, temperature: source.temperature, classes: classes, prefix: "", into: &graph)
        graph.node("Identity", [calibrated.probability], probabilityName)

        graph.output(logitName, type: .float, shape: [batch, .size(outputColumns)],
                     doc: "The network's output before calibration (for an ensemble, the logit of its mean probability; "
                        + "with test-time augmentation, the mean over the image's copies).")
        graph.output(probabilityName, type: .float, shape: [batch, .size(classes)],
                     doc: "Calibrated probability of each class, in the order of pneumo.class_names.")

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        model.producerName = "pneumo"
        model.producerVersion = ProductVersion.current
        model.domain = "pneumo"
        model.modelVersion = 1
        model.docString = "\(source.name): chest X-ray classifier exported by pneumo \(ProductVersion.current). "
            + "See the pneumo.* metadata for what happens before the input and after the output."
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = self.opset
        model.opsetImport = [opset]
        model.graph = graph.graph
        model.metadataProps = try ONNXMetadata.properties(of: source, augmentation: augmentation).map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// `images`, uint8 [N, 1, S, S] -> float32 by the checkpoint's preprocessing record (x * float32(scale),
    /// plus the offset when there is one), the plane repeated for each channel the network takes.
    private static func preprocessing(_ record: InputPreprocessing, of images: String, into graph: inout ONNXGraphBuilder) -> String {
        let cast = graph.node("Cast", [images], "pre/float", attributes: [ONNXAttribute.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))])
        let scale = graph.initializer("pre/scale", shape: [], values: [record.floatScale])
        var scaled = graph.node("Mul", [cast, scale], "pre/scaled")
        if record.offset != 0 {
            let offset = graph.initializer("pre/offset", shape: [], values: [record.floatOffset])
            scaled = graph.node("Add", [scaled, offset], "pre/shifted")
        }
        let channels = record.channels
        guard channels > 1 else { return scaled }
        return graph.node("Concat", Array(repeating: scaled, count: channels), "pre/channels", attributes: [ONNXAttribute.int("axis", 1)])
    }

    /// One network's nodes reading `input`; returns the name of its logits, [N, 1] or [N, classes].
    private static func emitNetwork(
        _ network: ExportSource.Network, classes: Int, prefix: String, input: String, inputShape: [Int],
        into graph: inout ONNXGraphBuilder
    ) throws -> String {
        let nodes = try ExportNodeList.make(network.spec, classes: classes)
        let emitter = ONNXNetworkEmitter(tensors: network.tensors, prefix: prefix)
        let result = try emitter.emit(nodes, input: input, inputShape: inputShape, into: &graph)
        let expected = [classes == 2 ? 1 : classes]
        guard result.shape == expected else {
            throw ONNXExportError.badInputs(node: result.output, "the network ends in shape \(result.shape), not the \(expected) of its head")
        }
        return result.output
    }

    /// Probabilities from logits divided by `temperature`: for two classes [1 - p, p] with
    /// p = sigmoid(logit / T) (and p alone as `positive`), softmax otherwise.
    private static func calibrate(
        _ logit: String, temperature: Double, classes: Int, prefix: String, into graph: inout ONNXGraphBuilder
    ) -> (probability: String, positive: String) {
        let t = graph.initializer(prefix + "calibration/temperature", shape: [], values: [Float(temperature)])
        let scaled = graph.node("Div", [logit, t], prefix + "calibration/scaled")
        if classes == 2 {
            let positive = graph.node("Sigmoid", [scaled], prefix + "calibration/positive")
            let one = graph.initializer(prefix + "calibration/one", shape: [], values: [1])
            let negative = graph.node("Sub", [one, positive], prefix + "calibration/negative")
            let both = graph.node("Concat", [negative, positive], prefix + "calibration/probability", attributes: [ONNXAttribute.int("axis", 1)])
            return (both, positive)
        }
        let softmax = graph.node("Softmax", [scaled], prefix + "calibration/probability", attributes: [ONNXAttribute.int("axis", 1)])
        return (softmax, softmax)
    }

    /// An ensemble's logit as `TrainedModel.ensembleLogits` forms it: the mean of the members'
    /// calibrated probabilities, clamped to [1e-7, 1 - 1e-7], as log(p / (1 - p)) for two
    /// classes or log(max(p, 1e-7)) per class otherwise.
    private static func ensembleLogit(_ members: [String], classes: Int, into graph: inout ONNXGraphBuilder) -> String {
        let mean = graph.node("Mean", members, "ensemble/mean")
        let floor = graph.initializer("ensemble/floor", shape: [], values: [1e-7])
        if classes == 2 {
            let ceiling = graph.initializer("ensemble/ceiling", shape: [], values: [1 - 1e-7])
            let clamped = graph.node("Clip", [mean, floor, ceiling], "ensemble/clamped")
            let one = graph.initializer("ensemble/one", shape: [], values: [1])
            let rest = graph.node("Sub", [one, clamped], "ensemble/rest")
            let odds = graph.node("Div", [clamped, rest], "ensemble/odds")
            return graph.node("Log", [odds], "ensemble/logit")
        }
        let clamped = graph.node("Max", [mean, floor], "ensemble/clamped")
        return graph.node("Log", [clamped], "ensemble/logit")
    }
}
