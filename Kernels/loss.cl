// Per-sample losses with class weights. The host adds the per-sample values with the
// deterministic sum and divides by N; backward kernels fold that 1/N in as `scale`.
// A target that is not a valid class makes that sample's loss and gradient NaN, so a bad
// label shows up in the loss the host reads instead of silently training on garbage.

// Binary cross-entropy on a logit x with target y in [0, 1]:
// max(x, 0) - x*y + log(1 + exp(-|x|)) never overflows. The class weight is w1 for
// y >= 0.5 and w0 otherwise.
__kernel void bce_forward(__global const float *logits, __global const float *targets, __global float *losses,
                          const float w0, const float w1, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float y = targets[i];
    const float weight = y >= 0.5f ? w1 : w0;
    const bool valid = y >= 0.0f && y <= 1.0f;
    losses[i] = valid ? weight * (fmax(x, 0.0f) - x * y + log1p(exp(-fabs(x)))) : NAN;
}

// d/dx = w * (sigmoid(x) - y) * scale
__kernel void bce_backward(__global const float *logits, __global const float *targets, __global float *dlogits,
                           const float w0, const float w1, const float scale, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float y = targets[i];
    const float weight = y >= 0.5f ? w1 : w0;
    const bool valid = y >= 0.0f && y <= 1.0f;
    const float e = exp(-fabs(x));
    const float probability = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dlogits[i] = valid ? weight * (probability - y) * scale : NAN;
}

// The class index a float target names, or -1 when it is not a whole number in [0, cols).
inline int target_class(const float t, const int cols) {
    return (t >= 0.0f && t < (float)cols && t == floor(t)) ? (int)t : -1;
}

// Softmax cross-entropy for one row of [rows, cols] logits: log(sum(exp(x))) - x[class],
// with the row maximum subtracted first.
__kernel void softmax_ce_forward(__global const float *logits, __global const float *targets,
                                 __global const float *weights, __global float *losses, const int rows,
                                 const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const int k = target_class(targets[r], cols);
    if (k < 0) {
        losses[r] = NAN;
        return;
    }
    __global const float *row = logits + (long)r * cols;
    float largest = row[0];
    for (int c = 1; c < cols; c++) largest = fmax(largest, row[c]);
    float total = 0.0f;
    for (int c = 0; c < cols; c++) total += exp(row[c] - largest);
    losses[r] = weights[k] * (largest + log(total) - row[k]);
}

// d/dx[c] = w[class] * (softmax(x)[c] - [c == class]) * scale
__kernel void softmax_ce_backward(__global const float *logits, __global const float *targets,
                                  __global const float *weights, __global float *dlogits, const float scale,
                                  const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const int k = target_class(targets[r], cols);
    __global const float *row = logits + (long)r * cols;
    __global float *out = dlogits + (long)r * cols;
    if (k < 0) {
        for (int c = 0; c < cols; c++) out[c] = NAN;
        return;
    }
    float largest = row[0];
    for (int c = 1; c < cols; c++) largest = fmax(largest, row[c]);
    float total = 0.0f;
    for (int c = 0; c < cols; c++) total += exp(row[c] - largest);
    const float factor = weights[k] * scale / total;
    for (int c = 0; c < cols; c++) {
        const float probability_scaled = exp(row[c] - largest) * factor;
        out[c] = c == k ? probability_scaled - weights[k] * scale : probability_scaled;
    }
}
