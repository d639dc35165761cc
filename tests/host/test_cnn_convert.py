"""microlearn.cnn.convert (PyTorch module / ONNX graph -> .tmdl) against PyTorch's own forward.

Each converted model runs in the engine (the CPython module emlearn_cnn_fp32 / _int8, the same
C++ as the MicroPython modules) and in microlearn.cnn's numpy interpreter; the reference is
torch's forward pass on ``u8 / 255`` in channels-first layout.

Tolerances: fp32 within 1e-5 of the largest output (float32 sums in another order; batch
normalisation folded into the weights in float64). int8: on a CNN trained on scikit-learn's
digits, the same class as torch's on >= 97% of the test digits and accuracy at most 2 points
below torch's; on untrained networks the engine equals the numpy interpreter (test_cnn.py's rule).
"""
import array
import io
import warnings

import numpy as np
import pytest
from conftest import optional_import
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import emlearn_cnn_fp32
import emlearn_cnn_int8
from microlearn import cnn
from microlearn.cnn_convert import UnsupportedModelError, to_layers

torch = optional_import("torch", "python3-torch")
onnx = optional_import("onnx", "python3-onnx")
nn = torch.nn
F = torch.nn.functional

from test_cnn import assert_close, engine_run  # noqa: E402


def torch_forward(model, images_u8):
    model.eval()
    with torch.no_grad():
        x = torch.tensor(np.asarray(images_u8, dtype=np.float32) / np.float32(255))
        # A map output's channels last, as the engine writes it (HWC)
        return np.moveaxis(model(x).numpy(), 1, -1).reshape(len(images_u8), -1)


def random_images(shape, n=16, seed=0):
    return np.random.RandomState(seed).randint(0, 256, (n,) + shape).astype(np.uint8)


def randomise_batchnorm(model, seed=1):
    """Running statistics other than (0, 1), so that folding them is tested."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.running_mean.copy_(torch.rand(n, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(n, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(n, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(n, generator=gen) - 0.5)
    return model


class ViewFlatten(nn.Module):
    """A forward with functional calls and ``x.view(x.size(0), -1)`` (Shape/Gather/Concat)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6 * 3 * 3, 5)

    def forward(self, x):
        x = F.avg_pool2d(torch.relu(self.conv1(x)), 2)
        x = F.relu6(self.conv2(x))
        return F.softmax(self.fc(x.view(x.size(0), -1)), dim=1)


class LeNetMaxPool(nn.Module):
    """PyTorch's MNIST example's shape: ``F.relu(F.max_pool2d(conv(x), 2))``, the activation
    after the pooling (folded into the convolution before it), then one before a MaxPool2d."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(6 * 3 * 3, 5)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = self.pool(F.relu(self.conv2(x)))
        return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)


class MaxPoolBranch(nn.Module):
    """A max pooling read twice (by the shortcut too): the relu after it stays a layer of its
    own, not folded into the convolution before the pooling."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        p = F.max_pool2d(self.conv1(x), 3, stride=2, padding=1)
        y = self.conv2(F.relu(p)) + p
        return self.fc(y.mean((2, 3)))


class SqueezeTwice(nn.Module):
    """Global pooling, then the two spatial axes squeezed one at a time."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 4, 3)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = F.adaptive_avg_pool2d(torch.relu(self.conv(x)), 1)
        return self.fc(x.squeeze(-1).squeeze(-1))


class MeanPool(nn.Module):
    """Global pooling written as ``x.mean((2, 3))`` (ReduceMean, keepdims=0)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 8, 3, stride=2, padding=1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions with batch normalisation, added to the input
    (identity) or to a strided 1x1 convolution of it (projection), then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class ResNet8(nn.Module):
    """MLPerf Tiny's image classification network in miniature: a stem, three basic blocks
    (the second with a projection shortcut), global pooling, dense."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.blocks = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2),
                                    BasicBlock(16, 16, 1))
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1).flatten(1))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: expand 1x1, depthwise 3x3, project 1x1, added to the input without
    an activation after the sum."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU6())
        self.block = nn.Sequential(
            nn.Conv2d(6, 12, 1), nn.BatchNorm2d(12), nn.ReLU6(),
            nn.Conv2d(12, 12, 3, padding=1, groups=12), nn.BatchNorm2d(12), nn.ReLU6(),
            nn.Conv2d(12, 6, 1), nn.BatchNorm2d(6))
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        x = self.stem(x)
        x = x + self.block(x)
        return torch.softmax(self.fc(x.mean((2, 3))), 1)


class ReadTwice(nn.Module):
    """A convolution's output read twice, once through a ReLU: the ReLU cannot be folded into
    the convolution, so it becomes a layer of its own; the input as a shortcut."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        y = self.conv(F.relu(x) + x)
        return self.fc((F.relu(y) + y).mean((2, 3)))


class PadBranches(nn.Module):
    """A zero Pad's output read by two branches: a convolution, and a global mean, which would
    have to see the padding (the converter once dropped it there); and a shortcut convolution of
    the unpadded input."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(2, 2, 7)
        self.b = nn.Conv2d(2, 2, 3, padding=1)
        self.d = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        p = F.pad(x, (1, 1, 1, 1))
        shortcut = self.d(x).mean((2, 3))
        a = self.a(p).mean((2, 3))
        b = self.b(p.mean((2, 3), keepdim=True)).mean((2, 3))
        return a + b + shortcut


class PadAndShortcut(nn.Module):
    """A zero Pad before a convolution, and a shortcut convolution of the unpadded input made
    in between."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(2, 2, 3)
        self.d = nn.Conv2d(2, 2, 1)

    def forward(self, x):
        p = F.pad(x, (1, 1, 1, 1))
        shortcut = self.d(x)
        return (self.c(p) + shortcut).mean((2, 3))


