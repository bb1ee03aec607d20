// Pooling over NCHW planes: max and average with a square window (`valid`, floor), and
// global average. Backward passes gather: every input pixel sums the outputs whose window
// holds it, in a fixed order, so overlapping windows need no atomics.
// Plane geometry arguments: H, W (input), size, stride, OH, OW.

// Max pooling works on whole output rows: work-item i takes rows [i * rowsPerItem, ...) of
// the (plane, oh) row index. On a CPU a few large items keep scheduling overhead low; on a
// GPU rowsPerItem is 1 and groups are wide.

// Forward max; argmax[o] keeps the winning pixel (y * W + x) of the plane, the first on ties.
// With `rectify`, the layer is ReLU then max pool in one pass (the two commute): a window
// whose maximum is not positive gives 0 and argmax -1, so backward routes nothing there, as
// the ReLU's zero gradient would.
// With `affine`, each input value is first mapped to x * scale[c] + shift[c], c = plane mod
// `channels`: a training batch norm's normalisation done here, so its full-size output is
// never written and read back (see BatchNorm). The map is computed exactly as bn_normalize
// does, and the window's maximum taken after it (a negative scale reverses the order).
#define POOL_VALUE(index) (affine ? in[index] * a + b : in[index])

// The common 2 x 2 case, eight neighbouring windows at once: the two input rows load as
// float16 and split into even and odd columns; the rest of the row runs one window at a time.
// Both make the scalar loop's comparisons (strictly greater replaces, so the first maximum
// wins and NaN never does), lane by lane. Vectors matter once the affine map is applied:
// without them this loop, not memory, bounds the kernel.
inline void maxpool2x2_row(const __global float *in, const int W, const int top, const int OW, const float a,
                           const float b, const int affine, const int rectify, __global float *y, __global int *argmax)
{
    const int8 lanes = (int8)(0, 2, 4, 6, 8, 10, 12, 14);
    int ow = 0;
    for (; ow + 8 <= OW; ow += 8) {
        const int first = top + 2 * ow;
        float16 upper = vload16(0, in + first);
        float16 lower = vload16(0, in + first + W);
        if (affine) {
            upper = upper * a + b;
            lower = lower * a + b;
        }
        const int8 firsts = first + lanes;
        float8 value = upper.even;
        int8 best = firsts;
        int8 wins = isgreater(upper.odd, value);
        best = select(best, firsts + 1, wins);
        value = select(value, upper.odd, wins);
        wins = isgreater(lower.even, value);
        best = select(best, firsts + W, wins);
        value = select(value, lower.even, wins);
        wins = isgreater(lower.odd, value);
        best = select(best, firsts + W + 1, wins);
        value = select(value, lower.odd, wins);
        if (rectify) {
            const int8 positive = isgreater(value, (float8)(0.0f));
            best = select((int8)(-1), best, positive);
            value = select((float8)(0.0f), value, positive);
        }
        vstore8(value, 0, y + ow);
        if (argmax) vstore8(best, 0, argmax + ow);
    }
    for (; ow < OW; ++ow) {
        const int first = top + 2 * ow;
        const float p = POOL_VALUE(first), q = POOL_VALUE(first + 1);
        const float u = POOL_VALUE(first + W), v = POOL_VALUE(first + W + 1);
        float value = p;
        int best = first;
        best = q > value ? first + 1 : best;
        value = q > value ? q : value;
        best = u > value ? first + W : best;
        value = u > value ? u : value;
        best = v > value ? first + W + 1 : best;
        value = v > value ? v : value;
        best = rectify && !(value > 0.0f) ? -1 : best;
        value = rectify && !(value > 0.0f) ? 0.0f : value;
        y[ow] = value;
        if (argmax) argmax[ow] = best;
    }
}

__kernel void maxpool_forward(
    const int H, const int W, const int size, const int stride, const int OH, const int OW, const int planes,
    const int rowsPerItem, __global const float *x, __global float *y, __global int *argmax, const int keepArgmax,
    const int rectify, const int affine, __global const float *scale, __global const float *shift, const int channels)
{
    const int total = planes * OH;
    const int begin = get_global_id(0) * rowsPerItem;
    const int end = min(begin + rowsPerItem, total);
    for (int r = begin; r < end; ++r) {
        const int plane = r / OH;
        const int oh = r - plane * OH;
        const __global float *in = x + plane * H * W;
        const float a = affine ? scale[plane % channels] : 1.0f;
        const float b = affine ? shift[plane % channels] : 0.0f;
        const int top = oh * stride * W;
        if (size == 2 && stride == 2) {
            maxpool2x2_row(in, W, top, OW, a, b, affine, rectify, y + r * OW, keepArgmax ? argmax + r * OW : 0);
            continue;
        }
        for (int ow = 0; ow < OW; ++ow) {
            int best = top + ow * stride;
            float value = POOL_VALUE(best);
            for (int i = 0; i < size; ++i) {
                for (int j = 0; j < size; ++j) {
                    const int index = top + i * W + ow * stride + j;
                    const float candidate = POOL_VALUE(index);
                    if (candidate > value) { value = candidate; best = index; }
                }
            }
            if (rectify && !(value > 0.0f)) { value = 0.0f; best = -1; }
            y[r * OW + ow] = value;
            if (keepArgmax) argmax[r * OW + ow] = best;
        }
    }
}

