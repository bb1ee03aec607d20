// Winograd F(2x2, 3x3) with every transform fused into the products: no tile matrix and no
// product matrix ever reach memory beyond a work-item's own scratch. winograd_fused runs the
// forward pass and the input gradient, winograd_fused_weight_grad (at the end of the file,
// built only with GRAD_WIDTH) the weight gradient.
//
// winograd_fused: a work-item takes TILE_VECTORS x 16 consecutive 2x2 output tiles of one
// image (one tile per vector lane) and every output channel:
//   1. input transform: for every input channel, the 4x4 patches of its tiles, V = Bt d B,
//      into local scratch [16 points][C][TILE_VECTORS] (C KiB per vector of tiles: it stays
//      in the core's L2, where PoCL keeps local memory);
//   2. for each block of FILTER_BLOCK filters and each of the 16 points, the product
//      M = U (filters x C) * V (C x tiles) in registers, as the direct kernel holds its
//      outputs: one vector of 16 tiles per filter, the filter's U broadcast;
//   3. output transform y = At M A (+ bias, ReLU) of the block, stored as 2x2 outputs.
// Each transformed value feeds one multiplication per filter (output transform: one per
// channel), so the transforms' share falls as the layer widens: pneumonet's 16-channel layer
// ties the direct kernels or loses slightly, its deeper ones run 1.2-2.4x faster.
//
// The input is read from zero-padded planes (pad_planes of conv.cl): tile (ty, tx) reads the
// 4x4 patch at padded row 2ty, column 2tx. Filters come transformed (winograd_filter_tiles
// with panel rows >= F): U[xi][c][f], FILTERS_PADDED floats per (xi, c) row.
//
// Shape constants (all build options, so the loops unroll and the lane gathers fold):
// CHANNELS, FILTERS, FILTERS_PADDED, TILES_WIDE, TILES_HIGH, PADDED_WIDTH, PLANE (floats
// between padded planes), OUT_HEIGHT, OUT_WIDTH, FILTER_BLOCK, TILE_VECTORS.
// The tiles form a grid TILES_WIDE wide, a multiple of 16 (each vector is 16 tiles of one row)
// or a power of two below it (each vector is 16 / TILES_WIDE whole rows of tiles), rounded up
// from the plane's own: the tiles past the plane read the padding's zeros and are not stored.
//
// compile-check: -D CHANNELS=16 -D FILTERS=32 -D FILTERS_PADDED=32 -D TILES_WIDE=32 -D TILES_HIGH=32 -D PADDED_WIDTH=66 -D PLANE=4400 -D OUT_HEIGHT=64 -D OUT_WIDTH=64 -D FILTER_BLOCK=8 -D TILE_VECTORS=1 -D GRAD_WIDTH=66 -D GRAD_PLANE=4400 -D GROUPS_PER_IMAGE=64
// compile-check: -D CHANNELS=128 -D FILTERS=250 -D FILTERS_PADDED=256 -D TILES_WIDE=4 -D TILES_HIGH=3 -D PADDED_WIDTH=10 -D PLANE=112 -D OUT_HEIGHT=5 -D OUT_WIDTH=7 -D FILTER_BLOCK=8 -D TILE_VECTORS=2

#define LANES 16
#define TILES_PER_ITEM (LANES * TILE_VECTORS)
#if TILES_WIDE >= LANES
#define SEGMENT LANES
#else
#define SEGMENT TILES_WIDE
#endif
// Offset of lane l's patch from its vector's first patch, in planes `width` floats wide.
#define LANE_OFFSET(l, width) (((l) / SEGMENT) * 2 * (width) + ((l) % SEGMENT) * 2)

// Lane l of the result: p[LANE_OFFSET(l, width)], for every lane (constant offsets). The
// planes have room for every load: a row of the grid reads 2 x 16 + 1 floats past its start.
inline float16 gather_patch_column(const __global float *restrict p, const int width)
{
#if SEGMENT == LANES
    const float16 low = vload16(0, p), high = vload16(0, p + 16);
    return (float16)(low.even, high.even);
#else
    return (float16)(p[LANE_OFFSET(0, width)], p[LANE_OFFSET(1, width)], p[LANE_OFFSET(2, width)], p[LANE_OFFSET(3, width)],
                     p[LANE_OFFSET(4, width)], p[LANE_OFFSET(5, width)], p[LANE_OFFSET(6, width)], p[LANE_OFFSET(7, width)],
                     p[LANE_OFFSET(8, width)], p[LANE_OFFSET(9, width)], p[LANE_OFFSET(10, width)], p[LANE_OFFSET(11, width)],
                     p[LANE_OFFSET(12, width)], p[LANE_OFFSET(13, width)], p[LANE_OFFSET(14, width)], p[LANE_OFFSET(15, width)]);
#endif
}

