// Data augmentation on the device: per image, an affine map (rotation, zoom, shift,
// horizontal flip) sampled bilinearly with edges clamped, then contrast and brightness.
//
// params holds AUGMENT_STRIDE = 8 floats per image, drawn on the host:
//   m00 m01 m10 m11 tx ty gain bias
// An output pixel (x, y), taken relative to the image centre (cx, cy), reads the input at
//   sx = m00 * (x - cx) + m01 * (y - cy) + cx + tx
//   sy = m10 * (x - cx) + m11 * (y - cy) + cy + ty
// and becomes clamp(value * gain + bias, 0, 1). Every channel of an image uses the same
// parameters. The identity (m = I, t = 0, gain 1, bias 0) reproduces the input exactly.

#define AUGMENT_STRIDE 8

// One work-item per output pixel: global [width, height, batch * channels].
__kernel void augment(__global const float *input, __global float *output, __global const float *params,
                      const int batch, const int channels, const int height, const int width) {
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int plane = get_global_id(2);
    if (x >= width || y >= height || plane >= batch * channels) return;

    __global const float *p = params + (plane / channels) * AUGMENT_STRIDE;
    const float cx = 0.5f * (float)(width - 1);
    const float cy = 0.5f * (float)(height - 1);
    const float dx = (float)x - cx;
    const float dy = (float)y - cy;
    // Outside the image, repeat the nearest edge pixel (Keras' fill_mode="nearest").
    const float sx = clamp(p[0] * dx + p[1] * dy + cx + p[4], 0.0f, (float)(width - 1));
    const float sy = clamp(p[2] * dx + p[3] * dy + cy + p[5], 0.0f, (float)(height - 1));

    const int x0 = (int)floor(sx);
    const int y0 = (int)floor(sy);
    const int x1 = min(x0 + 1, width - 1);
    const int y1 = min(y0 + 1, height - 1);
    const float fx = sx - (float)x0;
    const float fy = sy - (float)y0;

    __global const float *source = input + (size_t)plane * height * width;
    const float top = source[y0 * width + x0] * (1.0f - fx) + source[y0 * width + x1] * fx;
    const float bottom = source[y1 * width + x0] * (1.0f - fx) + source[y1 * width + x1] * fx;
    const float value = top * (1.0f - fy) + bottom * fy;

    output[(size_t)plane * height * width + y * width + x] = clamp(value * p[6] + p[7], 0.0f, 1.0f);
}
