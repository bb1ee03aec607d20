import Engine
import Foundation
import OpenCLKit
import XCTest

/// One CPU (PoCL) context shared by the tuning tests, so kernels build once per run.
enum TestDevice {
    private static let shared: Result<ComputeContext, Error> = Result {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        return try EngineRuntime.open(device: choice.device)
    }

    static func context() throws -> ComputeContext { try shared.get() }
}

/// Asserts that two arrays agree elementwise within |a - b| <= absolute + relative * |b|.
func assertClose(
    _ actual: [Float], _ expected: [Float], absolute: Float, relative: Float, file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "element count", file: file, line: line)
    let worst = zip(actual, expected).enumerated().first { !(abs($0.element.0 - $0.element.1) <= absolute + relative * abs($0.element.1)) }
    if let worst {
        XCTFail("mismatch at \(worst.offset): \(worst.element.0) vs \(worst.element.1)", file: file, line: line)
    }
}
