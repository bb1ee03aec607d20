import ONNXProto

/// Test-time augmentation inside an exported graph, so that its `probability` is what
/// `pneumo predict` gives for a checkpoint calibrated with it, with no code outside the graph.
///
/// A copy is `PlaneResampler`'s separable bilinear map spelled out in float64 with the same
/// operations in the same order: the two neighbouring columns of every output column gathered
/// and weighted (1 − f, f), then the two neighbouring rows of that. Each product and sum is
/// one IEEE operation, as in the resampler, so the values are the same to the bit, and so is
/// the rounding half up to a byte that follows (a matrix product would sum in its own order,
/// and the ties a zoom makes would round the other way). The copies go through the network as
/// one batch, variant after variant, and their logits are averaged before the temperature, as
/// `TestTimeAugmentation.meanLogits` averages them.
enum ONNXTestTimeAugmentation {
    /// The copies of `image` (uint8 [N, 1, S, S]) stacked along the batch, variant after
    /// variant: uint8 [V·N, 1, S, S]. The identity variant is the image itself.
    static func copies(
        of image: String, _ augmentation: TestTimeAugmentation, side: Int, into graph: inout ONNXGraphBuilder
    ) -> String {
        let double = Int(Onnx_TensorProto.DataType.double.rawValue)
        let source = graph.node("Cast", [image], "tta/source", attributes: [ONNXAttribute.int("to", double)])
        let half = graph.doubleInitializer("tta/half", shape: [], values: [0.5])
        let low = graph.doubleInitializer("tta/low", shape: [], values: [0])
        let high = graph.doubleInitializer("tta/high", shape: [], values: [255])
        var copies: [String] = []
        for (index, variant) in augmentation.variants.enumerated() {
            if variant == .identity {
                copies.append(image)
                continue
            }
            let name = "tta/copy\(index)"
            let resampler = PlaneResampler(side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
            let withinRows = interpolate(source, resampler.columns, axis: 3, side: side, name: name + "/columns", into: &graph)
            let value = interpolate(withinRows, resampler.rows, axis: 2, side: side, name: name + "/rows", into: &graph)
            // Half up, exactly: value − floor(value) is exact for these magnitudes.
            let floor = graph.node("Floor", [value], name + "/floor")
            let fraction = graph.node("Sub", [value, floor], name + "/fraction")
            let roundsUp = graph.node("GreaterOrEqual", [fraction, half], name + "/rounds_up")
            let step = graph.node("Cast", [roundsUp], name + "/step", attributes: [ONNXAttribute.int("to", double)])
            let rounded = graph.node("Add", [floor, step], name + "/rounded")
            let clamped = graph.node("Clip", [rounded, low, high], name + "/clamped")
            let uint8 = Int(Onnx_TensorProto.DataType.uint8.rawValue)
            copies.append(graph.node("Cast", [clamped], name, attributes: [ONNXAttribute.int("to", uint8)]))
        }
        return graph.node("Concat", copies, "tta/copies", attributes: [ONNXAttribute.int("axis", 0)])
    }

    /// logits [V·N, columns] of the stacked copies -> their mean over the V copies, [N, columns].
    static func meanOverCopies(_ logits: String, copies: Int, columns: Int, into graph: inout ONNXGraphBuilder) -> String {
        let shape = graph.int64Initializer("tta/by_copy", shape: [3], values: [Int64(copies), -1, Int64(columns)])
        let byCopy = graph.node("Reshape", [logits, shape], "tta/logits_by_copy")
        return graph.node("ReduceMean", [byCopy], "tta/mean_logit", attributes: [
            ONNXAttribute.ints("axes", [0]), ONNXAttribute.int("keepdims", 0),
        ])
    }

    /// `planes` [N, 1, S, S] interpolated along `axis` (3: within rows, 2: within columns):
    /// low neighbour · (1 − f) + high neighbour · f, with the taps of each output position.
    private static func interpolate(
        _ planes: String, _ taps: PlaneResampler.AxisTaps, axis: Int, side: Int, name: String, into graph: inout ONNXGraphBuilder
    ) -> String {
        // Weights along the last axis broadcast over rows; along rows they stand in a column.
        let weightShape = axis == 3 ? [side] : [side, 1]
        let lowIndices = graph.int64Initializer(name + "/low", shape: [side], values: taps.low.map(Int64.init))
        let highIndices = graph.int64Initializer(name + "/high", shape: [side], values: taps.high.map(Int64.init))
        let lowWeights = graph.doubleInitializer(name + "/low_weight", shape: weightShape, values: taps.weight.map { 1 - $0 })
        let highWeights = graph.doubleInitializer(name + "/high_weight", shape: weightShape, values: taps.weight)
        let gatherAxis = [ONNXAttribute.int("axis", axis)]
        let low = graph.node("Gather", [planes, lowIndices], name + "/low_values", attributes: gatherAxis)
        let high = graph.node("Gather", [planes, highIndices], name + "/high_values", attributes: gatherAxis)
        let lowPart = graph.node("Mul", [low, lowWeights], name + "/low_part")
        let highPart = graph.node("Mul", [high, highWeights], name + "/high_part")
        return graph.node("Add", [lowPart, highPart], name)
    }
}
