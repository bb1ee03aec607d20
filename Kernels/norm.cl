// Batch normalisation over a [N, C, S] view (S = H*W, or 1 for [N, C] features).
// Per-channel sums run in two stages with no atomics: the partial kernels use a grid of
// (G groups of L work-items) x C; group g of channel c adds the planes of images
// n = g, g + G, ..., work-item l taking positions s = l, l + L, ... of each, and writes
// partials[c*G + g]. The final kernels add a channel's G partials in index order. G and L
// (a power of two no wider than a plane) depend only on the shape and the device, so the
// same input always gives the same bits, and the loops need no division (which CPUs cannot
// vectorise).
//
// Each path builds in a test, the GPU's (no CONTIGUOUS_RUNS) included:
// compile-check:
// compile-check: -D RUN=8 -D FUSED_RELU=1
// compile-check: -D RUN=8 -D FUSED_RELU=1 -D POOLED_GRADIENT=1
// compile-check: -D RUN=1 -D POOLED_GRADIENT=1
// compile-check: -D RUN=8 -D CONTIGUOUS_RUNS=1 -D FUSED_RELU=1 -D POOLED_GRADIENT=1
// compile-check: -D RUN=1 -D CONTIGUOUS_RUNS=1

// CONTIGUOUS_RUNS (set for CPU devices) changes which positions a work-item takes: instead
// of l, l + L, ... (neighbouring work-items read neighbouring addresses, which GPUs coalesce)
// it takes one run of consecutive positions (ceil(S / L) rounded up to 8) and adds it with
// vector accumulators. A CPU runs a group's work-items one after another, so the strided
// order would sweep each plane L times through the cache, and a scalar float sum cannot be
// vectorised by the compiler without changing its order.

// FUSED_RELU makes the layer batch norm followed by ReLU: bn_normalize writes max(z, 0) for
// z = (x - mean) * invstd * gamma + beta, and the backward kernels take dy as the gradient
// after the ReLU, zeroing it where z <= 0 (z recomputed from x, so nothing extra is stored).
// That saves the ReLU's own read-and-write passes, forward and backward.
// Forward and backward both compute z as x * scale[c] + shift[c] (see bn_affine), from the
// same per-channel numbers, so they agree on its sign up to how the compiler contracts the
// multiply-add.
#ifdef FUSED_RELU
#define ACTIVATE(z) fmax((z), 0.0f)
#define MASK_BEFORE_RELU(dy_values, x_values, c) \
    select((run_t)(0.0f), (dy_values), isgreater((x_values) * scale[c] + shift[c], (run_t)(0.0f)))
#else
#define ACTIVATE(z) (z)
#define MASK_BEFORE_RELU(dy_values, x_values, c) (dy_values)
#endif

// RUN (8 when every plane's length is a multiple of 8, else 1) is how many consecutive
// positions each work-item of the per-element kernels takes, as one vector: PoCL does not
// vectorise these kernels across work-items by itself (measured: bn_backward_input on a
// 32x16x128x128 input took 9.6 ms one position a work-item, 5.2 ms eight).
#ifndef RUN
#define RUN 1
#endif
#if RUN == 8
typedef float8 run_t;
#define LOAD_RUN(p) vload8(0, (p))
#define STORE_RUN(v, p) vstore8((v), 0, (p))
#elif RUN == 1
typedef float run_t;
#define LOAD_RUN(p) (*(p))
#define STORE_RUN(v, p) (*(p) = (v))
#else
#error "RUN must be 1 or 8"
#endif

#ifdef CONTIGUOUS_RUNS
// This work-item's run [first, end) of a plane of S positions.
inline int2 position_run(const int S) {
    const int L = get_local_size(0);
    const int length = (((S + L - 1) / L) + 7) & ~7;
    const int first = min(S, (int)get_local_id(0) * length);
    return (int2)(first, min(S, first + length));
}

#define STEP_OF_POSITIONS 1

inline float sum8(const float8 v) {
    const float4 h = v.lo + v.hi;
    return (h.x + h.y) + (h.z + h.w);
}
#endif

#ifndef CONTIGUOUS_RUNS
#define STEP_OF_POSITIONS get_local_size(0)
#endif

