import Foundation
import PneumoData

/// How far an image's features lie from the training images': the check that keeps a model
/// from answering confidently on an input unlike anything it learnt from (noise, a photo, a
/// document, an X-ray turned upside down). A network gives a probability for anything shaped
/// like its input; the image rules (`ImageQualityGate`) catch only what pixel statistics can.
///
/// The features are the network's last hidden layer (what its classifier reads). Each class's
/// training features are modelled as a Gaussian with one covariance shared by the classes, and
/// an image's distance is the smallest squared Mahalanobis distance to a class mean (Lee et al.
/// 2018, "A Simple Unified Framework for Detecting Out-of-Distribution Samples"). The
/// covariance is shrunk a little towards its mean variance so that directions the training
/// features barely use stay invertible. The limit comes from the validation images, which the
/// fit never saw, as a split-conformal quantile: the ⌈(n + 1)(1 − α)⌉-th smallest of their n
/// distances, so that an image exchangeable with them is refused with probability at most α
/// (`refusedShare`, 1%), whatever the distances' distribution; one odd validation image cannot
/// raise the limit, as it would if the limit were their largest distance.
public struct FeatureFamiliarity: Equatable, Sendable {
    /// The graph node whose output the features are.
    public var layer: String
    /// Features per image.
    public var dimension: Int
    /// One mean feature vector per class, in class order.
    public var classMeans: [[Float]]
    /// The inverse of the shrunk shared covariance, its upper triangle row by row.
    public var precisionUpperTriangle: [Float]
    /// Share of the mean variance added to the covariance's diagonal.
    public var shrinkage: Double
    /// Training images the means and covariance were fitted on.
    public var fittedImages: Int
    /// Where those images came from, for people.
    public var fittedOn: String
    /// Distances above this are refused: the validation distances' conformal quantile.
    public var limit: Double
    /// The most images like the validation images that the limit refuses, as a share (α).
    public var refusedShare: Double
    /// Validation images the limit was read from.
    public var validationImages: Int
    /// Their median distance, for people.
    public var validationMedian: Double

    /// Shrinkage of new fits: 1% of the mean variance on the diagonal.
    public static let defaultShrinkage = 0.01
    /// α of new fits. Chosen on the validation and constructed images of five seeds: 1% caught
    /// more of the constructed ones (an X-ray upside down among them) than 0.5% or the largest
    /// validation distance, with every noise, pattern and photograph-like image caught by all.
    public static let defaultRefusedShare = 0.01
    /// The widest feature layer fitted: the precision matrix holds dimension² / 2 numbers.
    public static let maximumDimension = 1024
}

