// 2-D convolution (NCHW, weights [F][C][KH][KW]).
//
// Stride 1 (every convolution of the built-in models) runs directly, with no im2col matrix.
// The input is first copied into zero-padded planes (pad_planes) of width Wp >= OW + KW - 1.
// In such a plane, output pixel (oh, ow) reads input (oh + i, ow + j), which sits at the
// flat index q + i*Wp + j with q = oh*Wp + ow: every tap is the same flat vector shifted by
// a constant. So conv_direct keeps a TM x TN block of outputs (TM filters, TN consecutive
// flat positions, crossing rows freely) in vector registers and loads each tap's TN inputs
// as plain vectors from planes that stay in cache across the KH x KW taps; positions with
// ow >= OW are computed and dropped. Weights come packed as GEMM A panels
// [F/TM][C*KH*KW][TM]. Backward to the input is the same kernel on the padded output
// gradient with the weights flipped and transposed. Backward to the weights
// (conv_weight_grad_direct) takes dot products along the flat index of the padded output
// gradient (zero where ow >= OW) and the shifted padded input, one partial sum per group of
// images, then reduce_partials adds the groups in a fixed order.
//
// Larger strides, and images so small that most of a tile would be dropped, use im2col +
// the packed GEMM of gemm.cl: im2col_pack writes the im2col matrix directly in the GEMM's
// packed-panel layout; backward to the input is a GEMM into columns followed by a col2im
// gather (col2im.cl; each input pixel sums its own contributions: no atomics, fixed order); backward
// to the weights is one GEMM per chunk of images over all their pixels, its B operand the
// transposed im2col matrix written straight into panels (im2col_pack_transposed).
//
// Geometry arguments, in order: C, H, W (input), KH, KW, stride, padTop, padLeft, OH, OW.
//
// compile-check: -D TM=6 -D TN=64 -D VW=16 -D DW_ROWS=3 -D DW_COLS=9 -D KWIDTH=3
// compile-check: -D TM=4 -D TN=8 -D VW=4 -D DW_ROWS=3 -D DW_COLS=9

#ifndef DW_ROWS
#define DW_ROWS 3
#endif
#ifndef DW_COLS
#define DW_COLS 9
#endif
#ifndef TM
#define TM 6
#endif
#ifndef TN
#define TN 64
#endif
#ifndef VW
#define VW 16
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VEC CAT(float, VW)
#define VLOAD CAT(vload, VW)
#define VSTORE CAT(vstore, VW)
#define NV (TN / VW)
#define IVEC CAT(int, VW)

// Zeros out[from, to): the padding around a copied or pooled row.
inline void zero_floats(__global float *restrict out, const int from, const int to) {
    for (int x = from; x < to; ++x) out[x] = 0.0f;
}

// Copies planes [planes][H][W] (from src + srcOffset) into planes of Hp rows of Wp, `stride`
// floats apart, with the image at row `top`, column `left` and zeros elsewhere (the floats
// between Hp * Wp and the stride are never read). Work-item: `rowsPerItem` padded rows.
__kernel void pad_planes(
    const int H, const int W, const int Hp, const int Wp, const int stride, const int top, const int left, const int planes,
    const int rowsPerItem, __global const float *restrict src, const int srcOffset, __global float *restrict dst)
{
    const int total = planes * Hp;
    const int begin = get_global_id(0) * rowsPerItem;
    const int end = min(begin + rowsPerItem, total);
    for (int r = begin; r < end; ++r) {
        const int plane = r / Hp;
        const int row = r - plane * Hp;
        const int y = row - top;
        __global float *restrict out = dst + plane * stride + row * Wp;
        if (y < 0 || y >= H) {
            zero_floats(out, 0, Wp);
            continue;
        }
        const __global float *restrict in = src + srcOffset + (plane * H + y) * W;
        const int inner = min(W, Wp - left);
        zero_floats(out, 0, left);
        for (int x = 0; x < inner; ++x) out[left + x] = in[x];
        zero_floats(out, left + inner, Wp);
    }
}

