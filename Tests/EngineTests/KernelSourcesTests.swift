import Engine
import OpenCLKit
import XCTest

/// Every embedded `.cl` file must compile on the test device: a host build alone never
/// compiles them, so a typo would otherwise surface only at run time.
final class KernelSourcesTests: XCTestCase {
    func testEveryKernelFileBuilds() throws {
        let context = try TestDevice.context()
        XCTAssertFalse(KernelLibrary.files.isEmpty)
        for file in KernelLibrary.files {
            let source = try KernelLibrary.source(file)
            // Files with required shape constants or optional paths declare the sets to check.
            for options in compileCheckOptions(source) {
                XCTAssertNoThrow(try context.program(source: source, label: file, options: options), "\(file) \(options)")
            }
        }
    }

    /// A file may list `// compile-check: -D A=1 -D B=2` lines, one option set each (for
    /// constants it needs, and for paths this device would not take, such as a GPU's).
    private func compileCheckOptions(_ source: String) -> [String] {
        let sets = source.split(separator: "\n").filter { $0.hasPrefix("// compile-check:") }.map {
            $0.dropFirst("// compile-check:".count).trimmingCharacters(in: .whitespaces)
        }
        return sets.isEmpty ? [""] : sets
    }
}
