// 2-D convolution (NCHW, weights [F][C][KH][KW]) as im2col + the packed GEMM of gemm.cl.
//
// Why this design: on a CPU the GEMM micro kernel runs near the machine's FMA limit only
// when it streams unit-stride panels. A convolution's im2col matrix has to be formed
// anyway, so these kernels write it directly in the GEMM's packed-panel layout
// ([panels of T columns][K][T]): packing costs nothing extra and the convolution gets the
// full GEMM speed. Backward to the input is a GEMM into columns followed by a col2im
// gather (each input pixel sums its own contributions: no atomics, fixed order);
// backward to the weights is one GEMM whose K axis runs over (image, pixel).
//
// Geometry arguments, in order: C, H, W (input), KH, KW, stride, padTop, padLeft, OH, OW.

// Input value at (c, y, x) of one image, zero outside (the padding).
inline float sample(const __global float *image, int c, int y, int x, int H, int W) {
    return (y >= 0 && y < H && x >= 0 && x < W) ? image[(c * H + y) * W + x] : 0.0f;
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
    const int P = OH * OW;
    if (kk >= K || panel * T >= P) return;
    const int c = kk / (KH * KW);
    const int i = (kk / KW) % KH;
    const int j = kk % KW;
    const __global float *image = input + inputOffset + b * C * H * W;
    __global float *d = panels + b * panelStride + (panel * K + kk) * T;
    int p = panel * T;
    int oh = p / OW;
    int ow = p - oh * OW;
    for (int t = 0; t < T; ++t, ++p) {
        d[t] = p < P ? sample(image, c, oh * stride + i - padTop, ow * stride + j - padLeft, H, W) : 0.0f;
        if (++ow == OW) { ow = 0; ++oh; }
    }
}

// Weight-gradient B operand: the transposed im2col of `images` images, K axis = (image, pixel),
// columns = (c, i, j), packed as panels of T columns. Work-item (kk, panel) writes T floats.
__kernel void im2col_pack_transposed(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW, const int T, const int images,
    __global const float *input, const int inputOffset, __global float *panels)
{
    const int kk = get_global_id(0);
    const int panel = get_global_id(1);
    const int P = OH * OW;
    const int K = images * P;
    const int CKK = C * KH * KW;
    if (kk >= K || panel * T >= CKK) return;
    const int b = kk / P;
    const int p = kk - b * P;
    const int oh = p / OW;
    const int ow = p - oh * OW;
    const __global float *image = input + inputOffset + b * C * H * W;
    __global float *d = panels + (panel * K + kk) * T;
    int n = panel * T;
    int c = n / (KH * KW);
    int i = (n / KW) % KH;
    int j = n % KW;
    for (int t = 0; t < T; ++t, ++n) {
        d[t] = n < CKK ? sample(image, c, oh * stride + i - padTop, ow * stride + j - padLeft, H, W) : 0.0f;
        if (++j == KW) { j = 0; if (++i == KH) { i = 0; ++c; } }
    }
}

// Input gradient from column gradients cols[image][CKK][P]: every input pixel gathers the
// entries that read it, in (i, j) order. Work-item (x, y, image * C + c).
__kernel void col2im(
    const int C, const int H, const int W, const int KH, const int KW, const int stride,
    const int padTop, const int padLeft, const int OH, const int OW, const int images,
    __global const float *cols, __global float *dx, const int dxOffset)
{
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int bc = get_global_id(2);
    if (x >= W || y >= H || bc >= images * C) return;
    const int b = bc / C;
    const int c = bc - b * C;
    const int P = OH * OW;
    const __global float *col = cols + ((b * C + c) * KH * KW) * P;
    float sum = 0.0f;
    for (int i = 0; i < KH; ++i) {
        const int ty = y + padTop - i;
        if (ty < 0 || ty % stride != 0 || ty / stride >= OH) continue;
        const int oh = ty / stride;
        for (int j = 0; j < KW; ++j) {
            const int tx = x + padLeft - j;
            if (tx < 0 || tx % stride != 0 || tx / stride >= OW) continue;
            sum += col[(i * KW + j) * P + oh * OW + tx / stride];
        }
    }
    dx[dxOffset + (bc * H + y) * W + x] = sum;
}

// Bias gradient: db[f] = sum over images and pixels of dy[n][f][p], image by image in order.
__kernel void conv_bias_grad(const int N, const int F, const int P, __global const float *dy, __global float *db)
{
    const int f = get_global_id(0);
    if (f >= F) return;
    float total = 0.0f;
    for (int n = 0; n < N; ++n) {
        const __global float *plane = dy + (n * F + f) * P;
        float sum = 0.0f;
        for (int p = 0; p < P; ++p) sum += plane[p];
        total += sum;
    }
    db[f] = total;
}
