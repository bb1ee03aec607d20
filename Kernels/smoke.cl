// Adds two vectors; used by the host layer's own tests and `pneumo devices --check`.
__kernel void vector_add(__global const float *a, __global const float *b, __global float *out, const int n) {
    const int i = get_global_id(0);
    if (i < n) out[i] = a[i] + b[i];
}