class ChannelsLastBatchNorm(nn.Module):
    """BatchNorm2d on (N, H, W, C) data normalises H: not the engine's channels."""

    def __init__(self):
        super().__init__()
        self.c = nn.Conv2d(1, 3, 3)
        self.b = nn.BatchNorm2d(3)

    def forward(self, x):
        return self.b(self.c(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2).mean((2, 3))


def architectures():
    """name -> (factory, channels-first input shape)."""
    return {
        "conv_bn_relu_avgpool_depthwise_relu6_dense_softmax": (lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(4, 8, 3, stride=2, groups=4), nn.ReLU6(), nn.Flatten(),
            nn.Linear(8, 10), nn.Softmax(dim=1)), (1, 8, 8)),
        "strided_1x1_global_pool_non_square": (lambda: nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.Conv2d(8, 8, 1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)), (3, 12, 10)),
        "same_even_kernel_and_asymmetric_stride": (lambda: nn.Sequential(
            nn.ZeroPad2d((1, 2, 1, 2)), nn.Conv2d(2, 4, 4), nn.ReLU(),
            nn.Conv2d(4, 4, (3, 5), stride=(2, 1), padding=(1, 2)), nn.Flatten(),
            nn.Linear(4 * 5 * 7, 6)), (2, 9, 7)),
        "depthwise_multiplier_and_pool": (lambda: nn.Sequential(
            nn.Conv2d(3, 6, 3, groups=3, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
            nn.Conv2d(6, 4, 1), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(36, 3),
            nn.Softmax(dim=-1)), (3, 6, 6)),
        "padded_average_pool": (lambda: nn.Sequential(
            nn.Conv2d(1, 3, 3), nn.AvgPool2d(3, stride=2, padding=1), nn.Flatten(),
            nn.Linear(3 * 4 * 4, 4)), (1, 9, 9)),
        "conv1d": (lambda: nn.Sequential(
            nn.Conv1d(2, 6, 5, padding=2), nn.BatchNorm1d(6), nn.ReLU(),
            nn.Conv1d(6, 6, 3, stride=2, groups=6), nn.Hardtanh(0.0, 6.0), nn.AvgPool1d(2),
            nn.Flatten(), nn.Linear(42, 4)), (2, 32)),
        "mlp_dense_relu_batchnorm": (lambda: nn.Sequential(
            nn.Linear(16, 12), nn.ReLU(), nn.Linear(12, 12), nn.BatchNorm1d(12), nn.ReLU6(),
            nn.Linear(12, 4), nn.Softmax(dim=1)), (16,)),
        "depthwise_1x1_and_a_ceil_mode_pool_that_changes_nothing": (lambda: nn.Sequential(
            nn.Conv2d(3, 3, 3), nn.Conv2d(3, 6, 1, groups=3), nn.ReLU(),
            nn.AvgPool2d(2, ceil_mode=True), nn.Flatten(), nn.Linear(96, 4)), (3, 10, 10)),
        "functional_forward_view": (ViewFlatten, (1, 10, 10)),
        "mean_over_spatial_axes": (MeanPool, (2, 7, 7)),
        "squeeze_one_axis_at_a_time": (SqueezeTwice, (2, 6, 6)),
        "activation_and_batchnorm_after_flattening_a_1x1_map": (lambda: nn.Sequential(
            nn.Conv2d(2, 6, 5), nn.Flatten(), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 3)),
            (2, 5, 5)),
        "resnet_identity_and_projection_shortcuts": (ResNet8, (3, 10, 10)),
        "mobilenet_v2_inverted_residual": (InvertedResidual, (1, 8, 8)),
        "tensor_read_twice_relu_first": (ReadTwice, (2, 5, 5)),
        "zero_pad_and_a_shortcut": (PadAndShortcut, (2, 5, 5)),
        "relu_after_pooling": (lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.AvgPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(144, 3)),
            (1, 14, 14)),
        "lenet_max_pool_relu_after": (LeNetMaxPool, (1, 14, 14)),
        "max_pool_padded_ceil_mode_batchnorm_relu6_after": (lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.MaxPool2d(3, stride=2, padding=1,
                                                                ceil_mode=True),
            nn.ReLU6(), nn.MaxPool2d((2, 1), ceil_mode=True), nn.Flatten(),
            nn.Linear(4 * 3 * 5, 3)), (2, 10, 11)),
        "max_pool_1d_ceil_mode": (lambda: nn.Sequential(
            nn.Conv1d(2, 4, 3), nn.ReLU(), nn.MaxPool1d(3, stride=2, ceil_mode=True),
            nn.Conv1d(4, 4, 3, padding=1), nn.MaxPool1d(2), nn.Flatten(), nn.Linear(4 * 7, 2)),
            (2, 31)),
        "max_pool_read_twice": (MaxPoolBranch, (2, 9, 9)),
        "relu_before_and_relu6_after_max_pool": (lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.ReLU6(), nn.Flatten(),
            nn.Linear(4 * 3 * 3, 3)), (2, 8, 8)),
        "ceil_mode_window_beyond_the_input": (lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3), nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.Flatten(),
            nn.Linear(4, 3)), (2, 4, 4)),
        # Dilation (microlearn's; TinyMaix runs only 1): windows wider than the kernel, partly
        # in the padding, strided, different along each axis.
        "dilated_conv_padded_strided_per_axis": (lambda: nn.Sequential(
            nn.Conv2d(2, 4, 3, dilation=2, padding=2), nn.ReLU(),
            nn.Conv2d(4, 5, (3, 2), dilation=(1, 3), stride=2, padding=(1, 2)), nn.Flatten(),
            nn.Linear(5 * 6 * 5, 3)), (2, 11, 9)),
        "dilated_depthwise_and_pointwise": (lambda: nn.Sequential(
            nn.Conv2d(3, 6, 3, groups=3, dilation=3, padding=1), nn.BatchNorm2d(6), nn.ReLU6(),
            nn.Conv2d(6, 4, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten()), (3, 12, 12)),
        "tcn_conv1d_dilations_1_2_4_8": (lambda: nn.Sequential(
            nn.Conv1d(3, 8, 3, padding=1), nn.ReLU(),
            nn.Conv1d(8, 8, 3, dilation=2, padding=2), nn.ReLU(),
            nn.Conv1d(8, 8, 3, dilation=4, padding=4, groups=8), nn.ReLU(),
            nn.Conv1d(8, 4, 2, dilation=8), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
            nn.Linear(4, 2)), (3, 40)),
        # What output_dimensions() gives: (c,) for a dense layer carrying an activation (a 1x1
        # convolution in the file), (w, c) for a 1-D map.
        "dense_relu_output": (lambda: nn.Sequential(
            nn.Flatten(), nn.Linear(12, 5), nn.ReLU()), (3, 2, 2)),
        "conv1d_map_output": (lambda: nn.Sequential(
            nn.Conv1d(3, 4, 3), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(4, 3, 3)), (3, 20)),
        "conv2d_map_output": (lambda: nn.Sequential(
            nn.Conv2d(2, 3, 3), nn.ReLU(), nn.MaxPool2d(2)), (2, 9, 7)),
    }


ARCHITECTURES = architectures()


def build(name, seed=0):
    torch.manual_seed(seed)
    factory, shape = ARCHITECTURES[name]
    return randomise_batchnorm(factory()).eval(), shape


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_fp32_equals_torch(name):
    model, shape = build(name)
    images = random_images(shape)
    want = torch_forward(model, images)
    data = cnn.convert(model, shape, dtype="fp32")
    hwc = cnn.to_hwc(images, shape)
    bound = 1e-5 * max(1.0, np.abs(want).max())
    interpreted = cnn.run_batch(cnn.parse(data), hwc).reshape(len(images), -1)
    assert np.abs(interpreted - want).max() <= bound
    engine = engine_run(emlearn_cnn_fp32, data, hwc)
    assert np.abs(engine - want).max() <= bound
    # The network's own output shape, channels last: (c,), (w, c) or (h, w, c).
    with torch.no_grad():
        out_shape = tuple(model(torch.zeros((1,) + shape)).shape[1:])
    assert emlearn_cnn_fp32.new(data).output_dimensions() == out_shape[1:] + out_shape[:1]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_int8_engine_equals_interpreter_and_tracks_torch(name):
    model, shape = build(name)
    images = random_images(shape, n=64, seed=1)
    data = cnn.convert(model, shape, dtype="int8", calibration=images)
    parsed = cnn.parse(data)
    hwc = cnn.to_hwc(images, shape)
    interpreted = cnn.run_batch(parsed, hwc).reshape(len(images), -1)
    engine = engine_run(emlearn_cnn_int8, data, hwc)
    assert_close("int8", engine, interpreted, parsed.layers[-1].type == cnn.SOFTMAX)
    # Quantisation error: a few steps of the output's range, measured on the calibration data.
    want = torch_forward(model, images)
    spread = want.max() - want.min()
    step = parsed.layers[-1].out_s
    assert np.abs(interpreted - want).mean() <= max(0.05 * spread, step)


