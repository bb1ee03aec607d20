"""Trains one architecture with Keras on TensorFlow (CPU) on random data and reports images/s."""

from timing import limit_threads, measure, report, runner_arguments

args = runner_arguments(__doc__)
limit_threads(args.threads)

import os  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

from architectures import architecture  # noqa: E402


def residual_block(x, out_channels, stride):
    """conv3x3 (stride) -> BN -> ReLU -> conv3x3 -> BN, plus the input or its 1x1 projection, then ReLU."""
    def norm():
        return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    y = keras.layers.Conv2D(out_channels, 3, strides=stride, padding="same")(x)
    y = keras.layers.ReLU()(norm()(y))
    y = norm()(keras.layers.Conv2D(out_channels, 3, padding="same")(y))
    shortcut = x
    if stride != 1 or x.shape[-1] != out_channels:
        shortcut = norm()(keras.layers.Conv2D(out_channels, 1, strides=stride, padding="same")(x))
    return keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))


def build(arch):
    """A functional keras.Model for the architecture's layer specs (NHWC, TensorFlow's native CPU layout)."""
    channels, height, width = arch.input_shape
    inputs = keras.Input((height, width, channels))
    x = inputs
    layers = []
    for spec in arch.layers:
        kind = spec[0]
        if kind in ("conv", "conv_bn"):
            out_channels, kernel, padding = spec[1:]
            layers.append(keras.layers.Conv2D(out_channels, kernel, padding=padding, use_bias=(kind == "conv")))
            if kind == "conv_bn":
                layers.append(keras.layers.BatchNormalization())
        elif kind == "batch_norm":
            # Keras's momentum is the weight of the old running value: 0.9 = PyTorch's 0.1.
            layers.append(keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5))
        elif kind == "relu":
            layers.append(keras.layers.ReLU())
        elif kind == "max_pool":
            layers.append(keras.layers.MaxPooling2D(spec[1]))
        elif kind == "dropout":
            layers.append(keras.layers.Dropout(spec[1]))
        elif kind == "flatten":
            layers.append(keras.layers.Flatten())
        elif kind == "global_avg_pool":
            layers.append(keras.layers.GlobalAveragePooling2D())
        elif kind == "dense":
            layers.append(keras.layers.Dense(spec[1]))
        elif kind == "residual_block":
            for layer in layers:
                x = layer(x)
            layers = []
            x = residual_block(x, spec[1], spec[2])
        else:
            raise ValueError(f"{arch.name}: layer kind {kind!r} has no Keras translation")
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x)


def main():
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    keras.utils.set_random_seed(0)
    arch = architecture(args.arch)
    batch = args.batch or arch.batch
    model = build(arch)
    optimizer = keras.optimizers.Adam(learning_rate=arch.learning_rate)
    loss_function = keras.losses.BinaryCrossentropy(from_logits=True)
    channels, height, width = arch.input_shape
    rng = np.random.default_rng(0)
    images = tf.constant(rng.random((batch, height, width, channels), dtype=np.float32))
    labels = tf.constant(rng.integers(0, 2, (batch, 1)).astype(np.float32))

    @tf.function
    def compiled_step():
        with tf.GradientTape() as tape:
            loss = loss_function(labels, model(images, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    last_loss = [0.0]

    def train_step():
        last_loss[0] = float(compiled_step())

    measured = measure(train_step, batch, args.warmup, args.windows, args.steps)
    parameters = int(sum(np.prod(v.shape) for v in model.trainable_variables))
    report("keras-tensorflow", f"tf {tf.__version__}, keras {keras.__version__}", arch, batch, args.threads,
           parameters, measured, last_loss[0])


main()
