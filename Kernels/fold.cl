// Batch normalisation folded into the layer before it, for inference. With the running
// statistics, BatchNorm(x W^T + b) is the affine layer x W'^T + b' where, per output row f
// (a convolution's filter, a dense layer's output feature):
//   scale[f] = gamma[f] / sqrt(var[f] + epsilon)   (computed as bn_running_invstd and bn_affine do)
//   W'[f][k] = W[f][k] * scale[f]
//   b'[f]    = (b[f] - mean[f]) * scale[f] + beta[f]
// Work-item (k, f); the items with k == 0 also write b'. hasBias 0: the layer has no bias (b = 0).
__kernel void fold_batchnorm(
    const int F, const int K, __global const float *w, __global const float *b, const int hasBias,
    __global const float *gamma, __global const float *beta, __global const float *mean, __global const float *var,
    const float epsilon, __global float *foldedWeight, __global float *foldedBias)
{
    const int k = get_global_id(0);
    const int f = get_global_id(1);
    if (k >= K || f >= F) return;
    const float scale = (1.0f / sqrt(var[f] + epsilon)) * gamma[f];
    foldedWeight[f * K + k] = w[f * K + k] * scale;
    if (k == 0) foldedBias[f] = ((hasBias ? b[f] : 0.0f) - mean[f]) * scale + beta[f];
}