// This work-item's share of sum(p[s]) over a plane.
inline float plane_sum(__global const float *p, const int S) {
    float total = 0.0f;
#ifdef CONTIGUOUS_RUNS
    const int2 run = position_run(S);
    int s = run.x;
    // Two wide accumulators first: one alone would wait on its own previous add each step.
    float16 wide0 = (float16)(0.0f), wide1 = (float16)(0.0f);
    for (; s + 32 <= run.y; s += 32) {
        wide0 += vload16(0, p + s);
        wide1 += vload16(0, p + s + 16);
    }
    const float16 wide = wide0 + wide1;
    float8 acc = wide.lo + wide.hi;
    for (; s + 8 <= run.y; s += 8) acc += vload8(0, p + s);
    total = sum8(acc);
    for (; s < run.y; s++) total += p[s];
#else
    for (int s = get_local_id(0); s < S; s += get_local_size(0)) total += p[s];
#endif
    return total;
}

// This work-item's share of sum((p[s] - m)^2) over a plane.
inline float plane_sqdev(__global const float *p, const int S, const float m) {
    float total = 0.0f;
#ifdef CONTIGUOUS_RUNS
    const int2 run = position_run(S);
    int s = run.x;
    float16 wide0 = (float16)(0.0f), wide1 = (float16)(0.0f);
    for (; s + 32 <= run.y; s += 32) {
        const float16 d0 = vload16(0, p + s) - m, d1 = vload16(0, p + s + 16) - m;
        wide0 += d0 * d0;
        wide1 += d1 * d1;
    }
    const float16 wide = wide0 + wide1;
    float8 acc = wide.lo + wide.hi;
    for (; s + 8 <= run.y; s += 8) {
        const float8 d = vload8(0, p + s) - m;
        acc += d * d;
    }
    total = sum8(acc);
    for (; s < run.y; s++) total += (p[s] - m) * (p[s] - m);
#else
    for (int s = get_local_id(0); s < S; s += get_local_size(0)) total += (p[s] - m) * (p[s] - m);
#endif
    return total;
}

// POOLED_GRADIENT: a 2 x 2, stride-2 max pool follows this layer (after its fused ReLU, if
// any) in training, and its backward is folded into this one. dy is then the pool's output
// gradient, planes of S / 4, with the pool's argmax (the winning position of each window in
// its plane, -1 where nothing won), and the gradient at position s is its window's dy where
// s won, else 0: the full-size gradient the pool would have scattered is never written and
// read back. A winner already passed the ReLU (the pool rectified the same affine values),
// so no mask applies. The plane width W is a multiple of 8 and H even, so every position
// lies in a window and eight consecutive positions in one row.
#ifdef POOLED_GRADIENT
#define GRADIENT_PLANE(S) ((S) / 4)

inline float pooled_gradient(__global const float *dy, __global const int *argmax, const int s, const int W) {
    const int y = s / W;
    const int window = (y >> 1) * (W >> 1) + ((s - y * W) >> 1);
    return argmax[window] == s ? dy[window] : 0.0f;
}

// Positions s ..< s + 8 (s a multiple of 8): four windows, each pair of lanes sharing one.
inline float8 pooled_gradient8(__global const float *dy, __global const int *argmax, const int s, const int W) {
    const int y = s / W;
    const int window = (y >> 1) * (W >> 1) + ((s - y * W) >> 1);
    const float8 g = vload4(0, dy + window).s00112233;
    const int8 winners = vload4(0, argmax + window).s00112233;
    return select((float8)(0.0f), g, winners == s + (int8)(0, 1, 2, 3, 4, 5, 6, 7));
}

#define GRADIENT_AT(dy, argmax, s, x_value) pooled_gradient((dy), (argmax), (s), W)
#define GRADIENT_RUN8(dy, argmax, s, x_values) pooled_gradient8((dy), (argmax), (s), W)
#else
#define GRADIENT_PLANE(S) (S)
#ifdef FUSED_RELU
#define GRADIENT_AT(dy, argmax, s, x_value) ((x_value) * a + b > 0.0f ? (dy)[s] : 0.0f)
#define GRADIENT_RUN8(dy, argmax, s, x_values) \
    select((float8)(0.0f), vload8(0, (dy) + (s)), isgreater((x_values) * a + b, (float8)(0.0f)))
#else
#define GRADIENT_AT(dy, argmax, s, x_value) ((dy)[s])
#define GRADIENT_RUN8(dy, argmax, s, x_values) vload8(0, (dy) + (s))
#endif
#endif