// pad_planes of the max pooling of the source (windows of `size`, `step` apart, floor): the
// planes [planes][SH][SW] are pooled to H x W as they are copied, so an inference layer's
// pooling costs no pass (and no tensor) of its own. A window's maximum is taken in row-major
// order with `>` from its first value, as maxpool_forward takes it, so the numbers are the same.
__kernel void pad_pooled_planes(
    const int H, const int W, const int Hp, const int Wp, const int stride, const int top, const int left, const int planes,
    const int rowsPerItem, const int SH, const int SW, const int size, const int step,
    __global const float *restrict src, const int srcOffset, __global float *restrict dst)
{
    const int total = planes * Hp;
    const int begin = get_global_id(0) * rowsPerItem;
    const int end = min(begin + rowsPerItem, total);
    for (int r = begin; r < end; ++r) {
        const int plane = r / Hp;
        const int row = r - plane * Hp;
        const int y = row - top;
        __global float *restrict out = dst + plane * stride + row * Wp;
        if (y < 0 || y >= H) {
            zero_floats(out, 0, Wp);
            continue;
        }
        const __global float *restrict in = src + srcOffset + (plane * SH + y * step) * SW;
        const int inner = min(W, Wp - left);
        zero_floats(out, 0, left);
        int x = 0;
        if (size == 2 && step == 2) {
            // Eight windows at once, as maxpool2x2_row takes them (same comparisons, lane by lane).
            for (; x + 8 <= inner; x += 8) {
                const float16 upper = vload16(0, in + 2 * x);
                const float16 lower = vload16(0, in + 2 * x + SW);
                float8 value = upper.even;
                value = select(value, upper.odd, isgreater(upper.odd, value));
                value = select(value, lower.even, isgreater(lower.even, value));
                value = select(value, lower.odd, isgreater(lower.odd, value));
                vstore8(value, 0, out + left + x);
            }
        }
        for (; x < inner; ++x) {
            const __global float *restrict window = in + x * step;
            float value = window[0];
            for (int i = 0; i < size; ++i) {
                for (int j = 0; j < size; ++j) {
                    const float candidate = window[i * SW + j];
                    value = candidate > value ? candidate : value;
                }
            }
            out[left + x] = value;
        }
        zero_floats(out, left + inner, Wp);
    }
}

// out[b][f][oh][ow] = sum over c, i, j of w[f][c][i][j] * xpad[b][c][oh + i][ow + j] (+ bias[f]),
// stride 1, on padded planes of `plane` floats and width Wp. Work-item (filter tile, tile of
// TN flat positions, image); weights as packed panels [F/TM][C*KH*KW][TM].
// epilogue: bit 1 adds bias[f], bit 2 then applies max(., 0) (an inference layer's ReLU, so
// its output is written once instead of read and written again by a separate pass).
__kernel void conv_direct(
    const int C, const int plane, const int Wp, const int KH, const int KW, const int F, const int OH, const int OW,
    __global const float *restrict xpad, __global const float *restrict panels,
    __global float *restrict out, const int outOffset, __global const float *restrict bias, const int epilogue)
{
    const int f0 = get_global_id(0) * TM;
    const int q0 = get_global_id(1) * TN;
    const int b = get_global_id(2);
    if (f0 >= F || q0 >= OH * Wp) return;
    // A kernel width known at build time (KWIDTH) lets the tap loop unroll.
#ifdef KWIDTH
#define TAPS_W KWIDTH
#else
#define TAPS_W KW
#endif
    const int K = C * KH * KW;
    const __global float *restrict a = panels + f0 * K;
    const __global float *restrict x = xpad + b * C * plane + q0;

    VEC acc[TM][NV];
    #pragma unroll
    for (int r = 0; r < TM; ++r) {
        #pragma unroll
        for (int v = 0; v < NV; ++v) acc[r][v] = (VEC)(0.0f);
    }
    for (int c = 0; c < C; ++c) {
        for (int i = 0; i < KH; ++i) {
            const __global float *restrict row = x + c * plane + i * Wp;
            #pragma unroll
            for (int j = 0; j < TAPS_W; ++j) {
                VEC bv[NV];
                #pragma unroll
                for (int v = 0; v < NV; ++v) bv[v] = VLOAD(0, row + j + v * VW);
                #pragma unroll
                for (int r = 0; r < TM; ++r) {
                    const VEC av = (VEC)(a[r]);
                    #pragma unroll
                    for (int v = 0; v < NV; ++v) acc[r][v] = fma(av, bv[v], acc[r][v]);
                }
                a += TM;
            }
        }
    }

    #pragma unroll
    for (int r = 0; r < TM; ++r) {
        const int f = f0 + r;
        if (f >= F) continue;
        __global float *restrict o = out + outOffset + (b * F + f) * OH * OW;
        const float shift = (epilogue & 1) ? bias[f] : 0.0f;
        const int rectify = epilogue & 2;
        int oh = q0 / Wp;
        int ow = q0 - oh * Wp;
        #pragma unroll
        for (int v = 0; v < NV; ++v) {
            VEC value = acc[r][v] + shift;
            if (rectify) value = fmax(value, (VEC)(0.0f));
            if (ow + VW <= OW && oh < OH) {
                VSTORE(value, 0, o + oh * OW + ow);
                // With a kernel one column wide a row has no padding after it: wrap here.
                ow += VW;
                if (ow == Wp) { ow = 0; ++oh; }
            } else {
                float lanes[VW];
                VSTORE(value, 0, lanes);
                for (int e = 0; e < VW; ++e) {
                    if (ow < OW && oh < OH) o[oh * OW + ow] = lanes[e];
                    if (++ow == Wp) { ow = 0; ++oh; }
                }
            }
        }
    }
}

