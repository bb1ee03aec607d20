// Local-contrast augmentation: an unsharp mask of random strength per image,
//   out = clamp(x + amount * (x - blur(x)), 0, 1),
// where blur is the mean over a (2 RADIUS + 1)^2 box with edges repeated. A positive amount
// sharpens structure finer than the box (ribs, vessels, consolidation edges), a negative one
// flattens it towards the blur (amount -1 is the blur itself); 0 leaves an image unchanged,
// bit for bit. It widens the spread of local contrast the model sees across scanners and
// exposure settings, which a global gain cannot do.
//
// Two passes, as the box separates, each a sliding window (two reads per pixel whatever the
// radius): local_contrast_columns writes each pixel's mean along its column,
// local_contrast_apply slides along each row of those means and applies the mask. A work-item
// per pixel reading its whole window was 6-8x slower on PoCL: the clamped reads of a row
// window do not vectorise. RADIUS comes as a build option.

#ifndef RADIUS
#define RADIUS 8
#endif

// One work-item per column: global [width, planes]; neighbouring work-items read
// neighbouring addresses.
__kernel void local_contrast_columns(__global const float *input, __global float *columns,
                                     const int planes, const int height, const int width) {
    const int x = get_global_id(0), plane = get_global_id(1);
    if (x >= width || plane >= planes) return;
    __global const float *source = input + (size_t)plane * height * width + x;
    __global float *target = columns + (size_t)plane * height * width + x;
    float sum = 0.0f;
    for (int k = -RADIUS; k <= RADIUS; ++k) sum += source[clamp(k, 0, height - 1) * width];
    for (int y = 0; y < height; ++y) {
        target[y * width] = sum * (1.0f / (2 * RADIUS + 1));
        sum += source[min(y + RADIUS + 1, height - 1) * width] - source[max(y - RADIUS, 0) * width];
    }
}

// One work-item per row: global [height, planes]. amounts holds one strength per image;
// every channel of an image uses it.
__kernel void local_contrast_apply(__global const float *input, __global const float *columns,
                                   __global const float *amounts, __global float *output,
                                   const int channels, const int planes, const int height, const int width) {
    const int y = get_global_id(0), plane = get_global_id(1);
    if (y >= height || plane >= planes) return;
    const size_t row = ((size_t)plane * height + y) * width;
    __global const float *means = columns + row;
    const float amount = amounts[plane / channels];
    float sum = 0.0f;
    for (int k = -RADIUS; k <= RADIUS; ++k) sum += means[clamp(k, 0, width - 1)];
    for (int x = 0; x < width; ++x) {
        const float value = input[row + x];
        const float blur = sum * (1.0f / (2 * RADIUS + 1));
        // A select, not a branch: amount 0 gives the input exactly.
        const float sharpened = clamp(value + amount * (value - blur), 0.0f, 1.0f);
        output[row + x] = amount != 0.0f ? sharpened : value;
        sum += means[min(x + RADIUS + 1, width - 1)] - means[max(x - RADIUS, 0)];
    }
}