def test_onnx_file_bytes_and_model_proto_give_the_same_file(tmp_path):
    model, shape = build("conv_bn_relu_avgpool_depthwise_relu6_dense_softmax")
    path = tmp_path / "model.onnx"
    torch.onnx.export(model, torch.zeros((1,) + shape), str(path), opset_version=11)
    from_torch = cnn.convert(model, shape, dtype="fp32")
    assert cnn.convert(str(path), dtype="fp32") == from_torch
    assert cnn.convert(path, dtype="fp32") == from_torch
    assert cnn.convert(path.read_bytes(), dtype="fp32") == from_torch
    assert cnn.convert(onnx.load(str(path)), dtype="fp32") == from_torch


def test_to_layers_gives_the_specs_for_write():
    model, shape = build("functional_forward_view")
    layers, hwc = to_layers(model, shape)
    assert hwc == (10, 10, 1)
    kinds = [type(layer).__name__ for layer in layers]
    assert kinds == ["Conv2D", "DepthwiseConv2D", "Conv2D", "Reshape", "Dense", "Softmax"]
    assert layers[0].activation == "relu" and layers[2].activation == "relu6"
    assert cnn.write(layers, hwc, "fp32") == cnn.convert(model, shape, dtype="fp32")


def test_to_hwc():
    images = np.arange(2 * 3 * 4 * 5, dtype=np.uint8).reshape(2, 3, 4, 5)
    hwc = cnn.to_hwc(images, (3, 4, 5))
    assert hwc.shape == (2, 4, 5, 3) and hwc[1, 2, 3, 1] == images[1, 1, 2, 3]
    assert cnn.to_hwc(images[0], (3, 4, 5)).shape == (4, 5, 3)
    one_d = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    assert cnn.to_hwc(one_d, (3, 4))[0, 2, 1] == one_d[0, 1, 2]
    assert cnn.to_hwc(np.arange(6).reshape(2, 3), (3,)).dtype == np.uint8
    with pytest.raises(ValueError, match="shape"):
        cnn.to_hwc(images, (3, 5, 4))
    with pytest.raises(ValueError, match="uint8"):
        cnn.to_hwc(images.astype(np.float32), (3, 4, 5))
    with pytest.raises(ValueError, match="uint8"):
        cnn.to_hwc(images.astype(np.int16) + 250, (3, 4, 5))


# ----------------------------------------------------------------------------------------------
# a trained network
# ----------------------------------------------------------------------------------------------

