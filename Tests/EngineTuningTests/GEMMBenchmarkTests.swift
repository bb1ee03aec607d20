import Engine
import EngineTuning
import Foundation
import XCTest

/// The benchmark validates before timing. The 1024^3 measurement runs only on request:
/// `PNEUMO_BENCH=1 swift test --filter GEMMBenchmarkTests` (compare with Scripts/numpy_gemm.py).
final class GEMMBenchmarkTests: XCTestCase {
    func testSmallBenchmarkValidatesAndReportsSpeed() throws {
        let result = try GEMMBenchmark.run(TestDevice.context(), m: 37, n: 45, k: 29, warmup: 0, runs: 2)
        XCTAssertGreaterThan(result.gflops, 0)
        XCTAssertLessThan(result.validationError, 1e-4)
        XCTAssertEqual(result.runs, 2)
    }

    func testBenchmark1024() throws {
        guard ProcessInfo.processInfo.environment["PNEUMO_BENCH"] == "1" else { throw XCTSkip("set PNEUMO_BENCH=1 to time GEMM at 1024^3") }
        let size = Int(ProcessInfo.processInfo.environment["PNEUMO_BENCH_SIZE"] ?? "") ?? 1024
        print(try GEMMBenchmark.run(TestDevice.context(), m: size, n: size, k: size))
    }
}
