"""Framework-neutral descriptions of the networks the peer benchmark trains.

An architecture is a function returning an `Architecture`: the input shape (C, H, W), the
training setup and a list of layer specs. Each runner (PyTorch, Keras) translates the specs
into its own layers, so both train the same network. To benchmark another network, write a
function here and add it to ARCHITECTURES.

Layer specs (all tuples):
    ("conv", out_channels, kernel, padding)    padding "valid" or "same", stride 1, with bias
    ("conv_bn", out_channels, kernel, padding) conv without bias, then batch norm
    ("batch_norm",)                            over the channels; PyTorch's momentum 0.1 and eps 1e-5
    ("relu",)
    ("max_pool", size)                         size x size window, stride size, floor
    ("dropout", rate)
    ("flatten",)
    ("global_avg_pool",)                       [N, C, H, W] -> [N, C]
    ("dense", units)
    ("residual_block", out_channels, stride)   basic residual block: 3x3 conv (stride, with bias) ->
                                               batch norm -> ReLU -> 3x3 conv -> batch norm, plus the
                                               input (through a 1x1 conv with stride and batch norm
                                               when the shape changes), then ReLU
The last layer gives one logit per image; the loss is binary cross-entropy on that logit.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Architecture:
    name: str
    input_shape: tuple  # (channels, height, width)
    layers: list
    batch: int
    optimizer: str  # "adam" is the only one the runners build
    learning_rate: float
    pneumo_name: str  # the model name our own binary knows this network by
    parameters: int | None = None  # trainable parameters, when a published figure exists


def seed_cnn_tuned():
    """The notebook's tuned CNN (see SEED.md): three 3x3 valid convs with pooling and dropout."""
    return Architecture(
        name="seed-cnn-tuned",
        input_shape=(3, 128, 128),
        layers=[
            ("conv", 32, 3, "valid"), ("relu",), ("max_pool", 2), ("dropout", 0.25),
            ("conv", 64, 3, "valid"), ("relu",), ("max_pool", 2), ("dropout", 0.25),
            ("conv", 128, 3, "valid"), ("relu",), ("max_pool", 2), ("dropout", 0.25),
            ("flatten",),  # 128 x 14 x 14 = 25,088
            ("dense", 128), ("relu",), ("dropout", 0.5),
            ("dense", 1),
        ],
        batch=32,
        optimizer="adam",
        learning_rate=1e-3,
        pneumo_name="seed-cnn-tuned",
        parameters=3_304_769,
    )


def pneumonet():
    """pneumo's default model (Sources/PneumoApp/Models/BuiltinModels.swift): five blocks of
    3x3 same conv (with bias) -> batch norm -> ReLU, the first four followed by 2x2 max pooling,
    then global average pooling, dropout 0.3 and a linear head, on a grayscale image."""
    layers = []
    for index, channels in enumerate((16, 32, 64, 128, 256)):
        layers += [("conv", channels, 3, "same"), ("batch_norm",), ("relu",)]
        if index < 4:
            layers.append(("max_pool", 2))
    layers += [("global_avg_pool",), ("dropout", 0.3), ("dense", 1)]
    return Architecture(
        name="pneumonet",
        input_shape=(1, 128, 128),
        layers=layers,
        batch=32,
        optimizer="adam",
        learning_rate=1e-3,
        pneumo_name="pneumonet",
        parameters=393_569,
    )


def pneumoresnet():
    """pneumo's residual network (Sources/PneumoApp/Models/BuiltinModels.swift): a 3x3 stem
    (16 filters) with batch norm, ReLU and 2x2 max pooling, four stages of one basic residual
    block (16, 32, 64, 128 filters; stride 2 from the second stage), global average pooling,
    dropout 0.3 and a linear head, on a grayscale image."""
    layers = [("conv", 16, 3, "same"), ("batch_norm",), ("relu",), ("max_pool", 2)]
    for index, channels in enumerate((16, 32, 64, 128)):
        layers.append(("residual_block", channels, 1 if index == 0 else 2))
    layers += [("global_avg_pool",), ("dropout", 0.3), ("dense", 1)]
    return Architecture(
        name="pneumoresnet",
        input_shape=(1, 128, 128),
        layers=layers,
        batch=32,
        optimizer="adam",
        learning_rate=1e-3,
        pneumo_name="pneumoresnet",
        parameters=308_097,
    )


ARCHITECTURES = {
    "seed-cnn-tuned": seed_cnn_tuned,
    "pneumonet": pneumonet,
    "pneumoresnet": pneumoresnet,
}


def architecture(name):
    """The architecture registered under `name`, or a ValueError listing the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]()
