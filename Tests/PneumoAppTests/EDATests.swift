import CTurboJPEG
import Foundation
@testable import PneumoApp
import PneumoData
import XCTest

final class EDATests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-eda-tests-\(UUID().uuidString)")
        // Three normal images (one patient twice), two pneumonia: uniform gray levels 50 and 200.
        try write(value: 50, width: 40, height: 30, to: "data/train/NORMAL/IM-0001-0001.jpeg")
        try write(value: 50, width: 40, height: 30, to: "data/train/NORMAL/IM-0001-0002.jpeg")
        try write(value: 50, width: 60, height: 20, to: "data/test/NORMAL/IM-0002-0001.jpeg")
        try write(value: 200, width: 32, height: 32, to: "data/train/PNEUMONIA/person1_virus_1.jpeg")
        try write(value: 200, width: 32, height: 32, to: "data/test/PNEUMONIA/person2_bacteria_2.jpeg")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func write(value: UInt8, width: Int, height: Int, to path: String) throws {
        guard let handle = tjInitCompress() else { throw XCTSkip("no TurboJPEG encoder") }
        defer { tjDestroy(handle) }
        let pixels = [UInt8](repeating: value, count: width * height)
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = tjCompress2(handle, pixels, Int32(width), 0, Int32(height), Int32(TJPF_GRAY.rawValue),
                                 &output, &size, Int32(TJSAMP_GRAY.rawValue), 95, 0)
        defer { tjFree(output) }
        guard status == 0, let output else { return XCTFail("encode failed") }
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes: output, count: Int(size)).write(to: url)
    }

    private func options(manifest: URL? = nil) -> EDAOptions {
        EDAOptions(dataRoot: folder.appendingPathComponent("data"), outputDirectory: folder.appendingPathComponent("out"),
                   manifest: manifest, analysisSide: 16, samplesPerClass: 1, thumbnailSide: 8, cache: nil)
    }

    func testProgressCoversDecodingAndSizes() throws {
        var reports: [String: [Int]] = [:]
        var totals: [String: Int] = [:]
        _ = try ExploratoryAnalysis.run(options()) { stage, done, total in
            reports[stage, default: []].append(done)
            totals[stage] = total
        }
        XCTAssertEqual(reports["decode"], [0, 3, 5], "a step per split: train, then test")
        XCTAssertEqual(reports["sizes"], [1, 2, 3, 4, 5])
        XCTAssertEqual(totals, ["decode": 5, "sizes": 5])
    }

    func testCountsSizesHistogramsAndSamples() throws {
        let result = try ExploratoryAnalysis.run(options())
        let report = result.report
        XCTAssertEqual(report.splits, ["train", "test"])
        XCTAssertEqual(report.splitTotals, ["train": 3, "test": 2])
        let trainNormal = try XCTUnwrap(report.counts.first { $0.split == "train" && $0.className == "normal" })
        XCTAssertEqual(trainNormal.images, 2)
        XCTAssertEqual(trainNormal.patients, 1)
        XCTAssertEqual(trainNormal.percentOfSplit, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(report.sizeSource, "jpeg headers")
        XCTAssertEqual(Set(report.sizes[0].points.map { "\($0.width)x\($0.height)" }), ["40x30", "60x20"])
        XCTAssertEqual(report.sizes[0].points.count, 3)
        for histogram in report.histograms {
            XCTAssertEqual(histogram.frequencies.reduce(0, +), 1, accuracy: 1e-9)
        }
        XCTAssertEqual(report.histograms[0].mean, 50, accuracy: 2)
        XCTAssertEqual(report.histograms[1].mean, 200, accuracy: 2)
        XCTAssertEqual(report.histograms[1].images, 2)
        XCTAssertEqual(result.thumbnails.count, 2)
        XCTAssertEqual(report.samples.map(\.files.count), [1, 1])
        XCTAssertTrue(EDATable.render(report).contains("train"))
    }

    func testManifestSizesAreUsedWhenPresent() throws {
        let manifest = folder.appendingPathComponent("MANIFEST.csv")
        try """
        split,class,name,source,original_width,original_height,original_sha256,original_bytes
        train,NORMAL,IM-0001-0001.jpeg,original,1800,1500,ab,1
        train,NORMAL,IM-0001-0002.jpeg,resized-copy,,,cd,2
        """.write(to: manifest, atomically: true, encoding: .utf8)
        let report = try ExploratoryAnalysis.run(options()).report
        XCTAssertEqual(report.sizeSource, "manifest MANIFEST.csv")
        // One size from the manifest, one unknown (a 224 copy), one from the header (not listed).
        XCTAssertEqual(report.sizes[0].points.map(\.width).sorted(), [60, 1800])
        XCTAssertEqual(report.sizes[0].unknown, 1)
        XCTAssertThrowsError(try ExploratoryAnalysis.run(options(manifest: folder.appendingPathComponent("nope.csv"))))
    }

    func testWarnsWhenClassesDifferInShape() {
        func summary(_ name: String, _ sizes: [(Int, Int)]) -> EDAReport.SizeSummary {
            EDAReport.SizeSummary(
                className: name, points: sizes.map { EDAReport.SizePoint(width: $0.0, height: $0.1) }, unknown: 0,
                medianWidth: nil, medianHeight: nil, minWidth: nil, maxWidth: nil, minHeight: nil, maxHeight: nil)
        }
        let normal = summary("NORMAL", [(1200, 1000), (1300, 1000), (1100, 1000)])
        XCTAssertEqual(normal.medianAspectRatio ?? 0, 1.2, accuracy: 1e-12)
        XCTAssertNil(summary("none", []).medianAspectRatio)
        let wide = summary("PNEUMONIA", [(1500, 1000), (1450, 1000), (1600, 1000)])
        let close = summary("PNEUMONIA", [(1250, 1000), (1240, 1000), (1210, 1000)])
        func report(_ sizes: [EDAReport.SizeSummary]) -> EDAReport {
            EDAReport(dataRoot: "d", labelScheme: "binary", classNames: sizes.map(\.className), splits: ["train"], counts: [],
                      splitTotals: [:], sizeSource: "manifest", sizes: sizes, analysisSide: 16, histograms: [], samples: [],
                      problems: [])
        }
        let warning = report([normal, wide]).aspectRatioWarning
        XCTAssertNotNil(warning)
        XCTAssertTrue(warning?.contains("NORMAL 1.20, PNEUMONIA 1.50") ?? false, warning ?? "")
        XCTAssertTrue(EDATable.render(report([normal, wide])).contains("warning: the originals' median width/height differs"))
        XCTAssertNil(report([normal, close]).aspectRatioWarning, "within 10% is no warning")
        XCTAssertNil(report([normal]).aspectRatioWarning, "one class alone cannot differ")
    }

    func testWritesSelfContainedHTMLAndJSON() throws {
        let result = try ExploratoryAnalysis.run(options())
        let written = try EDAReportWriter.write(result, to: folder.appendingPathComponent("out"))
        let html = try String(contentsOf: written.html, encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"))
        XCTAssertTrue(html.contains("data:image/png;base64,"))
        XCTAssertFalse(html.contains("src=\"http"), "no external resources")
        let decoded = try JSONDecoder().decode(EDAReport.self, from: Data(contentsOf: written.json))
        XCTAssertEqual(decoded, result.report)
    }

    func testMissingDataFolderIsAClearError() {
        var options = options()
        options.dataRoot = folder.appendingPathComponent("missing")
        XCTAssertThrowsError(try ExploratoryAnalysis.run(options)) { XCTAssertTrue("\($0)".contains("does not exist")) }
    }
}
