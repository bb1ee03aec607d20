// Activations, forward and backward, one work-item per element (softmax: one per row).
// Backward kernels take what the forward kept: the input for the piecewise-linear ones,
// the output for sigmoid, tanh and softmax, whose derivatives are cheapest from it.

__kernel void relu_forward(__global const float *x, __global float *y, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = fmax(x[i], 0.0f);
}

// The derivative at exactly 0 is taken as 0, as in PyTorch.
__kernel void relu_backward(__global const float *x, __global const float *dy, __global float *dx, const int n) {
    const int i = get_global_id(0);
    if (i < n) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
}

__kernel void leaky_relu_forward(__global const float *x, __global float *y, const float slope, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = x[i] > 0.0f ? x[i] : slope * x[i];
}

__kernel void leaky_relu_backward(__global const float *x, __global const float *dy, __global float *dx,
                                  const float slope, const int n) {
    const int i = get_global_id(0);
    if (i < n) dx[i] = x[i] > 0.0f ? dy[i] : slope * dy[i];
}

// 1 / (1 + exp(-x)) written so that neither branch overflows for large |x|.
__kernel void sigmoid_forward(__global const float *x, __global float *y, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float v = x[i];
    const float e = exp(-fabs(v));
    y[i] = v >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

__kernel void sigmoid_backward(__global const float *y, __global const float *dy, __global float *dx, const int n) {
    const int i = get_global_id(0);
    if (i < n) dx[i] = dy[i] * y[i] * (1.0f - y[i]);
}

__kernel void tanh_forward(__global const float *x, __global float *y, const int n) {
    const int i = get_global_id(0);
    if (i < n) y[i] = tanh(x[i]);
}

__kernel void tanh_backward(__global const float *y, __global const float *dy, __global float *dx, const int n) {
    const int i = get_global_id(0);
    if (i < n) dx[i] = dy[i] * (1.0f - y[i] * y[i]);
}

// Softmax over the last dimension of a [rows, cols] view; subtracting the row maximum keeps
// exp in range. Rows are short (class counts), so one work-item walks a whole row.
__kernel void softmax_forward(__global const float *x, __global float *y, const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *row = x + (long)r * cols;
    __global float *out = y + (long)r * cols;
    float largest = row[0];
    for (int c = 1; c < cols; c++) largest = fmax(largest, row[c]);
    float total = 0.0f;
    for (int c = 0; c < cols; c++) {
        const float e = exp(row[c] - largest);
        out[c] = e;
        total += e;
    }
    const float inverse = 1.0f / total;
    for (int c = 0; c < cols; c++) out[c] *= inverse;
}

// dx = y * (dy - sum_c(dy * y)) per row.
__kernel void softmax_backward(__global const float *y, __global const float *dy, __global float *dx,
                               const int rows, const int cols) {
    const int r = get_global_id(0);
    if (r >= rows) return;
    const long base = (long)r * cols;
    float dot = 0.0f;
    for (int c = 0; c < cols; c++) dot += dy[base + c] * y[base + c];
    for (int c = 0; c < cols; c++) dx[base + c] = y[base + c] * (dy[base + c] - dot);
}
