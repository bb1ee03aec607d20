// Input gradient of a strided convolution from its column gradients cols[image][CKK][P]
// (P = OH * OW): every input pixel sums the entries that read it.
//
// Work-item (u, y, image * C + c) computes the TAP_STRIDE input pixels
// x = u * TAP_STRIDE + phase - padLeft, one phase after the other. For a fixed phase the taps
// that reach x are j = phase, phase + TAP_STRIDE, ..., and tap j reads output column
// ow = u - (j - phase) / TAP_STRIDE: neighbouring work-items read neighbouring columns, so the
// loads vectorise. With one work-item per pixel, the taps depended on x's parity and PoCL ran
// the loops one work-item at a time (about 6x slower at stride 2). The kernel's size and stride
// are build options (TAPS_H, TAPS_W, TAP_STRIDE), so the tap loops can unroll into straight code.
// compile-check: -D TAPS_H=3 -D TAPS_W=3 -D TAP_STRIDE=2
// compile-check: -D TAPS_H=1 -D TAPS_W=1 -D TAP_STRIDE=2
__kernel void col2im(
    const int C, const int H, const int W, const int padTop, const int padLeft,
    const int OH, const int OW, const int images,
    __global const float *cols, __global float *dx, const int dxOffset)
{
    const int u = get_global_id(0);
    const int y = get_global_id(1);
    const int bc = get_global_id(2);
    if (u * TAP_STRIDE >= W + padLeft || y >= H || bc >= images * C) return;
    const int P = OH * OW;
    const __global float *col = cols + (bc * TAPS_H * TAPS_W) * P;
    const int ty = y + padTop;
    // Unrolled by request: PoCL vectorises across work-items only straight code (without the
    // pragmas this kernel ran 4x slower).
    #pragma unroll
    for (int phase = 0; phase < TAP_STRIDE; ++phase) {
        float sum = 0.0f;
        #pragma unroll
        for (int i = 0; i < TAPS_H; ++i) {
            // Row tap i reaches y only from output row (ty - i) / TAP_STRIDE, when that divides;
            // the same for every work-item of a group (they share y).
            const int dy = ty - i, oh = dy / TAP_STRIDE;
            if (dy < 0 || dy % TAP_STRIDE != 0 || oh >= OH) continue;
            const __global float *taps = col + i * TAPS_W * P + oh * OW;
            #pragma unroll
            for (int j = phase; j < TAPS_W; j += TAP_STRIDE) {
                const int ow = u - (j - phase) / TAP_STRIDE;
                const bool inside = ow >= 0 && ow < OW;
                // The index stays in bounds even where the value is not used.
                sum += inside ? taps[j * P + (inside ? ow : 0)] : 0.0f;
            }
        }
        const int x = u * TAP_STRIDE + phase - padLeft;
        if (x >= 0 && x < W) dx[dxOffset + (bc * H + y) * W + x] = sum;
    }
}