extension FeatureFamiliarity {
    /// Fits class means and the shrunk shared covariance on `training` features (row-major,
    /// `dimension` per image) with their `labels`, then sets the limit from `validation`.
    public static func fit(
        layer: String, dimension: Int, classes: Int, training: [Float], labels: [Int], validation: [Float],
        fittedOn: String, shrinkage: Double = defaultShrinkage, refusedShare: Double = defaultRefusedShare
    ) throws -> FeatureFamiliarity {
        let count = labels.count
        guard dimension > 0, dimension <= maximumDimension else {
            throw FamiliarityError.unsupported("its feature layer '\(layer)' has \(dimension) values; the check fits at most \(maximumDimension)")
        }
        guard training.count == count * dimension, validation.count % dimension == 0, !validation.isEmpty else {
            throw FamiliarityError.unsupported("feature counts do not match: \(training.count) training values for \(count) images of \(dimension)")
        }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: dimension), count: classes)
        var perClass = [Int](repeating: 0, count: classes)
        for (row, label) in labels.enumerated() {
            guard (0..<classes).contains(label) else { throw FamiliarityError.unsupported("label \(label) is not one of \(classes) classes") }
            perClass[label] += 1
            for j in 0..<dimension { sums[label][j] += Double(training[row * dimension + j]) }
        }
        guard perClass.allSatisfy({ $0 > 0 }), count > classes + 1 else {
            throw FamiliarityError.unsupported("every class needs training images (counts \(perClass))")
        }
        let means = zip(sums, perClass).map { sum, n in sum.map { $0 / Double(n) } }
        // Pooled within-class covariance.
        var covariance = [Double](repeating: 0, count: dimension * dimension)
        var centred = [Double](repeating: 0, count: dimension)
        for (row, label) in labels.enumerated() {
            for j in 0..<dimension { centred[j] = Double(training[row * dimension + j]) - means[label][j] }
            for i in 0..<dimension where centred[i] != 0 {
                let ci = centred[i]
                for j in i..<dimension { covariance[i * dimension + j] += ci * centred[j] }
            }
        }
        let degrees = Double(count - classes)
        var trace = 0.0
        for i in 0..<dimension {
            for j in i..<dimension {
                covariance[i * dimension + j] /= degrees
                covariance[j * dimension + i] = covariance[i * dimension + j]
            }
            trace += covariance[i * dimension + i]
        }
        // A floor for features that never vary (dead ReLU channels): any change there is news.
        let ridge = shrinkage * max(trace / Double(dimension), 1e-12)
        for i in 0..<dimension { covariance[i * dimension + i] += ridge }
        let precision = try SymmetricInverse.inverse(covariance, dimension: dimension)
        var upper = [Float]()
        upper.reserveCapacity(dimension * (dimension + 1) / 2)
        for i in 0..<dimension { for j in i..<dimension { upper.append(Float(precision[i * dimension + j])) } }
        var result = FeatureFamiliarity(
            layer: layer, dimension: dimension, classMeans: means.map { $0.map(Float.init) }, precisionUpperTriangle: upper,
            shrinkage: shrinkage, fittedImages: count, fittedOn: fittedOn, limit: .infinity, refusedShare: refusedShare,
            validationImages: 0, validationMedian: 0)
        let distances = result.distances(validation).sorted()
        result.limit = conformalQuantile(distances, refusedShare: refusedShare)
        result.validationImages = distances.count
        result.validationMedian = distances[distances.count / 2]
        return result
    }

    /// The ⌈(n + 1)(1 − α)⌉-th smallest of n sorted distances, or the largest when n is too
    /// small for α (fewer than 1/α − 1 images).
    static func conformalQuantile(_ sorted: [Double], refusedShare: Double) -> Double {
        let rank = Int(((Double(sorted.count) + 1) * (1 - refusedShare)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Each image's smallest squared Mahalanobis distance to a class mean (features row-major).
    public func distances(_ features: [Float]) -> [Double] {
        let d = dimension
        let precision = fullPrecision()
        let images = features.count / d
        var z = [Double](repeating: 0, count: d)
        return (0..<images).map { row in
            classMeans.map { mean in
                for j in 0..<d { z[j] = Double(features[row * d + j]) - Double(mean[j]) }
                var total = 0.0
                for i in 0..<d {
                    var dot = 0.0
                    let base = i * d
                    for j in 0..<d { dot += precision[base + j] * z[j] }
                    total += z[i] * dot
                }
                return total
            }.min() ?? .infinity
        }
    }

    /// The precision matrix, both triangles.
    private func fullPrecision() -> [Double] {
        let d = dimension
        var full = [Double](repeating: 0, count: d * d)
        var k = 0
        for i in 0..<d {
            for j in i..<d {
                full[i * d + j] = Double(precisionUpperTriangle[k])
                full[j * d + i] = full[i * d + j]
                k += 1
            }
        }
        return full
    }

    /// The finding for an image at `distance`, nil when it lies within the limit.
    public func finding(distance: Double) -> QualityFinding? {
        guard !(distance <= limit) else { return nil }
        return QualityFinding(
            rule: .familiarity, value: Self.format(distance), limit: "<= \(Self.format(limit))",
            message: "the model has not seen images like it: its features lie farther from the training images' than those of "
                + "\(NumberFormat.percent(1 - refusedShare, 0)) of \(validationImages) validation images (distance \(Self.format(distance)), "
                + "their median \(Self.format(validationMedian)))")
    }

    /// Problems that make the record unusable (a hand-edited or damaged checkpoint).
    func problems(classes: Int) -> [String] {
        var problems = [String]()
        if dimension < 1 || dimension > Self.maximumDimension { problems.append("familiarity dimension \(dimension) is not in 1...\(Self.maximumDimension)") }
        if classMeans.count != classes || classMeans.contains(where: { $0.count != dimension }) {
            problems.append("familiarity needs \(classes) class means of \(dimension) values")
        }
        if precisionUpperTriangle.count != dimension * (dimension + 1) / 2 {
            problems.append("familiarity precision holds \(precisionUpperTriangle.count) values, not \(dimension * (dimension + 1) / 2)")
        }
        if !(limit > 0 && limit.isFinite) { problems.append("familiarity limit \(limit) is not a positive number") }
        if !(0..<1).contains(refusedShare) { problems.append("familiarity refused share \(refusedShare) is not in [0, 1)") }
        if classMeans.joined().contains(where: { !$0.isFinite }) || precisionUpperTriangle.contains(where: { !$0.isFinite }) {
            problems.append("familiarity statistics are not all finite")
        }
        return problems
    }

    static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}

/// Why no familiarity check could be fitted for a model.
public enum FamiliarityError: Error, CustomStringConvertible, Equatable {
    case unsupported(String)

    public var description: String {
        switch self {
        case let .unsupported(why): return "no familiarity check: \(why)"
        }
    }
}
