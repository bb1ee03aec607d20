import OpenCLKit

/// Checks a GEMM's sizes against its buffers before anything is queued, so a wrong shape is
/// a Swift error naming the operand instead of an out-of-bounds access on the device.
enum GEMMShapeCheck {
    static func validate(
        m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand, c: GEMMOperand, batch: Int, bias: GEMMBias
    ) throws {
        guard m >= 0, n >= 0, k >= 0, batch >= 0 else {
            throw EngineError.invalidConfiguration("GEMM sizes must not be negative (m \(m), n \(n), k \(k), batch \(batch))")
        }
        guard !c.transposed else {
            throw EngineError.invalidConfiguration("GEMM output C cannot be transposed; swap and transpose A and B instead")
        }
        try check("A", a, rows: m, columns: k, batch: batch)
        try check("B", b, rows: k, columns: n, batch: batch)
        try check("C", c, rows: m, columns: n, batch: batch)
        if batch > 1, m > 0, n > 0, c.batchStride < (m - 1) * c.leadingDimension + n {
            throw EngineError.invalidConfiguration(
                "GEMM C batch stride \(c.batchStride) makes batch items overlap (each needs \((m - 1) * c.leadingDimension + n))")
        }
        switch bias {
        case .none: break
        case let .perRow(buffer) where buffer.count < m:
            throw EngineError.shapeMismatch("GEMM per-row bias has \(buffer.count) values for \(m) rows")
        case let .perColumn(buffer) where buffer.count < n:
            throw EngineError.shapeMismatch("GEMM per-column bias has \(buffer.count) values for \(n) columns")
        default: break
        }
    }

    /// `operand` used as a `rows` x `columns` matrix (after its transpose) for `batch` items.
    private static func check(_ name: String, _ operand: GEMMOperand, rows: Int, columns: Int, batch: Int) throws {
        let storedRows = operand.transposed ? columns : rows
        let storedColumns = operand.transposed ? rows : columns
        let shape = "\(name) is \(rows) x \(columns)\(operand.transposed ? " (stored transposed)" : "")"
        guard operand.offset >= 0, operand.batchStride >= 0 else {
            throw EngineError.invalidConfiguration("GEMM \(shape): offset and batch stride must not be negative")
        }
        guard operand.leadingDimension >= storedColumns else {
            throw EngineError.shapeMismatch(
                "GEMM \(shape): leading dimension \(operand.leadingDimension) is smaller than its \(storedColumns) stored columns")
        }
        guard storedRows > 0, storedColumns > 0, batch > 0 else { return }
        let last = operand.offset + (batch - 1) * operand.batchStride + (storedRows - 1) * operand.leadingDimension + storedColumns - 1
        guard last < operand.buffer.count else {
            throw EngineError.shapeMismatch(
                "GEMM \(shape) with offset \(operand.offset), leading dimension \(operand.leadingDimension), batch \(batch) x stride \(operand.batchStride) "
                    + "reaches element \(last), but its buffer holds \(operand.buffer.count)")
        }
        guard last < Int(Int32.max) else {
            throw EngineError.invalidConfiguration("GEMM \(name) reaches element \(last), past the kernels' 32-bit indexing; split the product")
        }
    }
}
