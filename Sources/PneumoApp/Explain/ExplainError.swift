/// Why a model's decision cannot be explained, or a heatmap cannot be made.
public enum ExplainError: Error, CustomStringConvertible, Equatable {
    /// The network has no layer with an image-shaped output to explain with.
    case noSpatialLayer(model: String)
    /// A node after the explained one that Grad-CAM cannot differentiate in inference mode.
    case unsupportedLayer(node: String, kind: String)
    /// The requested node is not one with a [N, C, H, W] output.
    case invalidLayer(node: String, reason: String)
    /// The requested class is not one of the model's.
    case invalidClass(index: Int, classes: Int)
    /// Sizes or values that do not make a heatmap.
    case invalidHeatmap(String)

    public var description: String {
        switch self {
        case let .noSpatialLayer(model):
            return "model \(model) has no convolutional or other image-shaped layer, so Grad-CAM has nothing to map; "
                + "heatmaps need a convolutional model"
        case let .unsupportedLayer(node, kind):
            return "Grad-CAM cannot differentiate through node \(node) (\(kind)) in inference mode"
        case let .invalidLayer(node, reason):
            return "node \(node) cannot be explained: \(reason)"
        case let .invalidClass(index, classes):
            return "class index \(index) is not one of the model's \(classes) classes"
        case let .invalidHeatmap(why):
            return "invalid heatmap: \(why)"
        }
    }
}
