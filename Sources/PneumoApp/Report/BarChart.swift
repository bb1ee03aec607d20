/// One named set of bar values, one per category.
public struct BarSeries: Equatable, Sendable {
    /// Legend text.
    public var name: String
    /// One value per category; nil or non-finite leaves a gap.
    public var values: [Double?]

    /// Creates a series.
    public init(name: String, values: [Double?]) {
        self.name = name
        self.values = values
    }
}

/// A grouped bar chart (e.g. validation metrics per sweep configuration), as inline SVG.
public struct BarChart: SVGChart, Sendable {
    /// Heading drawn above the plot.
    public var title: String
    /// Category labels along the horizontal axis.
    public var categories: [String]
    /// Bars drawn side by side within each category.
    public var series: [BarSeries]
    /// Label of the vertical axis.
    public var yLabel: String
    /// Fixed vertical range; from zero to a round maximum when nil.
    public var yRange: ClosedRange<Double>?
    /// Decimals of the value printed above each bar; nil prints none.
    public var valueDecimals: Int?
    /// Height in pixels; the width grows with the number of bars.
    public var height: Int

    /// Creates a chart; every series must have one value per category.
    public init(
        title: String, categories: [String], series: [BarSeries], yLabel: String,
        yRange: ClosedRange<Double>? = nil, valueDecimals: Int? = nil, height: Int = 380
    ) throws {
        for line in series where line.values.count != categories.count {
            throw ReportError(detail: "bar series '\(line.name)' has \(line.values.count) values for \(categories.count) categories")
        }
        self.title = title
        self.categories = categories
        self.series = series
        self.yLabel = yLabel
        self.yRange = yRange
        self.valueDecimals = valueDecimals
        self.height = height
    }

    public var svg: String {
        // Wide enough bars that printed values of neighbouring bars do not collide.
        let barWidth = valueDecimals == nil ? 18.0 : 28.0, groupGap = 18.0
        let groupWidth = barWidth * Double(max(1, series.count)) + groupGap
        let longestLabel = Double(categories.map(\.count).max() ?? 0)
        // Category labels are turned 40 degrees; leave room below for the longest.
        let labelRoom = min(140, 16 + longestLabel * 4.4)
        let left = 62.0
        let plotWidth = max(300, groupWidth * Double(categories.count))
        let width = Int(left + plotWidth + 24)
        let right = left + plotWidth
        let legend = legendLayout(left: left, right: right, firstRow: 40)
        let top = (legend.map(\.y).max() ?? 22) + 22
        let bottom = Double(height) - labelRoom - 24
        let values = series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let domain = yRange ?? ChartScale.niceRange(values, includeZero: true)
        let yScale = ChartScale(lower: domain.lowerBound, upper: domain.upperBound, pixelStart: bottom, pixelEnd: top)

        var body = [SVG.text(title, x: Double(width) / 2, y: 20, size: 14, weight: "600")]
        for tick in yScale.ticks() {
            let y = yScale.pixel(tick)
            body.append(SVG.line(left, y, right, y, stroke: "#e5e5e5"))
            body.append(SVG.text(yScale.tickLabel(tick), x: left - 6, y: y + 4, anchor: "end", size: 11, fill: "#555"))
        }
        body.append(SVG.line(left, bottom, right, bottom, stroke: "#888"))
        body.append(SVG.text(yLabel, x: 16, y: (top + bottom) / 2, size: 12, rotate: -90))
        let baseline = yScale.pixel(max(domain.lowerBound, min(0, domain.upperBound)))
        for (category, label) in categories.enumerated() {
            let groupStart = left + groupGap / 2 + groupWidth * Double(category)
            for (index, line) in series.enumerated() {
                guard let value = line.values[category], value.isFinite else { continue }
                let clamped = min(max(value, domain.lowerBound), domain.upperBound)
                let x = groupStart + barWidth * Double(index)
                let y = yScale.pixel(clamped)
                body.append(SVG.rect(
                    x: x + 1, y: min(y, baseline), width: barWidth - 2, height: abs(baseline - y),
                    fill: ChartPalette.color(index), title: "\(label), \(line.name): \(value)"))
                if let valueDecimals {
                    body.append(SVG.text(
                        NumberFormat.fixed(value, valueDecimals), x: x + barWidth / 2, y: min(y, baseline) - 3,
                        size: 9, fill: "#333"))
                }
            }
            let labelX = groupStart + barWidth * Double(series.count) / 2
            body.append(SVG.text(label, x: labelX, y: bottom + 14, anchor: "end", size: 11, rotate: -40))
        }
        for (index, position) in legend.enumerated() {
            body.append(SVG.rect(x: position.x, y: position.y - 9, width: 12, height: 12, fill: ChartPalette.color(index)))
            body.append(SVG.text(series[index].name, x: position.x + 17, y: position.y + 1, anchor: "start", size: 12))
        }
        return SVG.document(width: width, height: height, title: title, body: body)
    }

    /// Legend entries left to right under the title, wrapping to a new row when the plot width is used up.
    private func legendLayout(left: Double, right: Double, firstRow: Double) -> [(x: Double, y: Double)] {
        var positions = [(x: Double, y: Double)]()
        var x = left, y = firstRow
        for line in series {
            // Roughly 7 px per character at 12 px; SVG offers no text metrics.
            let entryWidth = 17 + 7 * Double(line.name.count) + 18
            if x > left, x + entryWidth > right {
                x = left
                y += 18
            }
            positions.append((x, y))
            x += entryWidth
        }
        return positions
    }
}