// Backward max when windows do not overlap (stride >= size): output row oh owns the band of
// input rows [oh * stride, (oh + 1) * stride) (the last band runs to H), so each item zeroes
// its bands and drops every gradient on its window's argmax, with no reads of other rows.
__kernel void maxpool_backward_bands(
    const int H, const int W, const int stride, const int OH, const int OW, const int planes, const int rowsPerItem,
    __global const float *dy, __global const int *argmax, __global float *dx)
{
    const int total = planes * OH;
    const int begin = get_global_id(0) * rowsPerItem;
    const int end = min(begin + rowsPerItem, total);
    for (int r = begin; r < end; ++r) {
        const int plane = r / OH;
        const int oh = r - plane * OH;
        __global float *out = dx + plane * H * W;
        const int bandEnd = (oh == OH - 1 ? H : (oh + 1) * stride) * W;
        for (int p = oh * stride * W; p < bandEnd; ++p) out[p] = 0.0f;
        for (int ow = 0; ow < OW; ++ow) {
            const int best = argmax[r * OW + ow];
            if (best >= 0) out[best] = dy[r * OW + ow];
        }
    }
}

// First and last output row (or column) whose window covers input row (or column) `p`.
inline int first_window(int p, int size, int stride) { return p < size ? 0 : (p - size) / stride + 1; }
inline int last_window(int p, int stride, int outSize) { return min(p / stride, outSize - 1); }

// Backward max for overlapping windows: dx at a pixel = sum of dy over the windows whose
// argmax it is, gathered in a fixed order. Work-item (x, y, plane).
__kernel void maxpool_backward(
    const int H, const int W, const int size, const int stride, const int OH, const int OW, const int planes,
    __global const float *dy, __global const int *argmax, __global float *dx)
{
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int plane = get_global_id(2);
    if (x >= W || y >= H || plane >= planes) return;
    const int self = y * W + x;
    const int base = plane * OH * OW;
    float sum = 0.0f;
    const int ohEnd = last_window(y, stride, OH);
    const int owEnd = last_window(x, stride, OW);
    for (int oh = first_window(y, size, stride); oh <= ohEnd; ++oh) {
        for (int ow = first_window(x, size, stride); ow <= owEnd; ++ow) {
            const int o = base + oh * OW + ow;
            if (argmax[o] == self) sum += dy[o];
        }
    }
    dx[plane * H * W + self] = sum;
}

// Forward average over the size x size window. Work-item (ow, oh, plane).
__kernel void avgpool_forward(
    const int H, const int W, const int size, const int stride, const int OH, const int OW, const int planes,
    __global const float *x, __global float *y)
{
    const int ow = get_global_id(0);
    const int oh = get_global_id(1);
    const int plane = get_global_id(2);
    if (ow >= OW || oh >= OH || plane >= planes) return;
    const __global float *in = x + plane * H * W + (oh * stride) * W + ow * stride;
    float sum = 0.0f;
    for (int i = 0; i < size; ++i) {
        for (int j = 0; j < size; ++j) sum += in[i * W + j];
    }
    y[(plane * OH + oh) * OW + ow] = sum / (float)(size * size);
}

// Backward average: dx at a pixel = sum of dy over the windows that cover it, / (size * size).
__kernel void avgpool_backward(
    const int H, const int W, const int size, const int stride, const int OH, const int OW, const int planes,
    __global const float *dy, __global float *dx)
{
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int plane = get_global_id(2);
    if (x >= W || y >= H || plane >= planes) return;
    const __global float *g = dy + plane * OH * OW;
    float sum = 0.0f;
    const int ohEnd = last_window(y, stride, OH);
    const int owEnd = last_window(x, stride, OW);
    for (int oh = first_window(y, size, stride); oh <= ohEnd; ++oh) {
        for (int ow = first_window(x, size, stride); ow <= owEnd; ++ow) sum += g[oh * OW + ow];
    }
    dx[(plane * H + y) * W + x] = sum / (float)(size * size);
}

// Global average: y[plane] = mean of the plane's `pixels` values, in order. Work-item: plane.
__kernel void global_avgpool_forward(const int pixels, const int planes, __global const float *x, __global float *y)
{
    const int plane = get_global_id(0);
    if (plane >= planes) return;
    const __global float *in = x + plane * pixels;
    float sum = 0.0f;
    for (int p = 0; p < pixels; ++p) sum += in[p];
    y[plane] = sum / (float)pixels;
}

// Backward global average: every pixel of a plane gets dy[plane] / pixels. Work-item: element.
__kernel void global_avgpool_backward(const int pixels, const int planes, __global const float *dy, __global float *dx)
{
    const int i = get_global_id(0);
    if (i >= pixels * planes) return;
    dx[i] = dy[i / pixels] / (float)pixels;
}
