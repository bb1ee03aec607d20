import OpenCLKit

/// C = alpha * op(A) * op(B) + beta * C (+ bias), row-major, optionally batched, on the device.
public final class GEMM {
    public let context: ComputeContext
    /// The configuration used for products with no stored tuner choice (and for all products
    /// when it was given explicitly).
    public let tuning: GEMMTuning
    /// Tuner choices by shape class; nil when a tuning was given explicitly or none is stored.
    public let choices: GEMMTuningTable?
    /// True when `tuning` was given and applies to every product.
    let fixed: Bool
    /// The context's profile when built: the starting tiles of products with no stored choice.
    let profile: DeviceProfile
    let naiveKernel: Kernel
    let packKernel: Kernel
    let columnSumKernel: Kernel
    private var packedKernels: [GEMMTuning: Kernel] = [:]

    /// Products below this many multiply-adds take the naive kernel on `.automatic`.
    static let naiveLimit = 32 * 32 * 32

    /// Builds the kernels. With `tuning`, every product uses it; without, each product uses
    /// the stored tuner choice for its shape class (`choices`, by default those that
    /// `pneumo bench --tune` stored for this device), else the context profile's tiles.
    public init(_ context: ComputeContext, tuning: GEMMTuning? = nil, choices: GEMMTuningTable? = nil) throws {
        let deviceTuning = try context.deviceTuning()
        let fallback = tuning ?? deviceTuning.profile.gemmTiles
        try fallback.validate()
        self.context = context
        self.tuning = fallback
        profile = deviceTuning.profile
        fixed = tuning != nil
        if tuning == nil {
            let table = choices ?? deviceTuning.choices
            self.choices = table?.matches(context.device) == true ? table : nil
        } else {
            self.choices = nil
        }
        naiveKernel = try context.kernel("gemm.cl", "gemm_naive", defines: fallback.defines)
        packKernel = try context.kernel("gemm.cl", "pack_panels", defines: fallback.defines)
        columnSumKernel = try context.kernel("gemm.cl", "sum_columns", defines: fallback.defines)
        packedKernels[fallback] = try context.kernel("gemm.cl", "gemm_packed", defines: fallback.defines)
    }

    /// The configuration for `product`: the explicit `tuning` if one was given, else the
    /// stored choice for its shape class, else the profile's tiles for it.
    public func tuning(for product: TunedProduct) -> GEMMTuning {
        if fixed { return tuning }
        if let choice = choices?.tuning(for: product.shapeClass), (try? choice.validate()) != nil { return choice }
        return profile.tiles(for: product)
    }

    /// The register-blocked kernel built for `tuning` (once per configuration).
    func packedKernel(_ tuning: GEMMTuning) throws -> Kernel {
        if let kernel = packedKernels[tuning] { return kernel }
        let kernel = try context.kernel("gemm.cl", "gemm_packed", defines: tuning.defines)
        packedKernels[tuning] = kernel
        return kernel
    }