class DigitsResNet(nn.Module):
    """A stem and two basic blocks (identity, then projection shortcut), global pooling."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.blocks = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2))
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.blocks(self.stem(x)).mean((2, 3)))


@pytest.fixture(scope="module", params=["chain", "residual"])
def digits_cnn(request):
    """A small CNN trained on scikit-learn's 8x8 digits (pixels 0..16 stored as uint8 0..255):
    a chain, and a residual network."""
    X, y = load_digits(return_X_y=True)
    images = np.round(X * 255.0 / 16.0).astype(np.uint8).reshape(-1, 1, 8, 8)
    train_x, test_x, train_y, test_y = train_test_split(images, y, test_size=0.3,
                                                        random_state=0)
    torch.manual_seed(0)
    if request.param == "chain":
        model = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(16 * 4 * 4, 10))
    else:
        model = DigitsResNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    x = torch.tensor(train_x / 255.0, dtype=torch.float32)
    t = torch.tensor(train_y)
    model.train()
    for _ in range(15):
        for batch in torch.randperm(len(x)).split(64):
            optimiser.zero_grad()
            F.cross_entropy(model(x[batch]), t[batch]).backward()
            optimiser.step()
    model.eval()
    return model, train_x, test_x, test_y


def test_trained_digits_cnn(digits_cnn):
    model, train_x, test_x, test_y = digits_cnn
    want = torch_forward(model, test_x)
    torch_accuracy = np.mean(want.argmax(1) == test_y)
    assert torch_accuracy >= 0.95  # the network is worth converting

    hwc = cnn.to_hwc(test_x, (1, 8, 8))
    fp32 = engine_run(emlearn_cnn_fp32, cnn.convert(model, (1, 8, 8), dtype="fp32"), hwc)
    top2 = np.sort(want, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-4
    assert np.array_equal(fp32.argmax(1)[clear], want.argmax(1)[clear])

    data = cnn.convert(model, (1, 8, 8), dtype="int8", calibration=train_x)
    int8 = engine_run(emlearn_cnn_int8, data, hwc)
    assert np.mean(int8.argmax(1) == want.argmax(1)) >= 0.97
    assert np.mean(int8.argmax(1) == test_y) >= torch_accuracy - 0.02


# ----------------------------------------------------------------------------------------------
# ONNX graphs written by hand: operators torch does not emit for the modules above
# ----------------------------------------------------------------------------------------------

def onnx_model(nodes, initializers, in_shape, out_shape, opset=13):
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k)
         for k, v in initializers.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def test_onnx_matmul_add_gemm_clip_attributes():
    from onnx import helper

    rng = np.random.RandomState(3)
    w1, b1 = rng.randn(6, 5), rng.randn(5)
    w2, b2 = rng.randn(5, 3), rng.randn(3)
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]),
             helper.make_node("Add", ["h", "b1"], ["h2"]),
             helper.make_node("Clip", ["h2"], ["h3"], min=0.0, max=6.0),
             helper.make_node("Gemm", ["h3", "w2", "b2"], ["y"], alpha=0.5, beta=2.0)]
    model = onnx_model(nodes, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, [1, 6], [1, 3],
                       opset=10)
    images = random_images((6,))
    x = images / 255.0
    want = 0.5 * (np.clip(x @ w1 + b1, 0, 6) @ w2) + 2.0 * b2
    data = cnn.convert(model, dtype="fp32")
    got = engine_run(emlearn_cnn_fp32, data, images)
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER", "VALID"])
def test_onnx_auto_pad(auto_pad):
    from onnx import helper

    rng = np.random.RandomState(4)
    w = rng.randn(3, 2, 4, 3)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], auto_pad=auto_pad, strides=[2, 2]),
             helper.make_node("ReduceMean", ["c"], ["m"], axes=[2, 3], keepdims=0),
             helper.make_node("Softmax", ["m"], ["y"])]
    model = onnx_model(nodes, {"w": w}, [1, 2, 7, 6], [1, 3])
    images = random_images((2, 7, 6))
    x = torch.tensor(images / 255.0)
    if auto_pad == "VALID":
        padded = x
    else:
        ph, pw = 3, 1  # (ceil(7/2) - 1) * 2 + 4 - 7 rows, (ceil(6/2) - 1) * 2 + 3 - 6 columns
        big = (ph - ph // 2, pw - pw // 2)
        small = (ph // 2, pw // 2)
        top, left = (small if auto_pad == "SAME_UPPER" else big)
        bottom, right = (big if auto_pad == "SAME_UPPER" else small)
        padded = F.pad(x, (left, right, top, bottom))
    conv = F.conv2d(padded, torch.tensor(w), stride=2)
    want = torch.softmax(conv.mean((2, 3)), dim=1).numpy()
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (2, 7, 6)))
    assert np.abs(got - want).max() <= 1e-5


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER"])
def test_onnx_auto_pad_of_a_dilated_convolution(auto_pad):
    # The padding is that of the window the taps span: (3 - 1) * 2 + 1 = 5 rows, 2 * 3 + 1 = 7
    # columns
    from onnx import helper

    rng = np.random.RandomState(5)
    w = rng.randn(3, 2, 3, 2)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], auto_pad=auto_pad, strides=[2, 1],
                              dilations=[2, 3]),
             helper.make_node("ReduceMean", ["c"], ["y"], axes=[2, 3], keepdims=0)]
    model = onnx_model(nodes, {"w": w}, [1, 2, 9, 8], [1, 3])
    images = random_images((2, 9, 8))
    x = torch.tensor(images / 255.0)
    ph, pw = 4, 3  # (ceil(9/2) - 1) * 2 + 5 - 9 rows, (8 - 1) * 1 + 4 - 8 columns
    big, small = (ph - ph // 2, pw - pw // 2), (ph // 2, pw // 2)
    top, left = small if auto_pad == "SAME_UPPER" else big
    bottom, right = big if auto_pad == "SAME_UPPER" else small
    conv = F.conv2d(F.pad(x, (left, right, top, bottom)), torch.tensor(w), stride=(2, 1),
                    dilation=(2, 3))
    want = conv.mean((2, 3)).numpy()
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (2, 9, 8)))
    assert np.abs(got - want).max() <= 1e-5


@pytest.mark.parametrize("attrs", [{"dilations": [2.5, 2.0]}, {"strides": [1.0, 2.0]},
                                   {"dilations": [0, 1]}, {"dilations": [256, 1]},
                                   {"dilations": [2]}])
def test_onnx_conv_dilations_and_strides_must_be_integers_in_range(attrs):
    from onnx import helper

    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], **attrs)]
    model = onnx_model(nodes, {"w": np.ones((2, 1, 3, 3))}, [1, 1, 9, 9], [1, 2, 5, 5])
    with pytest.raises(UnsupportedModelError):
        cnn.convert(model, dtype="fp32")


@pytest.mark.parametrize("c_shape", [(5,), (1, 5), (1, 1), (1,), ()])
def test_onnx_gemm_c_broadcasts(c_shape):
    from onnx import helper

    rng = np.random.RandomState(7)
    w, c = rng.randn(5, 6), rng.randn(*c_shape)
    nodes = [helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1, alpha=0.5, beta=1.5)]
    model = onnx_model(nodes, {"w": w, "c": c}, [1, 6], [1, 5])
    images = random_images((6,))
    want = 0.5 * (images / 255.0 @ w.T) + 1.5 * c
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"), images)
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())
    nodes = [helper.make_node("Gemm", ["x", "w", "c"], ["y"], transB=1)]
    model = onnx_model(nodes, {"w": w, "c": np.ones((2, 5))}, [1, 6], None)
    with pytest.raises(UnsupportedModelError, match="node 'y' .*C must"):
        cnn.convert(model, dtype="fp32")


def test_onnx_add_with_the_constant_first():
    from onnx import helper

    rng = np.random.RandomState(5)
    w, b = rng.randn(6, 5), rng.randn(1, 5)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"]),
             helper.make_node("Add", ["b", "h"], ["y"])]
    model = onnx_model(nodes, {"w": w, "b": b}, [1, 6], [1, 5])
    images = random_images((6,))
    want = images / 255.0 @ w + b
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"), images)
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("shape", [(3, 1), (1, 3, 1), (1, 1, 3, 1, 1)])
def test_onnx_add_along_other_axes_than_the_channels_is_refused(shape):
    """(3, 1) and (1, 3, 1) broadcast along the height of a (1, 3, 3, 2) tensor, (1, 1, 3, 1, 1)
    adds a dimension: none is a bias."""
    from onnx import helper

    rng = np.random.RandomState(6)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("Add", ["c", "b"], ["y"])]
    model = onnx_model(nodes, {"w": rng.randn(3, 2, 2, 2), "b": rng.randn(*shape)},
                       [1, 2, 4, 3], None)
    with pytest.raises(UnsupportedModelError, match="node 'y' .*one value per output channel"):
        cnn.convert(model, dtype="fp32")


@pytest.mark.parametrize("auto_pad", ["SAME_UPPER", "SAME_LOWER"])
def test_onnx_pad_then_auto_pad(auto_pad):
    """SAME pads the Pad's output: 7 + 1 rows, 7 columns, stride 2, kernel 3."""
    from onnx import helper

    w = np.random.RandomState(8).randn(2, 1, 3, 3)
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"]),
             helper.make_node("Conv", ["p", "w"], ["c"], auto_pad=auto_pad, strides=[2, 2]),
             helper.make_node("GlobalAveragePool", ["c"], ["g"]),
             helper.make_node("Flatten", ["g"], ["y"])]
    model = onnx_model(nodes, {"w": w}, [1, 1, 7, 7], [1, 2])
    model.graph.initializer.append(
        onnx.numpy_helper.from_array(np.array([0, 0, 0, 0, 0, 0, 1, 0], dtype=np.int64), "pads"))
    images = random_images((1, 7, 7))
    x = F.pad(torch.tensor(images / 255.0), (0, 0, 0, 1))  # 8 x 7
    # SAME on 8 rows: 1 row of padding; on 7 columns: 2 columns, one each side
    same = (1, 1, 0, 1) if auto_pad == "SAME_UPPER" else (1, 1, 1, 0)
    want = F.conv2d(F.pad(x, same), torch.tensor(w), stride=2).mean((2, 3)).numpy()
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (1, 7, 7)))
    assert np.abs(got - want).max() <= 1e-5


