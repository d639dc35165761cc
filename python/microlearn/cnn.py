"""TinyMaix ``.tmdl`` convolutional networks on the host: read, run and write them with numpy.

The ``emlearn_cnn_int8`` / ``emlearn_cnn_fp32`` modules load the files TinyMaix's
converter makes (``docs/cnn_format.md`` describes the format and the arithmetic). This module is
the host side of that work:

* :func:`parse` reads a file (int8 ``mdl_type`` 0 or fp32 ``mdl_type`` 2) into a :class:`Model`
  (a :class:`Header` and a list of :class:`Layer` objects whose parameters are numpy arrays),
  and raises ``ValueError`` for anything malformed;
* :func:`run` is a reference interpreter: one uint8 image in, the output layer's values out as
  float32, computed with the integer and float32 arithmetic that ``docs/cnn_format.md`` states
  (int8 results saturate where TinyMaix wraps around);
* :func:`write` makes a file from numpy weights (layer specs :class:`Conv2D`,
  :class:`DepthwiseConv2D`, :class:`MaxPooling2D`, :class:`GlobalAveragePooling`,
  :class:`Dense`, :class:`Softmax`, :class:`Reshape`, and :class:`Add` for residual
  connections); for int8 it quantises the weights and calibrates the activations on sample
  images;
* :func:`convert` makes a file from a PyTorch module or an ONNX graph
  (:mod:`microlearn.cnn_convert`), and :func:`to_hwc` lays channels-first images out as the
  engine reads them.

    from microlearn import cnn
    model = cnn.parse(open("mnist_cnn_int8.tmdl", "rb").read())
    probabilities = cnn.run(model, image_u8)            # 28x28 uint8 -> 10 float32

    data = cnn.write([cnn.Conv2D(w, b, stride=2, activation="relu"),
                      cnn.GlobalAveragePooling(), cnn.Dense(w2, b2), cnn.Softmax()],
                     input_shape=(28, 28, 1), dtype="int8", calibration=images_u8)
"""

import math
import struct
from dataclasses import dataclass, field

import numpy as np

__all__ = ["parse", "run", "run_batch", "run_layers", "write", "dump", "convert", "to_hwc",
           "Model", "Header", "Layer",
           "Conv2D", "DepthwiseConv2D", "MaxPooling2D", "GlobalAveragePooling", "Dense",
           "Softmax", "Reshape", "Add"]

MAGIC = b"MAIX"
MDL_INT8 = 0
MDL_FP32 = 2
HEADER_SIZE = 64
LAYER_HEADER_SIZE = 48
CONV_BODY_SIZE = 32
FC_BODY_SIZE = 16
ADD_BODY_SIZE = 16
POOL_BODY_SIZE = 16

CONV2D, GAP, FC, SOFTMAX, RESHAPE, DWCONV2D, ADD = range(7)
#: microlearn's own layer type: max pooling, which TinyMaix lacks (files with it run on
#: microlearn only; docs/cnn_format.md).
MAXPOOL = 128
LAYER_NAMES = {CONV2D: "conv2d", GAP: "gap", FC: "fc", SOFTMAX: "softmax", RESHAPE: "reshape",
               DWCONV2D: "dwconv2d", ADD: "add", MAXPOOL: "maxpool"}

ACT_NONE, ACT_RELU, ACT_RELU1, ACT_RELU6, ACT_TANH, ACT_SIGNBIT = range(6)
ACT_NAMES = {ACT_NONE: "none", ACT_RELU: "relu", ACT_RELU1: "relu1", ACT_RELU6: "relu6",
             ACT_TANH: "tanh", ACT_SIGNBIT: "signbit"}
#: Activations the format can name but microlearn refuses: TinyMaix's layer code has no case for
#: them and passes the value through unchanged.
UNSUPPORTED_ACTS = (ACT_RELU1, ACT_TANH, ACT_SIGNBIT)

_FILE_HEADER = struct.Struct("<4sBBHHHII4H4H28s")
_LAYER_HEAD = struct.Struct("<HHIII4H4H")  # the 32 bytes before the four quantisation fields
_QUANT_INT8 = struct.Struct("<fifi")
_QUANT_FP32 = struct.Struct("<ffff")
_CONV_BODY = struct.Struct("<6BH4BIIIII")
_FC_BODY = struct.Struct("<IIII")
_ADD_BODY_INT8 = struct.Struct("<IfiI")
_ADD_BODY_FP32 = struct.Struct("<IffI")
_POOL_BODY = struct.Struct("<6BH4BI")  # the conv body's first 12 bytes, then reserved

_F32 = np.float32


def _align8(n):
    return (n + 7) // 8 * 8


# ----------------------------------------------------------------------------------------------
# Parsed model
# ----------------------------------------------------------------------------------------------

@dataclass
class Header:
    """The 64-byte file header. ``in_dims`` / ``out_dims`` are ``(dims, h, w, c)``."""

    mdl_type: int
    out_deq: int
    input_cnt: int
    output_cnt: int
    layer_cnt: int
    buf_size: int
    sub_size: int
    in_dims: tuple
    out_dims: tuple


@dataclass(eq=False)  # numpy fields: compare field by field
class Layer:
    """One layer: its 48-byte header fields and, by type, its parameters.

    conv2d / dwconv2d: ``kernel_w``, ``kernel_h``, ``stride_w``, ``stride_h``, ``dilation_w``,
    ``dilation_h``, ``act``, ``pad`` (top, bottom, left, right), ``depth_mul`` (0 for conv2d),
    ``weights`` (cho, chi, kh, kw) with chi = 1 for dwconv2d, ``bias`` (cho,), and for int8
    models ``ws`` (cho,) float32. fc: ``weights`` (out_c, in_c), ``bias`` (out_c,), int8 ``ws``
    (1,). maxpool: ``kernel_w`` ... ``pad`` as conv2d (``act`` none). Weights are int8 (int8
    models) or float32; biases int32 or float32. add: the second input at ``in1_oft`` of the
    work buffer, quantised as ``in1_s``, ``in1_zp``. In fp32 models the quantisation fields are
    floats that nothing uses.

    ``source`` (and for add ``source1``) is the index of the layer whose output the layer reads,
    -1 for the model's input: :func:`parse` finds it from the work-buffer offsets, :func:`run`
    follows it.
    """

    type: int
    is_out: int
    in_oft: int
    out_oft: int
    in_dims: tuple
    out_dims: tuple
    in_s: float = 1.0
    in_zp: float = 0
    out_s: float = 1.0
    out_zp: float = 0
    size: int = 0          # as read from the file (dump() recomputes it)
    offset: int = 0        # where the layer starts in the file
    kernel_w: int = 0
    kernel_h: int = 0
    stride_w: int = 0
    stride_h: int = 0
    dilation_w: int = 1
    dilation_h: int = 1
    act: int = ACT_NONE
    pad: tuple = (0, 0, 0, 0)
    depth_mul: int = 0
    ws: np.ndarray = None
    weights: np.ndarray = None
    bias: np.ndarray = None
    in1_oft: int = 0
    in1_s: float = 1.0
    in1_zp: float = 0
    source: int = None
    source1: int = None

    @property
    def name(self):
        return LAYER_NAMES.get(self.type, "type %d" % self.type)

    @property
    def in_shape(self):
        return _dims_shape(self.in_dims)

    @property
    def out_shape(self):
        return _dims_shape(self.out_dims)


@dataclass(eq=False)  # numpy fields: compare field by field
class Model:
    """A parsed ``.tmdl`` file: ``header`` and ``layers`` (the last one is the output)."""

    header: Header
    layers: list = field(default_factory=list)

    @property
    def dtype(self):
        return "int8" if self.header.mdl_type == MDL_INT8 else "fp32"

    @property
    def input_shape(self):
        """The shape an input image has: ``(h, w, c)``, ``(w, c)`` or ``(c,)`` by ``in_dims``."""
        return _dims_shape(self.header.in_dims)

    @property
    def output_layer(self):
        return self.layers[-1]

    @property
    def output_shape(self):
        """Shape of what :func:`run` returns (from the output layer's ``out_dims``)."""
        return _dims_shape(self.output_layer.out_dims)

    def to_bytes(self):
        return dump(self)