// This work-item's share of (sum(g), sum(g * xhat)) over a plane, xhat = (x - m) * is and
// g the gradient before the layer's ReLU: dy, or with FUSED_RELU dy where x * a + b > 0, or
// with POOLED_GRADIENT the pool's routing. `dy` and `argmax` point at the plane's gradient.
inline float2 plane_gradient_sums(__global const float *dy, __global const int *argmax, __global const float *x,
                                  const int S, const int W, const float m, const float is, const float a,
                                  const float b) {
    float2 total = (float2)(0.0f);
#ifdef CONTIGUOUS_RUNS
    const int2 run = position_run(S);
    int s = run.x;
    // Two sets of accumulators, for the same reason as in plane_sum.
    float8 acc_g = (float8)(0.0f), acc_gx = (float8)(0.0f), acc_g1 = (float8)(0.0f), acc_gx1 = (float8)(0.0f);
    for (; s + 16 <= run.y; s += 16) {
        const float8 xs = vload8(0, x + s), xs1 = vload8(0, x + s + 8);
        const float8 g = GRADIENT_RUN8(dy, argmax, s, xs), g1 = GRADIENT_RUN8(dy, argmax, s + 8, xs1);
        acc_g += g;
        acc_gx += g * ((xs - m) * is);
        acc_g1 += g1;
        acc_gx1 += g1 * ((xs1 - m) * is);
    }
    acc_g += acc_g1;
    acc_gx += acc_gx1;
    for (; s + 8 <= run.y; s += 8) {
        const float8 xs = vload8(0, x + s);
        const float8 g = GRADIENT_RUN8(dy, argmax, s, xs);
        acc_g += g;
        acc_gx += g * ((xs - m) * is);
    }
    total = (float2)(sum8(acc_g), sum8(acc_gx));
    const int first = s, end = run.y;
#else
    const int first = get_local_id(0), end = S;
#endif
    for (int p = first; p < end; p += STEP_OF_POSITIONS) {
        const float g = GRADIENT_AT(dy, argmax, p, x[p]);
        total += (float2)(g, g * ((x[p] - m) * is));
    }
    return total;
}

// Sums scratch[0 ..< L] into scratch[0]; L = get_local_size(0) is a power of two.
inline void channel_tree_reduce(__local float *scratch) {
    const int lid = get_local_id(0);
    for (int width = get_local_size(0) / 2; width > 0; width /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < width) scratch[lid] += scratch[lid + width];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

__kernel void channel_sum_partial(__global const float *x, __global float *partials, const int N, const int C,
                                  const int S, __local float *scratch) {
    const int c = get_global_id(1);
    const int lid = get_local_id(0);
    float total = 0.0f;
    for (int n = get_group_id(0); n < N; n += get_num_groups(0)) {
        total += plane_sum(x + (n * C + c) * S, S);
    }
    scratch[lid] = total;
    channel_tree_reduce(scratch);
    if (lid == 0) partials[c * get_num_groups(0) + get_group_id(0)] = scratch[0];
}

// mean[c] = (sum of channel c's partials) / count.
__kernel void channel_mean_final(__global const float *partials, __global float *mean, const int G, const int C,
                                 const float count) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float total = 0.0f;
    for (int g = 0; g < G; g++) total += partials[c * G + g];
    mean[c] = total / count;
}

// Sum of squared deviations from the channel mean: two passes keep the variance accurate
// when |mean| is large compared with the spread.
__kernel void channel_sqdev_partial(__global const float *x, __global const float *mean, __global float *partials,
                                    const int N, const int C, const int S, __local float *scratch) {
    const int c = get_global_id(1);
    const int lid = get_local_id(0);
    const float m = mean[c];
    float total = 0.0f;
    for (int n = get_group_id(0); n < N; n += get_num_groups(0)) {
        total += plane_sqdev(x + (n * C + c) * S, S, m);
    }
    scratch[lid] = total;
    channel_tree_reduce(scratch);
    if (lid == 0) partials[c * get_num_groups(0) + get_group_id(0)] = scratch[0];
}

#ifdef CONTIGUOUS_RUNS
// One pass over the input for both statistics (CPUs): each work-item takes its run of a
// plane twice, once for the run's mean and once for the squared deviations from it, the run
// staying in the L1 cache in between, and the (count, mean, sum of squared deviations)
// triples merge with Chan, Golub and LeVeque's pairwise update: as accurate as the two
// passes over the whole tensor above, with half the memory traffic.

// (count, mean, M2) of a and b together; .w unused.
inline float4 merge_moments(const float4 a, const float4 b) {
    const float count = a.x + b.x;
    if (b.x == 0.0f) return a;
    const float delta = b.y - a.y;
    const float share = b.x / count;
    return (float4)(count, a.y + delta * share, a.z + b.z + delta * delta * a.x * share, 0.0f);
}

