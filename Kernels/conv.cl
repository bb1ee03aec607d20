// 2-D convolution (NCHW, weights [F][C][KH][KW]) as im2col + the packed GEMM of gemm.cl.
//
// Why this design: on a CPU the GEMM micro kernel runs near the machine's FMA limit only
// when it streams unit-stride panels. A convolution's im2col matrix has to be formed
// anyway, so the forward pass writes it directly in the GEMM's packed-panel layout
// ([panels of T pixels][K][T]): packing costs nothing extra and the convolution gets the
// full GEMM speed. Backward to the input with stride 1 is itself such a convolution (of
// dY with flipped weights); with larger strides it is a GEMM into columns followed by a
// col2im gather (each input pixel sums its own contributions: no atomics, fixed order).
// Backward to the weights contracts over pixels, along which both dY and the plain im2col
// rows are contiguous, so it runs as blocked dot products with no packing at all.
//
// Geometry arguments, in order: C, H, W (input), KH, KW, stride, padTop, padLeft, OH, OW.

#ifndef DW_ROWS
#define DW_ROWS 4
#endif
#ifndef DW_COLS
#define DW_COLS 6
#endif

// Writes `count` consecutive output pixels p0, p0+1, ... of patch row (c, i, j) of one image
// to dst (zero for padding and for pixels past the last). A run of pixels within one output
// row reads one input row at a fixed stride, so the in-bounds middle of the run is a plain
// strided copy (contiguous for stride 1) that the compiler vectorizes.
inline void copy_patch_row(
    const __global float *restrict image, const int c, const int i, const int j, const int p0, const int count,
    const int H, const int W, const int stride, const int padTop, const int padLeft, const int OH, const int OW,
    __global float *restrict dst)
{
    const int P = OH * OW;
    int oh = p0 / OW;
    int ow = p0 - oh * OW;
    int t = 0;
    while (t < count) {
        __global float *restrict d = dst + t;
        if (p0 + t >= P) {
            for (int e = 0; e < count - t; ++e) d[e] = 0.0f;
            return;
        }
        const int run = min(count - t, OW - ow);
        const int y = oh * stride + i - padTop;
        if (y < 0 || y >= H) {
            for (int e = 0; e < run; ++e) d[e] = 0.0f;
        } else {
            const __global float *restrict row = image + (c * H + y) * W;
            const int x0 = ow * stride + j - padLeft;
            // Pixels e in [lo, hi) of the run read x = x0 + e * stride inside [0, W).
            const int lo = min(x0 >= 0 ? 0 : (stride - 1 - x0) / stride, run);
            const int hi = max(lo, min(x0 >= W ? 0 : (W - x0 + stride - 1) / stride, run));
            for (int e = 0; e < lo; ++e) d[e] = 0.0f;
            if (stride == 1) {
                for (int e = lo; e < hi; ++e) d[e] = row[x0 + e];
            } else {
                for (int e = lo; e < hi; ++e) d[e] = row[x0 + e * stride];
            }
            for (int e = hi; e < run; ++e) d[e] = 0.0f;
        }
        t += run;
        ow = 0;
        ++oh;
    }
}

// Forward/B operand: for each image, the CKK x P im2col matrix packed as panels of T pixels.
// Work-item (kk, panel, image) writes T contiguous floats.
__kernel void im2col_pack(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW, const int T,
    __global const float *input, const int inputOffset, __global float *panels, const int panelStride)
{
    const int kk = get_global_id(0);
    const int panel = get_global_id(1);
    const int b = get_global_id(2);
    const int K = C * KH * KW;
    if (kk >= K || panel * T >= OH * OW) return;
    copy_patch_row(
        input + inputOffset + b * C * H * W, kk / (KH * KW), (kk / KW) % KH, kk % KW, panel * T, T,
        H, W, stride, padTop, padLeft, OH, OW, panels + b * panelStride + (panel * K + kk) * T);
}

// The plain im2col matrix of each image, cols[image][CKK][P]. Work-item (block of 64 pixels,
// kk, image): neighbours write neighbouring blocks of one row.
__kernel void im2col(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW,
    __global const float *input, const int inputOffset, __global float *cols)
{
    const int p0 = get_global_id(0) * 64;
    const int kk = get_global_id(1);
    const int b = get_global_id(2);
    const int K = C * KH * KW;
    const int P = OH * OW;
    if (kk >= K || p0 >= P) return;
    copy_patch_row(
        input + inputOffset + b * C * H * W, kk / (KH * KW), (kk / KW) % KH, kk % KW, p0, min(64, P - p0),
        H, W, stride, padTop, padLeft, OH, OW, cols + (b * K + kk) * P + p0);
}