@pytest.mark.parametrize("opset", [9, 13])
def test_onnx_shape_arithmetic_with_slice(opset):
    """Slice takes starts and ends as attributes before opset 10, as inputs since."""
    from onnx import helper, numpy_helper

    def constant(name, value):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
            np.array(value, dtype=np.int64)))

    w = np.random.RandomState(9).randn(2, 18)
    if opset < 10:
        nodes = [helper.make_node("Slice", ["s"], ["s1"], starts=[0], ends=[1], axes=[0])]
    else:
        nodes = [constant("zero", [0]), constant("one", [1]),
                 helper.make_node("Slice", ["s", "zero", "one"], ["s1"])]
    nodes = ([helper.make_node("Shape", ["x"], ["s"])] + nodes
             + [constant("minus_one", [-1]),
                helper.make_node("Concat", ["s1", "minus_one"], ["t"], axis=0),
                helper.make_node("Reshape", ["x", "t"], ["f"]),
                helper.make_node("Gemm", ["f", "w"], ["y"], transB=1)])
    model = onnx_model(nodes, {"w": w}, [1, 2, 3, 3], [1, 2], opset=opset)
    images = random_images((2, 3, 3))
    want = (images / 255.0).reshape(len(images), -1) @ w.T
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (2, 3, 3)))
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_relu6_as_relu_then_clip_max_before_opset_11():
    # F.relu6 exported at opsets 9 and 10: Relu, then Clip with only max=6 (min(relu(x), 6)).
    class FunctionalRelu6(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 3, 3)
            self.dense = nn.Linear(3 * 5 * 5, 4)

        def forward(self, x):
            return self.dense(torch.flatten(F.relu6(self.conv(x)), 1))

    torch.manual_seed(0)
    model = FunctionalRelu6().eval()
    with torch.no_grad():
        model.conv.weight *= 20.0  # outputs beyond 6, so that the clip matters
    images = random_images((1, 7, 7))
    want = torch_forward(model, images)
    for opset in (9, 10, 13):
        buf = io.BytesIO()
        torch.onnx.export(model, torch.zeros((1, 1, 7, 7)), buf, opset_version=opset)
        got = engine_run(emlearn_cnn_fp32, cnn.convert(buf.getvalue(), dtype="fp32"),
                         cnn.to_hwc(images, (1, 7, 7)))
        assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max()), opset
    # A Clip with only a max, not after a ReLU, is still refused.
    from onnx import helper

    model = onnx_model([helper.make_node("Conv", ["x", "w"], ["c"]),
                        helper.make_node("Clip", ["c"], ["y"], max=6.0)],
                       {"w": np.ones((2, 1, 3, 3))}, [1, 1, 5, 5], [1, 2, 3, 3], opset=9)
    with pytest.raises(UnsupportedModelError, match="only Clip"):
        cnn.convert(model, dtype="fp32")


def test_onnx_opset_18_pad_with_axes():
    from onnx import helper, numpy_helper

    def constant(name, value):
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(
            np.array(value, dtype=np.int64)))

    w = np.random.RandomState(3).randn(2, 1, 3, 3)
    nodes = [constant("pads", [1, 2, 0, 1]), constant("axes", [2, 3]),
             helper.make_node("Pad", ["x", "pads", "", "axes"], ["p"]),
             helper.make_node("Conv", ["p", "w"], ["y"])]
    model = onnx_model(nodes, {"w": w}, [1, 1, 5, 5], [1, 2, 4, 5], opset=18)
    images = random_images((1, 5, 5))
    x = torch.tensor(images / 255.0)
    want = F.conv2d(F.pad(x, (2, 1, 1, 0)), torch.tensor(w)).permute(0, 2, 3, 1).reshape(
        len(images), -1).numpy()
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (1, 5, 5)))
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_a_float64_module_converts_as_float32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 3 * 3, 3)).eval()
    want = cnn.convert(model, (1, 5, 5), dtype="fp32")
    assert cnn.convert(model.double(), (1, 5, 5), dtype="fp32") == want
    assert next(model.parameters()).dtype == torch.float64  # the caller's module is unchanged


def malformed_graphs():
    from onnx import helper, numpy_helper

    index = numpy_helper.from_array(np.array(7, dtype=np.int64))
    return {
        "Gather index out of range": [
            helper.make_node("Shape", ["x"], ["s"]),
            helper.make_node("Constant", [], ["i"], value=index),
            helper.make_node("Gather", ["s", "i"], ["y"])],
        "Conv without weights": [helper.make_node("Conv", ["x"], ["y"])],
        "AveragePool without kernel_shape": [helper.make_node("AveragePool", ["x"], ["y"])],
        "Relu of another domain": [helper.make_node("Conv", ["x", "w"], ["c"]),
                                   helper.make_node("Relu", ["c"], ["y"], domain="custom")],
    }


@pytest.mark.parametrize("what", ["Gather index out of range", "Conv without weights",
                                  "AveragePool without kernel_shape", "Relu of another domain"])
def test_onnx_malformed_or_foreign_nodes_raise_naming_the_node(what):
    from onnx import helper

    model = onnx_model(malformed_graphs()[what], {"w": np.ones((2, 2, 3, 3))}, [1, 2, 4, 4],
                       None)
    model.opset_import.append(helper.make_opsetid("custom", 1))
    with pytest.raises(UnsupportedModelError, match="node 'y'"):
        cnn.convert(model, dtype="fp32")


def test_onnx_symbolic_input_needs_input_shape():
    from onnx import helper

    nodes = [helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)]
    model = onnx_model(nodes, {"w": np.ones((2, 4))}, ["n", "f"], ["n", 2])
    with pytest.raises(ValueError, match="input_shape"):
        cnn.convert(model, dtype="fp32")
    data = cnn.convert(model, (4,), dtype="fp32")
    assert cnn.parse(data).input_shape == (4,)
    with pytest.raises(ValueError, match="does not match"):
        cnn.convert(onnx_model(nodes, {"w": np.ones((2, 4))}, [1, 4], [1, 2]), (5,),
                    dtype="fp32")


# ----------------------------------------------------------------------------------------------
# what cannot be converted: a clear error naming the node
# ----------------------------------------------------------------------------------------------

class Broadcast(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        y = self.conv(x)
        return (y + y.mean((2, 3), keepdim=True)).flatten(1)


class Concatenate(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 2, 3, padding=1)

    def forward(self, x):
        return torch.cat([x, self.conv(x)], 1).mean((2, 3))


class SplitView(nn.Module):
    def forward(self, x):
        return x.reshape(x.size(0), 2, 18)


UNSUPPORTED = {
    "dilation is not": (lambda: nn.Sequential(nn.MaxPool2d(2, dilation=2)), (1, 8, 8)),
    # Padding with zeros before a max pooling: the zeros are values there (the pooling's own
    # padding is not).
    "a Pad must be followed by": (lambda: nn.Sequential(
        nn.Conv2d(1, 2, 3), nn.ZeroPad2d(1), nn.MaxPool2d(2)), (1, 8, 8)),
    "grouped": (lambda: nn.Sequential(nn.Conv2d(4, 8, 3, groups=2)), (4, 8, 8)),
    "shapes differ": (Broadcast, (2, 6, 6)),
    "channels-last": (ChannelsLastBatchNorm, (1, 5, 5)),
    "Pad must be followed by a Conv": (PadBranches, (2, 5, 5)),
    "only one data input": (Concatenate, (2, 6, 6)),
    "LogSoftmax": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.LogSoftmax(dim=1)),
                   (4,)),
    "ceil_mode": (lambda: nn.Sequential(nn.AvgPool2d(2, ceil_mode=True)), (1, 5, 5)),
    "count_include_pad": (lambda: nn.Sequential(
        nn.AvgPool2d(3, padding=1, count_include_pad=False)), (1, 6, 6)),
    "zero padding": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3, padding=1,
                                                     padding_mode="reflect")), (1, 6, 6)),
    "batch normalisation must follow": (lambda: nn.Sequential(
        nn.BatchNorm2d(1), nn.Conv2d(1, 2, 3)), (1, 6, 6)),
    "only Clip": (lambda: nn.Sequential(nn.Conv2d(1, 2, 3), nn.Hardtanh(-1.0, 1.0)), (1, 6, 6)),
    "reshaping": (SplitView, (1, 6, 6)),
    "cannot export": (lambda: nn.Sequential(nn.Conv2d(1, 2, 4, padding="same")), (1, 6, 6)),
    # The pad would go to the second convolution, the first global pooling would ignore it.
    "a Pad must be followed": (lambda: nn.Sequential(
        nn.Conv2d(2, 3, 3), nn.ZeroPad2d(1), nn.AdaptiveAvgPool2d(1),
        nn.Conv2d(3, 4, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten()), (2, 5, 5)),
    # The engine's flattened output would be in (H, W, C) order, PyTorch's is (C, H, W).
    "flattened feature map": (lambda: nn.Sequential(
        nn.Conv2d(2, 3, 3), nn.Flatten(), nn.Softmax(dim=1)), (2, 5, 5)),
}