// V = Bt d B of one channel's patches for the 16 lanes' tiles, d read from `p` (padded planes
// PADDED_WIDTH wide), into v[xi] (xi = 4 * row + column).
inline void transform_patches(const __global float *restrict p, float16 v[16])
{
    float16 d[4][4];
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        #pragma unroll
        for (int j = 0; j < 4; ++j) d[i][j] = gather_patch_column(p + i * PADDED_WIDTH + j, PADDED_WIDTH);
    }
    float16 r[4][4];
    #pragma unroll
    for (int j = 0; j < 4; ++j) {
        r[0][j] = d[0][j] - d[2][j];
        r[1][j] = d[1][j] + d[2][j];
        r[2][j] = d[2][j] - d[1][j];
        r[3][j] = d[1][j] - d[3][j];
    }
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
        v[i * 4 + 0] = r[i][0] - r[i][2];
        v[i * 4 + 1] = r[i][1] + r[i][2];
        v[i * 4 + 2] = r[i][2] - r[i][1];
        v[i * 4 + 3] = r[i][1] - r[i][3];
    }
}

// Stores one output row of the lanes' tiles: left[l] at column 2tx, right[l] at 2tx + 1 of
// row `y` of lane l's tile row. Tiles past the plane (rows of tiles past TILES_HIGH, columns
// of the grid past OUT_WIDTH) and a last row or column past an odd plane are skipped.
inline void store_tile_row(__global float *restrict plane, const int ty0, const int tx0, const int a,
                           const float16 left, const float16 right)
{
    float l[LANES], r[LANES];
#if SEGMENT == LANES
    const int y = 2 * ty0 + a;
    if (ty0 >= TILES_HIGH || y >= OUT_HEIGHT) return;
    __global float *restrict row = plane + y * OUT_WIDTH + 2 * tx0;
    if (2 * (tx0 + LANES) <= OUT_WIDTH) {
        vstore16((float16)(left.s0, right.s0, left.s1, right.s1, left.s2, right.s2, left.s3, right.s3,
                           left.s4, right.s4, left.s5, right.s5, left.s6, right.s6, left.s7, right.s7), 0, row);
        vstore16((float16)(left.s8, right.s8, left.s9, right.s9, left.sa, right.sa, left.sb, right.sb,
                           left.sc, right.sc, left.sd, right.sd, left.se, right.se, left.sf, right.sf), 0, row + 16);
        return;
    }
    vstore16(left, 0, l);
    vstore16(right, 0, r);
    for (int lane = 0; lane < LANES; ++lane) {
        const int x = 2 * (tx0 + lane);
        if (x < OUT_WIDTH) row[2 * lane] = l[lane];
        if (x + 1 < OUT_WIDTH) row[2 * lane + 1] = r[lane];
    }
#else
    vstore16(left, 0, l);
    vstore16(right, 0, r);
    #pragma unroll
    for (int lane = 0; lane < LANES; ++lane) {
        const int ty = ty0 + lane / SEGMENT;
        const int y = 2 * ty + a;
        const int x = 2 * (lane % SEGMENT);
        if (ty < TILES_HIGH && y < OUT_HEIGHT && x < OUT_WIDTH) {
            __global float *restrict out = plane + y * OUT_WIDTH + x;
            out[0] = l[lane];
            if (x + 1 < OUT_WIDTH) out[1] = r[lane];
        }
    }
#endif
}

