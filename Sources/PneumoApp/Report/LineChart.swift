/// A point of a line chart.
public struct ChartPoint: Equatable, Sendable {
    /// Horizontal value.
    public var x: Double
    /// Vertical value.
    public var y: Double

    /// Creates a point.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One named line of a line chart.
public struct LineSeries: Equatable, Sendable {
    /// Legend text.
    public var name: String
    /// Points in drawing order; a non-finite value breaks the line.
    public var points: [ChartPoint]
    /// Draws the line dashed (e.g. a reference or a validation curve).
    public var dashed: Bool
    /// Draws a dot at every point (useful for few points, e.g. epochs).
    public var markers: Bool

    /// Creates a series.
    public init(name: String, points: [ChartPoint], dashed: Bool = false, markers: Bool = false) {
        self.name = name
        self.points = points
        self.dashed = dashed
        self.markers = markers
    }
}

/// Where a chart's legend sits inside the plot area.
public enum LegendPosition: Sendable {
    case topLeft, topRight, bottomLeft, bottomRight
}

/// A line chart with axes, grid, ticks and a legend, as inline SVG.
public struct LineChart: SVGChart, Sendable {
    /// Heading drawn above the plot.
    public var title: String
    /// Label of the horizontal axis.
    public var xLabel: String
    /// Label of the vertical axis.
    public var yLabel: String
    /// The lines.
    public var series: [LineSeries]
    /// Fixed horizontal range; fitted to the data when nil.
    public var xRange: ClosedRange<Double>?
    /// Fixed vertical range; fitted to the data when nil.
    public var yRange: ClosedRange<Double>?
    /// Where the legend goes.
    public var legend: LegendPosition
    /// Draws the dashed diagonal from the lower-left to the upper-right corner (chance on a ROC plot).
    public var diagonal: Bool
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int

    /// Creates a chart.
    public init(
        title: String, xLabel: String, yLabel: String, series: [LineSeries],
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
        legend: LegendPosition = .topRight, diagonal: Bool = false, width: Int = 520, height: Int = 360
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.legend = legend
        self.diagonal = diagonal
        self.width = width
        self.height = height
    }

    public var svg: String {
        let left = 62.0, right = Double(width) - 16, top = 36.0, bottom = Double(height) - 48
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let xDomain = xRange ?? ChartScale.niceRange(xs)
        let yDomain = yRange ?? ChartScale.niceRange(ys)
        let xScale = ChartScale(lower: xDomain.lowerBound, upper: xDomain.upperBound, pixelStart: left, pixelEnd: right)
        let yScale = ChartScale(lower: yDomain.lowerBound, upper: yDomain.upperBound, pixelStart: bottom, pixelEnd: top)

        var body = [SVG.text(title, x: Double(width) / 2, y: 20, size: 14, weight: "600")]
        body += ChartAxes.draw(xScale: xScale, yScale: yScale, xLabel: xLabel, yLabel: yLabel, height: height)
        if diagonal {
            body.append(SVG.line(left, bottom, right, top, stroke: "#999", dash: "4 4"))
        }
        for (index, line) in series.enumerated() {
            let color = ChartPalette.color(index)
            for run in finiteRuns(line.points, xDomain: xDomain, yDomain: yDomain) {
                let coordinates = run.map { "\(SVG.number(xScale.pixel($0.x))),\(SVG.number(yScale.pixel($0.y)))" }
                if run.count > 1 {
                    let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
                    body.append("<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash) points=\"\(coordinates.joined(separator: " "))\"/>")
                }
                if line.markers || run.count == 1 {
                    for point in run {
                        body.append("<circle cx=\"\(SVG.number(xScale.pixel(point.x)))\" cy=\"\(SVG.number(yScale.pixel(point.y)))\" r=\"3\" fill=\"\(color)\"/>")
                    }
                }
            }
        }
        body += ChartLegend.draw(
            entries: series.enumerated().map { (name: $1.name, color: ChartPalette.color($0), dashed: $1.dashed) },
            position: legend, left: left, right: right, top: top, bottom: bottom)
        return SVG.document(width: width, height: height, title: title, body: body)
    }

    /// Splits points into drawable runs: a non-finite point or one outside the ranges breaks the line.
    private func finiteRuns(_ points: [ChartPoint], xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>) -> [[ChartPoint]] {
        var runs = [[ChartPoint]](), current = [ChartPoint]()
        for point in points {
            if point.x.isFinite, point.y.isFinite, xDomain.contains(point.x), yDomain.contains(point.y) {
                current.append(point)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

/// Axes, grid lines, ticks and axis labels shared by the charts.
enum ChartAxes {
    static func draw(xScale: ChartScale, yScale: ChartScale, xLabel: String, yLabel: String, height: Int) -> [String] {
        var parts = [String]()
        let left = xScale.pixelStart, right = xScale.pixelEnd, top = yScale.pixelEnd, bottom = yScale.pixelStart
        for tick in yScale.ticks() {
            let y = yScale.pixel(tick)
            parts.append(SVG.line(left, y, right, y, stroke: "#e5e5e5"))
            parts.append(SVG.text(yScale.tickLabel(tick), x: left - 6, y: y + 4, anchor: "end", size: 11, fill: "#555"))
        }
        for tick in xScale.ticks() {
            let x = xScale.pixel(tick)
            parts.append(SVG.line(x, top, x, bottom, stroke: "#f0f0f0"))
            parts.append(SVG.text(xScale.tickLabel(tick), x: x, y: bottom + 16, size: 11, fill: "#555"))
        }
        parts.append(SVG.rect(x: left, y: top, width: right - left, height: bottom - top, fill: "none", stroke: "#888"))
        parts.append(SVG.text(xLabel, x: (left + right) / 2, y: Double(height) - 10, size: 12))
        parts.append(SVG.text(yLabel, x: 16, y: (top + bottom) / 2, size: 12, rotate: -90))
        return parts
    }
}

/// A boxed legend placed in a corner of the plot area.
enum ChartLegend {
    static func draw(
        entries: [(name: String, color: String, dashed: Bool)], position: LegendPosition,
        left: Double, right: Double, top: Double, bottom: Double
    ) -> [String] {
        guard !entries.isEmpty else { return [] }
        let rowHeight = 18.0
        // Roughly 6.5 px per character at 12 px; exact text metrics are not available in SVG.
        let boxWidth = min(right - left - 16, 34 + 6.5 * Double(entries.map(\.name.count).max() ?? 0))
        let boxHeight = rowHeight * Double(entries.count) + 8
        let x: Double, y: Double
        switch position {
        case .topLeft: (x, y) = (left + 8, top + 8)
        case .topRight: (x, y) = (right - 8 - boxWidth, top + 8)
        case .bottomLeft: (x, y) = (left + 8, bottom - 8 - boxHeight)
        case .bottomRight: (x, y) = (right - 8 - boxWidth, bottom - 8 - boxHeight)
        }
        var parts = ["<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(boxWidth))\" height=\"\(SVG.number(boxHeight))\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#ccc\"/>"]
        for (index, entry) in entries.enumerated() {
            let rowY = y + 4 + rowHeight * (Double(index) + 0.5)
            parts.append(SVG.line(x + 6, rowY, x + 26, rowY, stroke: entry.color, width: 2.5, dash: entry.dashed ? "6 4" : nil))
            parts.append(SVG.text(entry.name, x: x + 32, y: rowY + 4, anchor: "start", size: 12))
        }
        return parts
    }
}