def _dims_shape(dims):
    d, h, w, c = dims
    return {3: (h, w, c), 2: (w, c), 1: (c,)}.get(d, (h, w, c))


def _dims_count(dims):
    return dims[1] * dims[2] * dims[3]


#: The engine's limits, which keep its int32 sums from overflowing (docs/cnn_format.md):
#: elements of an activation (and of a gathered receptive field), terms of one dot product, and
#: the size of an int8 bias.
MAX_ELEMENTS = 1 << 22
MAX_DOT = 1 << 16
MAX_INT8_BIAS = 1 << 30
#: The work buffer's largest size, and how many intact activations the engine remembers in it
#: (an input written before the last LIVE_REGIONS outputs is refused).
MAX_BUFFER = 1 << 26
LIVE_REGIONS = 16
#: The most operations one run may take (:func:`layer_work` summed over the layers), which bounds
#: how long a small file can keep the engine busy: 2^32 - 1.
MAX_WORK = (1 << 32) - 1


def layer_work(layer):
    """Operations of one layer's run as the engine counts them against :data:`MAX_WORK`: output
    values times taps (kernel taps times input channels for conv2d, 1 channel for dwconv2d; the
    window for maxpool; the inputs for fc), and the input values for the other layers."""
    _, ih, iw, ic = layer.in_dims
    _, oh, ow, oc = layer.out_dims
    if layer.type in (CONV2D, DWCONV2D):
        return oh * ow * oc * layer.kernel_h * layer.kernel_w * (1 if layer.depth_mul else ic)
    if layer.type == MAXPOOL:
        return oh * ow * oc * layer.kernel_h * layer.kernel_w
    if layer.type == FC:
        return ih * iw * ic * oc
    return ih * iw * ic


def _dims_ok(dims):
    d, h, w, c = dims
    if d not in (1, 2, 3) or min(h, w, c) < 1 or h * w * c > MAX_ELEMENTS:
        return False
    return d == 3 or (h == 1 and (d == 2 or w == 1))


# ----------------------------------------------------------------------------------------------
# parse
# ----------------------------------------------------------------------------------------------

