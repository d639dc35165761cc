"""microlearn.cnn: the TinyMaix .tmdl parser, the numpy reference interpreter and the writer.

* The reference system's models (../shared/compat: a Keras MNIST CNN as int8 and fp32 .tmdl)
  parse, write back byte for byte, and classify the ten example digits.
* The vectorised interpreter equals, bit for bit, a literal per-element loop of the arithmetic
  docs/cnn_format.md states (int8); fp32 models written by ``write`` run within 1e-5 of a plain
  float64 implementation of the same network (max pooling included: microlearn's own layer).
* ``parse`` raises ValueError, and nothing else, for truncated, corrupted and inconsistent files.
* ``write`` makes the reference's two files again from the fp32 weights (int8: given the
  reference's activation scales), and int8 models it calibrates itself pick the fp32 model's
  class for >= 90% of the inputs of small random networks.
"""

import math
import struct

import numpy as np
import pytest

from microlearn import cnn

INT8_FILE = "mnist_cnn_int8.tmdl"
FP32_FILE = "mnist_cnn_fp32.tmdl"


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compat(compat_dir):
    files = {name: (compat_dir / name).read_bytes() for name in (INT8_FILE, FP32_FILE)}
    images = np.array([np.fromfile(compat_dir / "mnist_examples" / f"mnist_example_{i}.bin",
                                   dtype=np.uint8) for i in range(10)])
    assert images.shape == (10, 784)
    return files, images


def f32(x):
    return np.float32(x)


def int8_of(v):
    """trunc toward zero, saturated to int8 (docs/cnn_format.md)."""
    v = float(v)
    if math.isnan(v):
        return 0
    if math.isinf(v):
        return 127 if v > 0 else -128
    return max(-128, min(127, math.trunc(v)))


