// Inverted dropout with masks from a counter-based hash: element i of call `step` under
// `seed` is kept when the top 24 bits of hash(seed, step, i) reach `threshold`
// (= rate * 2^24). Nothing is stored; backward recomputes the same mask from the same
// (seed, step), and a run resumed at a saved step draws the masks it would have drawn.

// SplitMix64's finaliser: a bijection on 64 bits with good avalanche.
inline ulong dropout_mix(ulong z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

inline bool dropout_keeps(const ulong seed, const ulong step, const int i, const uint threshold) {
    const ulong stream = dropout_mix(seed ^ dropout_mix(step + 0x9E3779B97F4A7C15UL));
    const ulong bits = dropout_mix(stream + (ulong)i * 0x9E3779B97F4A7C15UL);
    return (uint)(bits >> 40) >= threshold;
}

// y = x * scale where kept, 0 where dropped (scale = 1 / (1 - rate)).
__kernel void dropout_forward(__global const float *x, __global float *y, const ulong seed, const ulong step,
                              const uint threshold, const float scale, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = dropout_keeps(seed, step, i, threshold) ? x[i] * scale : 0.0f;
}

// The same mask applied to the incoming gradient.
__kernel void dropout_backward(__global const float *dy, __global float *dx, const ulong seed, const ulong step,
                               const uint threshold, const float scale, const int n) {
    const int i = get_global_id(0);
    if (i < n) dx[i] = dropout_keeps(seed, step, i, threshold) ? dy[i] * scale : 0.0f;
}
