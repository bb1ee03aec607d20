import Foundation
import ONNXProto

/// Accumulates the nodes and weights of one ONNX graph, so the exporters speak in
/// "operation, inputs -> output" and never build protobuf messages by hand.
struct ONNXGraphBuilder {
    private(set) var graph = Onnx_GraphProto()

    init(name: String) {
        graph.name = name
    }

    /// Adds a node computing `operation` of `inputs` into `output`; returns `output`.
    @discardableResult
    mutating func node(
        _ operation: String, _ inputs: [String], _ output: String, attributes: [Onnx_AttributeProto] = []
    ) -> String {
        var node = Onnx_NodeProto()
        node.opType = operation
        node.name = output
        node.input = inputs
        node.output = [output]
        node.attribute = attributes
        graph.node.append(node)
        return output
    }

    /// Adds a float32 weight (stored as raw little-endian bytes) and returns its name.
    @discardableResult
    mutating func initializer(_ name: String, shape: [Int], values: [Float]) -> String {
        rawInitializer(name, shape: shape, type: .float, values: values)
    }

    /// Adds a float64 constant (the resampling weights of test-time augmentation) and returns its name.
    @discardableResult
    mutating func doubleInitializer(_ name: String, shape: [Int], values: [Double]) -> String {
        rawInitializer(name, shape: shape, type: .double, values: values)
    }

    private mutating func rawInitializer<Value>(
        _ name: String, shape: [Int], type: Onnx_TensorProto.DataType, values: [Value]
    ) -> String {
        precondition(shape.reduce(1, *) == values.count, "\(name): \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(type.rawValue)
        // ONNX stores raw data little-endian, as every platform pneumo builds on is.
        tensor.rawData = values.withUnsafeBytes { Data($0) }
        graph.initializer.append(tensor)
        return name
    }

    /// Adds an int64 constant (shapes, axes) and returns its name.
    @discardableResult
    mutating func int64Initializer(_ name: String, shape: [Int], values: [Int64]) -> String {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape.map(Int64.init)
        tensor.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        tensor.int64Data = values
        graph.initializer.append(tensor)
        return name
    }

    /// Declares a graph input of `type` with dimensions given as sizes or symbolic names.
    mutating func input(_ name: String, type: Onnx_TensorProto.DataType, shape: [ONNXDimension]) {
        graph.input.append(Self.valueInfo(name, type: type, shape: shape))
    }

    /// Declares a graph output.
    mutating func output(_ name: String, type: Onnx_TensorProto.DataType, shape: [ONNXDimension], doc: String) {
        var info = Self.valueInfo(name, type: type, shape: shape)
        info.docString = doc
        graph.output.append(info)
    }

    private static func valueInfo(_ name: String, type: Onnx_TensorProto.DataType, shape: [ONNXDimension]) -> Onnx_ValueInfoProto {
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = Int32(type.rawValue)
        tensorType.shape.dim = shape.map { dimension in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case let .size(value): dim.dimValue = Int64(value)
            case let .symbol(name): dim.dimParam = name
            }
            return dim
        }
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType = tensorType
        return info
    }
}

/// One dimension of a declared input or output: fixed, or named (the batch).
enum ONNXDimension: Equatable {
    case size(Int)
    case symbol(String)
}

/// Node attributes, named as the ONNX operator specifications name them.
enum ONNXAttribute {
    static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values.map(Int64.init)
        return attribute
    }

    static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}
