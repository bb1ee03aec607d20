// Data augmentation on the device: per image, an affine map (rotation, zoom, shift,
// horizontal flip) sampled bilinearly with edges clamped, then gamma, contrast and
// brightness, then an optional erased rectangle. One pass over the output.
//
// params holds AUGMENT_STRIDE = 14 floats per image, drawn on the host:
//   m00 m01 m10 m11 tx ty gain bias gamma ex0 ey0 ex1 ey1 noise_seed
// An output pixel (x, y), taken relative to the image centre (cx, cy), reads the input at
//   sx = m00 * (x - cx) + m01 * (y - cy) + cx + tx
//   sy = m10 * (x - cx) + m11 * (y - cy) + cy + ty
// and becomes clamp(v * gain + bias, 0, 1), where v is the sampled value s, or
// clamp(s, 0, 1)^gamma when gamma is not 1: gamma acts on the [0, 1] intensity, before
// contrast and brightness, the order of a display's tone curve. Inside the rectangle
// [ex0, ex1) x [ey0, ey1) the pixel is replaced by noise in [0, 1) hashed from noise_seed and
// the pixel index: noise rather than one fixed gray, because a flat patch is a shape a
// network learns to spot and ignore, and the image's mean would need a pass of its own.
// Every channel of an image uses the same parameters. The identity (m = I, t = 0, gain 1,
// bias 0, gamma 1, an empty rectangle) reproduces the input exactly.
//
// Gamma and erasing are compiled in only when a batch uses them (-D GAMMA, -D ERASE): built
// without them, this is the kernel of before they existed, bit for bit and just as fast
// (compiled in but unused, they made the kernel 5x slower on PoCL).

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

// x^g for x in [0, 1] and g > 0 as 2^(g log2 x), both halves by polynomials on the float's bits:
// PoCL runs the library's pow, exp2 and log2 one work-item at a time (8-25x the cost of the
// whole kernel), while this arithmetic vectorises. Relative error about 1e-6; 0 gives 2^-126.
static float gamma_curve(float x, float g) {
    const int bits = as_int(x);
    const float exponent = (float)(((bits >> 23) & 255) - 127);
    const float m = as_float((bits & 0x007FFFFF) | 0x3F800000);  // In [1, 2).
    // log2(m) = (2 / ln 2) atanh(t), t = (m - 1) / (m + 1) in [0, 1/3].
    const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    const float atanh = t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9)))));
    const float y = fmax(g * (exponent + 2.8853900817779268f * atanh), -126.0f);
    const float whole = floor(y), f = (y - whole) * 0.6931471805599453f;
    // e^f for f in [0, ln 2), Taylor to degree 7.
    const float e = 1.0f + f * (1.0f + f * (1.0f / 2 + f * (1.0f / 6 + f * (1.0f / 24 + f * (1.0f / 120 + f * (1.0f / 720 + f * (1.0f / 5040)))))));
    return e * as_float(((int)whole + 127) << 23);
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
#ifdef GAMMA
    // Selects rather than branches, so the work-items of a group stay vectorised; gamma 1
    // keeps the value exactly, as without GAMMA.
    const float curved = gamma_curve(clamp(value, 0.0f, 1.0f), p[8]);
    value = p[8] != 1.0f ? curved : value;
#endif
    float result = clamp(value * p[6] + p[7], 0.0f, 1.0f);
#ifdef ERASE
    const bool inside = x >= (int)p[9] && y >= (int)p[10] && x < (int)p[11] && y < (int)p[12];
    const float noise = erase_noise((uint)p[13], (uint)(y * width + x));
    result = inside ? noise : result;
#endif

    output[(size_t)plane * height * width + y * width + x] = result;
}