    /// C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] + bias for b in 0..<batch, where op(A) is
    /// m x k, op(B) is k x n and C is m x n. With beta = 0, C is not read (it may hold garbage).
    /// With `rectify`, max(., 0) of that is stored (an inference layer's ReLU, in the same pass).
    /// With `preparedB`, a B shared by the batch (batch stride 0) is packed once and kept there
    /// until its buffer is written (an inference layer's weights).
    public func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1, _ a: GEMMOperand, _ b: GEMMOperand,
        beta: Float = 0, _ c: GEMMOperand, batch: Int = 1, bias: GEMMBias = .none, rectify: Bool = false,
        path: GEMMPath = .automatic, preparedB: PreparedWeights? = nil
    ) throws {
        try GEMMShapeCheck.validate(m: m, n: n, k: k, a: a, b: b, c: c, batch: batch, bias: bias)
        if m == 0 || n == 0 || batch == 0 { return }
        let usePacked: Bool
        switch path {
        case .automatic: usePacked = m * n * k >= GEMM.naiveLimit
        case .packed: usePacked = true
        case .naive: usePacked = false
        }
        if !usePacked {
            try runNaive(m: m, n: n, k: k, alpha: alpha, a, b, beta: beta, c, batch: batch, bias: bias, rectify: rectify)
            return
        }
        let product = TunedProduct(kernel: .gemm, m: m, n: n, k: k, batch: batch)
        WorkLedger.record(context, product: product)
        let tuning = tuning(for: product)
        let aPanels = try DeviceBuffer<Float>(context, count: packedCount(rows: m, k: k, tile: tuning.tileRows) * (a.batchStride == 0 ? 1 : batch))
        let aStride = try pack(PanelSource(rowsOf: a, k: k), rows: m, k: k, tile: tuning.tileRows, batch: batch, into: aPanels)
        let packB: () throws -> (DeviceBuffer<Float>, Int) = {
            let panels = try DeviceBuffer<Float>(self.context, count: self.packedCount(rows: n, k: k, tile: tuning.tileColumns) * (b.batchStride == 0 ? 1 : batch))
            return (panels, try self.pack(PanelSource(columnsOf: b, k: k), rows: n, k: k, tile: tuning.tileColumns, batch: batch, into: panels))
        }
        let bPanels: DeviceBuffer<Float>
        let bStride: Int
        if let preparedB, b.batchStride == 0 {
            let key = PreparedWeights.Key(
                arrangement: "gemm B panels", layout: [tuning.tileColumns, n, k, b.offset, b.leadingDimension, b.transposed ? 1 : 0])
            (bPanels, bStride) = (try preparedB.buffer(key, from: b.buffer) { try packB().0 }, 0)
        } else {
            (bPanels, bStride) = try packB()
        }
        try multiplyPacked(
            m: m, n: n, k: k, alpha: alpha, aPanels: aPanels, aStride: aStride, bPanels: bPanels, bStride: bStride,
            beta: beta, c, batch: batch, bias: bias, rectify: rectify, tuning: tuning)
    }

    /// out[j] = sum over i of src[i * ld + j] (+ beta * out[j]), summed in row order.
    public func sumColumns(rows: Int, columns: Int, _ source: DeviceBuffer<Float>, leadingDimension: Int, into out: DeviceBuffer<Float>, beta: Float = 0) throws {
        guard rows >= 0, columns >= 0, leadingDimension >= columns,
              rows == 0 || (rows - 1) * leadingDimension + columns <= source.count, columns <= out.count
        else {
            throw EngineError.shapeMismatch(
                "sumColumns: \(rows) x \(columns) (ld \(leadingDimension)) does not fit source \(source.count) / output \(out.count)")
        }
        if columns == 0 { return }
        try context.launch(columnSumKernel, global: [columns], local: [16], rows, columns, source, leadingDimension, out, beta)
        WorkLedger.record(context, columnSumKernel, bytes: floatBytes(rows * columns + columns))
    }

    // MARK: Building blocks shared with convolution

    /// Floats needed by one batch item of `rows` x `k` packed into panels of `tile` rows.
    func packedCount(rows: Int, k: Int, tile: Int) -> Int { roundUp(max(rows, 1), to: tile) * max(k, 1) }

    /// Packs `rows` x `k` of `source` for each batch item (once when the source has batch stride 0);
    /// returns the batch stride of the packed copy.
    @discardableResult
    func pack(_ source: PanelSource, rows: Int, k: Int, tile: Int, batch: Int, into panels: DeviceBuffer<Float>) throws -> Int {
        let items = source.batchStride == 0 ? 1 : batch
        let stride = packedCount(rows: rows, k: k, tile: tile)
        guard stride * items <= panels.count else {
            throw EngineError.shapeMismatch("packed panels need \(stride * items) floats, buffer has \(panels.count)")
        }
        guard stride * items < Int(Int32.max) else {
            throw EngineError.invalidConfiguration(
                "packing \(items) x \(rows) x \(k) floats passes the kernels' 32-bit indexing; split the product or the batch")
        }
        if rows == 0 || k == 0 || items == 0 { return items == 1 ? 0 : stride }
        try context.launch(
            packKernel, global: [k, (rows + tile - 1) / tile, items], local: [16, 1, 1],
            rows, k, tile, source.buffer, source.offset, source.rowStride, source.kStride,
            max(source.kInner, 1), source.kOuterStride, source.batchStride, panels, stride)
        WorkLedger.record(context, packKernel, bytes: floatBytes(2 * stride * items))
        return items == 1 ? 0 : stride
    }

    /// The register-blocked kernel on operands already packed (A panels of `tileRows`, B panels of `tileColumns`).
    func multiplyPacked(
        m: Int, n: Int, k: Int, alpha: Float, aPanels: DeviceBuffer<Float>, aStride: Int,
        bPanels: DeviceBuffer<Float>, bStride: Int, beta: Float, _ c: GEMMOperand, batch: Int, bias: GEMMBias,
        rectify: Bool = false, tuning: GEMMTuning? = nil
    ) throws {
        if m == 0 || n == 0 || batch == 0 { return }
        let tuning = tuning ?? self.tuning
        let kernel = try packedKernel(tuning)
        let rowTiles = (m + tuning.tileRows - 1) / tuning.tileRows
        let columnTiles = (n + tuning.tileColumns - 1) / tuning.tileColumns
        try context.launch(
            kernel, global: [rowTiles, columnTiles, batch], local: [tuning.localSize, 1, 1],
            m, n, k, aPanels, aStride, bPanels, bStride, c.buffer, c.offset, c.leadingDimension, c.batchStride,
            alpha, beta, bias.buffer ?? c.buffer, bias.mode(rectify: rectify))
        WorkLedger.record(
            context, kernel, flops: 2 * Double(m) * Double(n) * Double(k) * Double(batch),
            bytes: floatBytes((aStride == 0 ? rowTiles * tuning.tileRows * k : aStride * batch)
                + (bStride == 0 ? columnTiles * tuning.tileColumns * k : bStride * batch) + m * n * batch))
    }

    private func runNaive(
        m: Int, n: Int, k: Int, alpha: Float, _ a: GEMMOperand, _ b: GEMMOperand, beta: Float, _ c: GEMMOperand,
        batch: Int, bias: GEMMBias, rectify: Bool
    ) throws {
        try context.launch(
            naiveKernel, global: [n, m, batch], local: [16, 4, 1],
            m, n, k, Int32(a.transposed ? 1 : 0), Int32(b.transposed ? 1 : 0),
            a.buffer, a.offset, a.leadingDimension, a.batchStride,
            b.buffer, b.offset, b.leadingDimension, b.batchStride,
            c.buffer, c.offset, c.leadingDimension, c.batchStride, alpha, beta, bias.buffer ?? c.buffer, bias.mode(rectify: rectify))
        WorkLedger.record(
            context, naiveKernel, flops: 2 * Double(m) * Double(n) * Double(k) * Double(batch), bytes: floatBytes((m * k + k * n + m * n) * batch))
    }
}
