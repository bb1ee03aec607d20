// Elementwise operations and a deterministic sum. One work-item per element; every kernel
// checks its index because the host pads the global size up to a multiple of the group.

__kernel void fill(__global float *x, const float value, const int n) {
    const int i = get_global_id(0);
    if (i < n) x[i] = value;
}

// y = a * x (a = 1 is a copy).
__kernel void scale(__global const float *x, __global float *y, const float a, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = a * x[i];
}

// y += a * x
__kernel void axpy(__global const float *x, __global float *y, const float a, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = fma(a, x[i], y[i]);
}

// out = a + b (out may alias a or b).
__kernel void add(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = a[i] + b[i];
}

// out = a * b (out may alias a or b).
__kernel void multiply(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = a[i] * b[i];
}

// Sums scratch[0 ..< get_local_size(0)] into scratch[0] by halving; the local size must be a
// power of two. The pairing is fixed, so the result does not depend on scheduling.
inline void tree_reduce(__local float *scratch) {
    const int lid = get_local_id(0);
    for (int width = get_local_size(0) / 2; width > 0; width /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (lid < width) scratch[lid] += scratch[lid + width];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
}

// Stage one of the sum: group g adds the elements g*L + lid, stepping by the whole grid,
// and writes one partial. The grid size is chosen from n alone, so the order is fixed.
__kernel void sum_partial(__global const float *x, __global float *partials, const int n,
                          __local float *scratch) {
    const int lid = get_local_id(0);
    const int stride = get_global_size(0);
    float total = 0.0f;
    for (int i = get_global_id(0); i < n; i += stride) total += x[i];
    scratch[lid] = total;
    tree_reduce(scratch);
    if (lid == 0) partials[get_group_id(0)] = scratch[0];
}

// Stage two: one group adds the partials and writes scale * total to out[0].
__kernel void sum_final(__global const float *partials, __global float *out, const int count,
                        const float scale, __local float *scratch) {
    const int lid = get_local_id(0);
    float total = 0.0f;
    for (int i = lid; i < count; i += get_local_size(0)) total += partials[i];
    scratch[lid] = total;
    tree_reduce(scratch);
    if (lid == 0) out[0] = scale * scratch[0];
}

// out = max(a + b, 0): a residual sum and its ReLU in one pass (out may alias a or b).
__kernel void add_relu(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = fmax(a[i] + b[i], 0.0f);
}
