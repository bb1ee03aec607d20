import OpenCLKit

/// Where element (r, kk) of a logical R x K matrix lives: offset + r*rowStride +
/// (kk / kInner)*kOuterStride + (kk % kInner)*kStride, plus batchStride per batch item.
struct PanelSource {
    let buffer: DeviceBuffer<Float>
    let offset: Int
    let rowStride: Int
    let kStride: Int
    let kInner: Int
    let kOuterStride: Int
    let batchStride: Int

    init(buffer: DeviceBuffer<Float>, offset: Int, rowStride: Int, kStride: Int, kInner: Int, kOuterStride: Int, batchStride: Int) {
        self.buffer = buffer
        self.offset = offset
        self.rowStride = rowStride
        self.kStride = kStride
        self.kInner = kInner
        self.kOuterStride = kOuterStride
        self.batchStride = batchStride
    }

    /// op(A) seen as m x k: rows of op(A) become panel rows.
    init(rowsOf a: GEMMOperand, k: Int) {
        self.init(
            buffer: a.buffer, offset: a.offset, rowStride: a.transposed ? 1 : a.leadingDimension,
            kStride: a.transposed ? a.leadingDimension : 1, kInner: max(k, 1), kOuterStride: 0, batchStride: a.batchStride)
    }

    /// op(B) seen as n x k: columns of op(B) become panel rows.
    init(columnsOf b: GEMMOperand, k: Int) {
        self.init(
            buffer: b.buffer, offset: b.offset, rowStride: b.transposed ? b.leadingDimension : 1,
            kStride: b.transposed ? 1 : b.leadingDimension, kInner: max(k, 1), kOuterStride: 0, batchStride: b.batchStride)
    }
}