def c_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def literal_int8(model, image):
    """Every layer's int8 output, one element at a time, as the format document states it."""
    _, h, w, c = model.header.in_dims
    x_in = np.asarray(image, dtype=np.int64).reshape(h, w, c) - 128
    outputs = []
    for i, layer in enumerate(model.layers):
        _, oh, ow, oc = layer.out_dims
        _, ih, iw, ic = layer.in_dims
        x = (x_in if layer.source < 0 else outputs[layer.source]).reshape(ih, iw, ic)
        out = np.zeros((oh, ow, oc), dtype=np.int64)
        if layer.type in (cnn.CONV2D, cnn.DWCONV2D):
            pt, _, pl, _ = layer.pad
            scale = [f32(layer.ws[co]) * f32(layer.in_s) for co in range(oc)]
            for oy in range(oh):
                for ox in range(ow):
                    for co in range(oc):
                        chans = [co // layer.depth_mul] if layer.depth_mul else range(ic)
                        acc = 0
                        for j, ci in enumerate(chans):
                            for ky in range(layer.kernel_h):
                                for kx in range(layer.kernel_w):
                                    iy = oy * layer.stride_h - pt + ky
                                    ix = ox * layer.stride_w - pl + kx
                                    inside = 0 <= iy < ih and 0 <= ix < iw
                                    v = int(x[iy, ix, ci]) if inside else int(layer.in_zp)
                                    acc += v * int(layer.weights[co, j, ky, kx])
                        acc += int(layer.bias[co])
                        f = f32(acc) * scale[co]
                        if layer.act in (cnn.ACT_RELU, cnn.ACT_RELU6):
                            f = f if f > 0 else f32(0)
                        if layer.act == cnn.ACT_RELU6:
                            f = f32(6) if f > 6 else f
                        # TinyMaix's conv layer multiplies by the reciprocal of out_s.
                        inv = f32(1) / f32(layer.out_s)
                        out[oy, ox, co] = int8_of(f * inv + f32(layer.out_zp))
        elif layer.type == cnn.GAP:
            for ch in range(oc):
                s = sum(int(x[y, xx, ch]) for y in range(ih) for xx in range(iw))
                m = c_div(s, ih * iw)
                f = f32(m - layer.in_zp) * f32(layer.in_s) / f32(layer.out_s) + f32(layer.out_zp)
                out[0, 0, ch] = int8_of(f)
        elif layer.type == cnn.FC:
            v = x.reshape(-1)
            for co in range(oc):
                acc = sum(int(v[i]) * int(layer.weights[co, i]) for i in range(ic))
                acc += int(layer.bias[co])
                f = ((f32(acc) * f32(layer.in_s)) * f32(layer.ws[0])) / f32(layer.out_s) \
                    + f32(layer.out_zp)
                out[0, 0, co] = int8_of(f)
        elif layer.type == cnn.SOFTMAX:
            d = [f32(int(q) - layer.in_zp) * f32(layer.in_s) for q in x.reshape(-1)]
            dmax = max(d)
            e = [f32(math.exp(float(f32(di - dmax)))) for di in d]
            total = f32(0)
            for ei in e:
                total = f32(total + ei)
            for co, ei in enumerate(e):
                out[0, 0, co] = int8_of((ei / total) / f32(layer.out_s) + f32(layer.out_zp))
        elif layer.type == cnn.RESHAPE:
            out = x.reshape(oh, ow, oc)
        elif layer.type == cnn.MAXPOOL:
            pt, _, pl, _ = layer.pad
            for oy, ox, ch in np.ndindex(oh, ow, oc):
                taps = [int(x[iy, ix, ch])
                        for iy in range(oy * layer.stride_h - pt,
                                        oy * layer.stride_h - pt + layer.kernel_h)
                        for ix in range(ox * layer.stride_w - pl,
                                        ox * layer.stride_w - pl + layer.kernel_w)
                        if 0 <= iy < ih and 0 <= ix < iw]
                out[oy, ox, ch] = max(taps)
        elif layer.type == cnn.ADD:
            y = (x_in if layer.source1 < 0 else outputs[layer.source1]).reshape(ih, iw, ic)
            for idx in np.ndindex(oh, ow, oc):
                f = (f32(int(x[idx]) - layer.in_zp) * f32(layer.in_s)
                     + f32(int(y[idx]) - layer.in1_zp) * f32(layer.in1_s))
                out[idx] = int8_of(f / f32(layer.out_s) + f32(layer.out_zp))
        outputs.append(out)
    return outputs


def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pair(v):
    return (v, v) if np.ndim(v) == 0 else tuple(v)


def paddings(padding, h, w, kh, kw, sh, sw):
    """(top, bottom, left, right) of a spec's ``padding``: TensorFlow's SAME split or explicit."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        return same_pads(h, kh, sh) + same_pads(w, kw, sw)
    return tuple(padding)


def float64_forward(layers, input_shape, image):
    """A plain float64 implementation of a list of layer specs (no microlearn code)."""
    x_in = np.asarray(image, dtype=np.float64).reshape(input_shape) / 255.0
    x_in = x_in.reshape((1,) * (3 - x_in.ndim) + x_in.shape)
    outs = []

    def value(index):
        return x_in if index == "input" or index < 0 else outs[index]

    for i, spec in enumerate(layers):
        x = value(i - 1 if spec.input is None else spec.input)
        if isinstance(spec, (cnn.Conv2D, cnn.DepthwiseConv2D)):
            w = np.asarray(spec.weights, dtype=np.float64)
            cho, _, kh, kw = w.shape
            h, wd, c = x.shape
            sh, sw = pair(spec.stride)
            pads = paddings(spec.padding, h, wd, kh, kw, sh, sw)
            xp = np.pad(x, ((pads[0], pads[1]), (pads[2], pads[3]), (0, 0)))
            oh = (xp.shape[0] - kh) // sh + 1
            ow = (xp.shape[1] - kw) // sw + 1
            out = np.zeros((oh, ow, cho))
            dm = cho // c
            for oy in range(oh):
                for ox in range(ow):
                    win = xp[oy * sh:oy * sh + kh, ox * sw:ox * sw + kw, :]   # kh, kw, c
                    for co in range(cho):
                        if isinstance(spec, cnn.DepthwiseConv2D):
                            out[oy, ox, co] = np.sum(win[:, :, co // dm] * w[co, 0])
                        else:
                            out[oy, ox, co] = np.sum(win.transpose(2, 0, 1) * w[co])
            if spec.bias is not None:
                out += np.asarray(spec.bias, dtype=np.float64)
            if spec.activation in ("relu", "relu6"):
                out = np.maximum(out, 0)
            if spec.activation == "relu6":
                out = np.minimum(out, 6)
            x = out
        elif isinstance(spec, cnn.MaxPooling2D):
            kh, kw = pair(spec.pool_size)
            sh, sw = pair(spec.pool_size if spec.stride is None else spec.stride)
            h, wd, _ = x.shape
            pads = paddings(spec.padding, h, wd, kh, kw, sh, sw)
            xp = np.pad(x, ((pads[0], pads[1]), (pads[2], pads[3]), (0, 0)),
                        constant_values=-np.inf)
            oh = (xp.shape[0] - kh) // sh + 1
            ow = (xp.shape[1] - kw) // sw + 1
            x = np.array([[xp[oy * sh:oy * sh + kh, ox * sw:ox * sw + kw].max(axis=(0, 1))
                           for ox in range(ow)] for oy in range(oh)])
        elif isinstance(spec, cnn.GlobalAveragePooling):
            x = x.mean(axis=(0, 1)).reshape(1, 1, -1)
        elif isinstance(spec, cnn.Dense):
            w = np.asarray(spec.weights, dtype=np.float64)
            x = (w @ x.reshape(-1) + (0 if spec.bias is None else spec.bias)).reshape(1, 1, -1)
        elif isinstance(spec, cnn.Softmax):
            e = np.exp(x - x.max())
            x = e / e.sum()
        elif isinstance(spec, cnn.Reshape):
            shape = tuple(np.atleast_1d(spec.shape))
            x = x.reshape((1,) * (3 - len(shape)) + shape)
        elif isinstance(spec, cnn.Add):
            x = x + value(spec.source).reshape(x.shape)
        outs.append(x)
    return x


def small_network(rng, softmax=True):
    """conv 3x3 valid + relu, depthwise 3x3 same stride 2, gap, dense, softmax on 12x12x2."""
    layers = [cnn.Conv2D(rng.normal(0, 0.5, (4, 2, 3, 3)), rng.normal(0, 0.1, 4),
                         activation="relu"),
              cnn.DepthwiseConv2D(rng.normal(0, 0.5, (8, 1, 3, 3)), rng.normal(0, 0.1, 8),
                                  stride=2, padding="same"),
              cnn.GlobalAveragePooling(),
              cnn.Dense(rng.normal(0, 1.0, (5, 8)), rng.normal(0, 0.1, 5))]
    return layers + [cnn.Softmax()] if softmax else layers


def residual_network(rng, softmax=False):
    """Residual connections on 8x7x2 inputs: an identity shortcut, a projection shortcut (a 1x1
    convolution branching off an earlier output), an add after a depthwise layer, then gap,
    reshape, dense."""
    def conv(cin, cout, k, **kw):
        return cnn.Conv2D(rng.normal(0, 0.4, (cout, cin, k, k)), rng.normal(0, 0.1, cout), **kw)

    layers = [conv(2, 4, 3, padding="same", activation="relu"),             # 0
              conv(4, 4, 3, padding="same"),                                # 1
              cnn.Add(0),                                                   # 2 = 1 + 0
              conv(4, 6, 3, stride=2, padding="same", activation="relu"),   # 3
              conv(4, 6, 1, stride=2, input=2),                             # 4: a branch
              cnn.Add(3),                                                   # 5 = 4 + 3
              cnn.DepthwiseConv2D(rng.normal(0, 0.4, (6, 1, 3, 3)), None, padding="same",
                                  activation="relu6"),                      # 6
              cnn.Add(5),                                                   # 7 = 6 + 5
              cnn.GlobalAveragePooling(), cnn.Reshape((6,)),
              cnn.Dense(rng.normal(0, 0.5, (5, 6)), rng.normal(0, 0.1, 5))]
    return layers + [cnn.Softmax()] if softmax else layers


def pooled_network(rng, softmax=False):
    """Max pooling on 11x9x2 inputs: after a convolution without activation (negative values,
    which a padding read as zero would hide), padded on all sides and on two, strided by the
    window and overlapping, a 2x1 window, and in a branch beside a global average pooling."""
    def conv(cin, cout, k, **kw):
        return cnn.Conv2D(rng.normal(0, 0.4, (cout, cin, k, k)), rng.normal(-0.2, 0.1, cout),
                          **kw)

    layers = [conv(2, 4, 3, padding="same"),                                # 0: 11x9x4
              cnn.MaxPooling2D(3, stride=2, padding=(1, 1, 1, 1)),          # 1: 6x5x4
              conv(4, 6, 3, activation="relu"),                             # 2: 4x3x6
              cnn.MaxPooling2D((2, 1)),                                     # 3: 2x3x6
              cnn.MaxPooling2D(2, stride=1, padding=(0, 1, 1, 0)),          # 4: 2x3x6
              cnn.Reshape((36,)),                                           # 5
              cnn.Dense(rng.normal(0, 0.3, (6, 36)), rng.normal(0, 0.1, 6)),  # 6
              cnn.MaxPooling2D(2, padding="same", input=0),                 # 7: 6x5x4, a branch
              cnn.GlobalAveragePooling(), cnn.Reshape((4,)),                # 8, 9
              cnn.Dense(rng.normal(0, 0.3, (6, 4)), None),                  # 10
              cnn.Add(6)]                                                   # 11
    return layers + [cnn.Softmax()] if softmax else layers


def images_12x12x2(rng, n):
    """Random images with structure (a level and a slope per channel, mild noise)."""
    level = rng.uniform(0, 255, (n, 1, 1, 2))
    slope = rng.uniform(-60, 60, (n, 1, 1, 2)) * np.linspace(-1, 1, 12)[None, :, None, None]
    noise = rng.normal(0, 10, (n, 12, 12, 2))
    return np.clip(level + slope + noise, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------------------------
# the reference system's models
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [INT8_FILE, FP32_FILE])
def test_compat_model_classifies_the_examples(compat, name):
    files, images = compat
    model = cnn.parse(files[name])
    assert model.input_shape == (28, 28, 1) and model.output_shape == (10,)
    assert [layer.name for layer in model.layers] == [
        "conv2d", "conv2d", "conv2d", "gap", "fc", "softmax"]
    out = cnn.run_batch(model, images.reshape(10, 28, 28, 1))
    assert out.dtype == np.float32 and out.shape == (10, 10)
    right = int(np.sum(out.argmax(axis=1) == np.arange(10)))
    assert right >= 9, (name, out.argmax(axis=1))
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=0.05)
    for i in (0, 7):
        np.testing.assert_array_equal(cnn.run(model, images[i]), out[i])
        np.testing.assert_array_equal(cnn.run(model, images[i].tobytes()), out[i])


def test_compat_int8_and_fp32_agree(compat):
    files, images = compat
    q = cnn.run_batch(cnn.parse(files[INT8_FILE]), images)
    f = cnn.run_batch(cnn.parse(files[FP32_FILE]), images)
    assert np.sum(q.argmax(axis=1) == f.argmax(axis=1)) >= 9
    assert np.abs(q - f).max() < 0.1


@pytest.mark.parametrize("name", [INT8_FILE, FP32_FILE])
def test_compat_files_write_back_byte_for_byte(compat, name):
    data = compat[0][name]
    assert cnn.dump(cnn.parse(data)) == data


def test_compat_int8_interpreter_equals_literal_arithmetic(compat):
    files, images = compat
    model = cnn.parse(files[INT8_FILE])
    for i in (2, 5):
        fast = cnn.run_layers(model, images[i:i + 1])
        for layer, a, b in zip(model.layers, fast, literal_int8(model, images[i])):
            np.testing.assert_array_equal(a[0].astype(np.int64), b, err_msg=layer.name)


def test_compat_int8_bias_has_the_input_zero_point_fused(compat):
    """bias_q = round(b / (ws * in_s)) - in_zp * sum(wq): undoing it gives the fp32 model's
    bias (the same Keras network) within 2 steps; the other sign would be far off."""
    files, _ = compat
    q, f = cnn.parse(files[INT8_FILE]), cnn.parse(files[FP32_FILE])
    for lq, lf in zip(q.layers, f.layers):
        if lq.weights is None:
            continue
        oc = lq.out_dims[3]
        ws = lq.ws.astype(np.float64) if lq.type != cnn.FC else np.full(oc, lq.ws[0], np.float64)
        wq = lq.weights.reshape(oc, -1).astype(np.int64)
        wf = lf.weights.reshape(oc, -1).astype(np.float64)
        assert np.all(np.abs(wq * ws[:, None] - wf) <= ws[:, None] * 0.5 + 1e-6)
        if lq.type != cnn.FC:      # per-channel scales: max|w| / 127
            np.testing.assert_allclose(ws, np.abs(wf).max(axis=1) / 127, rtol=1e-6)
        step = ws * lq.in_s
        fused_out = (lq.bias + lq.in_zp * wq.sum(axis=1)) * step
        assert np.all(np.abs(fused_out - lf.bias) <= 2 * step), lq.name
        wrong_sign = (lq.bias - lq.in_zp * wq.sum(axis=1)) * step
        assert np.all(np.abs(wrong_sign - lf.bias) > 100 * step)


# ----------------------------------------------------------------------------------------------
# parse: malformed files
# ----------------------------------------------------------------------------------------------

def test_parse_rejects_every_truncation(compat):
    files, _ = compat
    for name, data in files.items():
        lengths = set(range(0, len(data), 1 if name == INT8_FILE else 5))
        model = cnn.parse(data)
        for layer in model.layers:          # around every layer boundary
            lengths.update(range(max(layer.offset - 2, 0), layer.offset + 50))
        for n in sorted(n for n in lengths if n < len(data)):
            with pytest.raises(ValueError):
                cnn.parse(data[:n])


def _patch(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into("<" + fmt, b, offset, value)
    return bytes(b)


def _layer_offsets(data):
    return [layer.offset for layer in cnn.parse(data).layers]


def _bad_variants(data):
    """(what, corrupted bytes, message pattern) for the int8 compat model."""
    L = _layer_offsets(data)
    conv, conv2, gap, fc, soft = L[0], L[1], L[3], L[4], L[5]
    return [
        ("magic", b"MAIY" + data[4:], "not a TinyMaix"),
        ("int16 model", _patch(data, 4, "B", 1), "unsupported model type"),
        ("fp16 model", _patch(data, 4, "B", 3), "unsupported model type"),
        ("unknown model type", _patch(data, 4, "B", 77), "unknown model type"),
        ("fp32 type on int8 data", _patch(data, 4, "B", 2), ""),
        ("out_deq 2", _patch(data, 5, "B", 2), "out_deq"),
        ("two inputs", _patch(data, 6, "H", 2), "one input"),
        ("no layers", _patch(data, 10, "H", 0), "no layers"),
        ("one layer too many", _patch(data, 10, "H", 7), "truncated"),
        ("one layer too few", _patch(data, 10, "H", 5), "after the last layer"),
        ("tiny work buffer", _patch(data, 12, "I", 100), "work buffer"),
        ("work buffer one byte short", _patch(data, 12, "I", 2135), "work buffer"),
        ("input dims", _patch(data, 22, "H", 27), "input dims"),
        ("header dims field", _patch(data, 20, "H", 4), "bad input dims"),
        ("trailing bytes", data + bytes(8), "after the last layer"),
        ("add layer", _patch(data, conv2, "H", 6), "add"),
        ("unknown layer type", _patch(data, conv2, "H", 9), "unknown layer type"),
        ("layer type 0xffff", _patch(data, fc, "H", 0xFFFF), "unknown layer type"),
        ("layer size not 8-aligned", _patch(data, conv + 4, "I", 212), "layer size"),
        ("layer size past the end", _patch(data, soft + 4, "I", 56), "truncated"),
        ("layer size huge", _patch(data, conv + 4, "I", 0xFFFFFFF8), "truncated"),
        ("weights past the layer", _patch(data, conv + 72, "I", 200), "outside"),
        ("weights offset huge", _patch(data, conv + 72, "I", 0xFFFFFFFF), "outside"),
        ("bias inside the header", _patch(data, conv + 76, "I", 8), "outside"),
        ("weight scales past the layer", _patch(data, conv2 + 68, "I", 1024), "outside"),
        ("fc weights past the layer", _patch(data, fc + 52, "I", 300), "outside"),
        ("fc bias misaligned", _patch(data, fc + 56, "I", 286), "aligned"),
        ("input offset past the buffer", _patch(data, conv2 + 8, "I", 5000), "earlier layer wrote"),
        ("output offset past the buffer", _patch(data, conv + 12, "I", 2000), ""),
        ("in-place conv", _patch(_patch(data, conv2 + 12, "I", 784), L[2] + 8, "I", 784),
         "overlap"),
        ("conv output size", _patch(data, conv + 26, "H", 14), "inconsistent"),
        ("conv output channels", _patch(data, conv + 30, "H", 9), ""),
        ("stride 0", _patch(data, conv + 50, "B", 0), "at least 1"),
        ("dilation 0", _patch(data, conv + 52, "B", 0), "at least 1"),
        ("dilation 2: a wider window", _patch(data, conv + 53, "B", 2), "inconsistent"),
        ("tanh", _patch(data, conv + 54, "H", 4), "tanh"),
        ("activation 9", _patch(data, conv + 54, "H", 9), "unknown activation"),
        ("conv with a depth multiplier", _patch(data, conv + 60, "I", 1), "depth multiplier"),
        ("gap channels", _patch(data, gap + 30, "H", 17), ""),
        ("fc input dims", _patch(data, fc + 20, "H", 2), ""),
        ("softmax dims", _patch(data, soft + 30, "H", 11), ""),
        ("zero scale", _patch(data, gap + 40, "f", 0.0), "scale"),
        ("NaN scale", _patch(data, fc + 32, "f", float("nan")), "scale"),
        ("zero point outside int8", _patch(data, fc + 44, "i", 200), "int8"),
        ("chained quantisation differs", _patch(data, fc + 44, "i", 33), "quantisation"),
        ("NaN weight scale", _patch(data, conv + 80, "f", float("nan")), "weight scale"),
        ("output flag on a middle layer", _patch(data, gap + 2, "H", 1), "output"),
        ("no output layer", _patch(data, soft + 2, "H", 0), "output"),
        ("output flag 2", _patch(data, soft + 2, "H", 2), "is_out"),
    ]


def test_parse_rejects_corrupted_files(compat):
    data = compat[0][INT8_FILE]
    for what, bad, pattern in _bad_variants(data):
        with pytest.raises(ValueError, match=pattern) as info:
            cnn.parse(bad)
        assert str(info.value), what


def test_parse_rejects_fp32_specifics(compat):
    data = compat[0][FP32_FILE]
    L = _layer_offsets(data)
    with pytest.raises(ValueError):
        cnn.parse(_patch(data, 4, "B", 0))           # int8 type on fp32 data
    with pytest.raises(ValueError, match="multiple of 4"):
        cnn.parse(_patch(_patch(data, L[0] + 12, "I", 3134), L[1] + 8, "I", 3134))
    with pytest.raises(ValueError, match="outside"):
        cnn.parse(_patch(data, L[4] + 56, "I", 800))  # fc bias past the layer
    with pytest.raises(TypeError):
        cnn.parse("MAIX")


def test_parse_fuzzed_files_raise_only_value_error(compat):
    rng = np.random.default_rng(1234)
    written = cnn.write(small_network(np.random.default_rng(5)), (12, 12, 2), "int8",
                        calibration=images_12x12x2(np.random.default_rng(6), 20))
    bases = list(compat[0].values()) + [written]
    accepted = 0
    for trial in range(3000):
        data = bytearray(bases[trial % len(bases)])
        for _ in range(int(rng.integers(1, 5))):
            pos = int(rng.integers(0, len(data)) if rng.random() < 0.5
                      else rng.integers(0, min(len(data), 160)))      # headers more often
            data[pos] = int(rng.integers(0, 256)) if rng.random() < 0.7 else data[pos] ^ 0x80
        if rng.random() < 0.1:
            data = data[:int(rng.integers(0, len(data)))]
        try:
            model = cnn.parse(bytes(data))
        except ValueError:
            continue
        accepted += 1
        if model.header.buf_size < 1 << 20:
            out = cnn.run(model, np.zeros(model.input_shape, np.uint8))
            assert out.shape == model.output_shape
    assert 0 < accepted < 3000


# ----------------------------------------------------------------------------------------------
# write
# ----------------------------------------------------------------------------------------------

def mixed_network(rng):
    """Every layer kind and option: explicit and 'same' padding, stride pairs, relu6, depth
    multiplier 2, a reshape (flatten) before a dense layer."""
    return [cnn.Conv2D(rng.normal(0, 0.4, (3, 2, 3, 2)), rng.normal(0, 0.1, 3), stride=(2, 1),
                       padding="same", activation="relu6"),
            cnn.DepthwiseConv2D(rng.normal(0, 0.5, (6, 1, 2, 3)), rng.normal(0, 0.1, 6),
                                padding=(1, 0, 2, 1), activation="relu"),
            cnn.Conv2D(rng.normal(0, 0.4, (4, 6, 1, 1)), None, stride=2),
            cnn.Reshape((2 * 4 * 4,)),
            cnn.Dense(rng.normal(0, 0.3, (6, 32)), rng.normal(0, 0.1, 6)),
            cnn.Softmax()]


def specs_of(model):
    """The layer specs of a parsed fp32 model (conv2d, gap, fc, softmax)."""
    acts = {cnn.ACT_NONE: None, cnn.ACT_RELU: "relu", cnn.ACT_RELU6: "relu6"}
    specs = []
    for layer in model.layers:
        if layer.type == cnn.CONV2D:
            specs.append(cnn.Conv2D(layer.weights, layer.bias, padding=layer.pad,
                                    stride=(layer.stride_h, layer.stride_w),
                                    activation=acts[layer.act]))
        elif layer.type == cnn.GAP:
            specs.append(cnn.GlobalAveragePooling())
        elif layer.type == cnn.FC:
            specs.append(cnn.Dense(layer.weights, layer.bias))
        else:
            assert layer.type == cnn.SOFTMAX
            specs.append(cnn.Softmax())
    return specs


def test_write_reproduces_the_reference_converter(compat):
    """From the fp32 model's weights, write() makes the reference's two files again, byte for
    byte, except the header's out_dims: the reference wrote (1, 1, 1, 1) there, write() the
    output layer's dims. For int8 it is given the reference's activation quantisation, so the
    per-channel weight scales, int8 weights and zero-point-fused int32 biases are all checked."""
    files, images = compat
    fp32, int8 = cnn.parse(files[FP32_FILE]), cnn.parse(files[INT8_FILE])
    specs = specs_of(fp32)
    written = {FP32_FILE: cnn.write(specs, (28, 28, 1), "fp32"),
               INT8_FILE: cnn.write(specs, (28, 28, 1), "int8",
                                    quant=[(layer.out_s, layer.out_zp) for layer in int8.layers])}
    for name, data in written.items():
        assert len(data) == len(files[name])
        assert data[:28] + data[36:] == files[name][:28] + files[name][36:], name
        assert struct.unpack_from("<4H", data, 28) == (1, 1, 1, 10)
        assert struct.unpack_from("<4H", files[name], 28) == (1, 1, 1, 1)
    # calibrated on the ten examples instead: the same weights, other activation scales
    model = cnn.parse(cnn.write(specs, (28, 28, 1), "int8", calibration=images))
    for ours, theirs in zip(model.layers, int8.layers):
        if ours.weights is not None:
            np.testing.assert_array_equal(ours.weights, theirs.weights)
            np.testing.assert_array_equal(ours.ws, theirs.ws)
    assert np.sum(cnn.run_batch(model, images).argmax(axis=1) == np.arange(10)) >= 9


def test_write_fp32_round_trips_through_parse():
    rng = np.random.default_rng(0)
    layers = mixed_network(rng)
    data = cnn.write(layers, (7, 6, 2), "fp32")
    model = cnn.parse(data)
    assert cnn.dump(model) == data
    assert model.dtype == "fp32" and model.header.out_deq == 0
    assert model.input_shape == (7, 6, 2) and model.output_shape == (6,)
    assert [layer.type for layer in model.layers] == [
        cnn.CONV2D, cnn.DWCONV2D, cnn.CONV2D, cnn.RESHAPE, cnn.FC, cnn.SOFTMAX]
    conv, dw, pw, reshape, fc, _ = model.layers
    np.testing.assert_array_equal(conv.weights, layers[0].weights.astype(np.float32))
    np.testing.assert_array_equal(conv.bias, layers[0].bias.astype(np.float32))
    assert (conv.stride_h, conv.stride_w, conv.act) == (2, 1, cnn.ACT_RELU6)
    assert conv.pad == same_pads(7, 3, 2) + same_pads(6, 2, 1) and conv.out_dims == (3, 4, 6, 3)
    assert dw.depth_mul == 2 and dw.pad == (1, 0, 2, 1) and dw.act == cnn.ACT_RELU
    assert dw.out_dims == (3, 4, 7, 6)
    assert pw.out_dims == (3, 2, 4, 4) and not pw.bias.any()
    assert reshape.out_dims == (1, 1, 1, 32) and reshape.in_oft == reshape.out_oft
    np.testing.assert_array_equal(fc.weights, layers[4].weights.astype(np.float32))
    assert [layer.is_out for layer in model.layers] == [0, 0, 0, 0, 0, 1]


def test_write_int8_round_trips_through_parse():
    rng = np.random.default_rng(1)
    layers = mixed_network(rng)
    calibration = rng.integers(0, 256, (30, 7, 6, 2), dtype=np.uint8)
    data = cnn.write(layers, (7, 6, 2), "int8", calibration=calibration)
    model = cnn.parse(data)
    assert cnn.dump(model) == data
    assert model.dtype == "int8" and model.header.out_deq == 1
    first = model.layers[0]
    assert (first.in_s, first.in_zp) == (float(np.float32(1 / 255)), -128)
    for spec, layer in zip(layers, model.layers):
        if layer.weights is None:
            continue
        # the int8 weights quantise the fp32 model's (float32) weights
        w = np.asarray(spec.weights, np.float32).astype(np.float64).reshape(len(layer.bias), -1)
        if layer.type == cnn.FC:
            ws = np.full(len(w), np.float32(np.abs(w).max() / 127), np.float64)
        else:
            ws = (np.abs(w).max(axis=1) / 127).astype(np.float32).astype(np.float64)
            np.testing.assert_array_equal(layer.ws, ws.astype(np.float32))
        wq = layer.weights.reshape(len(w), -1).astype(np.int64)
        assert np.abs(wq).max() <= 127
        assert np.all(np.abs(wq * ws[:, None] - w) <= ws[:, None] * 0.5 + 1e-7)
        b = np.zeros(len(w)) if spec.bias is None else spec.bias
        step = (ws.astype(np.float32) * np.float32(layer.in_s)).astype(np.float64)
        expected = np.sign(b / step) * np.floor(np.abs(b / step) + 0.5) - layer.in_zp * wq.sum(1)
        np.testing.assert_array_equal(layer.bias, expected)
    assert (model.layers[-1].out_s, model.layers[-1].out_zp) == (1 / 256, -128)
    reshape = model.layers[3]
    assert (reshape.in_s, reshape.in_zp) == (reshape.out_s, reshape.out_zp)


@pytest.mark.parametrize("softmax", [True, False])
def test_write_fp32_runs_like_float64(softmax):
    rng = np.random.default_rng(2)
    cases = [(small_network(rng, softmax), (12, 12, 2)),
             (mixed_network(rng)[:None if softmax else -1], (7, 6, 2))]
    for layers, shape in cases:
        model = cnn.parse(cnn.write(layers, shape, "fp32"))
        images = rng.integers(0, 256, (8,) + shape, dtype=np.uint8)
        out = cnn.run_batch(model, images)
        for image, got in zip(images, out):
            want = float64_forward(layers, shape, image).reshape(-1)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_written_int8_interpreter_equals_literal_arithmetic():
    """Padding that reads in_zp, depth multiplier, relu6, reshape, saturation: all bit-exact."""
    rng = np.random.default_rng(3)
    layers = mixed_network(rng)
    dark = rng.integers(0, 60, (20, 7, 6, 2), dtype=np.uint8)   # calibrate on dark images ...
    model = cnn.parse(cnn.write(layers, (7, 6, 2), "int8", calibration=dark))
    images = np.concatenate([rng.integers(0, 60, (2, 7, 6, 2), dtype=np.uint8),
                             rng.integers(150, 256, (2, 7, 6, 2), dtype=np.uint8)])
    saturated = False
    for image in images:                                         # ... run on bright ones too
        fast = cnn.run_layers(model, image[None])
        for layer, a, b in zip(model.layers, fast, literal_int8(model, image)):
            np.testing.assert_array_equal(a[0].astype(np.int64), b, err_msg=layer.name)
            saturated |= layer.type != cnn.SOFTMAX and bool(np.any(b == 127))
    assert saturated


@pytest.mark.parametrize("softmax", [True, False])
def test_residual_fp32_runs_like_float64(softmax):
    rng = np.random.default_rng(8)
    cases = [(residual_network(rng, softmax), (8, 7, 2)),
             # the input itself as a shortcut; an add of a tensor to itself
             ([cnn.Conv2D(rng.normal(0, 0.5, (2, 2, 1, 1)), None), cnn.Add("input"),
               cnn.Add(1), cnn.GlobalAveragePooling()], (5, 4, 2))]
    for layers, shape in cases:
        data = cnn.write(layers, shape, "fp32")
        model = cnn.parse(data)
        assert cnn.dump(model) == data
        images = rng.integers(0, 256, (6,) + shape, dtype=np.uint8)
        for image, got in zip(images, cnn.run_batch(model, images)):
            want = float64_forward(layers, shape, image).reshape(-1)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("softmax", [True, False])
def test_maxpool_fp32_runs_like_float64(softmax):
    rng = np.random.default_rng(14)
    layers = pooled_network(rng, softmax)
    data = cnn.write(layers, (11, 9, 2), "fp32")
    model = cnn.parse(data)
    assert cnn.dump(model) == data
    assert [layer.out_dims[1:] for layer in model.layers[:5]] == [
        (11, 9, 4), (6, 5, 4), (4, 3, 6), (2, 3, 6), (2, 3, 6)]
    images = rng.integers(0, 256, (6, 11, 9, 2), dtype=np.uint8)
    negative = 0
    for image, got in zip(images, cnn.run_batch(model, images)):
        want = float64_forward(layers, (11, 9, 2), image).reshape(-1)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
        negative += int(np.sum(cnn.run_layers(model, image[None])[1] < 0))
    assert negative > 0  # the padded pooling met negative windows


def test_maxpool_int8_interpreter_equals_literal_arithmetic():
    rng = np.random.default_rng(15)
    layers = pooled_network(rng, softmax=True)
    data = cnn.write(layers, (11, 9, 2), "int8",
                     calibration=rng.integers(0, 256, (20, 11, 9, 2), dtype=np.uint8))
    model = cnn.parse(data)
    assert cnn.dump(model) == data
    for layer in model.layers:
        if layer.type == cnn.MAXPOOL:  # the input's quantisation, which is its source's
            src = model.layers[layer.source]
            assert (layer.in_s, layer.in_zp) == (layer.out_s, layer.out_zp) \
                == (src.out_s, src.out_zp)
    for image in rng.integers(0, 256, (3, 11, 9, 2), dtype=np.uint8):
        fast = cnn.run_layers(model, image[None])
        for layer, a, b in zip(model.layers, fast, literal_int8(model, image)):
            np.testing.assert_array_equal(a[0].astype(np.int64).reshape(b.shape), b,
                                          err_msg=layer.name)


def test_parse_rejects_bad_maxpool_files():
    rng = np.random.default_rng(16)
    layers = [cnn.Conv2D(rng.normal(size=(2, 1, 3, 3)), None),
              cnn.MaxPooling2D(3, stride=2, padding=(1, 1, 1, 1)), cnn.GlobalAveragePooling()]
    data = cnn.write(layers, (7, 7, 1), "int8",
                     calibration=rng.integers(0, 256, (5, 7, 7, 1), dtype=np.uint8))
    pool = cnn.parse(data).layers[1].offset
    body = pool + cnn.LAYER_HEADER_SIZE
    bad = [
        (_patch(data, body, "B", 0), "at least 1"),                 # window width 0
        (_patch(data, body + 3, "B", 0), "at least 1"),             # stride 0
        (_patch(data, body + 4, "B", 2), "dilation"),
        (_patch(data, body + 6, "H", 1), "activation"),
        (_patch(data, body + 8, "B", 3), "narrower"),               # top padding = window
        (_patch(data, body + 11, "B", 3), "narrower"),
        (_patch(data, body + 2, "B", 1), "inconsistent"),           # stride 1: 5x5 out, not 3x3
        (_patch(data, pool + 30, "H", 3), "inconsistent"),          # 3 channels out, not 2
        (_patch(data, pool + 40, "f", 0.5), "quantisation"),        # out_s not in_s
        (_patch(data, pool + 44, "i", 3), "quantisation"),
        (_patch(data, pool + 4, "I", 56), "bad layer size"),
    ]
    for corrupted, pattern in bad:
        with pytest.raises(ValueError, match=pattern):
            cnn.parse(corrupted)
    with pytest.raises(ValueError, match="unknown layer type 129"):
        cnn.parse(_patch(data, pool, "H", 129))


def test_residual_layout_and_sources():
    """What write() lays out, parse() reads back: each layer reads the output it was given, and
    the work buffer holds the largest set of activations alive at once."""
    rng = np.random.default_rng(9)
    layers = residual_network(rng)
    model = cnn.parse(cnn.write(layers, (8, 7, 2), "fp32"))
    assert [layer.source for layer in model.layers] == [-1, 0, 1, 2, 2, 4, 5, 6, 7, 8, 9]
    assert [layer.source1 for layer in model.layers if layer.type == cnn.ADD] == [0, 3, 5]
    # Alive together at most while layer 2 runs: its inputs and its output, 8x7x4 floats each;
    # first fit may leave the input's smaller hole (8x7x2) unused before them.
    peak = 3 * 8 * 7 * 4 * 4
    assert peak <= model.header.buf_size <= peak + 8 * 7 * 2 * 4
    assert model.layers[0].in_oft == 0


def test_residual_int8_interpreter_equals_literal_arithmetic():
    rng = np.random.default_rng(10)
    layers = residual_network(rng, softmax=True)
    dark = rng.integers(0, 60, (20, 8, 7, 2), dtype=np.uint8)
    data = cnn.write(layers, (8, 7, 2), "int8", calibration=dark)
    model = cnn.parse(data)
    assert cnn.dump(model) == data
    for layer in model.layers:  # each input quantised as the output it reads
        if layer.type == cnn.ADD and layer.source1 >= 0:
            src = model.layers[layer.source1]
            assert (layer.in1_s, layer.in1_zp) == (src.out_s, src.out_zp)
    images = np.concatenate([rng.integers(0, 60, (2, 8, 7, 2), dtype=np.uint8),
                             rng.integers(150, 256, (2, 8, 7, 2), dtype=np.uint8)])
    saturated = False
    for image in images:
        fast = cnn.run_layers(model, image[None])
        for layer, a, b in zip(model.layers, fast, literal_int8(model, image)):
            np.testing.assert_array_equal(a[0].astype(np.int64).reshape(b.shape), b,
                                          err_msg=layer.name)
            saturated |= layer.type == cnn.ADD and bool(np.any(np.abs(b) >= 127))
    assert saturated


def test_parse_rejects_bad_residual_files():
    rng = np.random.default_rng(12)
    data = cnn.write(residual_network(rng), (8, 7, 2), "int8",
                     calibration=rng.integers(0, 256, (10, 8, 7, 2), dtype=np.uint8))
    model = cnn.parse(data)
    add = model.layers[2].offset            # 1 + 0
    add2 = model.layers[5].offset           # 4 + 3
    branch = model.layers[4]
    body = add + cnn.LAYER_HEADER_SIZE
    bad = [
        (_patch(data, body, "I", model.layers[1].out_oft + 8), "earlier layer wrote"),
        # the add's output over part of an input (exactly over one is allowed: in place)
        (_patch(data, add + 12, "I", model.layers[2].in_oft + 8), "overlap"),
        (_patch(data, body + 4, "f", float("nan")), "second input"),
        (_patch(data, body + 8, "i", 300), "second input"),
        (_patch(data, body + 8, "i", (model.layers[0].out_zp + 1 + 128) % 256 - 128),
         "quantisation"),
        (_patch(data, add + 28, "H", 5), "differs from the input"),   # output channels
        (_patch(data, add + 4, "I", 56), "bad layer size"),
        # the branch reads where nothing intact is any more
        (_patch(data, branch.offset + 8, "I", model.layers[0].in_oft), "earlier layer wrote"),
        (_patch(data, add2 + cnn.LAYER_HEADER_SIZE, "I", model.layers[4].out_oft + 1),
         "earlier layer wrote"),
        (_patch(data, 12, "I", cnn.MAX_BUFFER + 8), "beyond the engine's limit"),
    ]
    for corrupted, pattern in bad:
        with pytest.raises(ValueError, match=pattern):
            cnn.parse(corrupted)


def test_parse_checks_the_quantisation_of_a_reshape_of_the_input():
    """The engine checks every int8 layer's scales; a reshape reading the model's input has no
    earlier output to compare them with, so parse checks them as for any layer."""
    layers = [cnn.Reshape((20,)), cnn.Dense(np.ones((2, 20)), None)]
    data = cnn.write(layers, (4, 5, 1), "int8", quant=[None, (0.1, 0)])
    cnn.parse(data)
    with pytest.raises(ValueError, match="scale"):
        cnn.parse(_patch(data, cnn.HEADER_SIZE + 32, "f", -1.0))


def test_write_refuses_layouts_beyond_the_engine_s_table():
    """17 branches alive at once: more intact activations than the engine remembers; write
    says so instead of returning a file the engine refuses."""
    rng = np.random.default_rng(13)
    layers = [cnn.Dense(rng.normal(size=(4, 4)), None, input="input") for _ in range(17)]
    layers += [cnn.Add(source=0, input=1)] + [cnn.Add(source=j) for j in range(2, 17)]
    with pytest.raises(ValueError, match="beyond the engine.s limits"):
        cnn.write(layers, (4,), "fp32")
    cnn.parse(cnn.write(layers[:16] + [cnn.Add(source=0, input=1)]
                        + [cnn.Add(source=j) for j in range(2, 16)], (4,), "fp32"))


def test_int8_picks_the_fp32_class_on_random_networks():
    agree = total = 0
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        layers = small_network(rng)
        fp32 = cnn.parse(cnn.write(layers, (12, 12, 2), "fp32"))
        int8 = cnn.parse(cnn.write(layers, (12, 12, 2), "int8",
                                   calibration=images_12x12x2(rng, 100)))
        images = images_12x12x2(rng, 200)
        f, q = cnn.run_batch(fp32, images), cnn.run_batch(int8, images)
        same = f.argmax(axis=1) == q.argmax(axis=1)
        agree += int(np.sum(same))
        total += len(images)
        assert np.abs(f - q).max() < 0.5
        # where they differ, the fp32 model itself was nearly undecided
        top2 = np.sort(f, axis=1)[:, -2:]
        assert np.all(top2[~same, 1] - top2[~same, 0] < 0.15)
    assert agree >= 0.9 * total, agree / total


def test_write_rejects_bad_specs():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(3, 2, 3, 3))
    bad = [
        ([cnn.Conv2D(w)], (5, 5, 3)),                                  # channels
        ([cnn.Conv2D(w, padding="full")], (5, 5, 2)),
        ([cnn.Conv2D(w, stride=0)], (5, 5, 2)),
        ([cnn.Conv2D(w, activation="tanh")], (5, 5, 2)),
        ([cnn.Conv2D(w)], (2, 5, 2)),                                  # kernel > input
        ([cnn.Conv2D(w, bias=np.zeros(4))], (5, 5, 2)),
        ([cnn.Conv2D(np.full((3, 2, 3, 3), np.nan))], (5, 5, 2)),
        ([cnn.Conv2D(rng.normal(size=(3, 2, 1, 1)), padding=(1, 0, 0, 0))], (5, 5, 2)),
        ([cnn.DepthwiseConv2D(rng.normal(size=(3, 1, 3, 3)))], (5, 5, 2)),
        ([cnn.DepthwiseConv2D(rng.normal(size=(4, 1, 3, 3)), depth_multiplier=3)], (5, 5, 2)),
        ([cnn.Dense(rng.normal(size=(3, 50)))], (5, 5, 2)),            # needs a Reshape first
        ([cnn.Softmax()], (5, 5, 2)),
        ([cnn.Reshape((7,))], (5, 5, 2)),
        ([cnn.Reshape((1, 1, 1, 50))], (5, 5, 2)),
        ([], (5, 5, 2)),
        ([cnn.GlobalAveragePooling()], (5, 5, 2, 1)),
    ]
    for layers, shape in bad:
        with pytest.raises(ValueError):
            cnn.write(layers, shape, "fp32")
    with pytest.raises(TypeError):
        cnn.write(["conv"], (5, 5, 2), "fp32")
    ok = [cnn.GlobalAveragePooling(), cnn.Softmax()]
    with pytest.raises(ValueError, match="calibration"):
        cnn.write(ok, (5, 5, 2), "int8")
    with pytest.raises(ValueError):
        cnn.write(ok, (5, 5, 2), "int8", calibration=np.zeros((3, 7), np.uint8))
    with pytest.raises(ValueError):
        cnn.write(ok, (5, 5, 2), "int16")
    gap = [cnn.GlobalAveragePooling()]
    assert cnn.parse(cnn.write(gap, (5, 5, 2), "int8", quant=[(0.01, -128)])).layers[0].out_s \
        == float(np.float32(0.01))
    for quant in ([(0.0, 0)], [(0.1, 128)], [(0.1, 0), None], [0.1], [(float("nan"), 0)]):
        with pytest.raises(ValueError):
            cnn.write(gap, (5, 5, 2), "int8", quant=quant)
    with pytest.raises(ValueError):
        cnn.write(gap, (5, 5, 2), "fp32", quant=[(0.01, 0)])
    with pytest.raises(ValueError, match="Reshape|reshape"):
        cnn.write([cnn.Reshape((50,)), cnn.Softmax()], (5, 5, 2), "int8", quant=[(0.1, 0), None])
    with pytest.raises(ValueError, match="keeps its input's quantisation"):
        cnn.write([cnn.MaxPooling2D(2)], (4, 4, 2), "int8", quant=[(0.1, 0)])
    for pool, pattern in [(cnn.MaxPooling2D(2, padding=(2, 0, 0, 0)), "narrower"),
                          (cnn.MaxPooling2D(3, padding=(0, 0, 0, 3)), "narrower"),
                          (cnn.MaxPooling2D(0), "pool_size"),
                          (cnn.MaxPooling2D(2, stride=0), "stride"),
                          (cnn.MaxPooling2D(6), "larger than the padded input"),
                          (cnn.MaxPooling2D(2, padding="full"), "padding")]:
        with pytest.raises(ValueError, match=pattern):
            cnn.write([pool], (5, 5, 2), "fp32")
    conv = cnn.Conv2D(rng.normal(size=(2, 2, 1, 1)))
    for layers, pattern in [
            ([conv, cnn.Add(1)], "earlier layer"),              # itself
            ([conv, cnn.Add(-1)], "earlier layer"),
            ([conv, cnn.Add(True)], "earlier layer"),
            ([conv, cnn.Add("x")], "earlier layer"),
            ([conv, cnn.Add(0.0)], "earlier layer"),
            ([cnn.GlobalAveragePooling(), cnn.Add("input")], "shapes differ"),
            ([conv, cnn.GlobalAveragePooling(input=2)], "earlier layer"),
            ([conv, cnn.Softmax(input="input")], "1x1xC")]:
        with pytest.raises(ValueError, match=pattern):
            cnn.write(layers, (5, 5, 2), "fp32")


def test_run_checks_its_input(compat):
    model = cnn.parse(compat[0][INT8_FILE])
    with pytest.raises(ValueError):
        cnn.run(model, np.zeros(783, np.uint8))
    with pytest.raises(ValueError):
        cnn.run(model, np.full(784, 256))
    with pytest.raises(ValueError):
        cnn.run(model, np.zeros(784, np.float32))
    with pytest.raises(ValueError):
        cnn.run_batch(model, np.zeros((2, 783), np.uint8))
    assert cnn.run(model, np.zeros((28, 28), np.int64)).shape == (10,)
