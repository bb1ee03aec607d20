// Inference: a stride-1 convolution over few input channels (an image's first layer), with
// bias, optional ReLU and a 2 x 2 stride-2 max pooling applied as it stores. With one to a
// few channels in and many out, the convolution's own output dominates its memory traffic;
// pooled in the store, it is written at a quarter of its size and never read back.
//
// Build options: CH (input channels), KS (square kernel size), TM (filters per work-item),
// VW (pooled columns per work-item: 4 or 8) and VW2 (twice VW).
// One work-item computes, for TM filters of one image, the two convolution rows under one
// pooled row and 2 * VW columns, kept as even and odd columns in vectors of VW: the 2 x 2
// maximum is then the lane-wise maximum of four vectors. Each input row segment is read once
// per channel into private memory (zeros outside the image) and serves every tap and filter.
//
// Max pooling commutes with adding the same bias and with ReLU, so both come after the max.
//
// compile-check: -D CH=1 -D KS=3 -D TM=8 -D VW=8 -D VW2=16
// compile-check: -D CH=4 -D KS=5 -D TM=4 -D VW=4 -D VW2=8

#define CAT(a, b) CAT_(a, b)
#define CAT_(a, b) a##b
#define VEC CAT(float, VW)
#define WIDE CAT(float, VW2)
#define VLOAD_WIDE CAT(vload, VW2)
#define VSTORE CAT(vstore, VW)
// Floats of one input row a work-item reads: 2 * VW columns and KS - 1 more for the taps,
// rounded up so a wide load at the last tap stays inside the private copy.
#define SPAN (2 * VW + KS + 1)

__kernel void conv_pool2_store(
    const int H, const int W, const int padTop, const int padLeft, const int PH, const int PW, const int F,
    const int filterTiles, __global const float *restrict x, __global const float *restrict w,
    __global const float *restrict bias, const int rectify, __global float *restrict out)
{
    const int px0 = get_global_id(0) * VW;
    const int py = get_global_id(1);
    const int tile = get_global_id(2) % filterTiles;
    const int b = get_global_id(2) / filterTiles;
    if (px0 >= PW || py >= PH) return;
    const int f0 = tile * TM;
    const int y0 = 2 * py - padTop;
    const int x0 = 2 * px0 - padLeft;

    // acc[t][0..1]: convolution row 2 py, even and odd columns; acc[t][2..3]: row 2 py + 1.
    VEC acc[TM][4];
    #pragma unroll
    for (int t = 0; t < TM; ++t) {
        #pragma unroll
        for (int q = 0; q < 4; ++q) acc[t][q] = (VEC)(0.0f);
    }
    for (int c = 0; c < CH; ++c) {
        const __global float *plane = x + (b * CH + c) * H * W;
        #pragma unroll
        for (int r = 0; r <= KS; ++r) {
            const int y = y0 + r;
            float s[SPAN];
            const int inside = y >= 0 && y < H;
            if (inside && x0 >= 0 && x0 + SPAN <= W) {
                #pragma unroll
                for (int k = 0; k < SPAN; ++k) s[k] = plane[y * W + x0 + k];
            } else {
                #pragma unroll
                for (int k = 0; k < SPAN; ++k) {
                    const int xx = x0 + k;
                    s[k] = (inside && xx >= 0 && xx < W) ? plane[y * W + xx] : 0.0f;
                }
            }
            #pragma unroll
            for (int j = 0; j < KS; ++j) {
                const WIDE v = VLOAD_WIDE(0, s + j);
                const VEC even = v.even;
                const VEC odd = v.odd;
                #pragma unroll
                for (int t = 0; t < TM; ++t) {
                    // Filters past F repeat the last one; their sums are never stored.
                    const __global float *wf = w + (min(f0 + t, F - 1) * CH + c) * KS * KS;
                    if (r < KS) {
                        const float tap = wf[r * KS + j];
                        acc[t][0] = fma((VEC)(tap), even, acc[t][0]);
                        acc[t][1] = fma((VEC)(tap), odd, acc[t][1]);
                    }
                    if (r >= 1) {
                        const float tap = wf[(r - 1) * KS + j];
                        acc[t][2] = fma((VEC)(tap), even, acc[t][2]);
                        acc[t][3] = fma((VEC)(tap), odd, acc[t][3]);
                    }
                }
            }
        }
    }

    #pragma unroll
    for (int t = 0; t < TM; ++t) {
        const int f = f0 + t;
        if (f >= F) break;
        VEC m = fmax(fmax(acc[t][0], acc[t][1]), fmax(acc[t][2], acc[t][3])) + (VEC)(bias[f]);
        if (rectify) m = fmax(m, (VEC)(0.0f));
        __global float *o = out + ((b * F + f) * PH + py) * PW + px0;
        if (px0 + VW <= PW) {
            VSTORE(m, 0, o);
        } else {
            float lanes[VW];
            VSTORE(m, 0, lanes);
            for (int e = 0; px0 + e < PW; ++e) o[e] = lanes[e];
        }
    }
}
