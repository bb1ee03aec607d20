"""Trains one architecture with PyTorch on the CPU on random data and reports images/s."""

import json
import os

from timing import limit_threads, measure, report, runner_arguments

args = runner_arguments(__doc__)
limit_threads(args.threads)

import torch  # noqa: E402  (after the thread limits)
from torch import nn  # noqa: E402

from architectures import architecture  # noqa: E402


class ResidualBlock(nn.Module):
    """conv3x3 (stride) -> BN -> ReLU -> conv3x3 -> BN, plus the input or its 1x1 projection, then ReLU.
    PyTorch pads a strided 3x3 convolution by 1 on every side where pneumo and Keras pad 'same'
    (0 before, 1 after): the sizes, parameters and work are the same."""

    def __init__(self, channels, out_channels, stride):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, out_channels, 3, stride=stride, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1), nn.BatchNorm2d(out_channels))
        self.shortcut = nn.Identity()
        if stride != 1 or channels != out_channels:
            self.shortcut = nn.Sequential(nn.Conv2d(channels, out_channels, 1, stride=stride), nn.BatchNorm2d(out_channels))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def build(arch):
    """An nn.Sequential for the architecture's layer specs (NCHW, PyTorch's native layout)."""
    channels, height, width = arch.input_shape
    modules = []
    for spec in arch.layers:
        kind = spec[0]
        if kind in ("conv", "conv_bn"):
            out_channels, kernel, padding = spec[1:]
            modules.append(nn.Conv2d(channels, out_channels, kernel, padding=padding, bias=(kind == "conv")))
            if kind == "conv_bn":
                modules.append(nn.BatchNorm2d(out_channels, momentum=0.01, eps=1e-3))  # Keras's defaults
            channels = out_channels
            if padding == "valid":
                height, width = height - kernel + 1, width - kernel + 1
        elif kind == "batch_norm":
            modules.append(nn.BatchNorm2d(channels, momentum=0.1, eps=1e-5))
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "max_pool":
            modules.append(nn.MaxPool2d(spec[1]))
            height, width = height // spec[1], width // spec[1]
        elif kind == "dropout":
            modules.append(nn.Dropout(spec[1]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
            channels, height, width = channels * height * width, 1, 1
        elif kind == "global_avg_pool":
            modules += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            height, width = 1, 1
        elif kind == "dense":
            modules.append(nn.Linear(channels, spec[1]))
            channels = spec[1]
        elif kind == "residual_block":
            out_channels, stride = spec[1:]
            modules.append(ResidualBlock(channels, out_channels, stride))
            channels = out_channels
            height, width = (height + stride - 1) // stride, (width + stride - 1) // stride
        else:
            raise ValueError(f"{arch.name}: layer kind {kind!r} has no PyTorch translation")
    return nn.Sequential(*modules)


def step_peak_bytes(train_step):
    """Peak tensor memory of one CPU training step by torch.profiler's memory timeline
    (profile_memory with shapes and stacks, export_memory_timeline): the largest total over
    the step of the tensors it sees, by category (parameters, gradients, optimizer state,
    inputs, activations, temporaries). Counts what the tensor allocator hands out, as
    pneumo's figure counts its device buffers; not the framework's code or thread stacks."""
    import tempfile
    import warnings

    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True, record_shapes=True, with_stack=True) as profiler:
        train_step()
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated in favour of a CUDA-only snapshot API
        path = os.path.join(folder, "timeline.json")
        profiler.export_memory_timeline(path, device="cpu")
        with open(path) as file:
            _, sizes = json.load(file)
    return max((sum(point) for point in sizes), default=0)


def main():
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    arch = architecture(args.arch)
    batch = args.batch or arch.batch
    device = torch.device(args.device)
    model = build(arch).train().to(device)
    images = torch.rand(batch, *arch.input_shape, device=device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    # eps 1e-7 is Keras's default, so both frameworks run the same update.
    optimizer = torch.optim.Adam(model.parameters(), lr=arch.learning_rate, betas=(0.9, 0.999), eps=1e-7)
    loss_function = nn.BCEWithLogitsLoss()
    # Inductor compiles forward and backward on the first step, which the warm-up absorbs.
    network = torch.compile(model) if args.compile else model
    labels = torch.randint(0, 2, (batch, 1), device=device).float()
    last_loss = [0.0]

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(network(images), labels)
        loss.backward()
        optimizer.step()
        last_loss[0] = loss.item()

    measured = measure(train_step, batch, args.warmup, args.windows, args.steps)
    parameters = sum(p.numel() for p in model.parameters() if p.requires_grad)
    framework = ("pytorch-channels-last" if args.channels_last else "pytorch") + ("-compile" if args.compile else "") \
        + ("" if args.device == "cpu" else f"-{args.device}")
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" \
        else step_peak_bytes(train_step)
    report(framework, torch.__version__, arch, batch, args.threads, parameters, measured, last_loss[0], peak)


main()