// This work-item's (count, mean, M2) over its run of a plane.
inline float4 plane_moments(__global const float *p, const int S) {
    const int2 run = position_run(S);
    if (run.y <= run.x) return (float4)(0.0f);
    const float m = plane_sum(p, S) / (float)(run.y - run.x);
    return (float4)((float)(run.y - run.x), m, plane_sqdev(p, S, m), 0.0f);
}

__kernel void channel_moments_partial(__global const float *x, __global float4 *partials, const int N, const int C,
                                      const int S, __local float4 *scratch) {
    const int c = get_global_id(1);
    const int lid = get_local_id(0);
    float4 moments = (float4)(0.0f);
    for (int n = get_group_id(0); n < N; n += get_num_groups(0)) {
        moments = merge_moments(moments, plane_moments(x + (n * C + c) * S, S));
    }
    scratch[lid] = moments;
    for (int width = get_local_size(0) / 2; width > 0; width /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < width) scratch[lid] = merge_moments(scratch[lid], scratch[lid + width]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) partials[c * get_num_groups(0) + get_group_id(0)] = scratch[0];
}

// Merges a channel's G partial moments in order; then as bn_variance_final.
__kernel void bn_moments_final(__global const float4 *partials, __global float *mean, __global float *invstd,
                               __global float *running_mean, __global float *running_var, const int G, const int C,
                               const float epsilon, const float momentum) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float4 moments = (float4)(0.0f);
    for (int g = 0; g < G; g++) moments = merge_moments(moments, partials[c * G + g]);
    const float count = moments.x;
    mean[c] = moments.y;
    invstd[c] = 1.0f / sqrt(moments.z / count + epsilon);
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * moments.y;
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (moments.z / (count - 1.0f));
}

// Merges a channel's G partial moments in order, as bn_moments_final, and writes the mean
// and the sum of squared deviations: this replica's share for synchronised batch norm,
// which merges the replicas' shares before normalising.
__kernel void channel_moments_final(__global const float4 *partials, __global float *mean, __global float *squares,
                                    const int G, const int C) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float4 moments = (float4)(0.0f);
    for (int g = 0; g < G; g++) moments = merge_moments(moments, partials[c * G + g]);
    mean[c] = moments.y;
    squares[c] = moments.z;
}
#endif

// Normalises with the biased variance and moves the running statistics towards the batch's,
// the running variance with the unbiased estimate (PyTorch's convention). count > 1.
__kernel void bn_variance_final(__global const float *partials, __global const float *mean, __global float *invstd,
                                __global float *running_mean, __global float *running_var, const int G, const int C,
                                const float count, const float epsilon, const float momentum) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float squares = 0.0f;
    for (int g = 0; g < G; g++) squares += partials[c * G + g];
    invstd[c] = 1.0f / sqrt(squares / count + epsilon);
    running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean[c];
    running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (squares / (count - 1.0f));
}

// 1 / sqrt(running_var + epsilon), for inference.
__kernel void bn_running_invstd(__global const float *running_var, __global float *invstd, const int C,
                                const float epsilon) {
    const int c = get_global_id(0);
    if (c < C) invstd[c] = 1.0f / sqrt(running_var[c] + epsilon);
}

// The layer as one affine map per channel, y = x * scale + shift:
// scale = invstd * gamma, shift = beta - mean * scale.
__kernel void bn_affine(__global const float *mean, __global const float *invstd, __global const float *gamma,
                        __global const float *beta, __global float *scale, __global float *shift, const int C) {
    const int c = get_global_id(0);
    if (c >= C) return;
    const float a = invstd[c] * gamma[c];
    scale[c] = a;
    shift[c] = beta[c] - mean[c] * a;
}

// The per-element kernels below run on a 3-D grid (s, c, n): each element takes a few
// per-channel coefficients and one multiply-add, no division, and neighbouring work-items
// touch neighbouring addresses whatever the shape.

// y = x * scale[c] + shift[c], rectified with FUSED_RELU.
__kernel void bn_normalize(__global const float *x, __global const float *scale, __global const float *shift,
                           __global float *y, const int N, const int C, const int S) {
    const int s = get_global_id(0) * RUN;
    const int c = get_global_id(1);
    const int n = get_global_id(2);
    if (s >= S || c >= C || n >= N) return;
    const int i = (n * C + c) * S + s;
    STORE_RUN(ACTIVATE(LOAD_RUN(x + i) * scale[c] + shift[c]), y + i);
}