def test_activations_after_max_pooling_fold_into_the_convolution():
    """max(relu(x)) = relu(max(x)): no identity layer for an activation after a max pooling
    whose input only the pooling reads; one where the pooled map is read twice."""
    def layer_kinds(name):
        model, shape = build(name)
        return [(type(spec).__name__, getattr(spec, "activation", None))
                for spec in to_layers(model, shape)[0]]

    assert layer_kinds("lenet_max_pool_relu_after") == [
        ("Conv2D", "relu"), ("MaxPooling2D", None), ("Conv2D", "relu"), ("MaxPooling2D", None),
        ("Reshape", None), ("Dense", None), ("Softmax", None)]
    assert layer_kinds("max_pool_padded_ceil_mode_batchnorm_relu6_after")[:3] == [
        ("Conv2D", "relu6"), ("MaxPooling2D", None), ("MaxPooling2D", None)]
    assert layer_kinds("relu_before_and_relu6_after_max_pool")[:2] == [
        ("Conv2D", "relu6"), ("MaxPooling2D", None)]
    kinds = layer_kinds("max_pool_read_twice")
    assert kinds[:3] == [("Conv2D", None), ("MaxPooling2D", None), ("DepthwiseConv2D", "relu")]


def test_onnx_shape_of_a_convolution_s_output_is_not_a_second_use():
    """A Shape node reading a convolution's output (x.size() in a graph exported with dynamic
    axes) reads only dimensions: the batch norm and ReLU after it still fold into the
    convolution."""
    from onnx import helper

    rng = np.random.RandomState(11)
    w, scale, b = rng.randn(3, 2, 3, 3), rng.rand(3) + 0.5, rng.randn(3)
    mean, var = rng.randn(3), rng.rand(3) + 0.5
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("Shape", ["c"], ["s"]),
             helper.make_node("BatchNormalization", ["c", "scale", "b", "mean", "var"], ["n"]),
             helper.make_node("Relu", ["n"], ["r"]),
             helper.make_node("ReduceMean", ["r"], ["y"], axes=[2, 3], keepdims=0)]
    model = onnx_model(nodes, {"w": w, "scale": scale, "b": b, "mean": mean, "var": var},
                       [1, 2, 6, 5], [1, 3])
    layers, _ = to_layers(model)
    assert [type(spec).__name__ for spec in layers] == ["Conv2D", "GlobalAveragePooling"]
    assert layers[0].activation == "relu"
    images = random_images((2, 6, 5))
    conv = F.conv2d(torch.tensor(images / 255.0), torch.tensor(w))
    norm = (conv - torch.tensor(mean)[:, None, None]) / torch.sqrt(
        torch.tensor(var)[:, None, None] + 1e-5) * torch.tensor(scale)[:, None, None] \
        + torch.tensor(b)[:, None, None]
    want = torch.relu(norm).mean((2, 3)).numpy()
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, dtype="fp32"),
                     cnn.to_hwc(images, (2, 6, 5)))
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_onnx_max_pool_auto_pad_and_refusals():
    from onnx import helper

    images = random_images((2, 7, 6))
    x = torch.tensor(images / 255.0)

    def convert(**attrs):
        nodes = [helper.make_node("MaxPool", ["x"], ["p"], **attrs),
                 helper.make_node("ReduceMean", ["p"], ["y"], axes=[2, 3], keepdims=0)]
        return cnn.convert(onnx_model(nodes, {}, [1, 2, 7, 6], [1, 2]), dtype="fp32")

    # SAME_UPPER, window 3x2, stride 2: rows padded 1 + 1, columns 0 + 0 (TensorFlow's SAME).
    want = F.max_pool2d(F.pad(x, (0, 0, 1, 1), value=-np.inf), (3, 2), stride=2).mean((2, 3))
    got = engine_run(emlearn_cnn_fp32, convert(kernel_shape=[3, 2], strides=[2, 2],
                                               auto_pad="SAME_UPPER"),
                     cnn.to_hwc(images, (2, 7, 6)))
    assert np.abs(got - want.numpy()).max() <= 1e-6
    with pytest.raises(UnsupportedModelError, match="narrower"):
        convert(kernel_shape=[2, 2], pads=[2, 0, 0, 0])
    with pytest.raises(UnsupportedModelError, match="the kernel has 1 sizes for a 2-D input"):
        convert(kernel_shape=[2])
    with pytest.raises(UnsupportedModelError, match="indices"):
        cnn.convert(onnx_model([helper.make_node("MaxPool", ["x"], ["y", "i"],
                                                 kernel_shape=[2, 2])],
                               {}, [1, 2, 7, 6], [1, 2, 3, 3]), dtype="fp32")


def test_flattened_single_channel_output_keeps_its_order():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 1, 3, padding=1), nn.Flatten()).eval()
    images = random_images((2, 5, 4))
    want = torch_forward(model, images)
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, (2, 5, 4), dtype="fp32"),
                     cnn.to_hwc(images, (2, 5, 4)))
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("message", sorted(UNSUPPORTED))
def test_unsupported_networks_raise_naming_the_node(message):
    factory, shape = UNSUPPORTED[message]
    torch.manual_seed(0)
    with pytest.raises(UnsupportedModelError, match=message) as info:
        cnn.convert(factory().eval(), shape, dtype="fp32")
    assert any(w in str(info.value) for w in ("node", "graph", "PyTorch"))
    # torch 1.13 fails every later export while a failed one's traceback is alive: the converter
    # must not keep it.
    model, shape = build("mlp_dense_relu_batchnorm")
    assert cnn.convert(model, shape, dtype="fp32")


