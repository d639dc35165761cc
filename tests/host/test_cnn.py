"""emlearn_cnn_int8 / emlearn_cnn_fp32 (the C++ engine, CPython modules) against microlearn.cnn,
the numpy interpreter of docs/cnn_format.md (tests/host/test_cnn_reference.py checks that one
against literal per-element arithmetic and against float64).

Tolerances: int8 outputs are equal, except after a softmax, where the engine's exp (float,
without libm) and numpy's (double) may put a probability one quantisation step (1/256) apart;
fp32 outputs within 1e-5 of the largest output (the engine sums dot products in order, numpy in
its own).
"""
import array
import sys

import numpy as np
import pytest

import emlearn_cnn_fp32
import emlearn_cnn_int8
from microlearn import cnn
from test_cnn_reference import pooled_network, residual_network

MODULES = {"int8": emlearn_cnn_int8, "fp32": emlearn_cnn_fp32}


def engine_run(module, data, images):
    net = module.new(data)
    n = int(np.prod(net.output_dimensions()))
    out = array.array("f", [0.0] * n)
    rows = []
    for image in images:
        net.run(array.array("B", np.asarray(image, dtype=np.uint8).ravel().tobytes()), out)
        rows.append(np.array(out, dtype=np.float32))  # a copy: out is reused
    return np.array(rows)


def assert_close(kind, got, want, softmax_last):
    if kind == "fp32":
        assert np.abs(got - want).max() <= 1e-5 * max(1.0, np.abs(want).max())
    elif softmax_last:
        assert np.abs(got - want).max() <= 1.0 / 256 + 1e-7
        assert np.mean(got == want) > 0.95
    else:
        np.testing.assert_array_equal(got, want)


def images(rng, n, shape):
    return rng.integers(0, 256, size=(n,) + shape, dtype=np.uint8)


def check_written(kind, layers, shape, rng, n=40, softmax_last=False):
    """``layers`` written as a `kind` model (int8 calibrated on 50 random images) give the same
    outputs in the engine as in the numpy interpreter on n random images."""
    calibration = images(rng, 50, shape) if kind == "int8" else None
    data = cnn.write(layers, shape, kind, calibration=calibration)
    inputs = images(rng, n, shape)
    got = engine_run(MODULES[kind], data, inputs)
    want = cnn.run_batch(cnn.parse(data), inputs).reshape(len(inputs), -1)
    assert_close(kind, got, want, softmax_last)


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_compat_models_equal_the_reference_interpreter(compat_dir, kind):
    data = (compat_dir / ("mnist_cnn_%s.tmdl" % kind)).read_bytes()
    digits = np.array([np.fromfile(compat_dir / "mnist_examples" / f"mnist_example_{i}.bin",
                                   dtype=np.uint8) for i in range(10)])
    rng = np.random.default_rng(3)
    inputs = np.concatenate([digits, images(rng, 30, (784,))])
    got = engine_run(MODULES[kind], data, inputs)
    want = cnn.run_batch(cnn.parse(data), inputs.reshape(-1, 28, 28, 1)).reshape(len(inputs), -1)
    assert_close(kind, got, want, softmax_last=True)
    assert list(got[:10].argmax(axis=1)) == list(range(10))


def network(rng, end_with_softmax):
    """Every layer kind and option the engine runs: same and explicit padding, strides, depth
    multiplier 2, relu and relu6, pointwise, reshape, dense."""
    layers = [
        cnn.Conv2D(rng.normal(0, 0.4, (4, 2, 3, 3)), rng.normal(0, 0.1, 4), stride=1,
                   padding="same", activation="relu"),
        cnn.DepthwiseConv2D(rng.normal(0, 0.4, (8, 1, 3, 2)), rng.normal(0, 0.1, 8), stride=(2, 1),
                            padding=(1, 0, 0, 1), activation="relu6", depth_multiplier=2),
        cnn.Conv2D(rng.normal(0, 0.4, (6, 8, 1, 1)), rng.normal(0, 0.1, 6), activation=None),
        cnn.GlobalAveragePooling(),
        cnn.Reshape((6,)),
        cnn.Dense(rng.normal(0, 0.5, (5, 6)), rng.normal(0, 0.1, 5)),
    ]
    if end_with_softmax:
        layers.append(cnn.Softmax())
    return layers


@pytest.mark.parametrize("kind", ["int8", "fp32"])
@pytest.mark.parametrize("softmax", [False, True])
def test_written_networks_equal_the_reference_interpreter(kind, softmax):
    for seed in range(4):
        rng = np.random.default_rng(10 + seed)
        check_written(kind, network(rng, softmax), (9, 7, 2), rng, softmax_last=softmax)


