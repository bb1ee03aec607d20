import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp

final class PredictTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!
    private var root: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        root = try EvaluateFixture.dataSet(in: directory)
        context = try EvaluateFixture.cpu()
    }

    /// A folder of 4 val images, one test file, a corrupt JPEG, a text file and a missing path.
    private func inputs() throws -> (paths: [URL], corrupt: URL, text: URL, missing: URL, single: URL) {
        let loose = directory.appendingPathComponent("loose", isDirectory: true)
        try FileManager.default.createDirectory(at: loose, withIntermediateDirectories: true)
        let single = try FileManager.default.contentsOfDirectory(
            at: root.appendingPathComponent("test/PNEUMONIA"), includingPropertiesForKeys: nil).sorted { $0.path < $1.path }[0]
        let original = try Data(contentsOf: single)
        let corrupt = loose.appendingPathComponent("broken.jpeg")
        try original.prefix(600).write(to: corrupt)
        let text = loose.appendingPathComponent("notes.jpg")
        try Data("not an image".utf8).write(to: text)
        let missing = loose.appendingPathComponent("absent.jpeg")
        return ([root.appendingPathComponent("val"), single, corrupt, text, missing], corrupt, text, missing, single)
    }

    func testProgressStartsAtZeroAndCountsEveryScoredImage() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let (paths, _, _, _, _) = try inputs()
        var reports: [Int] = []
        _ = try Predictor.run(model: model, paths: paths, batchSize: 3) { done, total in
            XCTAssertEqual(total, 5)
            reports.append(done)
        }
        XCTAssertEqual(reports, [0, 3, 5], "a report before the first batch, then one per batch")
    }

    func testPredictsFilesAndFoldersAndReportsEachBadFile() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let (paths, corrupt, text, missing, single) = try inputs()
        let result = try Predictor.run(model: model, paths: paths, batchSize: 3)
        XCTAssertEqual(result.entries.count, 8, "4 folder images, the single file and 3 bad inputs")
        XCTAssertEqual(result.predictedCount, 5)
        XCTAssertEqual(result.entries[4].file, single.path)
        XCTAssertEqual(result.entries[4].trueClass, "pneumonia")
        XCTAssertEqual(Array(result.entries.prefix(4).map(\.trueClass)), ["normal", "normal", "pneumonia", "pneumonia"])

        let failures = Dictionary(uniqueKeysWithValues: result.failures.map { ($0.file, $0.error ?? "") })
        XCTAssertEqual(Set(failures.keys), [corrupt.path, text.path, missing.path])
        XCTAssertTrue(failures[corrupt.path]?.contains("truncated") ?? false, failures[corrupt.path] ?? "")
        XCTAssertTrue(failures[missing.path]?.contains("does not exist") ?? false, failures[missing.path] ?? "")
        XCTAssertFalse(failures[text.path]?.isEmpty ?? true)

        for entry in result.entries where entry.succeeded {
            let probabilities = try XCTUnwrap(entry.probabilities)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(entry.predictedClass, probabilities[1] >= 0.5 ? "pneumonia" : "normal")
            XCTAssertEqual(entry.probability, probabilities[entry.classIndex ?? -1])
        }

        // The same images predicted one at a time give the same probabilities: batching changes nothing.
        let alone = try Predictor.run(model: model, paths: [single], batchSize: 1)
        XCTAssertEqual(alone.entries[0].probabilities, result.entries[4].probabilities)

        assertThrows(PredictionInputError.self, { _ = try Predictor.run(model: model, paths: paths, strict: true) }) { error in
            XCTAssertEqual(Set(error.problems.map(\.file)), [corrupt.path, text.path, missing.path])
            XCTAssertTrue(error.description.contains("--strict"), error.description)
        }
    }

    /// A folder of good images holding a named pipe, a broken link and a link loop, and a
    /// subfolder that cannot be listed.
    private func awkwardFolder() throws -> (folder: URL, pipe: URL, locked: URL) {
        let folder = directory.appendingPathComponent("awkward", isDirectory: true)
        let locked = folder.appendingPathComponent("locked", isDirectory: true)
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        let images = try FileManager.default.contentsOfDirectory(
            at: root.appendingPathComponent("test/NORMAL"), includingPropertiesForKeys: nil).sorted { $0.path < $1.path }
        try FileManager.default.copyItem(at: images[0], to: folder.appendingPathComponent("good.jpeg"))
        try FileManager.default.copyItem(at: images[1], to: locked.appendingPathComponent("hidden.jpeg"))
        let pipe = folder.appendingPathComponent("x.jpeg")
        XCTAssertEqual(mkfifo(pipe.path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("gone.jpeg").path, withDestinationPath: "nowhere.jpeg")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("loop").path, withDestinationPath: ".")
        return (folder, pipe, locked)
    }

    func testEveryInputAFolderWalkMeetsIsPredictedOrListed() throws {
        let (folder, pipe, locked) = try awkwardFolder()
        // Root can list any folder, so the unlistable one is simulated.
        let items = PredictionInput.gather([folder, pipe], labels: .binary, fileSystem: UnlistableFolders(folders: [locked.path]))
        var problems = [String: String]()
        for case let .problem(path, reason) in items { problems[URL(fileURLWithPath: path).lastPathComponent] = reason }
        XCTAssertEqual(items.count - problems.count, 1, "only good.jpeg is an image: \(items)")
        XCTAssertEqual(Set(problems.keys), ["x.jpeg", "gone.jpeg", "loop", "locked"])
        XCTAssertEqual(problems["x.jpeg"], "not a regular file (named pipe), not read")
        XCTAssertTrue(problems["gone.jpeg"]?.contains("broken symbolic link") ?? false)
        XCTAssertTrue(problems["loop"]?.contains("link loop") ?? false)
        XCTAssertTrue(problems["locked"]?.contains("cannot be listed") ?? false)

        let unlistable = PredictionInput.gather([folder], labels: .binary, fileSystem: UnlistableFolders(folders: [folder.path]))
        guard case let .problem(path, reason) = try XCTUnwrap(unlistable.first), unlistable.count == 1 else {
            return XCTFail("an unlistable folder must be one problem, got \(unlistable)")
        }
        XCTAssertEqual(path, folder.path)
        XCTAssertTrue(reason.contains("cannot list") && !reason.contains("holds no"), reason)
    }

    func testNamedPipesAreNeverOpenedAndStrictRefusesThem() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let (folder, pipe, _) = try awkwardFolder()
        let result = try Predictor.run(model: model, paths: [folder, pipe])
        XCTAssertEqual(result.predictedCount, 2, "good.jpeg and locked/hidden.jpeg")
        XCTAssertEqual(result.failures.map { URL(fileURLWithPath: $0.file).lastPathComponent }.sorted(), ["gone.jpeg", "loop", "x.jpeg"])
        assertThrows(PredictionInputError.self, { _ = try Predictor.run(model: model, paths: [folder], strict: true) }) { error in
            XCTAssertEqual(error.problems.map { URL(fileURLWithPath: $0.file).lastPathComponent }.sorted(), ["gone.jpeg", "loop", "x.jpeg"])
        }
    }

    func testOutputFormatsHoldEveryFile() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let (paths, corrupt, _, _, _) = try inputs()
        let result = try Predictor.run(model: model, paths: paths)

        let csv = try PredictionFormat.csv.render(result).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.first, "file,class,probability,p_normal,p_pneumonia,true_class,error,quality")
        XCTAssertEqual(csv.count, 9)
        XCTAssertTrue(csv.contains { $0.hasPrefix(corrupt.path + ",,,,,,") })

        let json = try JSONSerialization.jsonObject(with: Data(try PredictionFormat.json.render(result).utf8)) as? [String: Any]
        XCTAssertEqual(json?["predicted"] as? Int, 5)
        XCTAssertEqual(json?["failed"] as? Int, 3)
        XCTAssertEqual((json?["predictions"] as? [[String: Any]])?.count, 8)
        XCTAssertEqual(json?["class_names"] as? [String], ["normal", "pneumonia"])

        let table = try PredictionFormat.table.render(result)
        XCTAssertTrue(table.contains("error:"), table)
        XCTAssertTrue(table.contains("5 of 8 file(s) predicted"), table)
        XCTAssertEqual(PredictionFormat.csvField("a,\"b\""), "\"a,\"\"b\"\"\"")
    }

    func testGridsAsPNGAndHTML() throws {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let result = try Predictor.run(model: model, paths: [root.appendingPathComponent("test")])
        XCTAssertEqual(result.predictedCount, 7)

        let png = directory.appendingPathComponent("grid.png")
        XCTAssertEqual(try PredictionGrid.write(result, to: png, limit: 5, columns: 3), 5)
        let bytes = [UInt8](try Data(contentsOf: png))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func bigEndian(_ offset: Int) -> Int { bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) } }
        // 32 px inputs are enlarged 4 times to 128 px; 3 columns and 2 rows of framed cells.
        let cell = 128 + 6, gap = 10, captions = 2 * (7 + 3) + 4
        XCTAssertEqual(bigEndian(16), gap + 3 * (cell + gap))
        XCTAssertEqual(bigEndian(20), gap + 2 * (cell + captions + gap))
        XCTAssertEqual(bytes[25], 2, "RGB, for the coloured frames")

        let html = directory.appendingPathComponent("grid.html")
        try PredictionGrid.write(result, to: html)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "data:image/png;base64,").count - 1, 7)
        XCTAssertTrue(page.contains("tile correct") || page.contains("tile wrong"))

        XCTAssertThrowsError(try PredictionGrid.write(result, to: directory.appendingPathComponent("grid.gif")))

        // Only the last folder is made: a mistyped path creates nothing.
        XCTAssertEqual(try PredictionGrid.write(result, to: directory.appendingPathComponent("new/grid.png"), limit: 1), 1)
        let stray = directory.appendingPathComponent("typo/deeper/grid.png")
        assertThrows(FileWriteError.self, { try PredictionGrid.write(result, to: stray) }) { error in
            XCTAssertTrue(error.description.contains("the folder \(directory.appendingPathComponent("typo").path) does not exist"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("typo").path))
    }
}

