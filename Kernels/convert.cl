// Conversion of 8-bit image planes into float input on the device, so only a quarter of the
// bytes cross the bus and the host never holds a float copy of a batch.
//
// input holds `count` planes of `plane` bytes. Output is NCHW float: each input plane is
// repeated `channels` times, every value fma(byte, scale, offset). The fma rounds once, so
// with offset 0 the value is the correctly rounded byte * scale, the same number a host
// computing Float(byte) * scale gets.

// One work-item per output element: global [count * channels * plane].
__kernel void bytes_to_float(__global const uchar *input, __global float *output, const float scale,
                             const float offset, const int channels, const int plane, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const int image = i / (channels * plane);
    const int pixel = i % plane;
    output[i] = fma((float)input[(size_t)image * plane + pixel], scale, offset);
}