// Weight gradient as dot products along pixels, where dY and the im2col rows are both
// contiguous: dw[f][kk] = sum over images b and pixels p of dy[b][f][p] * cols[b][kk][p]
// (+ beta * dw). Work-item (filter block, tap block) keeps DW_ROWS x DW_COLS 16-wide partial
// sums and adds their lanes in a fixed order at the end.
__kernel void conv_weight_grad(
    const int F, const int CKK, const int P, const int images,
    __global const float *restrict dy, const int dyOffset, __global const float *restrict cols,
    __global float *restrict dw, const float beta)
{
    const int f0 = get_global_id(0) * DW_ROWS;
    const int k0 = get_global_id(1) * DW_COLS;
    if (f0 >= F || k0 >= CKK) return;
    float16 acc[DW_ROWS][DW_COLS];
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        #pragma unroll
        for (int q = 0; q < DW_COLS; ++q) acc[r][q] = (float16)(0.0f);
    }
    for (int b = 0; b < images; ++b) {
        // Rows past the last filter or tap repeat the last one; their sums are never stored.
        const __global float *g[DW_ROWS];
        const __global float *x[DW_COLS];
        #pragma unroll
        for (int r = 0; r < DW_ROWS; ++r) g[r] = dy + dyOffset + (b * F + min(f0 + r, F - 1)) * P;
        #pragma unroll
        for (int q = 0; q < DW_COLS; ++q) x[q] = cols + (b * CKK + min(k0 + q, CKK - 1)) * P;
        int p = 0;
        for (; p + 16 <= P; p += 16) {
            float16 gv[DW_ROWS];
            #pragma unroll
            for (int r = 0; r < DW_ROWS; ++r) gv[r] = vload16(0, g[r] + p);
            #pragma unroll
            for (int q = 0; q < DW_COLS; ++q) {
                const float16 xv = vload16(0, x[q] + p);
                #pragma unroll
                for (int r = 0; r < DW_ROWS; ++r) acc[r][q] = fma(gv[r], xv, acc[r][q]);
            }
        }
        for (; p < P; ++p) {
            #pragma unroll
            for (int r = 0; r < DW_ROWS; ++r) {
                #pragma unroll
                for (int q = 0; q < DW_COLS; ++q) acc[r][q].s0 = fma(g[r][p], x[q][p], acc[r][q].s0);
            }
        }
    }
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        if (f0 + r >= F) break;
        #pragma unroll
        for (int q = 0; q < DW_COLS; ++q) {
            if (k0 + q >= CKK) break;
            const float16 v = acc[r][q];
            const float8 h8 = v.lo + v.hi;
            const float4 h4 = h8.lo + h8.hi;
            const float2 h2 = h4.lo + h4.hi;
            const float sum = h2.x + h2.y;
            __global float *out = dw + (f0 + r) * CKK + k0 + q;
            *out = beta == 0.0f ? sum : sum + beta * *out;
        }
    }
}

// Input gradient from column gradients cols[image][CKK][P]: every input pixel gathers the
// entries that read it, in (i, j) order. Only taps i = (y + padTop) mod stride, stepping by
// stride, can reach row y, so there is no division per tap. Work-item (x, y, image * C + c).
__kernel void col2im(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW, const int images,
    __global const float *cols, __global float *dx, const int dxOffset)
{
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int bc = get_global_id(2);
    if (x >= W || y >= H || bc >= images * C) return;
    const int P = OH * OW;
    const __global float *col = cols + (bc * KH * KW) * P;
    const int ty = y + padTop;
    const int tx = x + padLeft;
    const int iFirst = ty % stride;
    const int jFirst = tx % stride;
    float sum = 0.0f;
    for (int i = iFirst, oh = ty / stride; i < KH && oh >= 0; i += stride, --oh) {
        if (oh >= OH) continue;
        for (int j = jFirst, ow = tx / stride; j < KW && ow >= 0; j += stride, --ow) {
            if (ow >= OW) continue;
            sum += col[(i * KW + j) * P + oh * OW + ow];
        }
    }
    dx[dxOffset + (bc * H + y) * W + x] = sum;
}

// Bias gradient: db[f] = sum over images and pixels of dy[n][f][p], as 16 running lane sums
// per image (fixed order, then a fixed lane reduction), image by image.
__kernel void conv_bias_grad(const int N, const int F, const int P, __global const float *dy, __global float *db)
{
    const int f = get_global_id(0);
    if (f >= F) return;
    float total = 0.0f;
    for (int n = 0; n < N; ++n) {
        const __global float *plane = dy + (n * F + f) * P;
        float16 lanes = (float16)(0.0f);
        int p = 0;
        for (; p + 16 <= P; p += 16) lanes += vload16(0, plane + p);
        const float8 h8 = lanes.lo + lanes.hi;
        const float4 h4 = h8.lo + h8.hi;
        const float2 h2 = h4.lo + h4.hi;
        float sum = h2.x + h2.y;
        for (; p < P; ++p) sum += plane[p];
        total += sum;
    }
    db[f] = total;
}
