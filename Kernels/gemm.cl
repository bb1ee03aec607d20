// General matrix multiply, row-major: C = alpha * op(A) * op(B) + beta * C (+ bias).
//
// Fast path: both operands are first packed into panels (A as [M/TM][K][TM], B as
// [N/TN][K][TN], zero-padded), so the register-blocked micro kernel reads both with
// unit stride and needs no transposes, offsets or edge checks inside its inner loop;
// transposes, leading dimensions and batch layouts are all absorbed by the packing step.
// On a CPU the caches do the staging that local memory does on a GPU, so the kernel uses
// none; each work-item keeps a TM x TN block of C in vector registers.
//
// compile-check: -D TM=8 -D TN=16 -D VW=16

#ifndef TM
#define TM 8
#endif
#ifndef TN
#define TN 16
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

// The low bits of biasMode say which bias is added; RECTIFY then applies max(., 0) to the
// result (a dense layer's ReLU at inference, written once instead of passed over again).
#define BIAS_MASK 3
#define RECTIFY 4

// Plain reference: one work-item per element of C, any transposes, offsets and batch.
// biasMode: 0 none, 1 bias[row], 2 bias[col], plus RECTIFY (as in gemm_packed).
__kernel void gemm_naive(
    const int M, const int N, const int K, const int transA, const int transB,
    __global const float *A, const int offsetA, const int lda, const int strideA,
    __global const float *B, const int offsetB, const int ldb, const int strideB,
    __global float *C, const int offsetC, const int ldc, const int strideC,
    const float alpha, const float beta, __global const float *bias, const int biasMode)
{
    const int col = get_global_id(0);
    const int row = get_global_id(1);
    const int batch = get_global_id(2);
    if (row >= M || col >= N) return;
    const __global float *a = A + offsetA + batch * strideA;
    const __global float *b = B + offsetB + batch * strideB;
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
        const float x = transA ? a[k * lda + row] : a[row * lda + k];
        const float y = transB ? b[col * ldb + k] : b[k * ldb + col];
        sum = fma(x, y, sum);
    }
    __global float *c = C + offsetC + batch * strideC + row * ldc + col;
    const int mode = biasMode & BIAS_MASK;
    float value = alpha * sum + (mode == 1 ? bias[row] : mode == 2 ? bias[col] : 0.0f);
    if (beta != 0.0f) value = fma(beta, *c, value);
    *c = (biasMode & RECTIFY) ? fmax(value, 0.0f) : value;
}

// Copies a logical R x K matrix into panels [ceil(R/T)][K][T], zero-padding rows past R.
// Element (r, k) lives at offset + r*rowStride + (k / kInner)*kOuterStride + (k % kInner)*kStride,
// which covers plain and transposed matrices (kInner >= K) as well as a K axis made of two
// nested indices (convolution: filter and kernel tap, with kStride = -1 to flip the taps).
// Work-item: (k, panel, batch); it writes one row of T contiguous floats.
__kernel void pack_panels(
    const int R, const int K, const int T,
    __global const float *src, const int offset, const int rowStride, const int kStride,
    const int kInner, const int kOuterStride, const int srcBatchStride,
    __global float *dst, const int dstBatchStride)
{
    const int k = get_global_id(0);
    const int panel = get_global_id(1);
    const int batch = get_global_id(2);
    if (k >= K || panel * T >= R) return;
    const int kOuter = k / kInner;
    const int kIn = k - kOuter * kInner;
    const __global float *s = src + offset + batch * srcBatchStride + kOuter * kOuterStride + kIn * kStride;
    __global float *d = dst + batch * dstBatchStride + (panel * K + k) * T;
    const int r0 = panel * T;
    if (rowStride == 1 && r0 + T <= R && T % 16 == 0) {
        // Whole panel row contiguous in the source: copy in vectors.
        for (int t = 0; t < T; t += 16) vstore16(vload16(0, s + r0 + t), 0, d + t);
        return;
    }
    for (int t = 0; t < T; ++t) {
        const int r = r0 + t;
        d[t] = r < R ? s[r * rowStride] : 0.0f;
    }
}

// Micro kernel on packed panels. Work-item (rowTile, colTile, batch) computes a TM x TN block.
// biasMode: 0 none, 1 bias[row] (convolution filters), 2 bias[col] (dense outputs), plus RECTIFY.
__kernel void gemm_packed(
    const int M, const int N, const int K,
    __global const float *Ap, const int strideAp,
    __global const float *Bp, const int strideBp,
    __global float *C, const int offsetC, const int ldc, const int strideC,
    const float alpha, const float beta,
    __global const float *bias, const int biasMode)
{
    const int rowTile = get_global_id(0);
    const int colTile = get_global_id(1);
    const int batch = get_global_id(2);
    const int row0 = rowTile * TM;
    const int col0 = colTile * TN;
    if (row0 >= M || col0 >= N) return;
    const __global float *a = Ap + batch * strideAp + row0 * K;
    const __global float *b = Bp + batch * strideBp + col0 * K;

    VEC acc[TM][NV];
    #pragma unroll
    for (int r = 0; r < TM; ++r) {
        #pragma unroll
        for (int v = 0; v < NV; ++v) acc[r][v] = (VEC)(0.0f);
    }
    for (int k = 0; k < K; ++k) {
        VEC bv[NV];
        #pragma unroll
        for (int v = 0; v < NV; ++v) bv[v] = VLOAD(v, b + k * TN);
        #pragma unroll
        for (int r = 0; r < TM; ++r) {
            const VEC av = (VEC)(a[k * TM + r]);
            #pragma unroll
            for (int v = 0; v < NV; ++v) acc[r][v] = fma(av, bv[v], acc[r][v]);
        }
    }

    __global float *c = C + offsetC + batch * strideC;
    const int mode = biasMode & BIAS_MASK;
    const int rectify = biasMode & RECTIFY;
    const bool fullTile = row0 + TM <= M && col0 + TN <= N;
    #pragma unroll
    for (int r = 0; r < TM; ++r) {
        const int row = row0 + r;
        if (row >= M) continue;
        __global float *cRow = c + row * ldc + col0;
        const float rowBias = mode == 1 ? bias[row] : 0.0f;
        #pragma unroll
        for (int v = 0; v < NV; ++v) {
            VEC value = alpha * acc[r][v] + rowBias;
            if (mode == 2 && fullTile) value += VLOAD(v, bias + col0);
            if (fullTile) {
                if (beta != 0.0f) value = fma((VEC)(beta), VLOAD(v, cRow), value);
                if (rectify) value = fmax(value, (VEC)(0.0f));
                VSTORE(value, v, cRow);
            } else {
                float lanes[VW];
                VSTORE(value, 0, lanes);
                for (int e = 0; e < VW; ++e) {
                    const int col = col0 + v * VW + e;
                    if (col >= N) break;
                    float out = lanes[e] + (mode == 2 ? bias[col] : 0.0f);
                    if (beta != 0.0f) out = fma(beta, cRow[v * VW + e], out);
                    cRow[v * VW + e] = rectify ? fmax(out, 0.0f) : out;
                }
            }
        }
    }
}

// out[j] = sum over rows i of src[i * ld + j], in row order (deterministic). The bias gradient
// of a dense layer: the column sums of the output gradient.
__kernel void sum_columns(
    const int rows, const int cols, __global const float *src, const int ld,
    __global float *out, const float beta)
{
    const int j = get_global_id(0);
    if (j >= cols) return;
    float sum = 0.0f;
    for (int i = 0; i < rows; ++i) sum += src[i * ld + j];
    out[j] = beta == 0.0f ? sum : sum + beta * out[j];
}
