// Winograd F(2x2, 3x3) convolution: each 2x2 block of outputs from a 4x4 input tile with 16
// multiplications per (filter, channel) pair instead of 36.
//
// Why this layout: the 16 products of a tile are independent, so summing them over channels
// is 16 ordinary matrix products (one per Winograd-domain point xi), which the existing
// register-blocked packed GEMM already runs near the machine's peak. The transforms below
// therefore write straight into the GEMM's packed panel layout ([rows/T][K][T], row r and
// inner index k at (r / T) * K * T + k * T + r % T), so no separate packing pass is needed,
// and the output transform reads the GEMM result once and writes the NCHW output.
// Every transform works on one tile in registers.
//
//   forward           V = Bt d B (input tiles), U = G g Gt (filters),
//                     M[xi] = U[xi] (F x C) * V[xi] (C x tiles), y = At M A (+ bias)
//   input gradient    the forward pass on dY with the filters flipped and transposed
//   weight gradient   dU[xi] = S[xi] (F x tiles) * V[xi]^T (tiles x C) with S = A dY At,
//                     dW = Gt dU G
//
// Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
// At = [1 1 1 0; 0 1 -1 -1].

// Index of (row, k) in panels of T rows with K inner entries.
inline int panel_index(const int row, const int k, const int K, const int T)
{
    return (row / T) * K * T + k * T + row % T;
}

// Input tiles -> Winograd domain, written as panels of the GEMM's B operand (one matrix per xi).
// Work-item (tile within image, channel, image of the chunk). Tile (ty, tx) covers source rows
// 2ty - padTop .. +3 and columns 2tx - padLeft .. +3, zero outside the plane.
// tileIsRow: 1 when tiles are panel rows and channels the inner index (forward: V is C x tiles,
// the B operand holds its columns), 0 for the weight gradient (rows are channels, inner index
// the tile). xiStride: floats between the matrices of consecutive xi. Neighbouring work-items
// write neighbouring floats: with tileIsRow the work-item is (tile, channel, image), without it
// (channel, tile, image), as scattered writes cost far more than scattered reads.
__kernel void winograd_input_tiles(
    const int C, const int H, const int W, const int padTop, const int padLeft,
    const int tilesHigh, const int tilesWide, const int images,
    __global const float *src, const int srcOffset,
    __global float *dst, const int xiStride, const int tileIsRow, const int T)
{
    const int t = get_global_id(tileIsRow ? 0 : 1);
    const int c = get_global_id(tileIsRow ? 1 : 0);
    const int image = get_global_id(2);
    const int tilesPerImage = tilesHigh * tilesWide;
    if (t >= tilesPerImage || c >= C || image >= images) return;
    const int ty = t / tilesWide, tx = t - ty * tilesWide;
    const int y0 = 2 * ty - padTop, x0 = 2 * tx - padLeft;
    const __global float *plane = src + srcOffset + (image * C + c) * H * W;

    float d[4][4];
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        const int y = y0 + i;
        const bool rowInside = y >= 0 && y < H;
        #pragma unroll
        for (int j = 0; j < 4; ++j) {
            const int x = x0 + j;
            d[i][j] = rowInside && x >= 0 && x < W ? plane[y * W + x] : 0.0f;
        }
    }
    // Rows: Bt d.
    float r[4][4];
    #pragma unroll
    for (int j = 0; j < 4; ++j) {
        r[0][j] = d[0][j] - d[2][j];
        r[1][j] = d[1][j] + d[2][j];
        r[2][j] = d[2][j] - d[1][j];
        r[3][j] = d[1][j] - d[3][j];
    }
    // Columns: (Bt d) B.
    float v[16];
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        v[i * 4 + 0] = r[i][0] - r[i][2];
        v[i * 4 + 1] = r[i][1] + r[i][2];
        v[i * 4 + 2] = r[i][2] - r[i][1];
        v[i * 4 + 3] = r[i][1] - r[i][3];
    }
    const int p = image * tilesPerImage + t;
    const int P = images * tilesPerImage;
    const int at = tileIsRow ? panel_index(p, c, C, T) : panel_index(c, p, P, T);
    #pragma unroll
    for (int xi = 0; xi < 16; ++xi) dst[xi * xiStride + at] = v[xi];
}