/// The drawing parts of prediction grids.
final class PredictPartsTests: XCTestCase {
    func testBitmapFontDrawsKnownGlyphs() {
        XCTAssertTrue(BitmapFont.isInk("A", column: 0, row: 3))
        XCTAssertFalse(BitmapFont.isInk("A", column: 0, row: 0))
        XCTAssertEqual((0..<7).map { BitmapFont.isInk("l", column: 0, row: $0) }, (0..<7).map { BitmapFont.isInk("L", column: 0, row: $0) })
        XCTAssertEqual(BitmapFont.fitted("pneumonia 0.97", characters: 8), "pneumo..")
        var canvas = RGBCanvas(width: 12, height: 9, background: (255, 255, 255))
        canvas.draw(text: "1", x: 1, y: 1, scale: 1, color: (0, 0, 0))
        // Column 2 of "1" (the stem) is ink on every row.
        for row in 0..<7 { XCTAssertEqual(canvas.pixels[((row + 1) * 12 + 3) * 3], 0, "row \(row)") }
        XCTAssertEqual(canvas.pixels[0], 255)
    }
}

/// The real file system, except that the named folders cannot be listed: running as root,
/// `chmod 000` would not stop the listing, so the failure is simulated here.
private struct UnlistableFolders: FileSystemProbe {
    let folders: Set<String>