// Shared by the two weight-gradient kernels below.

// Where each of a work-item's DW_COLS taps (c, i, j) starts in an image's padded input; taps
// past the last repeat it (their sums are never stored).
inline void weight_tap_offsets(int *tapOffset, const int k0, const int K, const int KH, const int KW, const int xPlane,
                               const int Wp)
{
    #pragma unroll
    for (int q = 0; q < DW_COLS; ++q) {
        const int kk = min(k0 + q, K - 1);
        const int c = kk / (KH * KW);
        const int t = kk - c * KH * KW;
        const int i = t / KW;
        tapOffset[q] = c * xPlane + i * Wp + (t - i * KW);
    }
}

// The work-item's vector sums, zeroed: acc, DW_ROWS x DW_COLS weight gradients, and bias,
// DW_ROWS sums of dy (used only by the first tap block, see SUM_BIAS).
#define WEIGHT_ACCUMULATORS \
    VEC acc[DW_ROWS][DW_COLS]; \
    VEC bias[DW_ROWS]; \
    _Pragma("unroll") for (int r = 0; r < DW_ROWS; ++r) { \
        bias[r] = (VEC)(0.0f); \
        _Pragma("unroll") for (int q = 0; q < DW_COLS; ++q) acc[r][q] = (VEC)(0.0f); \
    }

// One vector of dy per filter row (g[r]) at dyAt, times the input (x) at xAt shifted by each
// tap, into acc; MASK (a statement on gv[r], or nothing) runs on each dy vector first.
#define ACCUMULATE_TAPS(dyAt, xAt, MASK) { \
    VEC gv[DW_ROWS]; \
    _Pragma("unroll") for (int r = 0; r < DW_ROWS; ++r) { gv[r] = VLOAD(0, g[r] + (dyAt)); MASK } \
    _Pragma("unroll") for (int q = 0; q < DW_COLS; ++q) { \
        const VEC xv = VLOAD(0, x + tapOffset[q] + (xAt)); \
        _Pragma("unroll") for (int r = 0; r < DW_ROWS; ++r) acc[r][q] = fma(gv[r], xv, acc[r][q]); \
    } \
}

// Adds each vector sum's lanes in order and stores the block's partial weight gradients
// (rows past F and taps past K are dropped).
inline void store_weight_partials(VEC acc[DW_ROWS][DW_COLS], __global float *restrict out, const int f0, const int k0,
                                  const int F, const int K)
{
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        if (f0 + r >= F) continue;
        #pragma unroll
        for (int q = 0; q < DW_COLS; ++q) {
            if (k0 + q >= K) continue;
            float lanes[VW];
            VSTORE(acc[r][q], 0, lanes);
            float sum = 0.0f;
            for (int e = 0; e < VW; ++e) sum += lanes[e];
            out[(f0 + r) * K + k0 + q] = sum;
        }
    }
}

// The first tap block's work-items (k0 == 0) also sum dy per filter row, for the bias
// gradient, so that it needs no pass of its own over dy: this statement goes in as
// ACCUMULATE_TAPS's MASK, after any masking.
#define SUM_BIAS bias[r] += gv[r];