def test_bad_arguments():
    model, shape = build("mlp_dense_relu_batchnorm")
    with pytest.raises(ValueError, match="input_shape"):
        cnn.convert(model, dtype="fp32")
    with pytest.raises(ValueError, match="input_shape"):
        cnn.convert(model, (16, 1, 1, 1), dtype="fp32")
    with pytest.raises(ValueError, match="calibration"):
        cnn.convert(model, shape, dtype="int8")
    with pytest.raises(ValueError, match="shape"):
        cnn.convert(model, shape, dtype="int8", calibration=random_images((15,)))
    with pytest.raises(ValueError, match="uint8"):
        cnn.convert(model, shape, dtype="int8", calibration=np.full((4, 16), 0.5))
    # strings and objects: the converter's error, not numpy's (min() has no loop for them)
    for odd in (np.full((4, 16), "x"), np.full((4, 16), None, dtype=object)):
        with pytest.raises(ValueError, match="uint8"):
            cnn.convert(model, shape, dtype="int8", calibration=odd)
    with pytest.raises(ValueError, match="dtype"):
        cnn.convert(model, shape, dtype="int16")
    with pytest.raises(ValueError, match="not an ONNX model"):
        cnn.convert(b"\x08\x07garbage that is not protobuf \xff\xff", dtype="fp32")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        cnn.convert(42)
    with pytest.raises(TypeError, match="not type"):
        cnn.convert(type(model), shape)  # the class, not a module
    with pytest.raises(FileNotFoundError):
        cnn.convert("/nonexistent/model.onnx")


def test_export_leaves_the_module_in_training_mode():
    model, shape = build("conv_bn_relu_avgpool_depthwise_relu6_dense_softmax")
    model.train()
    cnn.convert(model, shape, dtype="fp32")
    assert model.training


def test_export_leaves_each_submodule_in_its_mode():
    """A frozen batch norm (eval) inside a module being trained stays frozen, and the other way
    round."""
    model, shape = build("conv_bn_relu_avgpool_depthwise_relu6_dense_softmax")
    model.train()
    model[1].eval()
    cnn.convert(model, shape, dtype="fp32")
    assert model.training and model[0].training and not model[1].training
    model.eval()
    model[1].train()
    cnn.convert(model, shape, dtype="fp32")
    assert not model.training and not model[0].training and model[1].training


def test_cli_converts_an_onnx_file(tmp_path):
    from test_cli import run_cli

    model, shape = build("conv_bn_relu_avgpool_depthwise_relu6_dense_softmax")
    path = tmp_path / "model.onnx"
    torch.onnx.export(model, torch.zeros((1,) + shape), str(path))
    images = random_images(shape, n=32)
    np.save(tmp_path / "calibration.npy", images)
    done = run_cli("cnn", "convert", path, "-o", tmp_path / "m.tmdl", "--dtype", "int8",
                   "--calibration", tmp_path / "calibration.npy", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "8, 8, 1" in done.stdout and "m.tmdl" in done.stdout
    want = cnn.convert(model, shape, dtype="int8", calibration=images)
    assert (tmp_path / "m.tmdl").read_bytes() == want

    done = run_cli("cnn", "convert", path, "-o", tmp_path / "m.tmdl", cwd=tmp_path)
    assert done.returncode == 1 and "calibration" in done.stderr
    done = run_cli("cnn", "convert", path, "-o", tmp_path / "m.tmdl", "--dtype", "fp32",
                   "--input-shape", "1,x,8", cwd=tmp_path)
    assert done.returncode == 1 and "--input-shape" in done.stderr
    done = run_cli("cnn", "convert", tmp_path / "missing.onnx", "-o", tmp_path / "m.tmdl",
                   cwd=tmp_path)
    assert done.returncode == 1 and "cannot read" in done.stderr
    (tmp_path / "bad.onnx").write_bytes(b"\xff\xff\xff")
    done = run_cli("cnn", "convert", tmp_path / "bad.onnx", "-o", tmp_path / "m.tmdl",
                   "--dtype", "fp32", cwd=tmp_path)
    assert done.returncode == 1 and "not an ONNX model" in done.stderr
    assert "Traceback" not in done.stderr


def test_converted_file_is_read_in_place_by_the_engine():
    model, shape = build("strided_1x1_global_pool_non_square")
    data = cnn.convert(model, shape, dtype="fp32")
    net = emlearn_cnn_fp32.new(data)
    assert tuple(net.output_dimensions()) == (5,)
    out = array.array("f", [0.0] * 5)
    image = random_images(shape, n=1)
    net.run(array.array("B", cnn.to_hwc(image, shape).tobytes()), out)
    want = torch_forward(model, image)[0]
    assert np.abs(np.array(out) - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_io_bytes_export_matches_path_export():
    model, shape = build("conv1d")
    buf = io.BytesIO()
    torch.onnx.export(model, torch.zeros((1,) + shape), buf)
    assert cnn.convert(buf.getvalue(), dtype="fp32") == cnn.convert(model, shape, dtype="fp32")


@pytest.mark.parametrize("factory", [
    lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.AvgPool2d(1, stride=2), nn.Flatten(),
                          nn.Linear(3 * 4 * 3, 2)),
    lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.AvgPool2d(2, count_include_pad=False),
                          nn.Flatten(), nn.Linear(3 * 3 * 2, 2)),
], ids=["strided_1x1_pooling_subsamples", "unpadded_pooling_without_count_include_pad"])
def test_pooling_variants(factory):
    torch.manual_seed(0)
    model, shape = factory().eval(), (2, 9, 7)
    images = random_images(shape)
    want = torch_forward(model, images)
    got = engine_run(emlearn_cnn_fp32, cnn.convert(model, shape, dtype="fp32"),
                     cnn.to_hwc(images, shape))
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())


def test_onnx_integer_div_truncates_toward_zero():
    """Shape arithmetic: ONNX's integer Div is C's (-7 / 2 = -3), so -(-f // 1) style
    expressions give what ONNX runtimes give."""
    from onnx import helper, numpy_helper

    w = np.ones((2, 6))
    nodes = [helper.make_node("Div", ["minus7", "two"], ["q"]),      # -3 (floor would be -4)
             helper.make_node("Add", ["q", "two"], ["r"]),            # -1: infer the size
             helper.make_node("Concat", ["one", "r"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["flat"]),
             helper.make_node("Gemm", ["flat", "w"], ["y"], transB=1)]
    model = onnx_model(nodes, {"w": w}, [1, 6, 1, 1], [1, 2])
    for name, value in (("minus7", [-7]), ("two", [2]), ("one", [1])):
        model.graph.initializer.append(numpy_helper.from_array(np.array(value, np.int64), name))
    data = cnn.convert(model, dtype="fp32")
    assert cnn.parse(data).output_shape == (2,)


def test_onnx_batchnorm_in_training_mode_is_refused():
    from onnx import helper

    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
             helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"],
                              training_mode=1)]
    inits = {"w": np.ones((2, 1, 3, 3)), "s": np.ones(2), "b": np.zeros(2), "m": np.zeros(2),
             "v": np.ones(2)}
    model = onnx_model(nodes, inits, [1, 1, 5, 5], [1, 2, 3, 3], opset=14)
    with pytest.raises(UnsupportedModelError, match="inference-mode"):
        cnn.convert(model, dtype="fp32")


@pytest.mark.parametrize("name", ["conv_bn_relu_avgpool_depthwise_relu6_dense_softmax",
                                  "functional_forward_view", "conv1d"])