GRAPHS = {
    # Identity and projection shortcuts (add layers, a branch): the engine follows the file's
    # work-buffer offsets as the interpreter follows the layers' sources.
    "residual": (residual_network, (8, 7, 2), 20),
    # Max pooling (microlearn's layer type 128): padded, strided, overlapping, in a branch.
    "max_pooling": (pooled_network, (11, 9, 2), 30),
}


@pytest.mark.parametrize("kind", ["int8", "fp32"])
@pytest.mark.parametrize("softmax", [False, True])
@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_graph_networks_equal_the_reference_interpreter(kind, softmax, graph):
    make, shape, seed0 = GRAPHS[graph]
    for seed in range(3):
        rng = np.random.default_rng(seed0 + seed)
        check_written(kind, make(rng, softmax), shape, rng, softmax_last=softmax)


def test_nan_in_fp32_models_as_the_interpreter_says():
    """What only a file with huge or NaN weights reaches: a NaN in a max pooling's window wins
    (as in PyTorch), and relu lets a NaN without its sign bit through, relu6 makes it 6. The
    engine once kept a NaN only when it was a window's first tap."""
    big = 3e38
    # +-inf where a pixel pair is bright, then inf + -inf = NaN there and 0 elsewhere.
    layers = [cnn.Conv2D(np.array([[big, big], [-big, -big]])[:, :, None, None], None),
              cnn.Conv2D(np.ones((1, 2, 1, 1)), None), cnn.MaxPooling2D(2)]
    data = cnn.write(layers, (2, 2, 2), "fp32")
    image = np.zeros((2, 2, 2), np.uint8)
    for tap in range(4):
        image[:] = 0
        image.reshape(4, 2)[tap] = 255
        got = engine_run(emlearn_cnn_fp32, data, image[None])
        assert np.isnan(got).all() and np.isnan(cnn.run(cnn.parse(data), image)).all(), tap
    for act, want in (("relu", np.nan), ("relu6", 6.0)):
        model = cnn.parse(cnn.write([cnn.Conv2D(np.ones((1, 1, 1, 1)), None, activation=act),
                                     cnn.GlobalAveragePooling()], (2, 2, 1), "fp32"))
        model.layers[0].weights[:] = np.float32(np.nan)  # a positive NaN (0x7fc00000)
        data = cnn.dump(model)
        image = np.full((2, 2, 1), 10, np.uint8)
        got = engine_run(emlearn_cnn_fp32, data, image[None])[0]
        np.testing.assert_array_equal(got, [want])
        np.testing.assert_array_equal(cnn.run(cnn.parse(data), image), [want])


def api_models():
    """tests/api/cnn_support.py, whose byte-by-byte model builders these tests share."""
    api = str(cnn_support_dir())
    if api not in sys.path:
        sys.path.insert(0, api)
    import cnn_support
    return cnn_support


def cnn_support_dir():
    from pathlib import Path
    return Path(__file__).resolve().parents[1] / "api"


