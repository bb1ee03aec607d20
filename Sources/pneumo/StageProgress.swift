import PneumoApp

/// Progress bars on standard error for a command's stages: one bar per stage name, drawn from
/// its first report and finished when its work is done, so standard output stays clean.
final class StageProgress {
    private var bars: [String: ProgressBar] = [:]
    private var current: ProgressBar?

    /// Records `done` of `total` items of `stage`.
    func update(_ stage: String, done: Int, total: Int) {
        let bar = bars[stage] ?? {
            let made = ProgressBar(total: total, label: stage)
            bars[stage] = made
            return made
        }()
        current = bar
        bar.update(completed: done)
        if done >= total { bar.finish() }
    }

    /// Erases the bar being drawn so a line can be printed; the next update draws it again.
    func clear() {
        current?.clear()
    }
}
