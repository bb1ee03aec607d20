// Mixup and CutMix on the device, after augmentation: each output image blends its own
// image with a partner from the same batch.
//
// params holds MIX_STRIDE = 6 floats per image, drawn on the host (MixingPlan):
//   partner weight bx0 by0 bx1 by1
// An output pixel inside the box [bx0, bx1) x [by0, by1) is the partner's pixel (CutMix);
// elsewhere it is weight * own + (1 - weight) * partner (mixup; CutMix passes weight 1, which
// keeps the own pixel exactly). Every channel of an image uses the same parameters.
//
// Contraction into fused multiply-adds is off, so the sums round as in the host reference
// (MixReference) and the two agree bit for bit.
#pragma OPENCL FP_CONTRACT OFF

#define MIX_STRIDE 6

// One work-item per output pixel: global [width, height, batch * channels].
__kernel void mix_images(__global const float *input, __global float *output, __global const float *params,
                         const int batch, const int channels, const int height, const int width) {
    const int x = get_global_id(0);
    const int y = get_global_id(1);
    const int plane = get_global_id(2);
    if (x >= width || y >= height || plane >= batch * channels) return;

    const int image = plane / channels;
    __global const float *p = params + image * MIX_STRIDE;
    const int partner_plane = (int)p[0] * channels + plane % channels;
    const size_t pixel = (size_t)y * width + x;
    const float own = input[(size_t)plane * height * width + pixel];
    const float other = input[(size_t)partner_plane * height * width + pixel];
    const float weight = p[1];
    const bool inside = x >= (int)p[2] && y >= (int)p[3] && x < (int)p[4] && y < (int)p[5];
    const float blended = weight * own + (1.0f - weight) * other;
    output[(size_t)plane * height * width + pixel] = inside ? other : blended;
}
