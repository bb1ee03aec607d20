import Foundation

/// A linear axis: a data range mapped onto a pixel range, with round tick values.
struct ChartScale {
    let lower: Double
    let upper: Double
    let pixelStart: Double
    let pixelEnd: Double

    /// Maps a data value to a pixel coordinate.
    func pixel(_ value: Double) -> Double {
        guard upper > lower else { return (pixelStart + pixelEnd) / 2 }
        return pixelStart + (value - lower) / (upper - lower) * (pixelEnd - pixelStart)
    }

    /// Tick values at a round step, inside the range.
    func ticks(target: Int = 5) -> [Double] {
        let step = Self.niceStep(range: upper - lower, target: target)
        guard step > 0 else { return [lower] }
        var ticks = [Double]()
        var index = (lower / step).rounded(.up)
        while index * step <= upper + step * 1e-9, ticks.count < 50 {
            ticks.append(index * step)
            index += 1
        }
        return ticks
    }

    /// Tick labels with as many decimals as the step needs.
    func tickLabel(_ value: Double, target: Int = 5) -> String {
        let step = Self.niceStep(range: upper - lower, target: target)
        let decimals = step > 0 ? max(0, Int((-log10(step)).rounded(.up))) : 0
        // Values within rounding noise of zero print as "0", never "-0.0".
        return NumberFormat.fixed(abs(value) < step * 1e-6 ? 0 : value, decimals)
    }

    /// A step of 1, 2 or 5 times a power of ten giving about `target` intervals.
    static func niceStep(range: Double, target: Int) -> Double {
        guard range > 0, range.isFinite else { return 0 }
        let rough = range / Double(max(1, target))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let residual = rough / magnitude
        let factor: Double = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10
        return factor * magnitude
    }

    /// A data range covering `values` with round ends, widened when all values are equal.
    static func niceRange(_ values: [Double], includeZero: Bool = false) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if low == high {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = niceStep(range: high - low, target: 5)
        return ((low / step).rounded(.down) * step)...((high / step).rounded(.up) * step)
    }
}

/// Colours that stay distinct for colour-blind readers (Okabe and Ito's palette).
enum ChartPalette {
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    static func color(_ index: Int) -> String { colors[index % colors.count] }
}

/// Small helpers for writing SVG text.
enum SVG {
    static func number(_ value: Double) -> String {
        NumberFormat.fixed(value, 1, placeholder: "0")
    }

    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "middle", size: Int = 12,
        weight: String = "normal", rotate: Double? = nil, fill: String = "#222"
    ) -> String {
        let transform = rotate.map { " transform=\"rotate(\(number($0)) \(number(x)) \(number(y)))\"" } ?? ""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\" "
            + "font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(HTMLEscaping.escape(content))</text>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) -> String {
        let dashAttribute = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        return "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(number(width))\"\(dashAttribute)/>"
    }

    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil, title: String? = nil) -> String {
        let strokeAttribute = stroke.map { " stroke=\"\($0)\"" } ?? ""
        let open = "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(max(0, width)))\" height=\"\(number(max(0, height)))\" fill=\"\(fill)\"\(strokeAttribute)"
        guard let title else { return open + "/>" }
        return open + "><title>\(HTMLEscaping.escape(title))</title></rect>"
    }

    static func document(width: Int, height: Int, title: String, body: [String]) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" "
            + "role=\"img\" aria-label=\"\(HTMLEscaping.escape(title))\" font-family=\"system-ui, sans-serif\">"
            + "<title>\(HTMLEscaping.escape(title))</title><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
            + body.joined() + "</svg>"
    }
}

/// Anything that draws itself as an inline SVG element.
public protocol SVGChart {
    /// The chart as a complete `<svg>` element.
    var svg: String { get }
}
