import Engine
import Foundation
import PneumoData

/// The familiarity check on a model: its feature layer, the features of images, the fit, and
/// the findings for images that lie too far from the training images.
extension TrainedModel {
    /// The node whose output the classifier reads: the output node's input, past any dropout
    /// (which passes its input through at inference).
    public func featureLayer() throws -> String {
        guard let output = network.node(named: network.outputName), var name = output.inputs.first else {
            throw FamiliarityError.unsupported("the network has no output node")
        }
        while let node = network.node(named: name), node.op is Dropout, let previous = node.inputs.first { name = previous }
        guard name != Graph.inputName else { throw FamiliarityError.unsupported("the network's output reads its input directly") }
        return name
    }

    /// Each image's feature vector (one pass per image, no test-time copies), row-major, and
    /// the values per image.
    public func features(_ images: ModelImages, count: Int, batchSize: Int = 32) throws -> (values: [Float], dimension: Int) {
        guard members.isEmpty else { throw FamiliarityError.unsupported("an ensemble's members each have their own features") }
        try images.check(count: count, preprocessing)
        let (layer, graph) = try featureInferenceGraph()
        var values = [Float]()
        var dimension = 0
        for start in stride(from: 0, to: count, by: max(1, batchSize)) {
            let n = min(batchSize, count - start)
            let batch = try images.tensor(start: start, count: n, preprocessing, context: context)
            guard let rows = try graph.observedOutputs(batch, [layer])[layer] else {
                throw FamiliarityError.unsupported("the feature layer '\(layer)' gave no output")
            }
            dimension = rows.count / max(1, n)
            values += rows
        }
        return (values, dimension)
    }

    /// A second inference graph over the same ops that keeps the feature layer's output.
    private func featureInferenceGraph() throws -> (String, InferenceGraph) {
        if let featureGraph { return featureGraph }
        let layer = try featureLayer()
        let graph = try InferenceGraph(try network.rebuilt(observing: network.observed.union([layer])))
        featureGraph = (layer, graph)
        return (layer, graph)
    }

    /// Fits the check on `training` images with their labels, its limit on `validation`.
    func fitFamiliarity(
        training: DecodedImageSet, validation: DecodedImageSet, fittedOn: String, batchSize: Int
    ) throws -> FeatureFamiliarity {
        // A wide layer (a Flatten before the head) is refused before thousands of images run.
        let layer = try featureLayer()
        let width = try network.shapes(batch: 1)[layer].map { $0.dropFirst().reduce(1, *) } ?? 0
        guard width <= FeatureFamiliarity.maximumDimension else {
            throw FamiliarityError.unsupported("its feature layer '\(layer)' has \(width) values; the check fits at most \(FeatureFamiliarity.maximumDimension)")
        }
        let trainingFeatures = try features(.pixels(training.pixels), count: training.count, batchSize: batchSize)
        let validationFeatures = try features(.pixels(validation.pixels), count: validation.count, batchSize: batchSize)
        return try FeatureFamiliarity.fit(
            layer: layer, dimension: trainingFeatures.dimension, classes: classNames.count,
            training: trainingFeatures.values, labels: training.labels, validation: validationFeatures.values,
            fittedOn: fittedOn)
    }

    /// The networks that judge familiarity with their own check: this one, or an ensemble's
    /// members that have one.
    var familiarityCheckers: [TrainedModel] { (members.isEmpty ? [self] : members).filter { $0.familiarity != nil } }

    /// The checks of `familiarityCheckers`, in member order.
    public var familiarityChecks: [FeatureFamiliarity] { familiarityCheckers.compactMap(\.familiarity) }

    /// Whether this model (or any member of an ensemble) can tell how familiar an image is.
    public var checksFamiliarity: Bool { !familiarityCheckers.isEmpty }

    /// For each image, the familiarity finding when it lies beyond the limit, else nil; all nil
    /// for a model without the check. An ensemble reports the member that finds the image
    /// least familiar, relative to that member's limit.
    public func familiarityFindings(_ images: ModelImages, count: Int, batchSize: Int = 32) throws -> [QualityFinding?] {
        var worst = [(ratio: Double, finding: QualityFinding?)](repeating: (0, nil), count: count)
        for model in familiarityCheckers {
            guard let familiarity = model.familiarity else { continue }
            let features = try model.features(images, count: count, batchSize: batchSize)
            guard features.dimension == familiarity.dimension else {
                throw FamiliarityError.unsupported(
                    "the feature layer gives \(features.dimension) values but the check was fitted on \(familiarity.dimension)")
            }
            for (index, distance) in familiarity.distances(features.values).enumerated() {
                let ratio = distance.isNaN ? .infinity : distance / familiarity.limit
                if ratio > worst[index].ratio { worst[index] = (ratio, familiarity.finding(distance: distance)) }
            }
        }
        return worst.map(\.finding)
    }
}
