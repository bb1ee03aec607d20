// Data augmentation on the device: per image, an affine map (rotation, zoom, shift,
// horizontal flip) sampled bilinearly with edges clamped, then gamma, contrast and
// brightness, then an optional erased rectangle. One pass over the output.
//
// params holds AUGMENT_STRIDE = 14 floats per image, drawn on the host:
//   m00 m01 m10 m11 tx ty gain bias gamma ex0 ey0 ex1 ey1 noise_seed
// An output pixel (x, y), taken relative to the image centre (cx, cy), reads the input at
//   sx = m00 * (x - cx) + m01 * (y - cy) + cx + tx
//   sy = m10 * (x - cx) + m11 * (y - cy) + cy + ty
// and becomes clamp(v * gain + bias, 0, 1), where v is the sampled value, or
// clamp(value, 0, 1)^gamma when gamma is not 1: gamma acts on the [0, 1] intensity, before
// contrast and brightness, the order of a display's tone curve. Inside the rectangle
// [ex0, ex1) x [ey0, ey1) the pixel is replaced by noise in [0, 1) hashed from noise_seed and
// the pixel index: noise rather than one fixed gray, because a flat patch is a shape a
// network learns to spot and ignore, and the image's mean would need a pass of its own.
// Every channel of an image uses the same parameters. The identity (m = I, t = 0, gain 1,
// bias 0, gamma 1, an empty rectangle) reproduces the input exactly, and gamma 1 with an
// empty rectangle gives exactly what the kernel gave before those two existed.

#define AUGMENT_STRIDE 14

// Uniform in [0, 1) from a hash of the image's seed and the pixel's index in its plane;
// AugmentationParameters.eraseNoise computes the same on the host.
static float erase_noise(uint seed, uint pixel) {
    uint h = seed ^ (pixel * 0x9E3779B9u);
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return (float)(h >> 8) * (1.0f / 16777216.0f);
}

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
    float value = top * (1.0f - fy) + bottom * fy;
    // Only when on, so that gamma 1 leaves the value (and any input outside [0, 1]) untouched.
    if (p[8] != 1.0f) value = pow(clamp(value, 0.0f, 1.0f), p[8]);
    float result = clamp(value * p[6] + p[7], 0.0f, 1.0f);
    if (x >= (int)p[9] && y >= (int)p[10] && x < (int)p[11] && y < (int)p[12]) {
        result = erase_noise((uint)p[13], (uint)(y * width + x));
    }

    output[(size_t)plane * height * width + y * width + x] = result;
}
