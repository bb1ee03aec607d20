import Foundation
import XCTest

/// Only the engine and the host layer under it make OpenCL objects: the modules above pass a
/// context around but never open one (`EngineRuntime.open` does), allocate a device buffer,
/// build a program or kernel, or call the C API. Checked by reading their sources.
final class LayerBoundaryTests: XCTestCase {
    /// The modules above the engine, as folders under `Sources/`.
    private static let modules = ["PneumoApp", "PneumoServe", "pneumo", "PneumoData"]

    /// A construction of an OpenCL object: a context, buffer, program, kernel, pool or binary
    /// cache made by its initializer, a kernel or program built from a context, an OpenCL C
    /// call, or the C module imported.
    private static func constructionPattern() throws -> NSRegularExpression {
        try NSRegularExpression(
            pattern: #"\b(ComputeContext|DeviceBuffer|Program|Kernel|BufferPool|BinaryCache)\s*(<[^>]*>)?\s*(\.init)?\s*\("#
                + #"|\bcl[A-Z]\w*\s*\("# + #"|\.(kernel|program)\s*\("# + #"|^\s*(@\w+\s+)*import\s+COpenCL\b"#,
            options: [.anchorsMatchLines])
    }

    /// The source without comments, so a doc comment may name what the code must not do.
    private static func code(_ source: String) -> String {
        source.replacingOccurrences(of: #"/\*[\s\S]*?\*/"#, with: "", options: .regularExpression)
            .replacingOccurrences(of: #"//[^\n]*"#, with: "", options: .regularExpression)
    }

    private static func matches(_ pattern: NSRegularExpression, _ text: String) -> Bool {
        pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// The pattern catches each way of making an OpenCL object and leaves passing one around alone.
    func testPatternCatchesConstructionsAndNothingElse() throws {
        let pattern = try Self.constructionPattern()
        let bad = [
            "let context = try ComputeContext(device: device)",
            "return try ComputeContext(device: gpu, profiling: profile)",
            "let context = try ComputeContext.init(choice: choice)",
            "staging = try DeviceBuffer<Float>(context, count: max(1, total))",
            "output = try DeviceBuffer(context, count: outputCount)",
            "let kernel = try context.kernel(\"smoke.cl\", \"vector_add\")",
            "let program = try context.program(source: text, label: \"x.cl\")",
            "let status = clCreateBuffer(handle, flags, size, nil, &error)",
            "import COpenCL",
            "@preconcurrency import COpenCL",
        ]
        for line in bad { XCTAssertTrue(Self.matches(pattern, line), "not caught: \(line)") }
        let fine = [
            "let context: ComputeContext",
            "init(context: ComputeContext, buffer: DeviceBuffer<Float>) throws {",
            "let context = try EngineRuntime.open(device: device, profiling: true)",
            "let tensor = try Tensor(context, shape: [4]).buffer",
            "let layer = GaussianKernel(size: 3)",
            "let bounded = clamp(value, 0, 1)",
            "import OpenCLKit",
        ]
        for line in fine { XCTAssertFalse(Self.matches(pattern, line), "wrongly caught: \(line)") }
        XCTAssertEqual(Self.code("let a = 1 // ComputeContext(device: d)\n/* DeviceBuffer(c, count: 1) */ let b = 2"), "let a = 1 \n let b = 2")
    }

    func testModulesAboveTheEngineMakeNoOpenCLObjects() throws {
        let pattern = try Self.constructionPattern()
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var offences: [String] = []
        var scanned: [String: Int] = [:]
        var lines = 0
        for module in Self.modules {
            let folder = sources.appendingPathComponent(module)
            guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
                XCTFail("cannot list \(folder.path)")
                continue
            }
            for case let file as URL in walker where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                scanned[module, default: 0] += 1
                for (number, line) in Self.code(text).components(separatedBy: "\n").enumerated() {
                    lines += 1
                    if Self.matches(pattern, line) {
                        offences.append("\(module)/\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        // The scan must have read the modules, not an empty or wrong folder.
        for module in Self.modules { XCTAssertGreaterThanOrEqual(scanned[module] ?? 0, 10, "Swift files found in Sources/\(module)") }
        XCTAssertGreaterThan(scanned.values.reduce(0, +), 200)
        XCTAssertGreaterThan(lines, 15_000)
        XCTAssertEqual(offences, [], "open contexts with EngineRuntime.open and let engine types (Tensor, ops) own device memory")
    }
}