// out[b][f] = conv3x3(xpad[b], w[f]) (+ bias[f]; epilogue bit 1), then max(., 0) (bit 2).
// Work-item (group of TILES_PER_ITEM tiles, image, part of the filters): filters
// [part * filtersPerPart, +filtersPerPart), a multiple of FILTER_BLOCK, so a batch too small
// to give every core groups of tiles still splits (each part transforms the tiles again); local size 1.
__kernel void winograd_fused(
    __global const float *restrict xpad, __global const float *restrict filters,
    __global float *restrict out, const int outOffset, __global const float *restrict bias, const int epilogue,
    const int filtersPerPart)
{
    __local float16 scratch[16 * CHANNELS * TILE_VECTORS];
    const int group = get_global_id(0);
    const int firstFilter = get_global_id(2) * filtersPerPart;
    const int endFilter = min(FILTERS, firstFilter + filtersPerPart);
    const int b = get_global_id(1);
    const __global float *restrict x = xpad + b * CHANNELS * PLANE;

    // 1. V = Bt d B for every channel and tile of the group.
    #pragma unroll
    for (int v = 0; v < TILE_VECTORS; ++v) {
        const int t = group * TILES_PER_ITEM + v * LANES;
        const int ty0 = t / TILES_WIDE, tx0 = t - ty0 * TILES_WIDE;
        const __global float *restrict patches = x + 2 * ty0 * PADDED_WIDTH + 2 * tx0;
        for (int c = 0; c < CHANNELS; ++c) {
            float16 transformed[16];
            transform_patches(patches + c * PLANE, transformed);
            __local float16 *restrict s = scratch + c * TILE_VECTORS + v;
            #pragma unroll
            for (int xi = 0; xi < 16; ++xi) s[xi * CHANNELS * TILE_VECTORS] = transformed[xi];
        }
    }

    const int rectify = epilogue & 2;
    for (int f0 = firstFilter; f0 < endFilter; f0 += FILTER_BLOCK) {
        // 2. M = U V for the block's filters at each of the 16 points.
        float16 m[16][FILTER_BLOCK][TILE_VECTORS];
        for (int xi = 0; xi < 16; ++xi) {
            float16 acc[FILTER_BLOCK][TILE_VECTORS];
            #pragma unroll
            for (int k = 0; k < FILTER_BLOCK; ++k) {
                #pragma unroll
                for (int v = 0; v < TILE_VECTORS; ++v) acc[k][v] = (float16)(0.0f);
            }
            const __local float16 *restrict vp = scratch + xi * CHANNELS * TILE_VECTORS;
            const __global float *restrict u = filters + xi * CHANNELS * FILTERS_PADDED + f0;
            for (int c = 0; c < CHANNELS; ++c) {
                float16 tiles[TILE_VECTORS];
                #pragma unroll
                for (int v = 0; v < TILE_VECTORS; ++v) tiles[v] = vp[c * TILE_VECTORS + v];
                #pragma unroll
                for (int k = 0; k < FILTER_BLOCK; ++k) {
                    const float16 weight = (float16)(u[c * FILTERS_PADDED + k]);
                    #pragma unroll
                    for (int v = 0; v < TILE_VECTORS; ++v) acc[k][v] = fma(weight, tiles[v], acc[k][v]);
                }
            }
            #pragma unroll
            for (int k = 0; k < FILTER_BLOCK; ++k) {
                #pragma unroll
                for (int v = 0; v < TILE_VECTORS; ++v) m[xi][k][v] = acc[k][v];
            }
        }
        // 3. y = At M A (+ bias, ReLU) for each filter of the block.
        #pragma unroll
        for (int k = 0; k < FILTER_BLOCK; ++k) {
            const int f = f0 + k;
            if (f >= endFilter) break;
            const float shift = (epilogue & 1) ? bias[f] : 0.0f;
            __global float *restrict plane = out + outOffset + (b * FILTERS + f) * OUT_HEIGHT * OUT_WIDTH;
            #pragma unroll
            for (int v = 0; v < TILE_VECTORS; ++v) {
                float16 s[2][4];
                #pragma unroll
                for (int j = 0; j < 4; ++j) {
                    s[0][j] = m[j][k][v] + m[4 + j][k][v] + m[8 + j][k][v];
                    s[1][j] = m[4 + j][k][v] - m[8 + j][k][v] - m[12 + j][k][v];
                }
                const int t = group * TILES_PER_ITEM + v * LANES;
                const int ty0 = t / TILES_WIDE, tx0 = t - ty0 * TILES_WIDE;
                #pragma unroll
                for (int a = 0; a < 2; ++a) {
                    float16 left = s[a][0] + s[a][1] + s[a][2] + shift;
                    float16 right = s[a][1] - s[a][2] - s[a][3] + shift;
                    if (rectify) {
                        left = fmax(left, (float16)(0.0f));
                        right = fmax(right, (float16)(0.0f));
                    }
                    store_tile_row(plane, ty0, tx0, a, left, right);
                }
            }
        }
    }
}