// Filters -> Winograd domain, written as panels of the GEMM's A operand: U[xi] is O x I
// (rows: the output channels of the convolution computed, inner index: its input channels).
// transposed = 0: the forward filters, w[o][i][ky][kx].
// transposed = 1: the input gradient's filters, w[i][o][2 - ky][2 - kx] (channels swapped,
// taps flipped). Work-item (o, i).
__kernel void winograd_filter_tiles(
    const int O, const int I, __global const float *w, const int transposed,
    __global float *dst, const int xiStride, const int T)
{
    const int o = get_global_id(0);
    const int i = get_global_id(1);
    if (o >= O || i >= I) return;
    float g[3][3];
    if (transposed) {
        const __global float *s = w + (i * O + o) * 9;
        #pragma unroll
        for (int ky = 0; ky < 3; ++ky) {
            #pragma unroll
            for (int kx = 0; kx < 3; ++kx) g[ky][kx] = s[(2 - ky) * 3 + (2 - kx)];
        }
    } else {
        const __global float *s = w + (o * I + i) * 9;
        #pragma unroll
        for (int ky = 0; ky < 3; ++ky) {
            #pragma unroll
            for (int kx = 0; kx < 3; ++kx) g[ky][kx] = s[ky * 3 + kx];
        }
    }
    // Rows: G g (4 x 3).
    float r[4][3];
    #pragma unroll
    for (int j = 0; j < 3; ++j) {
        r[0][j] = g[0][j];
        r[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
        r[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
        r[3][j] = g[2][j];
    }
    const int at = panel_index(o, i, I, T);
    #pragma unroll
    for (int a = 0; a < 4; ++a) {
        dst[(a * 4 + 0) * xiStride + at] = r[a][0];
        dst[(a * 4 + 1) * xiStride + at] = 0.5f * (r[a][0] + r[a][1] + r[a][2]);
        dst[(a * 4 + 2) * xiStride + at] = 0.5f * (r[a][0] - r[a][1] + r[a][2]);
        dst[(a * 4 + 3) * xiStride + at] = r[a][2];
    }
}

// Winograd-domain products -> outputs: y = At M A (+ bias) for one tile of one output channel.
// m holds the 16 GEMM results M[xi] (O x P, row-major, P = tiles of the chunk). Work-item
// (tile within image, output channel, image of the chunk). epilogue: bit 1 adds bias[o], bit 2
// then applies max(., 0) (an inference layer's ReLU, in the store instead of a pass of its own).
__kernel void winograd_output_tiles(
    const int O, const int OH, const int OW, const int tilesHigh, const int tilesWide, const int images,
    __global const float *m, const int xiStride,
    __global const float *bias, const int epilogue,
    __global float *dst, const int dstOffset)
{
    const int t = get_global_id(0);
    const int o = get_global_id(1);
    const int image = get_global_id(2);
    const int tilesPerImage = tilesHigh * tilesWide;
    if (t >= tilesPerImage || o >= O || image >= images) return;
    const int P = images * tilesPerImage;
    const __global float *s = m + o * P + image * tilesPerImage + t;
    float v[4][4];
    #pragma unroll
    for (int xi = 0; xi < 16; ++xi) v[xi / 4][xi % 4] = s[xi * xiStride];
    // Rows: At M (2 x 4).
    float r[2][4];
    #pragma unroll
    for (int j = 0; j < 4; ++j) {
        r[0][j] = v[0][j] + v[1][j] + v[2][j];
        r[1][j] = v[1][j] - v[2][j] - v[3][j];
    }
    const float b = (epilogue & 1) ? bias[o] : 0.0f;
    const int rectify = epilogue & 2;
    const int ty = t / tilesWide, tx = t - ty * tilesWide;
    const int y0 = 2 * ty, x0 = 2 * tx;
    __global float *plane = dst + dstOffset + (image * O + o) * OH * OW;
    #pragma unroll
    for (int a = 0; a < 2; ++a) {
        const int y = y0 + a;
        if (y >= OH) break;
        float left = r[a][0] + r[a][1] + r[a][2] + b;
        float right = r[a][1] - r[a][2] - r[a][3] + b;
        if (rectify) {
            left = fmax(left, 0.0f);
            right = fmax(right, 0.0f);
        }
        plane[y * OW + x0] = left;
        if (x0 + 1 < OW) plane[y * OW + x0 + 1] = right;
    }
}

// Output-gradient tiles -> Winograd domain: S = A dY At (4 x 4 from a 2 x 2 block, zero past
// the plane), written as panels of the weight gradient's A operand (rows: filters, inner
// index: the tile of the chunk). Work-item (filter, tile within image, image of the chunk), so
// neighbouring work-items write neighbouring floats.
__kernel void winograd_gradient_tiles(
    const int F, const int OH, const int OW, const int tilesHigh, const int tilesWide, const int images,
    __global const float *dy, const int dyOffset,
    __global float *dst, const int xiStride, const int T)
{
    const int f = get_global_id(0);
    const int t = get_global_id(1);
    const int image = get_global_id(2);
    const int tilesPerImage = tilesHigh * tilesWide;
    if (t >= tilesPerImage || f >= F || image >= images) return;
    const int ty = t / tilesWide, tx = t - ty * tilesWide;
    const int y0 = 2 * ty, x0 = 2 * tx;
    const __global float *plane = dy + dyOffset + (image * F + f) * OH * OW;
    float e[2][2];
    #pragma unroll
    for (int a = 0; a < 2; ++a) {
        #pragma unroll
        for (int b = 0; b < 2; ++b) {
            const int y = y0 + a, x = x0 + b;
            e[a][b] = y < OH && x < OW ? plane[y * OW + x] : 0.0f;
        }
    }
    // Rows: A e (4 x 2), A = [1 0; 1 1; 1 -1; 0 -1].
    float r[4][2];
    #pragma unroll
    for (int b = 0; b < 2; ++b) {
        r[0][b] = e[0][b];
        r[1][b] = e[0][b] + e[1][b];
        r[2][b] = e[0][b] - e[1][b];
        r[3][b] = -e[1][b];
    }
    const int p = image * tilesPerImage + t;
    const int at = panel_index(f, p, images * tilesPerImage, T);
    #pragma unroll
    for (int a = 0; a < 4; ++a) {
        dst[(a * 4 + 0) * xiStride + at] = r[a][0];
        dst[(a * 4 + 1) * xiStride + at] = r[a][0] + r[a][1];
        dst[(a * 4 + 2) * xiStride + at] = r[a][0] - r[a][1];
        dst[(a * 4 + 3) * xiStride + at] = -r[a][1];
    }
}

// Winograd-domain weight gradient -> filter taps: dW[f][c] = Gt dU G, from the 16 matrices
// dU[xi] (F x C, row-major). Work-item (f, c).
__kernel void winograd_filter_gradient(
    const int F, const int C, __global const float *du, __global float *dw)
{
    const int f = get_global_id(0);
    const int c = get_global_id(1);
    if (f >= F || c >= C) return;
    const int xiStride = F * C;
    const __global float *s = du + f * C + c;
    float u[4][4];
    #pragma unroll
    for (int xi = 0; xi < 16; ++xi) u[xi / 4][xi % 4] = s[xi * xiStride];
    // Rows: Gt u (3 x 4), Gt = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
    float r[3][4];
    #pragma unroll
    for (int j = 0; j < 4; ++j) {
        r[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
        r[1][j] = 0.5f * (u[1][j] - u[2][j]);
        r[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
    }
    __global float *out = dw + (f * C + c) * 9;
    #pragma unroll
    for (int a = 0; a < 3; ++a) {
        out[a * 3 + 0] = r[a][0] + 0.5f * (r[a][1] + r[a][2]);
        out[a * 3 + 1] = 0.5f * (r[a][1] - r[a][2]);
        out[a * 3 + 2] = 0.5f * (r[a][1] + r[a][2]) + r[a][3];
    }
}
