// Cross-entropy against soft targets with one weight per sample: the losses of mixed
// images (mixup, CutMix), whose target is a blend of two labels and whose weight is the same
// blend of the two classes' weights. The host adds the per-sample values with the
// deterministic sum and divides by N; backward kernels fold that 1/N in as `scale`.
// A target outside [0, 1] or a negative weight makes that sample's loss and gradient NaN.
// Label smoothing e acts on top of the blend, as in loss.cl.

// Binary: target t in [0, 1] (the probability of class 1), smoothed to t (1 - e) + e / 2.
inline float smoothed_soft_target(const float t, const float smoothing) {
    return smoothing == 0.0f ? t : t * (1.0f - smoothing) + 0.5f * smoothing;
}

__kernel void bce_soft_forward(__global const float *logits, __global const float *targets, __global const float *weights,
                               __global float *losses, const float smoothing, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float t = targets[i];
    const float w = weights[i];
    const bool valid = t >= 0.0f && t <= 1.0f && w >= 0.0f;
    const float y = smoothed_soft_target(t, smoothing);
    losses[i] = valid ? w * (fmax(x, 0.0f) - x * y + log1p(exp(-fabs(x)))) : NAN;
}

// d/dx = w * (sigmoid(x) - y) * scale
__kernel void bce_soft_backward(__global const float *logits, __global const float *targets, __global const float *weights,
                                __global float *dlogits, const float smoothing, const float scale, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float t = targets[i];
    const float w = weights[i];
    const bool valid = t >= 0.0f && t <= 1.0f && w >= 0.0f;
    const float y = smoothed_soft_target(t, smoothing);
    const float e = exp(-fabs(x));
    const float probability = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dlogits[i] = valid ? w * (probability - y) * scale : NAN;
}

// Softmax over one row of [rows, cols] logits against the row's target distribution q,
// smoothed to q' = (1 - e) q + e / C: loss = w * sum_c q'_c (lse - x_c).
__kernel void softmax_ce_soft_forward(__global const float *logits, __global const float *targets,
                                      __global const float *weights, __global float *losses, const float smoothing,
                                      const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *row = logits + (long)r * cols;
    __global const float *q = targets + (long)r * cols;
    const float w = weights[r];
    bool valid = w >= 0.0f;
    float largest = row[0];
    for (int c = 1; c < cols; c++) largest = fmax(largest, row[c]);
    float total = 0.0f;
    for (int c = 0; c < cols; c++) total += exp(row[c] - largest);
    const float lse = largest + log(total);
    float loss = 0.0f;
    for (int c = 0; c < cols; c++) {
        valid = valid && q[c] >= 0.0f && q[c] <= 1.0f;
        const float target = (1.0f - smoothing) * q[c] + smoothing / (float)cols;
        loss += target * (lse - row[c]);
    }
    losses[r] = valid ? w * loss : NAN;
}

// d/dx[c] = w * (softmax(x)[c] * sum(q') - q'[c]) * scale; sum(q') is 1 for a distribution.
__kernel void softmax_ce_soft_backward(__global const float *logits, __global const float *targets,
                                       __global const float *weights, __global float *dlogits, const float smoothing,
                                       const float scale, const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *row = logits + (long)r * cols;
    __global const float *q = targets + (long)r * cols;
    __global float *out = dlogits + (long)r * cols;
    const float w = weights[r];
    bool valid = w >= 0.0f;
    float mass = 0.0f;
    for (int c = 0; c < cols; c++) {
        valid = valid && q[c] >= 0.0f && q[c] <= 1.0f;
        mass += (1.0f - smoothing) * q[c] + smoothing / (float)cols;
    }
    float largest = row[0];
    for (int c = 1; c < cols; c++) largest = fmax(largest, row[c]);
    float total = 0.0f;
    for (int c = 0; c < cols; c++) total += exp(row[c] - largest);
    const float factor = w * scale;
    for (int c = 0; c < cols; c++) {
        const float target = (1.0f - smoothing) * q[c] + smoothing / (float)cols;
        const float probability = exp(row[c] - largest) / total;
        out[c] = valid ? factor * (probability * mass - target) : NAN;
    }
}