// Adds the lanes of each filter row's dy sum in order and stores them (rows past F dropped).
inline void store_bias_partials(VEC bias[DW_ROWS], __global float *restrict out, const int f0, const int F)
{
    #pragma unroll
    for (int r = 0; r < DW_ROWS; ++r) {
        if (f0 + r >= F) continue;
        float lanes[VW];
        VSTORE(bias[r], 0, lanes);
        float sum = 0.0f;
        for (int e = 0; e < VW; ++e) sum += lanes[e];
        out[f0 + r] = sum;
    }
}

// Weight gradient, stride 1: partial[g][f][c*KH*KW + i*KW + j] = sum over the images of group
// g and flat positions q of dy[q] * xpad[q + i*Wp + j], where dy(b, f) is the output gradient
// at dypad + (b*F + f)*dyPlane + dyOffset with row stride Wp, zero wherever ow >= OW, and
// xpad(b, c) the padded input planes of `xPlane` floats. Both run VW-wide to the end of the
// last vector, where dy is zero. Work-item (tap block of DW_COLS, filter block of DW_ROWS,
// image group) keeps DW_ROWS x DW_COLS vector sums and adds their lanes in order at the end.
// Tap blocks vary fastest, so neighbouring work-items share their dy planes and sweep the
// input's channels: a group's input (C planes) stays in L2, where its dy (F planes, with F
// usually above C) would not. With withBias, the first tap block's work-items also write
// biasPartials[g][f], the sum of dy over the group (see SUM_BIAS).
__kernel void conv_weight_grad_direct(
    const int C, const int KH, const int KW, const int F, const int OH, const int Wp,
    __global const float *restrict dypad, const int dyPlane, const int dyOffset,
    __global const float *restrict xpad, const int xPlane,
    const int images, const int imagesPerGroup, __global float *restrict partials,
    __global float *restrict biasPartials, const int withBias)
{
    const int k0 = get_global_id(0) * DW_COLS;
    const int f0 = get_global_id(1) * DW_ROWS;
    const int group = get_global_id(2);
    const int K = C * KH * KW;
    const int firstImage = group * imagesPerGroup;
    if (f0 >= F || k0 >= K || firstImage >= images) return;
    const int lastImage = min(firstImage + imagesPerGroup, images);
    // Blocks past the last filter repeat it and are never stored.
    int tapOffset[DW_COLS];
    weight_tap_offsets(tapOffset, k0, K, KH, KW, xPlane, Wp);
    WEIGHT_ACCUMULATORS
    const int length = OH * Wp;
    // The loop over a group's images, with EXTRA run on each dy vector.
#define DIRECT_IMAGES(EXTRA) \
    for (int b = firstImage; b < lastImage; ++b) { \
        const __global float *restrict g[DW_ROWS]; \
        _Pragma("unroll") for (int r = 0; r < DW_ROWS; ++r) g[r] = dypad + (b * F + min(f0 + r, F - 1)) * dyPlane + dyOffset; \
        const __global float *restrict x = xpad + b * C * xPlane; \
        for (int p = 0; p < length; p += VW) ACCUMULATE_TAPS(p, p, EXTRA) \
    }
    const int sumsBias = withBias && k0 == 0;
    if (sumsBias) {
        DIRECT_IMAGES(SUM_BIAS)
    } else {
        DIRECT_IMAGES()
    }
    store_weight_partials(acc, partials + group * F * K, f0, k0, F, K);
    if (sumsBias) store_bias_partials(bias, biasPartials + group * F, f0, F);
}

