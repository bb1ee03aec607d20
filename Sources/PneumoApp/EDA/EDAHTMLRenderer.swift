import Foundation

/// Renders the EDA result as one self-contained HTML page: inline CSS, inline SVG charts,
/// sample images as base64 PNG data URLs.
enum EDAHTMLRenderer {
    static let colors = ["#2b7bba", "#d7472f", "#2e9e4f", "#8a5fbf"]

    static func render(_ result: ExploratoryAnalysis.Result) -> String {
        let report = result.report
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Chest X-ray data exploration</title>
        <style>
        body { font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .grid { display: flex; flex-wrap: wrap; gap: 8px; }
        .grid figure { margin: 0; font-size: 11px; text-align: center; }
        .grid img { display: block; image-rendering: auto; }
        .note { color: #555; font-size: 0.9em; }
        </style></head><body>
        <h1>Chest X-ray data exploration</h1>
        <p class="note">Data: \(EDAEscape.html(report.dataRoot)) &middot; labels: \(EDAEscape.html(report.labelScheme))</p>

        """
        html += countsSection(report)
        html += sizesSection(report)
        html += histogramSection(report)
        html += samplesSection(report, thumbnails: result.thumbnails)
        if !report.problems.isEmpty {
            html += "<h2>Problems (\(report.problems.count))</h2><ul>"
            for problem in report.problems.prefix(100) { html += "<li>\(EDAEscape.html(problem))</li>" }
            html += "</ul>"
        }
        return html + "</body></html>\n"
    }

    private static func color(_ index: Int) -> String { colors[index % colors.count] }

    private static func countsSection(_ report: EDAReport) -> String {
        var html = "<h2>Images per split and class</h2><table><tr><th>split</th>"
        for name in report.classNames { html += "<th>\(EDAEscape.html(name))</th>" }
        html += "<th>total</th></tr>"
        for split in report.splits {
            html += "<tr><td>\(split)</td>"
            for count in report.counts where count.split == split {
                html += "<td>\(count.images) (\(String(format: "%.1f", count.percentOfSplit))%), \(count.patients) patients</td>"
            }
            html += "<td>\(report.splitTotals[split] ?? 0)</td></tr>"
        }
        html += "</table>"
        let series = report.classNames.enumerated().map { index, name in
            let counts = report.splits.map { split in report.counts.first { $0.split == split && $0.className == name } }
            return (name: name, color: color(index), values: counts.map { Double($0?.images ?? 0) },
                    labels: counts.map { "\($0?.images ?? 0) (\(String(format: "%.0f", $0?.percentOfSplit ?? 0))%)" })
        }
        return html + EDACharts.groupedBars(categories: report.splits, series: series, yTitle: "images")
    }

    private static func sizesSection(_ report: EDAReport) -> String {
        var html = "<h2>Original image sizes</h2><p class=\"note\">Source: \(EDAEscape.html(report.sizeSource)).</p><table><tr><th>class</th><th>known</th><th>unknown</th><th>median w x h</th><th>median w/h</th><th>width range</th><th>height range</th></tr>"
        for size in report.sizes {
            let median = size.medianWidth.map { "\($0) x \(size.medianHeight ?? 0)" } ?? "-"
            let widths = size.minWidth.map { "\($0)-\(size.maxWidth ?? 0)" } ?? "-"
            let heights = size.minHeight.map { "\($0)-\(size.maxHeight ?? 0)" } ?? "-"
            let aspect = size.medianAspectRatio.map { NumberFormat.fixed($0, 2) } ?? "-"
            html += "<tr><td>\(EDAEscape.html(size.className))</td><td>\(size.points.count)</td><td>\(size.unknown)</td><td>\(median)</td><td>\(aspect)</td><td>\(widths)</td><td>\(heights)</td></tr>"
        }
        html += "</table>"
        if let warning = report.aspectRatioWarning { html += "<p class=\"note\"><strong>Warning:</strong> \(EDAEscape.html(warning)).</p>" }
        let series = report.sizes.enumerated().map { index, size in
            EDACharts.Series(name: size.className, color: color(index), points: size.points.map { (Double($0.width), Double($0.height)) })
        }
        return html + EDACharts.scatter(series, xTitle: "width (pixels)", yTitle: "height (pixels)")
    }

    private static func histogramSection(_ report: EDAReport) -> String {
        var html = "<h2>Pixel intensities at \(report.analysisSide) x \(report.analysisSide)</h2><table><tr><th>class</th><th>images</th><th>mean</th><th>std</th><th>share at 0 (black)</th><th>share at 255 (white)</th></tr>"
        for histogram in report.histograms {
            html += "<tr><td>\(EDAEscape.html(histogram.className))</td><td>\(histogram.images)</td><td>\(String(format: "%.1f", histogram.mean))</td><td>\(String(format: "%.1f", histogram.standardDeviation))</td>"
            html += "<td>\(String(format: "%.2f%%", 100 * (histogram.frequencies.first ?? 0)))</td><td>\(String(format: "%.2f%%", 100 * (histogram.frequencies.last ?? 0)))</td></tr>"
        }
        html += "</table><p class=\"note\">The chart's scale leaves out the pure black and pure white bins (borders, labels); their shares are in the table.</p>"
        let series = report.histograms.enumerated().map { index, histogram in
            EDACharts.Series(name: histogram.className, color: color(index),
                            points: histogram.frequencies.enumerated().map { (Double($0.offset), $0.element) })
        }
        let inner = report.histograms.flatMap { $0.frequencies.dropFirst().dropLast() }.max() ?? 1
        return html + EDACharts.lines(series, xTitle: "intensity (0 = black, 255 = white)", yTitle: "share of pixels",
                                     xAxis: EDACharts.Axis(exactly: 255, step: 50), yLimit: inner * 1.1)
    }

    private static func samplesSection(_ report: EDAReport, thumbnails: [ExploratoryAnalysis.Thumbnail]) -> String {
        var html = "<h2>Sample images</h2>"
        for name in report.classNames {
            let chosen = thumbnails.filter { $0.className == name }
            if chosen.isEmpty { continue }
            html += "<h3>\(EDAEscape.html(name))</h3><div class=\"grid\">"
            for thumbnail in chosen {
                html += "<figure><img alt=\"\(EDAEscape.html(thumbnail.file))\" src=\"data:image/png;base64,\(Data(thumbnail.png).base64EncodedString())\"><figcaption>\(EDAEscape.html(thumbnail.file))</figcaption></figure>"
            }
            html += "</div>"
        }
        return html
    }
}
