// Per-sample losses with class weights. The host adds the per-sample values with the
// deterministic sum and divides by N; backward kernels fold that 1/N in as `scale`.
// A target that is not a valid class makes that sample's loss and gradient NaN, so a bad
// label shows up in the loss the host reads instead of silently training on garbage.

// Binary cross-entropy on a logit x with target y in [0, 1]:
// max(x, 0) - x*y + log(1 + exp(-|x|)) never overflows. The class weight is w1 for
// y >= 0.5 and w0 otherwise. Label smoothing e trains towards y (1 - e) + e / 2 instead of
// y, so the loss stops rewarding ever larger logits; e = 0 leaves y exactly as it is.
inline float smoothed_binary_target(const float y, const float smoothing) {
    return smoothing == 0.0f ? y : y * (1.0f - smoothing) + 0.5f * smoothing;
}

__kernel void bce_forward(__global const float *logits, __global const float *targets, __global float *losses,
                          const float w0, const float w1, const float smoothing, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float label = targets[i];
    const float weight = label >= 0.5f ? w1 : w0;
    const bool valid = label >= 0.0f && label <= 1.0f;
    const float y = smoothed_binary_target(label, smoothing);
    losses[i] = valid ? weight * (fmax(x, 0.0f) - x * y + log1p(exp(-fabs(x)))) : NAN;
}

// d/dx = w * (sigmoid(x) - y) * scale
__kernel void bce_backward(__global const float *logits, __global const float *targets, __global float *dlogits,
                           const float w0, const float w1, const float smoothing, const float scale, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float x = logits[i];
    const float label = targets[i];
    const float weight = label >= 0.5f ? w1 : w0;
    const bool valid = label >= 0.0f && label <= 1.0f;
    const float y = smoothed_binary_target(label, smoothing);
    const float e = exp(-fabs(x));
    const float probability = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
    dlogits[i] = valid ? weight * (probability - y) * scale : NAN;
}

// The class index a float target names, or -1 when it is not a whole number in [0, cols).
inline int target_class(const float t, const int cols) {
    return (t >= 0.0f && t < (float)cols && t == floor(t)) ? (int)t : -1;
}

// Softmax cross-entropy for one row of [rows, cols] logits: log(sum(exp(x))) - x[class],
// with the row maximum subtracted first. Label smoothing e spreads e of the target's mass
// evenly over all classes: the loss becomes lse - (1 - e) x[class] - (e / C) sum(x).
__kernel void softmax_ce_forward(__global const float *logits, __global const float *targets,
                                 __global const float *weights, __global float *losses, const float smoothing,
                                 const int rows, const int cols) {
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
    float loss = largest + log(total) - row[k];
    if (smoothing != 0.0f) {
        float sum = 0.0f;
        for (int c = 0; c < cols; c++) sum += row[c];
        loss = largest + log(total) - (1.0f - smoothing) * row[k] - smoothing / (float)cols * sum;
    }
    losses[r] = weights[k] * loss;
}

// d/dx[c] = w[class] * (softmax(x)[c] - target[c]) * scale, where target is one-hot, or
// (1 - e) one-hot + e / C with label smoothing e.
__kernel void softmax_ce_backward(__global const float *logits, __global const float *targets,
                                  __global const float *weights, __global float *dlogits, const float smoothing,
                                  const float scale, const int rows, const int cols) {
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
    const float hit = smoothing == 0.0f ? weights[k] * scale : weights[k] * scale * (1.0f - smoothing + smoothing / (float)cols);
    const float miss = smoothing == 0.0f ? 0.0f : weights[k] * scale * smoothing / (float)cols;
    for (int c = 0; c < cols; c++) {
        const float probability_scaled = exp(row[c] - largest) * factor;
        out[c] = c == k ? probability_scaled - hit : probability_scaled - miss;
    }
}