def parse(data):
    """A :class:`Model` from the bytes of a ``.tmdl`` file; ``ValueError`` if it is malformed.

    Accepts int8 (``mdl_type`` 0) and fp32 (2) models with one input and one output, layers
    conv2d, dwconv2d, gap, fc, softmax, reshape, add and maxpool (microlearn's own), each
    reading intact activations that earlier layers wrote in the work buffer, as TinyMaix's
    converter lays them out.
    docs/cnn_format.md lists every check.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("parse() takes the file's bytes")
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise ValueError("file is truncated: %d bytes, the header alone is 64" % len(data))
    (magic, mdl_type, out_deq, input_cnt, output_cnt, layer_cnt, buf_size, sub_size,
     *dims, _reserved) = _FILE_HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise ValueError("not a TinyMaix model (magic %r, expected %r)" % (magic, MAGIC))
    if mdl_type not in (MDL_INT8, MDL_FP32):
        if mdl_type in (1, 3, 4, 5):
            raise ValueError("unsupported model type %d (only int8 = 0 and fp32 = 2)" % mdl_type)
        raise ValueError("unknown model type %d" % mdl_type)
    header = Header(mdl_type, out_deq, input_cnt, output_cnt, layer_cnt, buf_size, sub_size,
                    tuple(dims[:4]), tuple(dims[4:]))
    if out_deq not in (0, 1):
        raise ValueError("out_deq must be 0 or 1, not %d" % out_deq)
    if input_cnt != 1 or output_cnt != 1:
        raise ValueError("only one input and one output are supported (file has %d and %d)"
                         % (input_cnt, output_cnt))
    if layer_cnt < 1:
        raise ValueError("model has no layers")
    if not _dims_ok(header.in_dims):
        raise ValueError("bad input dims %r" % (header.in_dims,))
    if not _dims_ok(header.out_dims):
        raise ValueError("bad output dims %r" % (header.out_dims,))

    is_int8 = mdl_type == MDL_INT8
    unit = 1 if is_int8 else 4
    if buf_size > MAX_BUFFER:
        raise ValueError("work buffer of %d bytes is beyond the engine's limit of %d"
                         % (buf_size, MAX_BUFFER))
    if _dims_count(header.in_dims) * unit > buf_size:
        raise ValueError("work buffer (%d bytes) too small for the input" % buf_size)

    layers = []
    offset = HEADER_SIZE
    for index in range(layer_cnt):
        layer = _parse_layer(data, offset, index, is_int8, header)
        layers.append(layer)
        offset += layer.size
    if offset != len(data):
        raise ValueError("%d bytes after the last layer" % (len(data) - offset))
    work = sum(layer_work(layer) for layer in layers)
    if work > MAX_WORK:
        raise ValueError("a run needs %d operations, 2^32 or more (the engine's limit is 2^32 - 1)"
                         % work)
    _check_chain(header, layers, is_int8)
    return Model(header, layers)


def _parse_layer(data, offset, index, is_int8, header):
    where = "layer %d" % index
    if offset + LAYER_HEADER_SIZE > len(data):
        raise ValueError("file is truncated in the header of %s" % where)
    (ltype, is_out, size, in_oft, out_oft, *dims) = _LAYER_HEAD.unpack_from(data, offset)
    quant = (_QUANT_INT8 if is_int8 else _QUANT_FP32).unpack_from(data, offset + 32)
    if ltype not in LAYER_NAMES:
        raise ValueError("%s: unknown layer type %d" % (where, ltype))
    where = "layer %d (%s)" % (index, LAYER_NAMES[ltype])
    fixed = LAYER_HEADER_SIZE + {CONV2D: CONV_BODY_SIZE, DWCONV2D: CONV_BODY_SIZE,
                                 FC: FC_BODY_SIZE, ADD: ADD_BODY_SIZE,
                                 MAXPOOL: POOL_BODY_SIZE}.get(ltype, 0)
    if size < fixed or size % 8:
        raise ValueError("%s: bad layer size %d" % (where, size))
    if offset + size > len(data):
        raise ValueError("file is truncated in %s (needs %d bytes, %d left)"
                         % (where, size, len(data) - offset))
    if is_out not in (0, 1):
        raise ValueError("%s: is_out must be 0 or 1, not %d" % (where, is_out))
    layer = Layer(ltype, is_out, in_oft, out_oft, tuple(dims[:4]), tuple(dims[4:]),
                  *quant, size=size, offset=offset)
    for name, d in (("input", layer.in_dims), ("output", layer.out_dims)):
        if not _dims_ok(d):
            raise ValueError("%s: bad %s dims %r" % (where, name, d))
    if is_int8:  # a reshape too: the engine checks every layer's (a reshape of the input
        # is compared with no earlier output below)
        for name in ("in_s", "out_s"):
            s = getattr(layer, name)
            if not (math.isfinite(s) and s > 0):
                raise ValueError("%s: %s must be a positive finite scale, not %r"
                                 % (where, name, s))
        for name in ("in_zp", "out_zp"):
            if not -128 <= getattr(layer, name) <= 127:
                raise ValueError("%s: %s %d outside int8" % (where, name, getattr(layer, name)))

    _, ih, iw, ic = layer.in_dims
    _, oh, ow, oc = layer.out_dims
    body = memoryview(data)[offset:offset + size]

    def region(oft, count, dtype, what):
        nbytes = count * np.dtype(dtype).itemsize
        if oft < fixed or oft + nbytes > size:
            raise ValueError("%s: %s [%d, %d) outside the layer's data [%d, %d)"
                             % (where, what, oft, oft + nbytes, fixed, size))
        if oft % np.dtype(dtype).itemsize:
            raise ValueError("%s: %s offset %d not aligned" % (where, what, oft))
        return np.frombuffer(body, dtype=dtype, count=count, offset=oft).copy()

    wtype = "i1" if is_int8 else "<f4"
    btype = "<i4" if is_int8 else "<f4"
    if ltype in (CONV2D, DWCONV2D):
        (kw, kh, sw, sh, dw, dh, act, pt, pb, pl, pr, dmul, _reserve, ws_oft, w_oft,
         b_oft) = _CONV_BODY.unpack_from(data, offset + LAYER_HEADER_SIZE)
        layer.kernel_w, layer.kernel_h, layer.stride_w, layer.stride_h = kw, kh, sw, sh
        layer.dilation_w, layer.dilation_h, layer.act = dw, dh, act
        layer.pad, layer.depth_mul = (pt, pb, pl, pr), dmul
        if min(kw, kh, sw, sh, dw, dh) < 1:
            raise ValueError("%s: kernel, stride and dilation must be at least 1" % where)
        if act in UNSUPPORTED_ACTS:
            raise ValueError("%s: activation %s is not supported" % (where, ACT_NAMES[act]))
        if act not in ACT_NAMES:
            raise ValueError("%s: unknown activation %d" % (where, act))
        if (ltype == CONV2D) != (dmul == 0):
            raise ValueError("%s: depth multiplier %d does not match the layer type"
                             % (where, dmul))
        if kw * kh == 1 and (dmul or pt or pb or pl or pr):
            raise ValueError("%s: a 1x1 kernel with padding or a depth multiplier is not "
                             "supported" % where)
        ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1   # the window a dilated kernel spans
        if ih + pt + pb < ekh or iw + pl + pr < ekw:
            raise ValueError("%s: kernel larger than the padded input" % where)
        if (oh, ow) != ((ih + pt + pb - ekh) // sh + 1, (iw + pl + pr - ekw) // sw + 1):
            raise ValueError("%s: output %dx%d inconsistent with input, kernel, stride, "
                             "dilation and padding" % (where, oh, ow))
        if dmul and oc != ic * dmul:
            raise ValueError("%s: %d output channels, expected %d x %d" % (where, oc, ic, dmul))
        chi = 1 if dmul else ic
        if kh * kw * chi > MAX_DOT or kh * kw * ic > MAX_ELEMENTS:
            raise ValueError("%s: a %dx%dx%d kernel is beyond the engine's limits"
                             % (where, kh, kw, chi))
        layer.weights = region(w_oft, oc * chi * kh * kw, wtype, "weights").reshape(oc, chi, kh, kw)
        layer.bias = region(b_oft, oc, btype, "bias")
        if is_int8:
            layer.ws = region(ws_oft, oc, "<f4", "weight scales")
    elif ltype == MAXPOOL:
        (kw, kh, sw, sh, dw, dh, act, pt, pb, pl, pr, _reserve) = _POOL_BODY.unpack_from(
            data, offset + LAYER_HEADER_SIZE)
        layer.kernel_w, layer.kernel_h, layer.stride_w, layer.stride_h = kw, kh, sw, sh
        layer.dilation_w, layer.dilation_h, layer.act, layer.pad = dw, dh, act, (pt, pb, pl, pr)
        if min(kw, kh, sw, sh) < 1:
            raise ValueError("%s: window and stride must be at least 1" % where)
        if (dw, dh) != (1, 1):
            raise ValueError("%s: dilation %dx%d is not supported" % (where, dw, dh))
        if act != ACT_NONE:
            raise ValueError("%s: max pooling has no activation (%d)" % (where, act))
        if max(pt, pb) >= kh or max(pl, pr) >= kw:
            raise ValueError("%s: padding must be narrower than the window" % where)
        if (oh, ow, oc) != ((ih + pt + pb - kh) // sh + 1, (iw + pl + pr - kw) // sw + 1, ic):
            raise ValueError("%s: output %dx%dx%d inconsistent with input, window, stride and "
                             "padding" % (where, oh, ow, oc))
        if is_int8 and (layer.in_s, layer.in_zp) != (layer.out_s, layer.out_zp):
            raise ValueError("%s: a max pooling cannot change the quantisation" % where)
    elif ltype == FC:
        ws_oft, w_oft, b_oft, _reserve = _FC_BODY.unpack_from(data, offset + LAYER_HEADER_SIZE)
        if ih != 1 or iw != 1 or oh != 1 or ow != 1:
            raise ValueError("%s: input and output must be 1x1xC" % where)
        if ic > MAX_DOT:
            raise ValueError("%s: %d inputs are beyond the engine's limit of %d"
                             % (where, ic, MAX_DOT))
        layer.weights = region(w_oft, oc * ic, wtype, "weights").reshape(oc, ic)
        layer.bias = region(b_oft, oc, btype, "bias")
        if is_int8:
            layer.ws = region(ws_oft, 1, "<f4", "weight scale")
    elif ltype == GAP:
        if oh != 1 or ow != 1 or oc != ic:
            raise ValueError("%s: output must be 1x1x%d" % (where, ic))
    elif ltype == SOFTMAX:
        if ih != 1 or iw != 1 or layer.out_dims != layer.in_dims:
            raise ValueError("%s: input and output must be the same 1x1xC" % where)
    elif ltype == RESHAPE:
        if _dims_count(layer.in_dims) != _dims_count(layer.out_dims):
            raise ValueError("%s: %r and %r differ in size"
                             % (where, layer.in_dims, layer.out_dims))
        if in_oft != out_oft:
            raise ValueError("%s: works in place, so in_oft must equal out_oft" % where)
    elif ltype == ADD:
        body_struct = _ADD_BODY_INT8 if is_int8 else _ADD_BODY_FP32
        layer.in1_oft, layer.in1_s, layer.in1_zp, _reserve = body_struct.unpack_from(
            data, offset + LAYER_HEADER_SIZE)
        if layer.in_dims[1:] != layer.out_dims[1:]:
            raise ValueError("%s: output %r differs from the input %r"
                             % (where, layer.out_dims, layer.in_dims))
        if is_int8 and not (math.isfinite(layer.in1_s) and layer.in1_s > 0
                            and -128 <= layer.in1_zp <= 127):
            raise ValueError("%s: second input's scale must be positive and finite, its zero "
                             "point int8" % where)
    if layer.ws is not None and not (np.all(np.isfinite(layer.ws)) and np.all(layer.ws > 0)):
        raise ValueError("%s: weight scales must be positive and finite" % where)
    if is_int8 and layer.bias is not None and np.any(np.abs(layer.bias.astype(np.int64))
                                                     > MAX_INT8_BIAS):
        raise ValueError("%s: int8 biases must be within +-2^30" % where)
    return layer


def _out_region(layer, is_int8, out_deq):
    """Bytes of the work buffer from ``out_oft`` that running ``layer`` writes."""
    n = _dims_count(layer.out_dims)
    need = n * (1 if is_int8 else 4)
    if is_int8 and layer.type == SOFTMAX:
        need = max(need, 4 * n)                      # float scratch of the softmax
    if is_int8 and layer.is_out and out_deq:
        # the dequantised floats go to the first 8-aligned address after the int8 output
        need = max(need, _align8(layer.out_oft + n) - layer.out_oft + 4 * n)
    return need


class _Live:
    """The activations intact in the work buffer, as the engine keeps them (cnn.h): the last
    LIVE_REGIONS written, each forgotten when a later output's values overlap it. The numpy
    side also marks those that a layer's float scratch (TinyMaix's int8 softmax and
    dequantised output) overlaps: reading one is refused here, not in the engine."""

    def __init__(self):
        self.regions = []   # [start, end, (h, w, c), producer, clobbered]

    def find(self, start, dims):
        for r in self.regions:
            if r[0] == start and r[2] == tuple(dims[1:]):
                return r
        return None

    def append(self, start, end, dims, producer):
        if len(self.regions) == LIVE_REGIONS:
            self.regions.pop(0)
        self.regions.append([start, end, tuple(dims[1:]), producer, False])

    def alias(self, start, end, dims, producer):
        """A reshape: the same bytes in another shape; the input's entry stays intact."""
        r = self.find(start, dims)
        if r is not None:
            r[3] = producer  # the same view: the engine keeps the one entry
        else:
            self.append(start, end, dims, producer)

    def write(self, start, end, scratch_end, dims, producer):
        kept = []
        for r in self.regions:
            if r[0] < end and start < r[1]:
                continue
            if r[0] < scratch_end and end < r[1]:
                r[4] = True
            kept.append(r)
        self.regions = kept
        self.append(start, end, dims, producer)


