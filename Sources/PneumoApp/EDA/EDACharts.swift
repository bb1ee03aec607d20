import Foundation

/// Small inline SVG charts for self-contained HTML reports: no scripts, no external files.
enum EDACharts {
    /// One coloured data series.
    struct Series {
        let name: String
        let color: String
        let points: [(x: Double, y: Double)]
    }

    static let width = 640.0, height = 380.0
    private static let left = 64.0, right = 16.0, top = 28.0, bottom = 48.0
    private static var plotWidth: Double { width - left - right }
    private static var plotHeight: Double { height - top - bottom }

    /// Grouped bars: one group per category, one bar per series value, labelled with `labels`.
    static func groupedBars(categories: [String], series: [(name: String, color: String, values: [Double], labels: [String])],
                            yTitle: String) -> String {
        let maxValue = series.flatMap(\.values).max() ?? 1
        let yAxis = Axis(maximum: maxValue)
        var body = frame(xTitle: "", yTitle: yTitle, yAxis: yAxis, xTicks: [])
        let groupWidth = plotWidth / Double(max(1, categories.count))
        let barWidth = groupWidth * 0.7 / Double(max(1, series.count))
        for (c, category) in categories.enumerated() {
            let groupLeft = left + Double(c) * groupWidth + groupWidth * 0.15
            body += text(category, x: groupLeft + groupWidth * 0.35, y: height - bottom + 18, anchor: "middle")
            for (s, entry) in series.enumerated() where c < entry.values.count {
                let value = entry.values[c]
                let barHeight = plotHeight * value / yAxis.maximum
                let x = groupLeft + Double(s) * barWidth
                body += "<rect x=\"\(f(x))\" y=\"\(f(top + plotHeight - barHeight))\" width=\"\(f(barWidth - 2))\" height=\"\(f(barHeight))\" fill=\"\(entry.color)\"><title>\(EDAEscape.html(entry.name)): \(EDAEscape.html(entry.labels[c]))</title></rect>"
                body += text(entry.labels[c], x: x + barWidth / 2, y: top + plotHeight - barHeight - 4, anchor: "middle", size: 10)
            }
        }
        return wrap(body + legend(series.map { ($0.name, $0.color) }))
    }

    /// Points, one colour per series.
    static func scatter(_ series: [Series], xTitle: String, yTitle: String) -> String {
        let xAxis = Axis(maximum: series.flatMap { $0.points.map(\.x) }.max() ?? 1)
        let yAxis = Axis(maximum: series.flatMap { $0.points.map(\.y) }.max() ?? 1)
        var body = frame(xTitle: xTitle, yTitle: yTitle, yAxis: yAxis, xTicks: xAxis.ticks.map { ($0, xPosition($0, xAxis)) })
        for entry in series {
            body += "<g fill=\"\(entry.color)\" fill-opacity=\"0.45\">"
            for point in entry.points {
                body += "<circle cx=\"\(f(xPosition(point.x, xAxis)))\" cy=\"\(f(yPosition(point.y, yAxis)))\" r=\"2.2\"/>"
            }
            body += "</g>"
        }
        return wrap(body + legend(series.map { ($0.name, $0.color) }))
    }

    /// Lines through each series' points; values above `yLimit` are drawn at the top edge.
    static func lines(_ series: [Series], xTitle: String, yTitle: String, xAxis: Axis, yLimit: Double? = nil) -> String {
        let yAxis = Axis(maximum: yLimit ?? (series.flatMap { $0.points.map(\.y) }.max() ?? 1))
        var body = frame(xTitle: xTitle, yTitle: yTitle, yAxis: yAxis, xTicks: xAxis.ticks.map { ($0, xPosition($0, xAxis)) })
        for entry in series {
            let path = entry.points.enumerated().map { index, point in
                "\(index == 0 ? "M" : "L")\(f(xPosition(point.x, xAxis))),\(f(yPosition(min(point.y, yAxis.maximum), yAxis)))"
            }.joined()
            body += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(entry.color)\" stroke-width=\"1.8\"/>"
        }
        return wrap(body + legend(series.map { ($0.name, $0.color) }))
    }

    /// A round axis maximum and its tick values.
    struct Axis {
        let maximum: Double
        let ticks: [Double]

        init(maximum value: Double) {
            let raw = max(value, 1e-9) / 5
            let magnitude = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
            let top = ceil(max(value, 1e-9) / step) * step
            maximum = top
            ticks = stride(from: 0, through: top + step / 2, by: step).map { $0 }
        }

        /// An axis ending exactly at `maximum`, with ticks every `step`.
        init(exactly maximum: Double, step: Double) {
            self.maximum = maximum
            ticks = stride(from: 0, through: maximum, by: step).map { $0 }
        }
    }

    private static func xPosition(_ x: Double, _ axis: Axis) -> Double { left + plotWidth * x / axis.maximum }
    private static func yPosition(_ y: Double, _ axis: Axis) -> Double { top + plotHeight * (1 - y / axis.maximum) }

    private static func frame(xTitle: String, yTitle: String, yAxis: Axis, xTicks: [(value: Double, x: Double)]) -> String {
        var body = "<g stroke=\"#ccc\" stroke-width=\"1\">"
        for tick in yAxis.ticks {
            let y = yPosition(tick, yAxis)
            body += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\"/>"
        }
        body += "</g><g stroke=\"#333\"><line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotHeight))\"/>"
        body += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotHeight))\"/></g>"
        for tick in yAxis.ticks { body += text(label(tick), x: left - 6, y: yPosition(tick, yAxis) + 4, anchor: "end", size: 10) }
        for tick in xTicks { body += text(label(tick.value), x: tick.x, y: top + plotHeight + 16, anchor: "middle", size: 10) }
        if !xTitle.isEmpty { body += text(xTitle, x: left + plotWidth / 2, y: height - 8, anchor: "middle") }
        body += "<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">\(EDAEscape.html(yTitle))</text>"
        return body
    }

    private static func legend(_ entries: [(name: String, color: String)]) -> String {
        var body = ""
        var x = left + 8
        for entry in entries {
            body += "<rect x=\"\(f(x))\" y=\"8\" width=\"12\" height=\"12\" fill=\"\(entry.color)\"/>"
            body += text(entry.name, x: x + 16, y: 18, anchor: "start")
            x += 24 + Double(entry.name.count) * 7.5
        }
        return body
    }

    private static func text(_ content: String, x: Double, y: Double, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\">\(EDAEscape.html(content))</text>"
    }

    private static func wrap(_ body: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\(body)</svg>"
    }

    private static func label(_ value: Double) -> String {
        if value == value.rounded() { return String(Int(value)) }
        return String(format: value < 0.01 ? "%.3f" : "%.2f", value)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// Escapes text for the EDA report's HTML and SVG.
enum EDAEscape {
    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