def test_corrupt_onnx_files_raise_value_error(name):
    """Bits flipped in an exported file (1 to 3 at a time): each mutant converts or raises
    ValueError (UnsupportedModelError is one), nothing else; sizes the format cannot hold are
    refused before anything that large is allocated."""
    model, shape = build(name)
    buf = io.BytesIO()
    torch.onnx.export(model, torch.zeros((1,) + shape), buf, opset_version=13)
    data = buf.getvalue()
    rng = np.random.default_rng(0)
    outcomes = {"ok": 0, "ValueError": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # protobuf's "Unexpected end-group tag"
        for _ in range(300):
            b = bytearray(data)
            for _ in range(int(rng.integers(1, 4))):
                i = int(rng.integers(len(b)))
                b[i] ^= 1 << int(rng.integers(8))
            try:
                cnn.convert(bytes(b), dtype="fp32")
                outcomes["ok"] += 1
            except ValueError:
                outcomes["ValueError"] += 1
    assert outcomes["ok"] > 0 and outcomes["ValueError"] > 0, outcomes


def test_sizes_beyond_the_format_are_refused_before_allocation():
    from onnx import helper, numpy_helper

    with pytest.raises(ValueError, match="limits"):
        cnn.convert(onnx_model([helper.make_node("Relu", ["x"], ["y"])], {}, [1, 70000],
                               [1, 70000]), dtype="fp32")
    with pytest.raises(ValueError, match="limits"):
        cnn.convert(onnx_model([helper.make_node("Relu", ["x"], ["y"])], {}, [1, 3, 2048, 2048],
                               [1, 3, 2048, 2048]), dtype="fp32")
    # A constant of 2^40 values (the shape arithmetic of a corrupt file).
    nodes = [helper.make_node("ConstantOfShape", ["big"], ["z"]),
             helper.make_node("Flatten", ["x"], ["y"])]
    model = onnx_model(nodes, {}, [1, 4], [1, 4])
    model.graph.initializer.append(
        numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "big"))
    with pytest.raises(UnsupportedModelError, match="too large"):
        cnn.convert(model, dtype="fp32")
    # Kernel, stride and padding beyond one byte, and a zero stride.
    for attrs in ({"kernel_shape": [300, 1]}, {"kernel_shape": [2, 2], "strides": [0, 1]},
                  {"kernel_shape": [2, 2], "pads": [0, 0, 256, 0], "count_include_pad": 1}):
        nodes = [helper.make_node("AveragePool", ["x"], ["y"], **attrs)]
        model = onnx_model(nodes, {}, [1, 1, 400, 4], None)
        with pytest.raises(UnsupportedModelError, match="1..255"):
            cnn.convert(model, dtype="fp32")


def test_onnx_cast_in_shape_arithmetic_converts():
    """Cast changes the type (float division, then back to int64 truncating as ONNX does);
    arithmetic whose broadcast result would be huge is refused before it is computed."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [helper.make_node("Cast", ["six"], ["f"], to=TensorProto.FLOAT),
             helper.make_node("Div", ["f", "four"], ["q"]),                 # 1.5, not 1
             helper.make_node("Mul", ["q", "four"], ["p"]),                 # 6.0
             helper.make_node("Add", ["p", "a_bit"], ["r"]),                # 6.3
             helper.make_node("Cast", ["r"], ["size"], to=TensorProto.INT64),  # 6: truncated
             helper.make_node("Concat", ["one", "size"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["flat"]),
             helper.make_node("Gemm", ["flat", "w"], ["y"], transB=1)]
    model = onnx_model(nodes, {"w": np.ones((2, 6)), "four": [4.0], "a_bit": [0.3]},
                       [1, 6, 1, 1], [1, 2])
    for name, value in (("six", [6]), ("one", [1])):
        model.graph.initializer.append(numpy_helper.from_array(np.array(value, np.int64), name))
    assert cnn.parse(cnn.convert(model, dtype="fp32")).output_shape == (2,)

    nodes = [helper.make_node("Mul", ["col", "row"], ["big"]),
             helper.make_node("Flatten", ["x"], ["y"])]
    model = onnx_model(nodes, {"col": np.ones((4096, 1)), "row": np.ones((1, 4096))}, [1, 4],
                       [1, 4])
    with pytest.raises(UnsupportedModelError, match="too large"):
        cnn.convert(model, dtype="fp32")


class ChannelsLast2D(nn.Module):
    """A Keras-style network as tf2onnx exports one: channels-last input, Transposes around the
    ONNX convolutions, Keras's Flatten order (H, W, C) before the dense layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2)
        self.fc = nn.Linear(3 * 3 * 6, 5)

    def forward(self, x):  # (n, 8, 8, 3)
        x = x.permute(0, 3, 1, 2)
        x = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        x = x.permute(0, 2, 3, 1).reshape(x.size(0), -1)
        return torch.softmax(self.fc(x), dim=1)


class ChannelsLast1D(nn.Module):
    """Keras's Conv1D and GlobalAveragePooling1D: (L, C) input, mean over the steps of
    channels-last data."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 5, 3, padding=1)
        self.fc = nn.Linear(5, 3)

    def forward(self, x):  # (n, 12, 2)
        x = torch.relu(self.conv(x.permute(0, 2, 1)))
        return self.fc(x.permute(0, 2, 1).mean(1))


@pytest.mark.parametrize("factory, shape", [(ChannelsLast2D, (8, 8, 3)),
                                            (ChannelsLast1D, (12, 2))],
                         ids=["2d_keras_flatten", "1d_global_pooling"])
def test_channels_last_graphs(factory, shape):
    """input_shape and calibration images in the graph's own (channels-last) layout, which is
    the engine's: no rearranging, and the dense layer's weights are not permuted."""
    torch.manual_seed(0)
    model = factory().eval()
    images = random_images(shape, n=32)
    want = torch_forward(model, images)
    data = cnn.convert(model, shape, dtype="fp32")
    assert cnn.parse(data).input_shape == shape
    got = engine_run(emlearn_cnn_fp32, data, images)
    assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())
    data = cnn.convert(model, shape, dtype="int8", calibration=images)
    got = engine_run(emlearn_cnn_int8, data, images)
    assert np.abs(got - want).mean() <= 0.05 * (want.max() - want.min())
    with pytest.raises(ValueError, match="shape"):
        cnn.convert(model, shape, dtype="int8", calibration=np.moveaxis(images, -1, 1))


def test_a_convolution_on_channels_last_data_is_refused():
    class Wrong(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(x.permute(0, 2, 3, 1))  # (n, H, W, C) into an NCHW conv

    with pytest.raises(UnsupportedModelError, match="channels-first"):
        cnn.convert(Wrong().eval(), (3, 3, 3), dtype="fp32")


def test_int8_bias_beyond_the_engines_range_is_named():
    """A bias of 5 over weights of 1e-4: about 2^30.6 quantisation steps, within int32 but
    beyond the engine's +-2^30, is refused as a bias, not as a layout problem."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3))
    with torch.no_grad():
        model[0].weight.fill_(1e-4)
        model[0].bias.fill_(5.0)
    images = random_images((1, 5, 5), n=8)
    with pytest.raises(ValueError, match="bias too large at this quantisation"):
        cnn.convert(model, (1, 5, 5), dtype="int8", calibration=images)
