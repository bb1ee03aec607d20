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
__kernel void maxpool_forward(
    const int H, const int W, const int size, const int stride, const int OH, const int OW, const int planes,
    const int rowsPerItem, __global const float *x, __global float *y, __global int *argmax, const int keepArgmax,
    const int rectify)
{
    const int total = planes * OH;
    const int begin = get_global_id(0) * rowsPerItem;
    const int end = min(begin + rowsPerItem, total);
    for (int r = begin; r < end; ++r) {
        const int plane = r / OH;
        const int oh = r - plane * OH;
        const __global float *in = x + plane * H * W;
        const int top = oh * stride * W;
        if (size == 2 && stride == 2) {
            // The common 2 x 2 case without inner loops, so the row loop vectorizes.
            const __global float *r0 = in + top;
            const __global float *r1 = r0 + W;
            for (int ow = 0; ow < OW; ++ow) {
                const float a = r0[2 * ow], b = r0[2 * ow + 1], c = r1[2 * ow], d = r1[2 * ow + 1];
                float value = a;
                int best = top + 2 * ow;
                best = b > value ? top + 2 * ow + 1 : best;
                value = b > value ? b : value;
                best = c > value ? top + W + 2 * ow : best;
                value = c > value ? c : value;
                best = d > value ? top + W + 2 * ow + 1 : best;
                value = d > value ? d : value;
                best = rectify && !(value > 0.0f) ? -1 : best;
                value = rectify && !(value > 0.0f) ? 0.0f : value;
                y[r * OW + ow] = value;
                if (keepArgmax) argmax[r * OW + ow] = best;
            }
            continue;
        }
        for (int ow = 0; ow < OW; ++ow) {
            int best = top + ow * stride;
            float value = in[best];
            for (int i = 0; i < size; ++i) {
                for (int j = 0; j < size; ++j) {
                    const int index = top + i * W + ow * stride + j;
                    if (in[index] > value) { value = in[index]; best = index; }
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
