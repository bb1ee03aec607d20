import Foundation
import XCTest
@testable import PneumoApp

final class UtilTests: XCTestCase {
    func testAtomicWriteCreatesReplacesAndLeavesNoTemporaryFiles() throws {
        let directory = try temporaryDirectory(self)
        let url = directory.appendingPathComponent("a/b/out.txt")
        try AtomicFile.write("first", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "first")
        try AtomicFile.write(Data("second, longer".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "second, longer")
        try AtomicFile.write(Data(), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["out.txt"])
    }

    func testAtomicWriteOntoDirectoryFailsClearly() throws {
        let directory = try temporaryDirectory(self)
        assertThrows(FileWriteError.self, { try AtomicFile.write("x", to: directory) }) {
            XCTAssertTrue($0.description.contains(directory.path))
            XCTAssertTrue($0.reason.contains("directory"))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testDurations() {
        XCTAssertEqual(DurationFormat.text(0.25), "250 ms")
        XCTAssertEqual(DurationFormat.text(12.34), "12.3 s")
        XCTAssertEqual(DurationFormat.text(59.97), "1m 00s")
        XCTAssertEqual(DurationFormat.text(245), "4m 05s")
        XCTAssertEqual(DurationFormat.text(3723), "1h 02m 03s")
        XCTAssertEqual(DurationFormat.text(.nan), "--")
        XCTAssertEqual(DurationFormat.clock(7), "0:07")
        XCTAssertEqual(DurationFormat.clock(754), "12:34")
        XCTAssertEqual(DurationFormat.clock(3723), "1:02:03")
        XCTAssertEqual(DurationFormat.clock(.infinity), "--:--")
        XCTAssertEqual(DurationFormat.clock(-1), "--:--")
    }

    func testNumberFormat() {
        XCTAssertEqual(NumberFormat.fixed(0.12345, 3), "0.123")
        XCTAssertEqual(NumberFormat.fixed(.nan, 3), "n/a")
        XCTAssertEqual(NumberFormat.percent(0.9345), "93.5%")
    }

    func testChecksumsMatchKnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        var incremental = CRC32()
        incremental.update(Array("1234".utf8))
        incremental.update(Array("56789".utf8))
        XCTAssertEqual(incremental.value, 0xCBF4_3926)
        XCTAssertEqual(Adler32.checksum(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(Adler32.checksum([UInt8]()), 1)
        // Long input exercises the deferred modulo: 100,000 bytes of 0xFF.
        let long = [UInt8](repeating: 0xFF, count: 100_000)
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in long { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        XCTAssertEqual(Adler32.checksum(long), b << 16 | a)
    }

    func testProgressLineShowsRateLossAndTimeLeft() {
        let line = ProgressBar.render(label: "epoch 2/10", completed: 250, total: 1000, elapsed: 5, loss: 0.4321, barWidth: 10)
        XCTAssertEqual(line, "epoch 2/10 [==>       ]  25% 250/1000 | 50.0 img/s | loss 0.4321 | ETA 0:15")
        let done = ProgressBar.render(label: "e", completed: 1000, total: 1000, elapsed: 8, loss: nil, barWidth: 4, done: true)
        XCTAssertEqual(done, "e [====] 100% 1000/1000 | 125 img/s | in 0:08")
        let start = ProgressBar.render(label: "e", completed: 0, total: 10, elapsed: 0, loss: nil, barWidth: 4)
        XCTAssertEqual(start, "e [>   ]   0% 0/10 | -- img/s | ETA --:--")
    }

    func testPlainOutputPrintsEachTenthOnce() {
        var output = [String]()
        var now = 0.0
        let bar = ProgressBar(total: 100, label: "train", interactive: false, write: { output.append($0) }, clock: { now })
        for done in 1...100 {
            now += 0.1
            bar.update(completed: done, loss: 1 / Double(done))
        }
        bar.finish()
        bar.finish()
        XCTAssertEqual(output.count, 10)  // 10% ... 90%, then the final line
        XCTAssertTrue(output.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        XCTAssertTrue(output[0].contains(" 10% 10/100"))
        XCTAssertTrue(output[9].contains("100% 100/100"))
        XCTAssertTrue(output[9].contains("in 0:10"))
    }

    func testTerminalOutputRedrawsInPlaceAtMostEveryInterval() {
        var output = [String]()
        var now = 0.0
        let bar = ProgressBar(total: 50, label: "val", interactive: true, redrawInterval: 0.1, write: { output.append($0) }, clock: { now })
        for done in 1...50 {
            now += 0.02
            bar.update(completed: done)
        }
        bar.finish(loss: 0.2)
        // 1 s of updates every 0.02 s: a redraw each 0.1 s, plus the final one.
        XCTAssertGreaterThanOrEqual(output.count, 10)
        XCTAssertLessThanOrEqual(output.count, 12)
        XCTAssertTrue(output.allSatisfy { $0.hasPrefix("\r") })
        XCTAssertTrue(output.dropLast().allSatisfy { !$0.hasSuffix("\n") })
        XCTAssertTrue(output.last?.hasSuffix("\n") ?? false)
        XCTAssertTrue(output.last?.contains("loss 0.2000") ?? false)
    }

    func testClearErasesTheTerminalLineAndTheNextUpdateRedraws() {
        var output = [String]()
        var now = 0.0
        let bar = ProgressBar(total: 10, label: "explain", interactive: true, redrawInterval: 10, write: { output.append($0) }, clock: { now })
        bar.update(completed: 1)
        bar.clear()
        now += 0.01
        bar.update(completed: 2)
        XCTAssertEqual(output.count, 3, "the clear and a redraw despite the long interval")
        XCTAssertEqual(output[1], "\r\u{1B}[K")
        XCTAssertTrue(output[2].contains("2/10"))

        var plain = [String]()
        let logged = ProgressBar(total: 10, label: "explain", interactive: false, write: { plain.append($0) })
        logged.clear()
        XCTAssertTrue(plain.isEmpty, "nothing to erase in a log")
    }
}
