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
            // Files with required shape constants declare defaults for a compile check.
            XCTAssertNoThrow(try context.program(source: source, label: file, options: compileCheckOptions(source)), file)
        }
    }

    /// A file may list `// compile-check: -D A=1 -D B=2` for the constants it needs.
    private func compileCheckOptions(_ source: String) -> String {
        for line in source.split(separator: "\n") where line.hasPrefix("// compile-check:") {
            return line.dropFirst("// compile-check:".count).trimmingCharacters(in: .whitespaces)
        }
        return ""
    }
}