    func kind(of url: URL) -> FileKind { LocalFileSystem().kind(of: url) }

    func entries(of folder: URL) throws -> [String] {
        if folders.contains(folder.standardizedFileURL.path) { throw DataError.unreadableDirectory(folder, "Permission denied") }
        return try LocalFileSystem().entries(of: folder)
    }
}

/// The quality gate in `predict`: garbage is refused with its rule, or predicted and marked on request.
final class PredictQualityGateTests: XCTestCase {
    func testFlatGreyImageIsRefusedOrFlaggedNeverSilentlyClassified() throws {
        let directory = try temporaryDirectory(self)
        let root = try EvaluateFixture.dataSet(in: directory)
        let context = try EvaluateFixture.cpu()
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let real = try FileManager.default.contentsOfDirectory(
            at: root.appendingPathComponent("test/NORMAL"), includingPropertiesForKeys: nil).sorted { $0.path < $1.path }[0]
        // The same radiograph with its quantisation table zeroed decodes to flat grey.
        var bytes = [UInt8](try Data(contentsOf: real))
        var index = 2
        while bytes[index + 1] != 0xDB { index += 2 + (Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])) }
        for offset in (index + 5)..<(index + 69) { bytes[offset] = 0 }
        let grey = directory.appendingPathComponent("grey.jpeg")
        try Data(bytes).write(to: grey)

        let refused = try Predictor.run(model: model, paths: [real, grey])
        XCTAssertTrue(refused.entries[0].succeeded)
        XCTAssertNil(refused.entries[0].quality)
        XCTAssertNil(refused.entries[1].predictedClass)
        let reason = try XCTUnwrap(refused.entries[1].error)
        XCTAssertTrue(reason.contains("not a usable chest X-ray") && reason.contains("rule contrast"), reason)
        XCTAssertThrowsError(try Predictor.run(model: model, paths: [real, grey], strict: true))

        let flagged = try Predictor.run(model: model, paths: [real, grey], lowQuality: .flag)
        XCTAssertNotNil(flagged.entries[1].predictedClass)
        XCTAssertEqual(flagged.entries[1].quality?.map(\.rule).contains(.contrast), true)
        let csv = try PredictionFormat.csv.render(flagged)
        XCTAssertTrue(csv.contains("LOW QUALITY"), csv)
    }
}