def _check_chain(header, layers, is_int8):
    """Where each layer reads and writes in the work buffer; sets ``source`` / ``source1``."""
    unit = 1 if is_int8 else 4
    buf = header.buf_size
    if [layer.is_out for layer in layers] != [0] * (len(layers) - 1) + [1]:
        raise ValueError("the last layer, and only it, must be marked as the output")
    if layers[0].in_dims != header.in_dims:
        raise ValueError("layer 0 input dims %r differ from the model's %r"
                         % (layers[0].in_dims, header.in_dims))
    if layers[0].in_oft != 0:
        raise ValueError("layer 0 must read its input at offset 0 of the work buffer")
    live = _Live()
    n_in = _dims_count(header.in_dims) * unit
    live.write(0, n_in, n_in, header.in_dims, -1)

    def producer(where, what, oft, dims, quant):
        r = live.find(oft, dims)
        if r is None or r[4]:
            raise ValueError("%s: its %s at offset %d (%r) is not an output an earlier layer "
                             "wrote there and nothing has overwritten" % (where, what, oft, dims))
        src = r[3]
        if is_int8 and src >= 0 and quant != (layers[src].out_s, layers[src].out_zp):
            raise ValueError("%s: %s quantisation differs from that of the output it reads"
                             % (where, what))
        return src

    for i, layer in enumerate(layers):
        where = "layer %d (%s)" % (i, layer.name)
        layer.source = producer(where, "input", layer.in_oft, layer.in_dims,
                                (layer.in_s, layer.in_zp))
        if layer.type == ADD:
            layer.source1 = producer(where, "second input", layer.in1_oft, layer.in_dims,
                                     (layer.in1_s, layer.in1_zp))
        if is_int8 and layer.type == RESHAPE and (layer.in_s, layer.in_zp) != (layer.out_s,
                                                                               layer.out_zp):
            raise ValueError("%s: a reshape cannot change the quantisation" % where)
        n_in = _dims_count(layer.in_dims) * unit
        n_out = _dims_count(layer.out_dims) * unit
        out_end = layer.out_oft + _out_region(layer, is_int8, header.out_deq)
        if out_end > buf:
            raise ValueError("%s: data outside the %d-byte work buffer" % (where, buf))
        if not is_int8 and layer.out_oft % 4:
            raise ValueError("%s: float data at an offset not a multiple of 4" % where)
        if is_int8 and layer.type == SOFTMAX and layer.out_oft % 4:
            raise ValueError("%s: float scratch at an offset not a multiple of 4" % where)
        if layer.type != RESHAPE:
            # An add may write exactly over one of its inputs (element by element).
            exact = layer.type == ADD and out_end == layer.out_oft + n_out
            inputs = [layer.in_oft] + ([layer.in1_oft] if layer.type == ADD else [])
            for oft in inputs:
                if oft < out_end and layer.out_oft < oft + n_in and not (
                        exact and oft == layer.out_oft):
                    raise ValueError("%s: output and input overlap in the work buffer" % where)
        if layer.type == RESHAPE and out_end == layer.out_oft + n_out:
            live.alias(layer.out_oft, out_end, layer.out_dims, i)
        else:
            live.write(layer.out_oft, layer.out_oft + n_out, out_end, layer.out_dims, i)


# ----------------------------------------------------------------------------------------------
# run
# ----------------------------------------------------------------------------------------------

def run(model, image):
    """The output of ``model`` for one uint8 ``image`` (any shape with the input's size).

    Returns float32 in :attr:`Model.output_shape`: int8 models with ``out_deq`` give
    ``(q - out_zp) * out_s``, without it the int8 values themselves; fp32 models their floats.
    """
    images = _check_images(model, image, batch=False)
    return run_batch(model, images)[0]


def run_batch(model, images):
    """:func:`run` for ``images`` of shape ``(n, *input)``; returns ``(n, *output_shape)``."""
    images = _check_images(model, images, batch=True)
    raw = run_layers(model, images)[-1]
    return _output(model, raw).reshape((len(images),) + model.output_shape)


def run_layers(model, images):
    """Every layer's raw output for a batch: int8 arrays (int8 models) or float32, each
    ``(n, h, w, c)``. The input goes through the preprocessing first (``u8 - 128`` for int8,
    ``u8 / 255`` for fp32)."""
    images = _check_images(model, images, batch=True)
    _, h, w, c = model.header.in_dims
    x = images.reshape(len(images), h, w, c)
    is_int8 = model.header.mdl_type == MDL_INT8
    if is_int8:
        x = (x.astype(np.int16) - 128).astype(np.int8)
    else:
        x = x.astype(_F32) / _F32(255)
    outputs = []

    def value(source):
        return x if source < 0 else outputs[source]

    # Overflow to inf and the like are part of the stated arithmetic (int8 saturates), not errors.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for i, layer in enumerate(model.layers):
            a = value(i - 1 if layer.source is None else layer.source)
            if layer.type == ADD:
                outputs.append(_add(layer, a, value(layer.source1), is_int8))
            else:
                outputs.append(_LAYER_FUNCS[layer.type](layer, a, is_int8))
    return outputs


def _as_uint8(images):
    """images as a uint8 array: bytes-like, uint8, or integers 0..255; ValueError otherwise."""
    if isinstance(images, (bytes, bytearray, memoryview)):
        images = np.frombuffer(bytes(images), dtype=np.uint8)
    images = np.asarray(images)
    if images.dtype != np.uint8:
        # the kind first: min() of strings or objects fails with numpy's own error
        if images.dtype.kind not in "iu" or (
                images.size and (images.min() < 0 or images.max() > 255)):
            raise ValueError("images must be uint8 (integers 0..255)")
        images = images.astype(np.uint8)
    return images


def _check_images(model, images, batch):
    images = _as_uint8(images)
    n_in = _dims_count(model.header.in_dims)
    if batch:
        if images.ndim < 1 or (images.size != len(images) * n_in) or len(images) == 0:
            raise ValueError("expecting a batch (n, ...) of images of %d values" % n_in)
        return images.reshape(len(images), n_in)
    if images.size != n_in:
        raise ValueError("expecting an image of %d values, got %d" % (n_in, images.size))
    return images.reshape(1, n_in)


def _output(model, raw):
    layer = model.output_layer
    raw = raw.reshape(len(raw), -1)
    if model.header.mdl_type != MDL_INT8:
        return raw.astype(_F32)
    if not model.header.out_deq:
        return raw.astype(_F32)
    return (raw.astype(np.int32) - np.int32(layer.out_zp)).astype(_F32) * _F32(layer.out_s)


def _saturate_int8(v):
    """float32 -> int8 as C's cast truncates toward zero, but saturating (TinyMaix wraps); NaN
    (an overflowed scale times a zero sum) -> 0."""
    v = np.nan_to_num(v, nan=0.0)
    return np.clip(np.trunc(v), -128, 127).astype(np.int8)


def _wrap_int32(v):
    return np.asarray(v, dtype=np.int64).astype(np.int32)


def _requant(f, layer):
    """q = int8(f / out_s + out_zp), float32 throughout."""
    return _saturate_int8(f / _F32(layer.out_s) + _F32(layer.out_zp))


def _requant_conv(f, layer):
    """q = int8(f * (1 / out_s) + out_zp): convolutions multiply by the float32 reciprocal, as
    TinyMaix's conv layer does, float32 throughout."""
    return _saturate_int8(f * (_F32(1) / _F32(layer.out_s)) + _F32(layer.out_zp))


