import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar for one pass over a data set: items per second, running loss and time left.
///
/// On a terminal it redraws one line in place (at most every `redrawInterval` seconds); when
/// output goes to a file or pipe it prints a plain line at every tenth of the work instead, so
/// logs stay short and readable.
public final class ProgressBar {
    private let total: Int
    private let label: String
    private let unit: String
    private let interactive: Bool
    private let write: (String) -> Void
    private let clock: () -> Double
    private let barWidth: Int
    private let redrawInterval: Double
    private let start: Double
    private var lastDraw: Double = -Double.infinity
    private var lastTenth = 0
    private var completed = 0
    private var loss: Double?
    private var finished = false

    /// Creates a bar for `total` items; `write`, `clock` and `interactive` can be replaced in tests.
    public init(
        total: Int, label: String, unit: String = "img",
        interactive: Bool = ProgressBar.standardErrorIsTerminal,
        redrawInterval: Double = 0.1, barWidth: Int = 24,
        write: @escaping (String) -> Void = ProgressBar.writeToStandardError,
        clock: @escaping () -> Double = ProgressBar.monotonicSeconds
    ) {
        self.total = max(0, total)
        self.label = label
        self.unit = unit
        self.interactive = interactive
        self.redrawInterval = redrawInterval
        self.barWidth = max(1, barWidth)
        self.write = write
        self.clock = clock
        self.start = clock()
    }

    /// Records that `completed` items are done, with the running loss if known, and redraws when due.
    public func update(completed: Int, loss: Double? = nil) {
        guard !finished else { return }
        self.completed = min(max(0, completed), total)
        if let loss { self.loss = loss }
        let now = clock()
        if interactive {
            guard now - lastDraw >= redrawInterval || self.completed == total else { return }
            lastDraw = now
            write("\r" + line(now: now, done: false) + "\u{1B}[K")
        } else {
            let tenth = total == 0 ? 10 : self.completed * 10 / total
            guard tenth > lastTenth, self.completed < total else { return }
            lastTenth = tenth
            write(line(now: now, done: false) + "\n")
        }
    }

    /// Erases the line being redrawn on a terminal so other output can be printed; the next
    /// `update` draws the bar again. Does nothing on a file or pipe, where lines are never redrawn.
    public func clear() {
        guard interactive, !finished else { return }
        write("\r\u{1B}[K")
        lastDraw = -Double.infinity
    }

    /// Draws the final state with the elapsed time and ends the line; later calls do nothing.
    public func finish(loss: Double? = nil) {
        guard !finished else { return }
        finished = true
        if let loss { self.loss = loss }
        let text = line(now: clock(), done: true)
        write(interactive ? "\r" + text + "\u{1B}[K\n" : text + "\n")
    }

    private func line(now: Double, done: Bool) -> String {
        ProgressBar.render(
            label: label, completed: completed, total: total, elapsed: now - start,
            loss: loss, unit: unit, barWidth: barWidth, done: done)
    }

    /// The text of one progress line; pure, so it can be checked in tests.
    public static func render(
        label: String, completed: Int, total: Int, elapsed: Double, loss: Double?,
        unit: String = "img", barWidth: Int = 24, done: Bool = false
    ) -> String {
        let fraction = total > 0 ? Double(completed) / Double(total) : 1
        let filled = min(barWidth, Int((fraction * Double(barWidth)).rounded(.down)))
        var bar = String(repeating: "=", count: filled)
        if filled < barWidth { bar += ">" + String(repeating: " ", count: barWidth - filled - 1) }
        let percent = Int((fraction * 100).rounded(.down))
        let rate = elapsed > 0 ? Double(completed) / elapsed : .nan
        var parts = ["\(label) [\(bar)] \(pad(percent, 3))% \(completed)/\(total)"]
        parts.append("\(NumberFormat.fixed(rate, rate < 100 ? 1 : 0, placeholder: "--")) \(unit)/s")
        if let loss { parts.append("loss \(NumberFormat.fixed(loss, 4))") }
        if done {
            parts.append("in \(DurationFormat.clock(elapsed))")
        } else {
            let remaining = rate > 0 ? Double(total - completed) / rate : .nan
            parts.append("ETA \(DurationFormat.clock(remaining))")
        }
        return parts.joined(separator: " | ")
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// Whether standard error is a terminal, where redrawing in place works.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes text to standard error without buffering.
    public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Seconds from an arbitrary fixed point, never going backwards.
    public static func monotonicSeconds() -> Double { ProcessInfo.processInfo.systemUptime }
}
