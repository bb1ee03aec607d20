import Foundation

/// A confusion matrix drawn as a heat map: rows are true classes, columns predicted classes.
///
/// Each cell's shade is its share of its row (the per-class recall on the diagonal), so a
/// rare class is as readable as a common one; the cell shows the count and that share.
public struct ConfusionMatrixChart: SVGChart, Sendable {
    /// Heading drawn above the matrix.
    public var title: String
    /// Class names, in index order.
    public var classNames: [String]
    /// `counts[true class][predicted class]`.
    public var counts: [[Int]]

    /// Creates a chart; the matrix must be square with one row per class.
    public init(title: String = "Confusion matrix", classNames: [String], counts: [[Int]]) throws {
        guard !classNames.isEmpty, counts.count == classNames.count, counts.allSatisfy({ $0.count == classNames.count }) else {
            throw ReportError(
                detail: "a confusion matrix for \(classNames.count) classes needs \(classNames.count)x\(classNames.count) counts, got rows of \(counts.map(\.count))")
        }
        self.title = title
        self.classNames = classNames
        self.counts = counts
    }

    /// The chart of a binary confusion matrix, negative class first.
    public init(title: String = "Confusion matrix", classNames: [String], binary matrix: BinaryConfusionMatrix) throws {
        try self.init(
            title: title, classNames: classNames,
            counts: [[matrix.trueNegatives, matrix.falsePositives], [matrix.falseNegatives, matrix.truePositives]])
    }

    public var svg: String {
        let classCount = classNames.count
        let cell = classCount <= 3 ? 96.0 : 64.0
        let labelWidth = min(160, 24 + 7 * Double(classNames.map(\.count).max() ?? 0))
        let left = 36 + labelWidth, top = 56.0
        let width = Int(left + cell * Double(classCount) + 20)
        let height = Int(top + cell * Double(classCount) + 56)

        var body = [SVG.text(title, x: Double(width) / 2, y: 20, size: 14, weight: "600")]
        body.append(SVG.text("Predicted", x: left + cell * Double(classCount) / 2, y: 42, size: 12, weight: "600"))
        body.append(SVG.text("True", x: 14, y: top + cell * Double(classCount) / 2, size: 12, weight: "600", rotate: -90))
        for row in 0..<classCount {
            let rowTotal = counts[row].reduce(0, +)
            let y = top + cell * Double(row)
            body.append(SVG.text(classNames[row], x: left - 8, y: y + cell / 2 + 4, anchor: "end", size: 12))
            for column in 0..<classCount {
                let x = left + cell * Double(column)
                let share = rowTotal > 0 ? Double(counts[row][column]) / Double(rowTotal) : 0
                let (fill, ink) = shade(share)
                let tooltip = "true \(classNames[row]), predicted \(classNames[column]): \(counts[row][column])"
                body.append(SVG.rect(x: x, y: y, width: cell, height: cell, fill: fill, stroke: "#fff", title: tooltip))
                body.append(SVG.text(String(counts[row][column]), x: x + cell / 2, y: y + cell / 2, size: 16, weight: "600", fill: ink))
                body.append(SVG.text(NumberFormat.percent(share), x: x + cell / 2, y: y + cell / 2 + 18, size: 11, fill: ink))
            }
        }
        for column in 0..<classCount {
            body.append(SVG.text(
                classNames[column], x: left + cell * (Double(column) + 0.5), y: top + cell * Double(classCount) + 18, size: 12))
        }
        return SVG.document(width: width, height: height, title: title, body: body)
    }

    /// A blue from near white (0) to deep (1), with text colour that stays legible on it.
    private func shade(_ share: Double) -> (fill: String, ink: String) {
        let light = (247.0, 251.0, 255.0), dark = (8.0, 48.0, 107.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * share).rounded()) }
        let red = mix(light.0, dark.0), green = mix(light.1, dark.1), blue = mix(light.2, dark.2)
        let fill = String(format: "#%02x%02x%02x", red, green, blue)
        return (fill, share > 0.5 ? "#fff" : "#111")
    }
}
