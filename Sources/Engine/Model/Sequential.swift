/// Layers applied one after another, with one backward pass through all of them.
public final class Sequential {
    public let layers: [Layer]
    /// Input shape of one sample, e.g. `[1, 128, 128]` (channels, height, width).
    public let inputShape: [Int]

    /// Checks that every layer accepts the previous one's output before anything runs. With
    /// `fuse`, a ReLU right after a BatchNorm is applied by the BatchNorm, and in training a ReLU
    /// right before a MaxPool2D is applied by the pooling: one memory pass instead of two,
    /// forward and backward. In training a MaxPool2D right after a BatchNorm (and its fused
    /// ReLU) also normalises as it reads, so the full-size normalised tensor is never written,
    /// and for 2 x 2 windows the BatchNorm's backward reads the pool's gradient and argmax
    /// itself, so the full-size gradient is not written either.
    /// The layers, their names and their results stay as they are.
    public init(inputShape: [Int], layers: [Layer], fuse: Bool = true) throws {
        self.inputShape = inputShape
        self.layers = layers
        _ = try outputShapes(batch: 1)
        guard fuse else { return }
        for (first, second) in zip(layers, layers.dropFirst()) {
            if let norm = first as? BatchNorm, let relu = second as? ReLU, !relu.fusedIntoPrevious, !relu.fusedIntoNextPool {
                norm.fusedReLU = true
                relu.fusedIntoPrevious = true
            }
        }
        for (first, second) in zip(layers, layers.dropFirst()) {
            if let relu = first as? ReLU, let pool = second as? MaxPool2D, !relu.fusedIntoPrevious, pool.precedingReLU == nil {
                relu.fusedIntoNextPool = true
                pool.precedingReLU = relu
            }
        }
        for (index, layer) in layers.enumerated() {
            guard let norm = layer as? BatchNorm, !norm.normalizedByNextPool else { continue }
            // The pooling right after, or right after the ReLU this BatchNorm already applies.
            var next = index + 1
            if norm.fusedReLU, next < layers.count, (layers[next] as? ReLU)?.fusedIntoPrevious == true { next += 1 }
            if next < layers.count, let pool = layers[next] as? MaxPool2D, pool.precedingReLU == nil, pool.precedingBatchNorm == nil {
                norm.normalizedByNextPool = true
                norm.normalizingPool = pool
                pool.precedingBatchNorm = norm
            }
        }
    }

    /// Per-layer output shapes for a batch size (the first dimension).
    public func outputShapes(batch: Int) throws -> [[Int]] {
        var shape = [batch] + inputShape
        var shapes: [[Int]] = []
        for (index, layer) in layers.enumerated() {
            do {
                shape = try layer.outputShape(for: shape)
            } catch {
                throw EngineError.shapeMismatch("layer \(index) (\(layer.kind)) cannot take input \(shape): \(error)")
            }
            shapes.append(shape)
        }
        return shapes
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard Array(input.shape.dropFirst()) == inputShape else {
            throw EngineError.shapeMismatch("model expects input [N, \(inputShape.map(String.init).joined(separator: ", "))], got \(input.shape)")
        }
        return try layers.reduce(input) { try $1.forward($0, mode: mode) }
    }

    /// Backpropagates the loss gradient through every layer, writing parameter gradients.
    @discardableResult
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try layers.reversed().reduce(outputGradient) { try $1.backward($0) }
    }

    /// Like `backward`, but the first layer writes only its parameters' gradients: training
    /// never reads the gradient with respect to the images.
    public func backwardToParameters(_ outputGradient: Tensor) throws {
        guard let first = layers.first else { return }
        let atFirst = try layers.dropFirst().reversed().reduce(outputGradient) { try $1.backward($0) }
        try first.backwardParameters(atFirst)
    }

    /// Every trainable parameter, named `<layer index>.<name>` as PyTorch's state dicts are.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, layer in layer.parameters.map { ("\(index).\($0.name)", $0) } }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Non-trainable state (running statistics), named like parameters.
    public var namedBuffers: [(name: String, tensor: Tensor)] {
        layers.enumerated().flatMap { index, layer in layer.buffers.map { ("\(index).\($0.name)", $0.tensor) } }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
