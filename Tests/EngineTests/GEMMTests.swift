import Engine
import OpenCLKit
import XCTest

/// GEMM kernels against `GEMMReference`. Tolerance: |error| <= 2e-4 + 1e-4 * |expected| for
/// N(0, 1) inputs with k <= 70 (float sums against a Double oracle).
final class GEMMTests: XCTestCase {
    private struct Case {
        let m, n, k: Int
        var transposeA = false, transposeB = false
        var alpha: Float = 1, beta: Float = 0
        var pad = 0          // extra leading-dimension columns
        var offset = 0       // leading elements skipped in every buffer
        var batch = 1
        var bias = 0         // 0 none, 1 per row, 2 per column
    }

    private let cases: [Case] = [
        Case(m: 1, n: 1, k: 1),
        Case(m: 7, n: 5, k: 3),
        Case(m: 13, n: 37, k: 29, transposeA: true),
        Case(m: 33, n: 17, k: 45, transposeB: true, alpha: 0.5, beta: 2),
        Case(m: 25, n: 70, k: 19, transposeA: true, transposeB: true, pad: 3, offset: 5),
        Case(m: 12, n: 32, k: 64, beta: -1, bias: 1),
        Case(m: 50, n: 41, k: 9, pad: 1, offset: 2, batch: 3, bias: 2),
        Case(m: 6, n: 65, k: 70, transposeB: true, batch: 2, bias: 1),
        Case(m: 4, n: 3, k: 0, beta: 0.5, bias: 2),
    ]

    func testPackedDefaultTuningMatchesReference() throws {
        let gemm = try GEMM(TestDevice.context())
        for c in cases { try check(c, gemm: gemm, path: .packed) }
    }

    func testPackedSmallTilesMatchReference() throws {
        let gemm = try GEMM(TestDevice.context(), tuning: GEMMTuning(tileRows: 3, tileColumns: 8, vectorWidth: 4, localSize: 2))
        for c in cases { try check(c, gemm: gemm, path: .packed) }
    }

    func testNaiveMatchesReference() throws {
        let gemm = try GEMM(TestDevice.context())
        for c in cases { try check(c, gemm: gemm, path: .naive) }
    }

    func testAutomaticPathIsDeterministic() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context)
        var rng = SeededGenerator(seed: 3)
        let a = try DeviceBuffer(context, (0..<40 * 50).map { _ in rng.nextNormal() })
        let b = try DeviceBuffer(context, (0..<50 * 30).map { _ in rng.nextNormal() })
        var results: [[Float]] = []
        for _ in 0..<2 {
            let c = try DeviceBuffer<Float>(context, count: 40 * 30)
            try gemm.multiply(m: 40, n: 30, k: 50, GEMMOperand(a, leadingDimension: 50), GEMMOperand(b, leadingDimension: 30), GEMMOperand(c, leadingDimension: 30))
            results.append(try c.read())
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testColumnSumsMatchReference() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context)
        var rng = SeededGenerator(seed: 11)
        let (rows, columns) = (23, 19)
        let x = (0..<rows * columns).map { _ in rng.nextNormal() }
        let out = try DeviceBuffer<Float>(context, count: columns)
        try gemm.sumColumns(rows: rows, columns: columns, try DeviceBuffer(context, x), leadingDimension: columns, into: out)
        assertClose(try out.read(), GEMMReference.sumColumns(x, rows: rows, columns: columns), absolute: 1e-4)
    }

    func testBadShapesThrowClearErrors() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context)
        let small = try DeviceBuffer<Float>(context, count: 10)
        let big = try DeviceBuffer<Float>(context, count: 100)
        XCTAssertThrowsError(
            try gemm.multiply(m: 4, n: 4, k: 4, GEMMOperand(small, leadingDimension: 4), GEMMOperand(big, leadingDimension: 4), GEMMOperand(big, leadingDimension: 4))
        ) { error in
            XCTAssertTrue("\(error)".contains("GEMM A is 4 x 4"), "\(error)")
            XCTAssertTrue("\(error)".contains("buffer holds 10"), "\(error)")
        }
        XCTAssertThrowsError(
            try gemm.multiply(m: 4, n: 4, k: 4, GEMMOperand(big, leadingDimension: 3), GEMMOperand(big, leadingDimension: 4), GEMMOperand(big, leadingDimension: 4))
        ) { error in XCTAssertTrue("\(error)".contains("leading dimension 3"), "\(error)") }
        XCTAssertThrowsError(
            try gemm.multiply(m: 4, n: 4, k: 4, GEMMOperand(big, leadingDimension: 4), GEMMOperand(big, leadingDimension: 4), GEMMOperand(big, leadingDimension: 4, transposed: true))
        ) { error in XCTAssertTrue("\(error)".contains("cannot be transposed"), "\(error)") }
        XCTAssertThrowsError(try GEMM(context, tuning: GEMMTuning(tileRows: 4, tileColumns: 12, vectorWidth: 8))) { error in
            XCTAssertTrue("\(error)".contains("multiple of vectorWidth 8"), "\(error)")
        }
    }

    private func check(_ c: Case, gemm: GEMM, path: GEMMPath, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = gemm.context
        var rng = SeededGenerator(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        let (aRows, aColumns) = c.transposeA ? (c.k, c.m) : (c.m, c.k)
        let (bRows, bColumns) = c.transposeB ? (c.n, c.k) : (c.k, c.n)
        let lda = aColumns + c.pad, ldb = bColumns + c.pad, ldc = c.n + c.pad
        let strideA = aRows * lda, strideB = bRows * ldb, strideC = c.m * ldc
        func random(_ count: Int) -> [Float] { (0..<count).map { _ in rng.nextNormal() } }
        let a = random(c.offset + c.batch * strideA)
        let b = random(c.offset + c.batch * strideB)
        let c0 = random(c.offset + c.batch * strideC)
        let bias = random(c.bias == 1 ? c.m : c.n)

        var expected = c0
        for item in 0..<c.batch {
            GEMMReference.multiply(
                m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                a: a, offsetA: c.offset + item * strideA, lda: lda, transposeA: c.transposeA,
                b: b, offsetB: c.offset + item * strideB, ldb: ldb, transposeB: c.transposeB,
                beta: c.beta, c: &expected, offsetC: c.offset + item * strideC, ldc: ldc,
                rowBias: c.bias == 1 ? bias : nil, columnBias: c.bias == 2 ? bias : nil)
        }
        let cBuffer = try DeviceBuffer(context, c0)
        let biasBuffer = try DeviceBuffer(context, bias)
        try gemm.multiply(
            m: c.m, n: c.n, k: c.k, alpha: c.alpha,
            GEMMOperand(try DeviceBuffer(context, a), offset: c.offset, leadingDimension: lda, transposed: c.transposeA, batchStride: strideA),
            GEMMOperand(try DeviceBuffer(context, b), offset: c.offset, leadingDimension: ldb, transposed: c.transposeB, batchStride: strideB),
            beta: c.beta, GEMMOperand(cBuffer, offset: c.offset, leadingDimension: ldc, batchStride: strideC), batch: c.batch,
            bias: c.bias == 1 ? .perRow(biasBuffer) : c.bias == 2 ? .perColumn(biasBuffer) : .none, path: path)
        assertClose(try cBuffer.read(), expected, absolute: 2e-4, relative: 1e-4, "\(c) \(path) \(gemm.tuning)", file: file, line: line)
    }
}
