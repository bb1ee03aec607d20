// Optimizer updates, one work-item per parameter element, following torch.optim's update
// rules. `decay` is the coupled L2 coefficient (0 for parameters that do not decay).

// Plain SGD: p -= lr * (g + decay * p)
__kernel void sgd_step(__global float *p, __global const float *g, const float lr, const float decay, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    p[i] -= lr * (g[i] + decay * p[i]);
}

// SGD with momentum (dampening 0): buf = momentum * buf + d; the step is buf, or
// d + momentum * buf with Nesterov. A zero buffer makes the first step buf = d, as in PyTorch.
__kernel void sgd_momentum_step(__global float *p, __global const float *g, __global float *buf, const float lr,
                                const float decay, const float momentum, const int nesterov, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float d = g[i] + decay * p[i];
    const float b = momentum * buf[i] + d;
    buf[i] = b;
    p[i] -= lr * (nesterov ? d + momentum * b : b);
}

// Adam and AdamW. Adam passes its L2 term as `decay` and decoupled = 1; AdamW passes
// decay = 0 and decoupled = 1 - lr * weight_decay. step_size = lr / (1 - beta1^t) and
// correction2 = sqrt(1 - beta2^t) come from the host.
__kernel void adam_step(__global float *p, __global const float *g, __global float *exp_avg,
                        __global float *exp_avg_sq, const float beta1, const float beta2, const float epsilon,
                        const float step_size, const float correction2, const float decay, const float decoupled,
                        const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float d = g[i] + decay * p[i];
    const float m = exp_avg[i] + (1.0f - beta1) * (d - exp_avg[i]);
    const float v = beta2 * exp_avg_sq[i] + (1.0f - beta2) * d * d;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    p[i] = p[i] * decoupled - step_size * m / (sqrt(v) / correction2 + epsilon);
}

// RMSprop without momentum: sq = alpha * sq + (1 - alpha) * d^2; p -= lr * d / (sqrt(sq) + eps)
__kernel void rmsprop_step(__global float *p, __global const float *g, __global float *square_avg, const float lr,
                           const float alpha, const float epsilon, const float decay, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float d = g[i] + decay * p[i];
    const float s = alpha * square_avg[i] + (1.0f - alpha) * d * d;
    square_avg[i] = s;
    p[i] -= lr * d / (sqrt(s) + epsilon);
}

// RMSprop with momentum: buf = momentum * buf + d / (sqrt(sq) + eps); p -= lr * buf
__kernel void rmsprop_momentum_step(__global float *p, __global const float *g, __global float *square_avg,
                                    __global float *buf, const float lr, const float alpha, const float epsilon,
                                    const float momentum, const float decay, const int n) {
    const int i = get_global_id(0);
    if (i >= n) return;
    const float d = g[i] + decay * p[i];
    const float s = alpha * square_avg[i] + (1.0f - alpha) * d * d;
    square_avg[i] = s;
    const float b = momentum * buf[i] + d / (sqrt(s) + epsilon);
    buf[i] = b;
    p[i] -= lr * b;
}
