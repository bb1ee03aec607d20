import Foundation

/// The short text table `pneumo eda` prints.
public enum EDATable {
    public static func render(_ report: EDAReport) -> String {
        let headers = ["split"] + report.classNames + ["total"]
        var rows = [headers]
        for split in report.splits {
            var row = [split]
            for count in report.counts where count.split == split {
                row.append("\(count.images) (\(String(format: "%.1f", count.percentOfSplit))%)")
            }
            row.append("\(report.splitTotals[split] ?? 0)")
            rows.append(row)
        }
        let widths = headers.indices.map { column in rows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        for histogram in report.histograms {
            lines.append("\(histogram.className): \(histogram.images) images, mean intensity \(String(format: "%.1f", histogram.mean)), std \(String(format: "%.1f", histogram.standardDeviation))")
        }
        for size in report.sizes where size.medianWidth != nil {
            let aspect = size.medianAspectRatio.map { ", width/height \(NumberFormat.fixed($0, 2))" } ?? ""
            lines.append("\(size.className): original size median \(size.medianWidth ?? 0) x \(size.medianHeight ?? 0)\(aspect) (\(size.points.count) known, \(size.unknown) unknown)")
        }
        if let warning = report.aspectRatioWarning { lines.append("warning: \(warning)") }
        if !report.problems.isEmpty { lines.append("\(report.problems.count) problem(s); see the report") }
        return lines.joined(separator: "\n")
    }
}