def _conv(layer, x, is_int8):
    n, ih, iw, ic = x.shape
    _, oh, ow, oc = layer.out_dims
    kh, kw, sh, sw = layer.kernel_h, layer.kernel_w, layer.stride_h, layer.stride_w
    dh, dw = layer.dilation_h, layer.dilation_w
    pt, pb, pl, pr = layer.pad
    fill = np.int8(layer.in_zp) if is_int8 else _F32(0)
    if pt or pb or pl or pr:
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=fill)
    x = np.ascontiguousarray(x)
    s = x.strides
    patches = np.lib.stride_tricks.as_strided(
        x, shape=(n, oh, ow, kh, kw, ic),
        strides=(s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)
    acc_type = np.int64 if is_int8 else _F32
    w = layer.weights.astype(acc_type)
    if layer.depth_mul:
        taps = patches[..., np.arange(oc) // layer.depth_mul].astype(acc_type)
        acc = np.einsum("nyxabc,cab->nyxc", taps, w[:, 0])
    else:
        taps = patches.astype(acc_type).reshape(n * oh * ow, kh * kw * ic)
        acc = (taps @ w.transpose(2, 3, 1, 0).reshape(kh * kw * ic, oc)).reshape(n, oh, ow, oc)
    if is_int8:
        acc = _wrap_int32(acc + layer.bias.astype(np.int64))
        f = acc.astype(_F32) * (layer.ws.astype(_F32) * _F32(layer.in_s))
    else:
        f = (acc + layer.bias.astype(_F32)).astype(_F32)
    # As the engine: on the sign bit (a NaN without it passes relu, and relu6 makes it 6).
    if layer.act in (ACT_RELU, ACT_RELU6):
        f = np.where(np.signbit(f), _F32(0), f)
    if layer.act == ACT_RELU6:
        f = np.where((f > 6) | np.isnan(f), _F32(6), f)
    return _requant_conv(f, layer) if is_int8 else f


def _maxpool(layer, x, is_int8):
    """Largest value of each window (a NaN if one is there, as PyTorch); the padding holds no
    values (TensorFlow's and PyTorch's)."""
    _, oh, ow, _ = layer.out_dims
    kh, kw, sh, sw = layer.kernel_h, layer.kernel_w, layer.stride_h, layer.stride_w
    pt, pb, pl, pr = layer.pad
    low = np.iinfo(np.int8).min if is_int8 else -np.inf   # never above a value in the window
    x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=low)
    out = None
    for ky in range(kh):
        for kx in range(kw):
            tap = x[:, ky:ky + sh * (oh - 1) + 1:sh, kx:kx + sw * (ow - 1) + 1:sw, :]
            out = tap.copy() if out is None else np.maximum(out, tap)
    return out


def _gap(layer, x, is_int8):
    n, h, w, c = x.shape
    if is_int8:
        total = _wrap_int32(x.astype(np.int64).sum(axis=(1, 2))).astype(np.int64)
        hw = h * w
        mean = np.where(total >= 0, total // hw, -((-total) // hw))   # C division
        f = _wrap_int32(mean - layer.in_zp).astype(_F32) * _F32(layer.in_s)
        return _requant(f, layer).reshape(n, 1, 1, c)
    total = np.cumsum(x.reshape(n, h * w, c), axis=1, dtype=_F32)[:, -1, :]
    return (total / _F32(h * w)).reshape(n, 1, 1, c)


def _fc(layer, x, is_int8):
    n = len(x)
    x = x.reshape(n, -1)
    if is_int8:
        acc = _wrap_int32(x.astype(np.int64) @ layer.weights.astype(np.int64).T
                          + layer.bias.astype(np.int64))
        f = (acc.astype(_F32) * _F32(layer.in_s)) * _F32(layer.ws[0])
        return _requant(f, layer).reshape(n, 1, 1, -1)
    out = (x.astype(_F32) @ layer.weights.astype(_F32).T + layer.bias.astype(_F32)).astype(_F32)
    return out.reshape(n, 1, 1, -1)


def _softmax(layer, x, is_int8):
    n = len(x)
    if is_int8:
        d = (x.reshape(n, -1).astype(np.int32) - np.int32(layer.in_zp)).astype(_F32) \
            * _F32(layer.in_s)
    else:
        d = x.reshape(n, -1).astype(_F32)
    d = d - d.max(axis=1, keepdims=True)
    e = np.exp(d.astype(np.float64)).astype(_F32)          # C: (float)exp((double)d)
    total = np.cumsum(e, axis=1, dtype=_F32)[:, -1:]       # summed in order, in float32
    p = e / total
    if is_int8:
        return _requant(p, layer).reshape(x.shape)
    return p.reshape(x.shape)


def _reshape(layer, x, is_int8):
    _, h, w, c = layer.out_dims
    return x.reshape(len(x), h, w, c)


def _add(layer, a, b, is_int8):
    """As TinyMaix: both inputs dequantised, summed in float32, requantised (dividing)."""
    _, h, w, c = layer.out_dims
    a = a.reshape(len(a), h, w, c)
    b = b.reshape(len(b), h, w, c)
    if not is_int8:
        return (a + b).astype(_F32)
    f = ((a.astype(np.int32) - np.int32(layer.in_zp)).astype(_F32) * _F32(layer.in_s)
         + (b.astype(np.int32) - np.int32(layer.in1_zp)).astype(_F32) * _F32(layer.in1_s))
    return _requant(f, layer)


_LAYER_FUNCS = {CONV2D: _conv, DWCONV2D: _conv, GAP: _gap, FC: _fc, SOFTMAX: _softmax,
                RESHAPE: _reshape, MAXPOOL: _maxpool}


# ----------------------------------------------------------------------------------------------
# dump: Model -> bytes
# ----------------------------------------------------------------------------------------------

def dump(model):
    """The ``.tmdl`` bytes of ``model``, laid out as TinyMaix's converter does (for conv/fc:
    weight scales, weights, bias, each padded to 8 bytes). Header fields, work-buffer offsets and
    quantisation are written as they are in the objects; layer sizes and data offsets are
    recomputed. ``dump(parse(data)) == data`` for files in that layout."""
    h = model.header
    is_int8 = h.mdl_type == MDL_INT8
    out = bytearray(_FILE_HEADER.pack(MAGIC, h.mdl_type, h.out_deq, h.input_cnt, h.output_cnt,
                                      len(model.layers), h.buf_size, h.sub_size, *h.in_dims,
                                      *h.out_dims, bytes(28)))
    for layer in model.layers:
        out += _dump_layer(layer, is_int8)
    return bytes(out)


def _pad8(b):
    return b + bytes(_align8(len(b)) - len(b))


def _dump_layer(layer, is_int8):
    quant = (_QUANT_INT8.pack(float(layer.in_s), int(layer.in_zp), float(layer.out_s),
                              int(layer.out_zp)) if is_int8 else
             _QUANT_FP32.pack(float(layer.in_s), float(layer.in_zp), float(layer.out_s),
                              float(layer.out_zp)))
    wtype = "i1" if is_int8 else "<f4"
    btype = "<i4" if is_int8 else "<f4"
    body = b""
    if layer.type in (CONV2D, DWCONV2D, FC):
        oc = layer.out_dims[3]
        if is_int8:
            ws = np.asarray(layer.ws, dtype="<f4").reshape(-1)
            ws_bytes = _pad8(ws.tobytes() + bytes(4 * (oc - ws.size)) if ws.size < oc
                             else ws.tobytes())
        else:
            ws_bytes = b""
        w_bytes = _pad8(np.ascontiguousarray(layer.weights, dtype=wtype).tobytes())
        b_bytes = _pad8(np.ascontiguousarray(layer.bias, dtype=btype).tobytes())
        fixed = LAYER_HEADER_SIZE + (FC_BODY_SIZE if layer.type == FC else CONV_BODY_SIZE)
        ws_oft = fixed
        w_oft = ws_oft + len(ws_bytes)
        b_oft = w_oft + len(w_bytes)
        if layer.type == FC:
            body = _FC_BODY.pack(ws_oft, w_oft, b_oft, 0)
        else:
            body = _CONV_BODY.pack(layer.kernel_w, layer.kernel_h, layer.stride_w,
                                   layer.stride_h, layer.dilation_w, layer.dilation_h, layer.act,
                                   *layer.pad, layer.depth_mul, 0, ws_oft, w_oft, b_oft)
        body += ws_bytes + w_bytes + b_bytes
    elif layer.type == MAXPOOL:
        body = _POOL_BODY.pack(layer.kernel_w, layer.kernel_h, layer.stride_w, layer.stride_h,
                               layer.dilation_w, layer.dilation_h, layer.act, *layer.pad, 0)
    elif layer.type == ADD:
        body = (_ADD_BODY_INT8.pack(layer.in1_oft, float(layer.in1_s), int(layer.in1_zp), 0)
                if is_int8 else
                _ADD_BODY_FP32.pack(layer.in1_oft, float(layer.in1_s), float(layer.in1_zp), 0))
    size = LAYER_HEADER_SIZE + len(body)
    head = _LAYER_HEAD.pack(layer.type, layer.is_out, size, layer.in_oft, layer.out_oft,
                            *layer.in_dims, *layer.out_dims)
    return head + quant + body


# ----------------------------------------------------------------------------------------------
# write: layer specs -> bytes
# ----------------------------------------------------------------------------------------------

_ACT_CODES = {None: ACT_NONE, "none": ACT_NONE, "linear": ACT_NONE, "relu": ACT_RELU,
              "relu6": ACT_RELU6}

# Every spec's ``input``: the index (in the list given to write()) of the layer whose output it
# reads, or "input" for the model's input; None, the default, is the previous layer's output (or
# the model's input for the first layer). Other values make branches: several layers reading the
# same activation, as in a residual block with a projection shortcut.


@dataclass
class Conv2D:
    """A convolution. ``weights`` (cho, chi, kh, kw); ``bias`` (cho,) or None; ``stride`` an int
    or (stride_h, stride_w); ``padding`` 'valid', 'same' (TensorFlow's split: the odd pixel at
    the bottom/right) or explicit (top, bottom, left, right); ``activation`` None/'none',
    'relu' or 'relu6'; ``dilation`` an int or (dilation_h, dilation_w), the distance between
    taps (a 3-tap kernel with dilation 2 spans 5 pixels). Dilation other than 1 is microlearn's:
    TinyMaix (the reference) loads such a file and fails when it runs it."""

    weights: np.ndarray
    bias: np.ndarray = None
    stride: object = 1
    padding: object = "valid"
    activation: str = None
    input: object = None
    dilation: object = 1


@dataclass
class DepthwiseConv2D:
    """A depthwise convolution: ``weights`` (cho, 1, kh, kw) with cho = chi * depth_multiplier;
    output channel c reads input channel c // depth_multiplier (Keras's order). Other arguments
    as :class:`Conv2D`; ``depth_multiplier`` None means cho / chi."""

    weights: np.ndarray
    bias: np.ndarray = None
    stride: object = 1
    padding: object = "valid"
    activation: str = None
    depth_multiplier: int = None
    input: object = None
    dilation: object = 1


@dataclass
class MaxPooling2D:
    """Max pooling: the largest value of each ``pool_size`` window (an int or (h, w)), moving by
    ``stride`` (default: the window), ``padding`` as :class:`Conv2D`'s (each side narrower than
    the window; padding holds no values). The output keeps the input's int8 quantisation.
    microlearn's own layer: TinyMaix (the reference) cannot run a file that has one."""

    pool_size: object = 2
    stride: object = None
    padding: object = "valid"
    input: object = None


@dataclass
class GlobalAveragePooling:
    """Mean over height and width: (h, w, c) -> (c,)."""

    input: object = None


@dataclass
class Dense:
    """``weights`` (out, in), ``bias`` (out,) or None; the input must be 1x1xC (``Reshape``
    first to flatten a feature map: the data is HWC, so that is Keras's ``Flatten``)."""

    weights: np.ndarray
    bias: np.ndarray = None
    input: object = None


@dataclass
class Softmax:
    """Softmax over the channels of a 1x1xC input."""

    input: object = None


@dataclass
class Reshape:
    """New shape of 1 to 3 dimensions, ``(c,)``, ``(w, c)`` or ``(h, w, c)``; data unchanged."""

    shape: tuple
    input: object = None


@dataclass
class Add:
    """A residual connection: the output this layer reads (``input``, by default the previous
    layer's) plus the output of layer ``source`` (an index into the layer list, of an earlier
    layer, or ``"input"`` for the model's input), which has the same shape. The format's add has
    no activation."""

    source: object
    input: object = None


def _shape_dims(shape, what="shape"):
    try:
        shape = tuple(int(v) for v in np.atleast_1d(shape))
    except (TypeError, ValueError):
        raise ValueError("%s must be a tuple of 1 to 3 sizes" % what) from None
    if not 1 <= len(shape) <= 3 or min(shape) < 1 or max(shape) > 65535:
        raise ValueError("%s must have 1 to 3 sizes in 1..65535, not %r" % (what, shape))
    return (len(shape),) + (1,) * (3 - len(shape)) + shape


def _pair(v, what):
    if np.ndim(v) == 0:
        v = (v, v)
    v = tuple(int(x) for x in v)
    if len(v) != 2 or not (1 <= v[0] <= 255 and 1 <= v[1] <= 255):
        raise ValueError("%s must be 1..255 or a pair of them" % what)
    return v


def _padding(padding, ih, iw, kh, kw, sh, sw):
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            ph = max((-(-ih // sh) - 1) * sh + kh - ih, 0)
            pw = max((-(-iw // sw) - 1) * sw + kw - iw, 0)
            if max(ph, pw) > 2 * 255:
                raise ValueError("'same' padding of %d, %d is beyond the format's 255 a side "
                                 "(the kernel spans %d x %d)" % (ph, pw, kh, kw))
            return (ph // 2, ph - ph // 2, pw // 2, pw - pw // 2)
        raise ValueError("padding must be 'valid', 'same' or (top, bottom, left, right)")
    pad = tuple(int(p) for p in padding)
    if len(pad) != 4 or min(pad) < 0 or max(pad) > 255:
        raise ValueError("explicit padding is (top, bottom, left, right), each 0..255")
    return pad


def _float_array(a, shape_len, what):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != shape_len:
        raise ValueError("%s must have %d dimensions, not %d" % (what, shape_len, a.ndim))
    if not np.all(np.isfinite(a)):
        raise ValueError("%s must be finite" % what)
    return a


def _plan(layers, input_shape):
    """Float layer objects (fp32 model) with dims checked; no work-buffer offsets yet."""
    if not layers:
        raise ValueError("a model needs at least one layer")
    in_dims = _shape_dims(input_shape, "input_shape")
    planned = []

    def source(value, i, where, what):
        if isinstance(value, str) and value == "input":
            return -1
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                or not 0 <= value < i:
            raise ValueError("%s: %s must be the index of an earlier layer or 'input', not %r"
                             % (where, what, value))
        return int(value)

    for i, spec in enumerate(layers):
        where = "layer %d (%s)" % (i, type(spec).__name__)
        src = i - 1 if getattr(spec, "input", None) is None else source(spec.input, i, where,
                                                                         "input")
        dims = in_dims if src < 0 else planned[src].out_dims
        _, ih, iw, ic = dims
        if isinstance(spec, (Conv2D, DepthwiseConv2D)):
            w = _float_array(spec.weights, 4, where + " weights")
            oc, chi, kh, kw = w.shape
            depthwise = isinstance(spec, DepthwiseConv2D)
            if depthwise:
                if chi != 1 or oc % ic:
                    raise ValueError("%s: weights must be (%d * depth_multiplier, 1, kh, kw)"
                                     % (where, ic))
                dmul = oc // ic
                if spec.depth_multiplier is not None and spec.depth_multiplier != dmul:
                    raise ValueError("%s: weights have depth multiplier %d, not %d"
                                     % (where, dmul, spec.depth_multiplier))
            else:
                dmul = 0
                if chi != ic:
                    raise ValueError("%s: weights take %d input channels, the input has %d"
                                     % (where, chi, ic))
            if not (1 <= kh <= 255 and 1 <= kw <= 255) or oc > 65535:
                raise ValueError("%s: kernel sizes must be 1..255" % where)
            sh, sw = _pair(spec.stride, where + " stride")
            dh, dw = _pair(spec.dilation, where + " dilation")
            ekh, ekw = (kh - 1) * dh + 1, (kw - 1) * dw + 1   # the window the taps span
            pad = _padding(spec.padding, ih, iw, ekh, ekw, sh, sw)
            if kh * kw == 1 and (dmul or any(pad)):
                raise ValueError("%s: a 1x1 kernel cannot have padding or be depthwise" % where)
            if spec.activation not in _ACT_CODES:
                raise ValueError("%s: activation must be None, 'relu' or 'relu6'" % where)
            if ih + pad[0] + pad[1] < ekh or iw + pad[2] + pad[3] < ekw:
                raise ValueError("%s: kernel larger than the padded input" % where)
            oh = (ih + pad[0] + pad[1] - ekh) // sh + 1
            ow = (iw + pad[2] + pad[3] - ekw) // sw + 1
            out_dims = _window_out_dims(dims, oh, ow, oc)
            layer = Layer(DWCONV2D if depthwise else CONV2D, 0, 0, 0, dims, out_dims,
                          kernel_w=kw, kernel_h=kh, stride_w=sw, stride_h=sh, dilation_w=dw,
                          dilation_h=dh, act=_ACT_CODES[spec.activation], pad=pad,
                          depth_mul=dmul, weights=w, bias=_bias(spec.bias, oc, where))
        elif isinstance(spec, MaxPooling2D):
            kh, kw = _pair(spec.pool_size, where + " pool_size")
            sh, sw = _pair(spec.pool_size if spec.stride is None else spec.stride,
                           where + " stride")
            pad = _padding(spec.padding, ih, iw, kh, kw, sh, sw)
            if max(pad[:2]) >= kh or max(pad[2:]) >= kw:
                raise ValueError("%s: padding must be narrower than the window" % where)
            if ih + pad[0] + pad[1] < kh or iw + pad[2] + pad[3] < kw:
                raise ValueError("%s: window larger than the padded input" % where)
            out_dims = _window_out_dims(dims, (ih + pad[0] + pad[1] - kh) // sh + 1,
                                        (iw + pad[2] + pad[3] - kw) // sw + 1, ic)
            layer = Layer(MAXPOOL, 0, 0, 0, dims, out_dims, kernel_w=kw, kernel_h=kh,
                          stride_w=sw, stride_h=sh, pad=pad)
        elif isinstance(spec, Dense):
            w = _float_array(spec.weights, 2, where + " weights")
            if ih != 1 or iw != 1 or w.shape[1] != ic:
                raise ValueError("%s: input is %r, weights want 1x1x%d (Reshape first)"
                                 % (where, _dims_shape(dims), w.shape[1]))
            if w.shape[0] > 65535:
                raise ValueError("%s: too many outputs" % where)
            layer = Layer(FC, 0, 0, 0, dims, (1, 1, 1, w.shape[0]), weights=w,
                          bias=_bias(spec.bias, w.shape[0], where))
        elif isinstance(spec, GlobalAveragePooling):
            layer = Layer(GAP, 0, 0, 0, dims, (1, 1, 1, ic))
        elif isinstance(spec, Softmax):
            if ih != 1 or iw != 1:
                raise ValueError("%s: input must be 1x1xC" % where)
            layer = Layer(SOFTMAX, 0, 0, 0, dims, dims)
        elif isinstance(spec, Reshape):
            out_dims = _shape_dims(spec.shape, where + " shape")
            if _dims_count(out_dims) != _dims_count(dims):
                raise ValueError("%s: cannot reshape %r to %r"
                                 % (where, _dims_shape(dims), _dims_shape(out_dims)))
            layer = Layer(RESHAPE, 0, 0, 0, dims, out_dims)
        elif isinstance(spec, Add):
            src1 = source(spec.source, i, where, "source")
            src_dims = in_dims if src1 < 0 else planned[src1].out_dims
            if src_dims[1:] != dims[1:]:
                raise ValueError("%s: adds %r to %r: the shapes differ"
                                 % (where, _dims_shape(src_dims), _dims_shape(dims)))
            layer = Layer(ADD, 0, 0, 0, dims, dims, source1=src1)
        else:
            raise TypeError("%s is not a layer spec" % type(spec).__name__)
        layer.source = src
        planned.append(layer)
    planned[-1].is_out = 1
    return in_dims, planned


def _window_out_dims(dims, oh, ow, oc):
    """A convolution's or pooling's output dims, with as many sizes as its input's where they
    hold the shape: a 1-D network ((w, c)) stays 1-D, a dense layer turned into a 1x1
    convolution (to carry an activation) keeps its (c,), so output_dimensions() gives what the
    network's own output shape is."""
    d = dims[0]
    if d == 1 and oh == ow == 1 or d == 2 and oh == 1:
        return (d, oh, ow, oc)
    return (3, oh, ow, oc)


def _bias(bias, n, where):
    if bias is None:
        return np.zeros(n)
    b = _float_array(bias, 1, where + " bias")
    if b.shape != (n,):
        raise ValueError("%s: bias must have %d values" % (where, n))
    return b


def _layout(in_dims, layers, is_int8, out_deq):
    """Work-buffer offsets (ping-pong between its two ends, reshape in place); returns the size."""
    unit = 1 if is_int8 else 4

    def region(layer):
        n = _dims_count(layer.out_dims)
        need = _align8(n * unit)
        if is_int8 and layer.type == SOFTMAX:
            need = max(need, _align8(4 * n))
        if is_int8 and layer.is_out and out_deq:
            need = max(need, _align8(n) + _align8(4 * n))
        return need

    if is_int8 and out_deq and layers[-1].type == RESHAPE:
        raise ValueError("a Reshape cannot be the output layer of an int8 model with out_deq")
    in_size = _align8(_dims_count(in_dims) * unit)
    if any(layer.type == ADD or layer.source != i - 1 for i, layer in enumerate(layers)):
        return _layout_graph(in_size, layers, region)
    buf, size = in_size, in_size
    for layer in layers:
        if layer.type == RESHAPE:
            continue
        out_size = region(layer)
        buf = max(buf, size + out_size)
        size = out_size
    oft = 0
    for layer in layers:
        layer.in_oft = oft
        if layer.type != RESHAPE:
            oft = buf - region(layer) if oft == 0 else 0
        layer.out_oft = oft
    return buf


def _layout_graph(in_size, layers, region):
    """Work-buffer offsets for a network with residual connections: each activation placed at
    the lowest offset where it overlaps no activation still to be read while it is (first fit
    in the order they are written), the input at 0, reshapes in place; returns the size."""
    owner = {-1: -1}  # layer -> the activation holding its output (a reshape: its input's)
    size = {-1: in_size}
    for i, layer in enumerate(layers):
        if layer.type == RESHAPE:
            owner[i] = owner[layer.source]
        else:
            owner[i] = i
            size[i] = region(layer)
    last = {v: v for v in size}
    last[owner[len(layers) - 1]] = len(layers)
    for i, layer in enumerate(layers):
        for src in (layer.source, layer.source1):
            if src is not None:
                last[owner[src]] = max(last[owner[src]], i)
    start = {}
    for v in sorted(size):
        busy = [(start[u], start[u] + size[u]) for u in start if u <= last[v] and v <= last[u]]
        oft = 0
        for lo, hi in sorted(busy):
            if oft + size[v] <= lo:
                break
            oft = max(oft, hi)
        start[v] = oft
    for i, layer in enumerate(layers):
        layer.in_oft = start[owner[layer.source]]
        layer.out_oft = start[owner[i]]
        if layer.type == ADD:
            layer.in1_oft = start[owner[layer.source1]]
    return max(start[v] + size[v] for v in size)


def _round(x):
    """Round half away from zero (as C's round())."""
    x = np.asarray(x, dtype=np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _activation_quant(lo, hi):
    """(scale, zero point) for floats in [lo, hi]: 0 always inside, 255 steps."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = _F32((hi - lo) / 255.0)
    if not (scale > 0 and np.isfinite(scale)):
        scale = _F32(1.0)
    zp = int(np.clip(_round(-128.0 - lo / float(scale)), -128, 127))
    return float(scale), zp


def _quantise_weights(w, axis_channels):
    """int8 weights and float32 scales: per output channel (conv) or one scale (dense)."""
    if axis_channels:
        amax = np.abs(w).reshape(len(w), -1).max(axis=1)
    else:
        amax = np.array([np.abs(w).max()])
    ws = (amax / 127.0).astype(_F32)
    ws[ws == 0] = _F32(1.0 / 127.0)      # an all-zero channel: any positive scale carries the bias
    scale = ws.astype(np.float64).reshape((-1,) + (1,) * (w.ndim - 1)) if axis_channels \
        else float(ws[0])
    wq = np.clip(_round(w / scale), -127, 127).astype(np.int8)
    return wq, ws


def _fuse_bias(b, wq, ws, in_s, in_zp, where):
    """int32 bias with the input zero point folded in (padding reads in_zp, so it cancels)."""
    ws = np.broadcast_to(np.asarray(ws, dtype=np.float64), b.shape)
    real_scale = (ws.astype(_F32) * _F32(in_s)).astype(np.float64)
    sums = wq.reshape(len(wq), -1).astype(np.int64).sum(axis=1)
    bq = _round(b / real_scale) - in_zp * sums
    if np.any(np.abs(bq) > MAX_INT8_BIAS):
        raise ValueError("%s: bias too large at this quantisation (the engine takes int8 biases "
                         "within +-2^30)" % where)
    return bq.astype(np.int32)


def _check_quant(quant, planned):
    if quant is None:
        return [None] * len(planned)
    quant = list(quant)
    if len(quant) != len(planned):
        raise ValueError("quant needs one entry per layer (%d), not %d"
                         % (len(planned), len(quant)))
    checked = []
    for i, q in enumerate(quant):
        if q is None:
            checked.append(None)
            continue
        try:
            scale, zp = q
            scale, zp = float(_F32(scale)), int(zp)
        except (TypeError, ValueError):
            raise ValueError("quant[%d] must be None or (scale, zero_point)" % i) from None
        if not (math.isfinite(scale) and scale > 0) or not -128 <= zp <= 127:
            raise ValueError("quant[%d]: scale must be positive and finite, zero point int8" % i)
        checked.append((scale, zp))
    return checked


def write(layers, input_shape, dtype="int8", calibration=None, out_deq=None, quant=None):
    """The bytes of a ``.tmdl`` model made of ``layers`` (specs :class:`Conv2D`, ...).

    Each layer reads the previous one's output unless its ``input`` names another (a branch),
    and :class:`Add` sums two outputs (a residual connection). Chains get TinyMaix's converter's
    work-buffer layout; networks with adds or branches get each activation placed at the
    lowest offset free of every activation still to be read.

    ``input_shape`` is ``(h, w, c)``, ``(w, c)`` or ``(c,)``; inputs are uint8 images that the
    engine scales to ``u8 / 255`` (fp32) or ``u8 - 128`` with scale 1/255, zero point -128
    (int8), so the float network sees values in [0, 1].

    ``dtype='fp32'`` stores the weights as float32. ``dtype='int8'`` needs ``calibration``, uint8
    sample inputs ``(n, *input_shape)``: the fp32 model runs on them and each layer's output
    range [min(lo, 0), max(hi, 0)] gives its scale (range / 255) and zero point
    (round(-128 - lo / scale)); a softmax output gets 1/256 and -128, a reshape or max pooling
    keeps its input's. Conv weights get one scale per output channel (max|w| / 127), dense
    weights one; biases become int32 with the input zero point folded in. ``out_deq`` (default: 1 for int8,
    0 for fp32) asks the engine to dequantise the output.

    ``quant`` (int8 only) sets output quantisations instead of calibrating: one entry per layer,
    ``(out_s, out_zp)`` or None (calibrated, or the fixed softmax / reshape rule). With an entry
    for every conv, dwconv, gap and dense layer no calibration images are needed (a reshape's
    or max pooling's entry must be None: they keep their input's quantisation).
    """
    if dtype not in ("int8", "fp32"):
        raise ValueError("dtype must be 'int8' or 'fp32'")
    is_int8 = dtype == "int8"
    if out_deq is None:
        out_deq = 1 if is_int8 else 0
    out_deq = int(bool(out_deq))
    in_dims, planned = _plan(layers, input_shape)

    fp32_layers = []
    for layer in planned:
        f = Layer(**{k: getattr(layer, k) for k in layer.__dataclass_fields__})
        if f.weights is not None:
            f.weights = f.weights.astype(_F32)
            f.bias = f.bias.astype(_F32)
        fp32_layers.append(f)
    buf = _layout(in_dims, fp32_layers, False, 0)
    header = Header(MDL_FP32, out_deq, 1, 1, len(planned), buf, 0, in_dims,
                    fp32_layers[-1].out_dims)
    fp32_model = Model(header, fp32_layers)
    if not is_int8:
        if quant is not None:
            raise ValueError("quant applies to int8 models only")
        return _checked(dump(fp32_model))

    quant = _check_quant(quant, planned)
    needs_range = [q is None and layer.type not in (SOFTMAX, RESHAPE, MAXPOOL)
                   for q, layer in zip(quant, planned)]
    float_outputs = [None] * len(planned)
    if any(needs_range):
        if calibration is None:
            raise ValueError("an int8 model needs calibration images (uint8, (n, *input_shape))")
        samples = np.asarray(calibration)
        n_in = _dims_count(in_dims)
        if samples.size == 0 or samples.size % n_in:
            raise ValueError("calibration must hold whole images of %d values" % n_in)
        samples = _check_images(fp32_model, samples.reshape(-1, n_in), batch=True)
        float_outputs = run_layers(fp32_model, samples)

    out_quant = {-1: (float(_F32(1.0 / 255.0)), -128)}  # of each layer's output, and the input's
    q_layers = []
    for i, (layer, out) in enumerate(zip(planned, float_outputs)):
        where = "layer %d (%s)" % (i, layer.name)
        in_s, in_zp = out_quant[layer.source]
        q = Layer(layer.type, layer.is_out, 0, 0, layer.in_dims, layer.out_dims,
                  kernel_w=layer.kernel_w, kernel_h=layer.kernel_h, stride_w=layer.stride_w,
                  stride_h=layer.stride_h, dilation_w=layer.dilation_w,
                  dilation_h=layer.dilation_h, act=layer.act, pad=layer.pad,
                  depth_mul=layer.depth_mul, source=layer.source, source1=layer.source1)
        if layer.type == ADD:
            q.in1_s, q.in1_zp = out_quant[layer.source1]
        if quant[i] is not None:
            if layer.type in (RESHAPE, MAXPOOL):
                raise ValueError("%s keeps its input's quantisation: its quant entry must be "
                                 "None" % where)
            out_s, out_zp = quant[i]
        elif layer.type == SOFTMAX:
            out_s, out_zp = 1.0 / 256.0, -128
        elif layer.type in (RESHAPE, MAXPOOL):
            out_s, out_zp = in_s, in_zp
        else:
            out_s, out_zp = _activation_quant(out.min(), out.max())
        q.in_s, q.in_zp, q.out_s, q.out_zp = in_s, in_zp, out_s, out_zp
        if layer.type in (CONV2D, DWCONV2D, FC):
            w = fp32_layers[i].weights.astype(np.float64)
            b = fp32_layers[i].bias.astype(np.float64)
            q.weights, q.ws = _quantise_weights(w, layer.type != FC)
            q.bias = _fuse_bias(b, q.weights, q.ws, in_s, in_zp, where)
        q_layers.append(q)
        out_quant[i] = (out_s, out_zp)
    buf = _layout(in_dims, q_layers, True, out_deq)
    header = Header(MDL_INT8, out_deq, 1, 1, len(q_layers), buf, 0, in_dims,
                    q_layers[-1].out_dims)
    return _checked(dump(Model(header, q_layers)))


def _checked(data):
    """data, if parse (and so the engine) accepts it: a network can need more than the engine's
    LIVE_REGIONS intact activations at once (many branches, or a long skip connection), or
    MAX_WORK operations or more a run."""
    try:
        parse(data)
    except ValueError as e:
        raise ValueError("the network is beyond the engine's limits (%s)" % e) from None
    return data


def convert(model, input_shape=None, dtype="int8", calibration=None, out_deq=None):
    """The ``.tmdl`` bytes for a PyTorch module or an ONNX model: see
    :func:`microlearn.cnn_convert.convert`."""
    from .cnn_convert import convert as _convert

    return _convert(model, input_shape, dtype=dtype, calibration=calibration, out_deq=out_deq)


def to_hwc(images, input_shape):
    """Channels-first uint8 images as the engine reads them: see
    :func:`microlearn.cnn_convert.to_hwc`."""
    from .cnn_convert import to_hwc as _to_hwc

    return _to_hwc(images, input_shape)