// Per-channel partial sums of g and of g * xhat, the two reductions backward needs (g: see
// plane_gradient_sums; argmax and W are read only with POOLED_GRADIENT).
__kernel void bn_backward_partial(__global const float *x, __global const float *dy, __global const int *argmax,
                                  __global const float *mean, __global const float *invstd,
                                  __global const float *scale, __global const float *shift,
                                  __global float *partial_dy, __global float *partial_dy_xhat, const int N,
                                  const int C, const int S, const int W, __local float *scratch_dy,
                                  __local float *scratch_dy_xhat) {
    const int c = get_global_id(1);
    const int lid = get_local_id(0);
    const float m = mean[c], is = invstd[c], a = scale[c], b = shift[c];
    float2 totals = (float2)(0.0f);
    for (int n = get_group_id(0); n < N; n += get_num_groups(0)) {
        const int plane = (n * C + c) * S;
        const int gradientPlane = (n * C + c) * GRADIENT_PLANE(S);
        totals += plane_gradient_sums(dy + gradientPlane, argmax + gradientPlane, x + plane, S, W, m, is, a, b);
    }
    scratch_dy[lid] = totals.x;
    scratch_dy_xhat[lid] = totals.y;
    channel_tree_reduce(scratch_dy);
    channel_tree_reduce(scratch_dy_xhat);
    if (lid == 0) {
        const int slot = c * get_num_groups(0) + get_group_id(0);
        partial_dy[slot] = scratch_dy[0];
        partial_dy_xhat[slot] = scratch_dy_xhat[0];
    }
}

// dbeta = sum(g), dgamma = sum(g * xhat), per channel; and the input gradient's
// coefficients k = (dbeta / M, dgamma / M) per channel (see bn_backward_input).
__kernel void bn_backward_final(__global const float *partial_dy, __global const float *partial_dy_xhat,
                                __global float *dgamma, __global float *dbeta, __global float *k, const int G,
                                const int C, const float count) {
    const int c = get_global_id(0);
    if (c >= C) return;
    float total_dy = 0.0f;
    float total_dy_xhat = 0.0f;
    for (int g = 0; g < G; g++) {
        total_dy += partial_dy[c * G + g];
        total_dy_xhat += partial_dy_xhat[c * G + g];
    }
    dbeta[c] = total_dy;
    dgamma[c] = total_dy_xhat;
    k[2 * c] = total_dy / count;
    k[2 * c + 1] = total_dy_xhat / count;
}

// Input gradient with batch statistics, which depend on every input of the channel:
// dx = gamma * invstd / M * (M * g - sum(g) - xhat * sum(g * xhat)), xhat = (x - mean) * invstd,
// written as scale * (g - k0 - xhat * k1) with the divisions done once per channel
// (g: see plane_gradient_sums). Centring x before scaling keeps the precision of
// the direct formula, which matters when a channel holds few values.
__kernel void bn_backward_input(__global const float *x, __global const float *dy, __global const int *argmax,
                                __global const float *mean, __global const float *invstd,
                                __global const float *scale, __global const float *shift, __global const float *k,
                                __global float *dx, const int N, const int C, const int S, const int W) {
    const int s = get_global_id(0) * RUN;
    const int c = get_global_id(1);
    const int n = get_global_id(2);
    if (s >= S || c >= C || n >= N) return;
    const int i = (n * C + c) * S + s;
    const int gradientPlane = (n * C + c) * GRADIENT_PLANE(S);
    const float a = scale[c], b = shift[c];
    const run_t xs = LOAD_RUN(x + i);
    const run_t xhat = (xs - mean[c]) * invstd[c];
#if RUN == 8
    const run_t g = GRADIENT_RUN8(dy + gradientPlane, argmax + gradientPlane, s, xs);
#else
    const run_t g = GRADIENT_AT(dy + gradientPlane, argmax + gradientPlane, s, xs);
#endif
    STORE_RUN(a * (g - k[2 * c] - xhat * k[2 * c + 1]), dx + i);
}

// Input gradient with fixed (running) statistics: dx = scale * g.
__kernel void bn_backward_input_frozen(__global const float *x, __global const float *dy, __global const float *scale,
                                       __global const float *shift, __global float *dx, const int N, const int C,
                                       const int S) {
    const int s = get_global_id(0) * RUN;
    const int c = get_global_id(1);
    const int n = get_global_id(2);
    if (s >= S || c >= C || n >= N) return;
    const int i = (n * C + c) * S + s;
    STORE_RUN(MASK_BEFORE_RELU(LOAD_RUN(dy + i), LOAD_RUN(x + i), c) * scale[c], dx + i);
}