def test_int8_nan_from_an_overflowed_scale_as_the_interpreter_says():
    """0 * (3e38 * 3e38) is NaN; sat8 makes it 0 in both (the engine once took the NaN's sign
    bit: -128 on x86)."""
    data = api_models().nan_model()
    image = np.array([[[77]]], np.uint8)
    got = engine_run(emlearn_cnn_int8, data, image[None])[0]
    np.testing.assert_array_equal(got, [0.0, 0.0])
    np.testing.assert_array_equal(cnn.run(cnn.parse(data), image), got)


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_the_work_limit_is_the_parsers_too(kind):
    """2^32 operations a run: a 255x255 pooling over 511x511x2 is refused by both, over
    511x511x1 (65,025 x 66,049 = 2^32 - 131,071) accepted by both."""
    models = api_models()
    with pytest.raises(ValueError, match="2\\^32"):
        cnn.parse(models.wide_pool_model(kind, 2))
    with pytest.raises(ValueError, match="2\\^32 operations"):
        MODULES[kind].new(models.wide_pool_model(kind, 2))
    ok = models.wide_pool_model(kind, 1)
    assert sum(cnn.layer_work(layer) for layer in cnn.parse(ok).layers) == 65025 * 66049
    assert MODULES[kind].new(ok).output_dimensions() == (257, 257, 1)


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_dilated_convolutions_from_specs(kind):
    """Dilation (microlearn's): 'same' padding of the window the taps span, a depthwise layer
    dilated across only, a one-channel first layer; the file writes back byte for byte, and a
    float64 forward agrees with the interpreter's float32 one."""
    rng = np.random.default_rng(8)
    layers = [cnn.Conv2D(rng.normal(0, 0.5, (3, 1, 3, 3)), None, padding="same", dilation=2,
                         activation="relu"),
              cnn.DepthwiseConv2D(rng.normal(0, 0.5, (6, 1, 2, 3)), None, stride=(1, 2),
                                  dilation=(1, 3), padding=(0, 1, 3, 3)),
              cnn.Conv2D(rng.normal(0, 0.5, (4, 6, 2, 2)), None, dilation=(3, 1))]
    check_written(kind, layers, (9, 11, 1), rng)
    model = cnn.parse(cnn.write(layers, (9, 11, 1), "fp32"))
    conv1, dw, conv2 = model.layers
    assert (conv1.dilation_h, conv1.dilation_w, conv1.pad) == (2, 2, (2, 2, 2, 2))
    assert (dw.dilation_h, dw.dilation_w, conv2.dilation_h, conv2.dilation_w) == (1, 3, 3, 1)
    assert model.layers[-1].out_dims[1:] == (6, 5, 4)  # 9 - 4 + 1 rows, 6 - 2 + 1 columns
    data = cnn.dump(model)
    assert cnn.dump(cnn.parse(data)) == data
    image = images(rng, 1, (9, 11, 1))[0]
    x = image.astype(np.float64)[None] / 255.0
    for layer in model.layers:   # float64, by the definition of a dilated convolution
        w = layer.weights.astype(np.float64)
        pt, pb, pl, pr = layer.pad
        xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
        _, oh, ow, oc = layer.out_dims
        y = np.zeros((1, oh, ow, oc))
        for ky in range(layer.kernel_h):
            for kx in range(layer.kernel_w):
                r0, c0 = ky * layer.dilation_h, kx * layer.dilation_w
                tap = xp[:, r0:r0 + layer.stride_h * (oh - 1) + 1:layer.stride_h,
                         c0:c0 + layer.stride_w * (ow - 1) + 1:layer.stride_w, :]
                if layer.depth_mul:
                    y += tap[..., np.arange(oc) // layer.depth_mul] * w[:, 0, ky, kx]
                else:
                    y += tap @ w[:, :, ky, kx].T
        y += layer.bias
        x = np.maximum(y, 0) if layer.act == cnn.ACT_RELU else y
    got = cnn.run(model, image)
    assert np.abs(got.ravel() - x.ravel()).max() <= 1e-5 * max(1.0, np.abs(x).max())


def test_same_padding_beyond_the_format_is_a_value_error():
    # A dilated kernel can span more than 511 pixels: 'same' padding then exceeds 255 a side
    conv = cnn.Conv2D(np.ones((1, 1, 5, 5)), padding="same", dilation=255)
    with pytest.raises(ValueError, match="beyond the format"):
        cnn.write([conv], (8, 8, 1), "fp32")
    conv.dilation = 127   # spans 509: 254 a side
    assert cnn.parse(cnn.write([conv], (8, 8, 1), "fp32")).layers[0].pad == (254,) * 4


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_a_flattened_map_read_again_in_its_own_shape(kind):
    """A reshape writes nothing: the feature map it flattens stays readable as it was (a flatten
    head and a pooling head on one map). The engine once forgot the map's shape."""
    rng = np.random.default_rng(6)
    layers = [cnn.Conv2D(rng.normal(size=(2, 1, 3, 3)), None),
              cnn.Reshape((8,)), cnn.Dense(rng.normal(size=(2, 8)), None),
              cnn.GlobalAveragePooling(input=0), cnn.Add(source=2)]
    check_written(kind, layers, (4, 4, 1), rng)


def in_place_add(kind):
    """A file laid out by hand as another converter might: the add writes over its first input
    (element by element, which is safe), reshapes and a dense layer follow."""
    rng = np.random.default_rng(4)
    layers = [cnn.Conv2D(rng.normal(0, 0.5, (3, 2, 3, 3)), None, padding="same"),
              cnn.Conv2D(rng.normal(0, 0.5, (3, 3, 1, 1)), None),
              cnn.Add(0), cnn.Reshape((60,)), cnn.Dense(rng.normal(0, 0.5, (4, 60)), None)]
    calibration = images(rng, 20, (5, 4, 2)) if kind == "int8" else None
    model = cnn.parse(cnn.write(layers, (5, 4, 2), kind, calibration=calibration))
    add, reshape, dense = model.layers[2:]
    add.out_oft = reshape.in_oft = reshape.out_oft = dense.in_oft = add.in_oft
    return cnn.dump(model)


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_in_place_add(kind):
    data = in_place_add(kind)
    model = cnn.parse(data)
    assert model.layers[2].out_oft == model.layers[2].in_oft
    inputs = images(np.random.default_rng(1), 20, (5, 4, 2))
    got = engine_run(MODULES[kind], data, inputs)
    assert_close(kind, got, cnn.run_batch(model, inputs).reshape(20, -1), softmax_last=False)


def test_int8_without_out_deq_gives_the_int8_values():
    rng = np.random.default_rng(7)
    shape = (9, 7, 2)
    layers = network(rng, False)
    data = cnn.write(layers, shape, "int8", calibration=images(rng, 50, shape), out_deq=0)
    inputs = images(rng, 20, shape)
    got = engine_run(emlearn_cnn_int8, data, inputs)
    want = cnn.run_batch(cnn.parse(data), inputs).reshape(len(inputs), -1)
    np.testing.assert_array_equal(got, want)
    assert np.all(got == np.round(got)) and got.min() >= -128 and got.max() <= 127


def reshape_after_conv(rng):
    """A convolution with fewer channels than the reshape after it has values."""
    return [cnn.Conv2D(rng.normal(0, 0.5, (2, 1, 3, 3)), rng.normal(0, 0.1, 2), activation="relu"),
            cnn.Reshape((32,)), cnn.Dense(rng.normal(0, 0.5, (3, 32)), None)]


def mutation_subjects(compat_dir):
    """name -> (file, module, input shape): the compat model and written ones of both kinds."""
    rng = np.random.default_rng(11)
    every = network(rng, True)
    small = reshape_after_conv(rng)
    return {
        "compat_int8": ((compat_dir / "mnist_cnn_int8.tmdl").read_bytes(), "int8", (28, 28, 1)),
        "every_layer_int8": (cnn.write(every, (9, 7, 2), "int8",
                                       calibration=images(rng, 30, (9, 7, 2))), "int8", (9, 7, 2)),
        "every_layer_fp32": (cnn.write(every, (9, 7, 2), "fp32"), "fp32", (9, 7, 2)),
        "reshape_after_conv_int8": (cnn.write(small, (6, 6, 1), "int8",
                                              calibration=images(rng, 30, (6, 6, 1))), "int8",
                                    (6, 6, 1)),
        "residual_int8": (cnn.write(residual_network(rng, True), (8, 7, 2), "int8",
                                    calibration=images(rng, 30, (8, 7, 2))), "int8", (8, 7, 2)),
        "residual_fp32": (cnn.write(residual_network(rng), (8, 7, 2), "fp32"), "fp32", (8, 7, 2)),
        "in_place_add_fp32": (in_place_add("fp32"), "fp32", (5, 4, 2)),
        "maxpool_int8": (cnn.write(pooled_network(rng, True), (11, 9, 2), "int8",
                                   calibration=images(rng, 30, (11, 9, 2))), "int8", (11, 9, 2)),
        "maxpool_fp32": (cnn.write(pooled_network(rng), (11, 9, 2), "fp32"), "fp32", (11, 9, 2)),
    }


@pytest.mark.parametrize("subject", ["compat_int8", "every_layer_int8", "every_layer_fp32",
                                     "reshape_after_conv_int8", "residual_int8", "residual_fp32",
                                     "in_place_add_fp32", "maxpool_int8", "maxpool_fp32"])
def test_flipped_bytes_both_refuse_or_both_agree(compat_dir, subject):
    # Mutants of a model: where the numpy parser accepts one, the engine accepts it too and
    # computes the same outputs (the engine checks less of what does not affect the result:
    # buffer offsets, trailing bytes); whatever the engine accepts runs.
    data, kind, shape = mutation_subjects(compat_dir)[subject]
    rng = np.random.default_rng(5)
    x = images(rng, 3, shape)
    softmax_last = cnn.parse(data).layers[-1].type == cnn.SOFTMAX
    both = 0
    for _ in range(400):
        b = bytearray(data)
        i = int(rng.integers(len(b)))
        b[i] ^= 1 << int(rng.integers(8))
        try:
            ref = cnn.parse(bytes(b))
        except ValueError:
            ref = None
        try:
            got = engine_run(MODULES[kind], bytes(b), x)
        except ValueError:
            assert ref is None, "engine refused what the reference accepts (byte %d)" % i
            continue
        if ref is not None:
            both += 1
            want = cnn.run_batch(ref, x.reshape((-1,) + shape)).reshape(3, -1)
            if kind == "fp32":
                # A flipped weight can make outputs huge, inf or NaN: compare where finite.
                finite = np.isfinite(want)
                assert np.array_equal(finite, np.isfinite(got))
                got, want = got[finite], want[finite]
                scale = max([1.0] + list(np.abs(want)))
                assert np.all(np.abs(got - want) <= 1e-5 * scale)
            else:
                assert_close("int8", got, want, softmax_last=softmax_last)
    assert both > 50


@pytest.mark.parametrize("kind", ["int8", "fp32"])
def test_reshape_after_a_layer_with_fewer_channels(kind):
    """A layer without weights after one with weights (here a reshape of a 2-channel map into 32
    values): the engine once checked the reshape against the convolution's 2 weight scales as if
    it had 32, reading past them and refusing valid files."""
    rng = np.random.default_rng(3)
    check_written(kind, reshape_after_conv(rng), (6, 6, 1), rng, n=20)