// The weight gradient of conv_weight_grad_direct with dy read as it is, planes of OH x OW
// with no padding, row by row: for a first layer, whose input gradient is never computed,
// so dy would be padded for this kernel alone (its input, with few channels, is cheap to
// pad). Row oh of dy meets row oh + i of the padded input shifted by j. The last vector of a
// row starts at OW - VW, overlapping the one before, with the lanes already counted zeroed;
// OW >= VW.
__kernel void conv_weight_grad_rows(
    const int C, const int KH, const int KW, const int F, const int OH, const int OW, const int Wp,
    __global const float *restrict dy, const int dyOffset, __global const float *restrict xpad, const int xPlane,
    const int images, const int imagesPerGroup, __global float *restrict partials,
    __global float *restrict biasPartials, const int withBias)
{
    const int k0 = get_global_id(0) * DW_COLS;
    const int f0 = get_global_id(1) * DW_ROWS;
    const int group = get_global_id(2);
    const int K = C * KH * KW;
    const int firstImage = group * imagesPerGroup;
    if (f0 >= F || k0 >= K || firstImage >= images) return;
    const int lastImage = min(firstImage + imagesPerGroup, images);
    int tapOffset[DW_COLS];
    weight_tap_offsets(tapOffset, k0, K, KH, KW, xPlane, Wp);
    WEIGHT_ACCUMULATORS
    // Lanes of a row's tail vector that the full vectors before it have not counted.
    const int uncounted = OW % VW;
    int maskLanes[VW];
    for (int e = 0; e < VW; ++e) maskLanes[e] = e >= VW - uncounted ? -1 : 0;
    const IVEC tailMask = CAT(vload, VW)(0, maskLanes);
    // The loop over a group's images, with EXTRA run on each dy vector.
#define ROW_IMAGES(EXTRA) \
    for (int b = firstImage; b < lastImage; ++b) { \
        const __global float *restrict g[DW_ROWS]; \
        _Pragma("unroll") for (int r = 0; r < DW_ROWS; ++r) g[r] = dy + dyOffset + (b * F + min(f0 + r, F - 1)) * OH * OW; \
        const __global float *restrict x = xpad + b * C * xPlane; \
        for (int oh = 0; oh < OH; ++oh) { \
            for (int p = 0; p + VW <= OW; p += VW) ACCUMULATE_TAPS(oh * OW + p, oh * Wp + p, EXTRA) \
            if (uncounted) \
                ACCUMULATE_TAPS(oh * OW + OW - VW, oh * Wp + OW - VW, gv[r] = select((VEC)(0.0f), gv[r], tailMask); EXTRA) \
        } \
    }
    const int sumsBias = withBias && k0 == 0;
    if (sumsBias) {
        ROW_IMAGES(SUM_BIAS)
    } else {
        ROW_IMAGES()
    }
    store_weight_partials(acc, partials + group * F * K, f0, k0, F, K);
    if (sumsBias) store_bias_partials(bias, biasPartials + group * F, f0, F);
}

// out[j] = sum over g in order of partials[g * n + j] (+ beta * out[j]).
__kernel void reduce_partials(
    const int groups, const int n, __global const float *restrict partials, __global float *restrict out, const float beta)
{
    const int j = get_global_id(0);
    if (j >= n) return;
    float sum = 0.0f;
    for (int g = 0; g < groups; ++g) sum += partials[g * n + j];
    out[j] = beta == 0.0f ? sum : sum + beta * out[j];
}


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

// The weight gradient's B operand straight from the input, in the GEMM's packed-panel
// layout: the transposed im2col matrix of `images` images, K = images * P rows (image-major)
// and N = CKK columns, as panels [ceil(CKK / T)][K][T]. Panel n at row (b, p) holds patch
// entries kk = n*T ... n*T + T - 1 of pixel p of image b (0 past CKK and outside the image).
// Writing panels directly saves the plain im2col matrix and the strided pass that would pack
// it. Work-item (pixel, panel, image) writes T contiguous floats.
__kernel void im2col_pack_transposed(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW, const int T, const int images,
    __global const float *input, const int inputOffset, __global float *panels)
{
    const int p = get_global_id(0);
    const int panel = get_global_id(1);
    const int b = get_global_id(2);
    const int P = OH * OW;
    const int K = C * KH * KW;
    if (p >= P || panel * T >= K || b >= images) return;
    const int oh = p / OW;
    const int ow = p - oh * OW;
    const __global float *image = input + inputOffset + b * C * H * W;
    __global float *d = panels + ((long)panel * images * P + b * P + p) * T;
    // (c, i, j) of the first entry, then stepped along without divisions.
    const int first = panel * T;
    int c = first / (KH * KW);
    int i = (first - c * KH * KW) / KW;
    int j = first - c * KH * KW - i * KW;
    const int y0 = oh * stride - padTop, x0 = ow * stride - padLeft;
    const int count = min(T, K - first);
    for (int t = 0; t < count; ++t) {
        const int y = y0 + i, x = x0 + j;
        d[t] = y >= 0 && y < H && x >= 0 && x < W ? image[(c * H + y) * W + x] : 0.0f;
        if (++j == KW) {
            j = 0;
            if (++i == KH) { i = 0; ++c; }
        }
    }
    for (int t = count; t < T; ++t) d[t] = 0.0f;
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