// The weight gradient in the Winograd domain, summed over a work-item's share of the batch's
// tiles: dU[xi][f][c] = sum over tiles of S[xi][f] V[xi][c], with S = A dY At (the 2x2 block of
// dY under each tile, read from planes GRAD_WIDTH wide with zeros past dY) and V = Bt d B (the
// forward's input patches). Per vector of 16 tiles: V into local scratch transposed ([xi][tile]
// [c], so the products load 16 channels at once), S as it comes ([xi][f][tile], broadcast),
// then FILTER_BLOCK x 16 sums per step in registers, added into the work-item's dU in local
// memory. Work-item `item` takes vectors [item * perItem, +perItem) of the batch's
// images x GROUPS_PER_IMAGE and writes its dU to partials[item]; reduce_partials adds the
// items in order, winograd_filter_gradient turns the sum into taps. Needs CHANNELS % 16 == 0.
__kernel void winograd_fused_weight_grad(
    __global const float *restrict xpad, __global const float *restrict dypad,
    const int vectors, const int perItem, __global float *restrict partials)
{
#ifdef GRAD_WIDTH
    __local float transposed[16 * LANES * CHANNELS];
    __local float16 gradient[16 * FILTERS];
    __local float16 sums[16 * FILTERS * (CHANNELS / LANES)];
    const int item = get_global_id(0);
    const int first = item * perItem;
    const int last = min(first + perItem, vectors);
    for (int k = 0; k < 16 * FILTERS * (CHANNELS / LANES); ++k) sums[k] = (float16)(0.0f);
    for (int vector = first; vector < last; ++vector) {
        const int b = vector / GROUPS_PER_IMAGE;
        const int t = (vector - b * GROUPS_PER_IMAGE) * LANES;
        const int ty0 = t / TILES_WIDE, tx0 = t - ty0 * TILES_WIDE;
        const __global float *restrict patches = xpad + b * CHANNELS * PLANE + 2 * ty0 * PADDED_WIDTH + 2 * tx0;
        for (int c = 0; c < CHANNELS; ++c) {
            float16 v[16];
            transform_patches(patches + c * PLANE, v);
            #pragma unroll
            for (int xi = 0; xi < 16; ++xi) {
                float lanes[LANES];
                vstore16(v[xi], 0, lanes);
                #pragma unroll
                for (int lane = 0; lane < LANES; ++lane) transposed[(xi * LANES + lane) * CHANNELS + c] = lanes[lane];
            }
        }
        const __global float *restrict blocks = dypad + b * FILTERS * GRAD_PLANE + 2 * ty0 * GRAD_WIDTH + 2 * tx0;
        for (int f = 0; f < FILTERS; ++f) {
            const __global float *restrict p = blocks + f * GRAD_PLANE;
            float16 e[2][2];
            #pragma unroll
            for (int a = 0; a < 2; ++a) {
                #pragma unroll
                for (int c = 0; c < 2; ++c) e[a][c] = gather_patch_column(p + a * GRAD_WIDTH + c, GRAD_WIDTH);
            }
            // Rows: A e (4 x 2), A = [1 0; 1 1; 1 -1; 0 -1]; then columns: (A e) At.
            float16 r[4][2];
            #pragma unroll
            for (int c = 0; c < 2; ++c) {
                r[0][c] = e[0][c];
                r[1][c] = e[0][c] + e[1][c];
                r[2][c] = e[0][c] - e[1][c];
                r[3][c] = -e[1][c];
            }
            #pragma unroll
            for (int a = 0; a < 4; ++a) {
                gradient[(a * 4 + 0) * FILTERS + f] = r[a][0];
                gradient[(a * 4 + 1) * FILTERS + f] = r[a][0] + r[a][1];
                gradient[(a * 4 + 2) * FILTERS + f] = r[a][0] - r[a][1];
                gradient[(a * 4 + 3) * FILTERS + f] = -r[a][1];
            }
        }
        for (int xi = 0; xi < 16; ++xi) {
            const __local float *restrict s = (const __local float *)(gradient + xi * FILTERS);
            const __local float *restrict vt = transposed + xi * LANES * CHANNELS;
            for (int f0 = 0; f0 < FILTERS; f0 += FILTER_BLOCK) {
                for (int cv = 0; cv < CHANNELS / LANES; ++cv) {
                    __local float16 *restrict out = sums + (xi * FILTERS + f0) * (CHANNELS / LANES) + cv;
                    float16 acc[FILTER_BLOCK];
                    #pragma unroll
                    for (int k = 0; k < FILTER_BLOCK; ++k) acc[k] = f0 + k < FILTERS ? out[k * (CHANNELS / LANES)] : (float16)(0.0f);
                    #pragma unroll
                    for (int lane = 0; lane < LANES; ++lane) {
                        const float16 channels = vload16(0, vt + lane * CHANNELS + cv * LANES);
                        #pragma unroll
                        for (int k = 0; k < FILTER_BLOCK; ++k) {
                            const int f = min(f0 + k, FILTERS - 1);
                            acc[k] = fma((float16)(s[f * LANES + lane]), channels, acc[k]);
                        }
                    }
                    #pragma unroll
                    for (int k = 0; k < FILTER_BLOCK; ++k) {
                        if (f0 + k < FILTERS) out[k * (CHANNELS / LANES)] = acc[k];
                    }
                }
            }
        }
    }
    __global float16 *restrict mine = (__global float16 *)(partials + item * 16 * FILTERS * CHANNELS);
    for (int k = 0; k < 16 * FILTERS * (CHANNELS / LANES); ++k) mine[k] = sums[k];
#endif
}
