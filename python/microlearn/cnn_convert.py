"""PyTorch modules and ONNX graphs -> TinyMaix ``.tmdl`` files for emlearn_cnn_int8 / _fp32.

    from microlearn import cnn
    data = cnn.convert(torch_model, input_shape=(1, 28, 28), dtype="int8",
                       calibration=train_images_u8)          # (n, 1, 28, 28) uint8
    open("model.tmdl", "wb").write(data)

:func:`convert` takes a ``torch.nn.Module`` (exported to ONNX in memory with ``torch.onnx``, so
any ``forward`` that exports works, not only ``nn.Sequential``), an ONNX file's path or bytes, or
an ``onnx.ModelProto``; reading ONNX needs the ``onnx`` package (Debian: ``python3-onnx``). Each
node takes one data tensor, any earlier one (branches: a projection shortcut reads the block's
input again), except ``Add`` of two tensors of the same shape (a residual connection: the format's
add layer). The nodes:

* ``Conv`` (1-D or 2-D, ``group`` 1 or depthwise: ``group`` = input channels), with explicit,
  ``SAME_UPPER``/``SAME_LOWER``/``VALID`` padding, and a ``BatchNormalization``, ``Relu`` or
  ``Clip(0, 6)`` (ReLU6) after it folded in (unless the convolution's output is also read
  elsewhere); an activation with nothing to fold into becomes a depthwise 1x3 convolution with
  weights (0, 1, 0);
* ``AveragePool`` (written as a depthwise convolution with weights 1 / (kh * kw)),
  ``GlobalAveragePool``, ``ReduceMean`` over the spatial axes;
* ``MaxPool`` (1-D or 2-D, ``ceil_mode`` too), as microlearn's own max pooling layer: a file
  with one runs on microlearn, not on TinyMaix (the reference). A ``Relu`` or ReLU6 right after
  it is folded into the convolution before it (the maximum of activated values is the activated
  maximum), as in ``F.relu(F.max_pool2d(self.conv(x), 2))``;
* ``Flatten`` / ``Reshape`` to one dimension, ``Gemm`` or ``MatMul`` (+ ``Add``) for ``Linear``
  (a ``Relu`` after it makes it a 1x1 convolution, which the format can give an activation),
  ``Softmax`` over the channels;
* ``Dropout``, ``Identity``, zero ``Pad`` before a convolution or pooling, and the
  ``Shape``/``Gather``/``Concat``... arithmetic that ``x.view(x.size(0), -1)`` exports;
* ``Transpose`` between channels first and channels last (tf2onnx's Keras graphs): a
  channels-last input, Keras's ``Flatten`` order, the mean over the steps of channels-last data.

Convolutions may be dilated (1-D and 2-D, ``dilation=`` in PyTorch): microlearn's engine runs
them; TinyMaix, the reference, loads such a file and fails when it runs it.

Anything else (dilated pooling; grouped but not depthwise convolutions; ``Concat``; an ``Add``
that broadcasts; a ``Pad`` before a ``MaxPool``, whose zeros would be values) raises
:class:`UnsupportedModelError` naming the node.

Layouts: PyTorch and ONNX are channels-first, ``(C, H, W)``; the engine is channels-last,
``(H, W, C)``, so the weights of a ``Linear`` after a ``Flatten`` are permuted to match, and the
device's input image is HWC (:func:`to_hwc` rearranges images). The engine feeds the network
``u8 / 255``: train on ``images_u8 / 255.0``.
"""

import io
import math

import numpy as np

from . import cnn

__all__ = ["convert", "to_layers", "to_hwc", "UnsupportedModelError"]


class UnsupportedModelError(ValueError):
    """The network uses something the ``.tmdl`` format or this converter cannot express."""


def convert(model, input_shape=None, dtype="int8", calibration=None, out_deq=None):
    """The bytes of a ``.tmdl`` file for ``model`` (see the module's documentation).

    ``input_shape`` is one input without the batch dimension, in the graph's layout: channels
    first, ``(C, H, W)``, ``(C, L)`` for 1-D convolutions or ``(F,)``; or channels last,
    ``(H, W, C)`` / ``(L, C)``, for a graph that begins with a Transpose to channels first (what
    tf2onnx makes of a Keras model). Required for a PyTorch module, read from the graph for
    ONNX (and then only needed when a dimension is symbolic). ``calibration`` (int8 only,
    required there): uint8 images in the same layout, ``(n, *input_shape)``, the data the int8
    activation ranges are measured on. ``dtype`` and ``out_deq`` as
    :func:`microlearn.cnn.write`.
    """
    layers, shape, hwc, channels_last = _convert_layers(model, input_shape)
    if calibration is not None:
        # In the graph's own layout: channels first (PyTorch), or already the engine's.
        calibration = _check_images(calibration, shape) if channels_last else to_hwc(
            calibration, shape)
    return cnn.write(layers, hwc, dtype=dtype, calibration=calibration, out_deq=out_deq)


def to_layers(model, input_shape=None):
    """``(layers, hwc_input_shape)``: the :mod:`microlearn.cnn` layer specs for ``model``, to
    pass to :func:`microlearn.cnn.write` (e.g. to give ``quant`` yourself)."""
    layers, _, hwc, _ = _convert_layers(model, input_shape)
    return layers, hwc


def to_hwc(images, input_shape):
    """uint8 images ``(n, *input_shape)`` (or one image ``input_shape``), channels first, as the
    engine reads them: ``(n, H, W, C)`` (``(n, L, C)`` for 1-D inputs)."""
    chw = tuple(int(v) for v in input_shape)
    single = np.shape(images) == chw
    images = _check_images(images[None] if single else images, chw)
    if len(chw) > 1:
        images = np.ascontiguousarray(np.moveaxis(images, 1, -1))
    return images[0] if single else images


def _check_images(images, shape):
    """images as uint8 ``(n, *shape)``, or ValueError."""
    shape = tuple(int(v) for v in shape)
    images = cnn._as_uint8(images)
    if images.ndim != len(shape) + 1 or images.shape[1:] != shape:
        raise ValueError("images must have shape (n, %s), not %r"
                         % (", ".join(str(v) for v in shape), images.shape))
    return images


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------

#: What a corrupt or inconsistent ONNX file raises inside the graph walk (a missing input or
#: attribute, an attribute of the wrong type, an unknown tensor type): reported as malformed.
_MALFORMED = (IndexError, KeyError, TypeError, AttributeError)


def _convert_layers(model, input_shape):
    # Not onnx.checker: it refuses graphs the walk reads well (an output without a shape).
    onnx_model = _onnx_model(model, input_shape)
    try:
        chain = _Chain(onnx_model, input_shape)
    except _MALFORMED as e:
        raise UnsupportedModelError("malformed graph (%s: %s)" % (type(e).__name__, e)) from None
    return chain.run()


def _import_onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as e:
        raise ImportError("reading ONNX needs the onnx package (Debian: apt install python3-onnx)"
                          ) from e
    return onnx, numpy_helper


def _onnx_model(model, input_shape):
    onnx, _ = _import_onnx()
    if isinstance(model, onnx.ModelProto):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return _parse_onnx(onnx, bytes(model), "the ONNX bytes")
    if isinstance(model, str) or hasattr(model, "__fspath__"):
        with open(model, "rb") as f:
            return _parse_onnx(onnx, f.read(), str(model))
    if hasattr(model, "state_dict") and hasattr(model, "forward") and not isinstance(model, type):
        return _parse_onnx(onnx, _export_torch(model, input_shape), "the exported module")
    raise TypeError("model must be a torch.nn.Module, an onnx.ModelProto, or an ONNX file's "
                    "path or bytes, not %s" % type(model).__name__)


def _parse_onnx(onnx, data, what):
    try:
        return onnx.load_model_from_string(data)
    except Exception as e:  # noqa: BLE001 - protobuf raises its own DecodeError
        raise ValueError("%s is not an ONNX model: %s" % (what, e)) from e


def _ceil_sizes(sizes, kernel, stride, pad):
    """A pooling's output sizes with ceil_mode, by PyTorch's rule: the last window may reach
    beyond the padding, if it starts inside the input or the padding before it."""
    out = []
    for size, k, s, before, after in ((sizes[0], kernel[0], stride[0], pad[0], pad[1]),
                                      (sizes[1], kernel[1], stride[1], pad[2], pad[3])):
        n = -(-(size + before + after - k) // s) + 1
        if (n - 1) * s >= size + before:
            n -= 1
        out.append(n)
    return tuple(out)


def _export_torch(module, input_shape):
    import torch

    if input_shape is None:
        raise ValueError("input_shape (C, H, W), (C, L) or (F,) is required for a PyTorch module")
    shape = _input_shape(input_shape)
    if any(p.dtype != torch.float32 for p in module.parameters()):
        import copy

        module = copy.deepcopy(module).float()  # the engine is float32 (or int8) anyway
    buf = io.BytesIO()
    # Each submodule's own mode: train(was_training) would unfreeze a batch norm kept in eval.
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    error = None
    try:
        with torch.no_grad():
            torch.onnx.export(module, torch.zeros((1,) + shape), buf, input_names=["input"],
                              output_names=["output"], opset_version=13,
                              do_constant_folding=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds; each is reported the same
        error = "PyTorch cannot export the module to ONNX: %s: %s" % (type(e).__name__, e)
    finally:
        for m, training in modes:
            m.training = training
    if error is not None:
        # Raised here, outside the except block, so that the exception does not keep torch's
        # traceback (and its graph) alive: torch 1.13's next export fails while it is.
        raise UnsupportedModelError(error)
    return buf.getvalue()


def _input_shape(shape):
    try:
        shape = tuple(int(v) for v in shape)
    except (TypeError, ValueError):
        raise ValueError("input_shape must be a tuple of sizes, (C, H, W), (C, L) or (F,)"
                         ) from None
    if not 1 <= len(shape) <= 3 or min(shape) < 1:
        raise ValueError("input_shape must be (C, H, W), (C, L) or (F,), not %r" % (shape,))
    if max(shape) > 65535 or int(np.prod(shape)) > cnn.MAX_ELEMENTS:
        raise ValueError("input_shape %r is beyond the .tmdl format's limits (sizes up to 65535, "
                         "%d values)" % (shape, cnn.MAX_ELEMENTS))
    return shape


# ----------------------------------------------------------------------------------------------
# the graph walk
# ----------------------------------------------------------------------------------------------

def _int_divide(a, b):
    """ONNX's integer Div: the quotient truncated toward zero (C's), not floored."""
    a, b = np.asarray(a), np.asarray(b)
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q).astype(np.result_type(a, b))


def _attrs(node):
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


class _Chain:
    """Walks the ONNX graph node by node, keeping the shape of the one data tensor and the layer
    specs so far; values computed from constants (and from ``Shape``) are evaluated here."""

    def __init__(self, model, input_shape):
        _, numpy_helper = _import_onnx()
        self.graph = model.graph
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                         default=13)
        self.consts = {t.name: numpy_helper.to_array(t) for t in self.graph.initializer}
        self.to_array = numpy_helper.to_array
        inputs = [i for i in self.graph.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise UnsupportedModelError("the graph must have one input, not %d" % len(inputs))
        self.cur = inputs[0].name
        dims = inputs[0].type.tensor_type.shape.dim
        graph_shape = tuple(d.dim_value if d.HasField("dim_value") else None for d in dims)[1:]
        if input_shape is not None:
            shape = _input_shape(input_shape)
            if len(shape) != len(graph_shape) or any(
                    g is not None and g != s for g, s in zip(graph_shape, shape)):
                raise ValueError("input_shape %r does not match the graph's input %r"
                                 % (shape, graph_shape))
        else:
            if not graph_shape or None in graph_shape:
                raise ValueError("the graph's input shape %r has unknown sizes: give input_shape "
                                 "(--input-shape on the command line)"
                                 % (graph_shape,))
            shape = _input_shape(graph_shape)
        # A channels-last input (Keras through tf2onnx): (H, W, C) or (L, C), turned channels
        # first by the first node. The engine's input is channels-last anyway.
        first = next((n for n in self.graph.node if self.cur in n.input), None)
        to_first = {3: [0, 3, 1, 2], 2: [0, 2, 1]}.get(len(shape))
        self.channels_last = bool(first is not None and first.op_type == "Transpose" and to_first
                                  and list(_attrs(first).get("perm", [])) == to_first)
        self.in_shape = shape  # in the graph's layout, for the calibration images
        if self.channels_last:
            shape = (shape[-1],) + shape[:-1]
        self.in_chw = shape
        # The data tensor: channels first, (C, H, W) with H = 1 for 1-D, or flat (F,) with
        # `order`: engine element j is element order[j] of PyTorch's flattened tensor. While
        # `nhwc` (after a Transpose), the tensor is channels-last, (H, W, C) or (L, C).
        self.nhwc = self.channels_last
        self.rank = len(shape)
        self.order = None
        if len(shape) == 3:
            self.chw = shape
        elif len(shape) == 2:
            self.chw = (shape[0], 1, shape[1])
        else:
            self.chw = None
            self.order = np.arange(shape[0])
        self.flat = shape[0] if len(shape) == 1 else None
        self.layers = []
        self.fusable = None  # the spec the previous node made, while an activation may follow
        self.activated = self.prev_activated = None  # the spec the previous node activated
        # The convolution a max pooling (the previous node) reads, while an activation that
        # follows the pooling may still be folded into it (max commutes with relu and relu6).
        self.pooled = self.prev_pooled = None
        self.pending_pad = (0, 0, 0, 0)
        self.node = None
        # Branches: each data tensor's state (which layer's output holds it, its shape) is saved,
        # so that a node may read an earlier tensor (a residual Add's second operand, a
        # projection shortcut's convolution). A tensor read more than once cannot have what
        # follows folded into the layer that made it. A Shape node reads only the dimensions,
        # which folding keeps: it is not a use.
        self.cur_index = -1  # the layer whose output is the data tensor; -1: the model's input
        self.uses = {}
        for n in self.graph.node:
            for name in ([] if n.op_type == "Shape" else n.input):
                self.uses[name] = self.uses.get(name, 0) + 1
        self.saved = {}
        self.save()

    # -- helpers -------------------------------------------------------------------------------

    def fail(self, message):
        node = self.node
        if node is None:
            raise UnsupportedModelError("graph: %s" % message)
        name = node.name or (node.output[0] if len(node.output) else "")
        where = "node %r (%s)" % (name, node.op_type)
        raise UnsupportedModelError("%s: %s" % (where, message))

    def const(self, name, what):
        if name not in self.consts:
            self.fail("%s must be a constant" % what)
        return self.consts[name]

    def torch_dims(self):
        if self.chw is None:
            return [1, self.flat]
        c, h, w = self.chw
        if self.nhwc:
            return [1, w, c] if self.rank == 2 else [1, h, w, c]
        return [1, c, w] if self.rank == 2 else [1, c, h, w]

    def emit(self, spec, fusable=False):
        if self.cur_index != len(self.layers) - 1:  # a branch: reads an earlier output
            spec.input = "input" if self.cur_index < 0 else self.cur_index
        self.layers.append(spec)
        self.cur_index = len(self.layers) - 1
        self.fusable = spec if fusable else None

    _STATE = ("cur_index", "chw", "flat", "order", "nhwc", "rank", "pending_pad")

    def save(self):
        self.saved[self.cur] = {k: getattr(self, k) for k in self._STATE}

    def switch_to(self, name):
        """Continue from the earlier tensor `name` (a branch). A padding pending on the current
        tensor is saved with it."""
        for k, v in self.saved[name].items():
            setattr(self, k, v)
        self.cur = name
        self.fusable = self.activated = self.pooled = None

    def same_data(self, name):
        """Whether the saved tensor `name` has the data tensor's shape and element order."""
        a = self.saved[name]
        if any(a["pending_pad"]) or any(self.pending_pad):
            return False
        if (a["chw"], a["flat"], a["nhwc"], a["rank"]) != (self.chw, self.flat, self.nhwc,
                                                           self.rank):
            return False
        return self.chw is not None or np.array_equal(a["order"], self.order)

    def set_chw(self, c, h, w):
        if c > 65535 or c * h * w > cnn.MAX_ELEMENTS:
            self.fail("an output of %d x %d x %d is beyond the .tmdl format's limits (65535 "
                      "channels, %d values)" % (c, h, w, cnn.MAX_ELEMENTS))
        self.chw = (c, h, w)

    def spatial(self, what):
        if self.chw is None:
            self.fail("%s needs a (C, H, W) or (C, L) input, not a flat one" % what)
        if self.nhwc:
            self.fail("%s needs channels-first data (ONNX's layout): a Transpose first" % what)
        return self.chw

    # -- the walk ------------------------------------------------------------------------------

    def run(self):
        for node in self.graph.node:
            self.node = node
            if node.domain not in ("", "ai.onnx"):
                self.fail("operators of domain %r are not supported" % node.domain)
            try:
                self.step(node)
            except _MALFORMED as e:
                # A required input or attribute missing, an index out of range: ONNX that the
                # checker would refuse.
                self.fail("malformed node (%s: %s)" % (type(e).__name__, e))
        self.node = None
        outputs = [o.name for o in self.graph.output]
        if outputs != [self.cur]:
            raise UnsupportedModelError("the graph's output must be the end of the chain (%r), "
                                        "not %r" % (self.cur, outputs))
        if any(self.pending_pad):
            raise UnsupportedModelError("a Pad must be followed by a Conv or AveragePool (it "
                                        "becomes their padding)")
        if self.chw is None and not np.array_equal(self.order, np.arange(self.flat)):
            # Only a dense layer's weights can undo the (C, H, W) -> (H, W, C) permutation.
            raise UnsupportedModelError(
                "the graph's output is a flattened feature map, whose elements the engine holds "
                "in (H, W, C) order, not PyTorch's (C, H, W): end with a dense layer or global "
                "pooling")
        if not self.layers:
            raise UnsupportedModelError("the graph has no layers")
        if len(self.in_chw) == 3:  # the input's own layout (self.rank follows the data)
            c, h, w = self.in_chw
            hwc = (h, w, c)
        elif len(self.in_chw) == 2:
            hwc = (self.in_chw[1], self.in_chw[0])
        else:
            hwc = self.in_chw
        return self.layers, self.in_shape, hwc, self.channels_last

    def step(self, node):
        """One node: shape arithmetic evaluated, or a data op's handler."""
        # The padding pending on the tensor the node reads (saved with it: a branch may read it).
        if any(any(self.saved[i]["pending_pad"]) if i in self.saved and i != self.cur
               else i == self.cur and any(self.pending_pad) for i in node.input) \
                and node.op_type not in ("Pad", "Conv", "AveragePool", "Identity", "Dropout"):
            self.fail("a Pad must be followed by a Conv or AveragePool (it becomes their "
                      "padding)")
        data = [i for i in node.input if i and i not in self.consts]
        if node.op_type == "Shape" and data == [self.cur]:
            self.shape_of(node)
        elif not data:
            self.evaluate(node)
        elif node.op_type in ("Add", "Sum") and len(data) == 2 and len(node.input) == 2:
            self.residual_add(node)
        else:
            first = node.input[0]
            if node.op_type == "Add" and len(node.input) == 2 and node.input[1] in data:
                first = node.input[1]  # addition commutes: the constant may come first
            if len(data) != 1 or first not in self.saved:
                self.fail("only one data input per node is supported, besides the two of a "
                          "residual Add")
            if first != self.cur:
                self.switch_to(first)
            handler = getattr(self, "op_" + node.op_type, None)
            if handler is None:
                self.fail("not supported (the .tmdl format has conv, depthwise conv, "
                          "average and max pooling, dense, softmax, reshape and add layers)")
            self.prev_activated, self.activated = self.activated, None
            self.prev_pooled, self.pooled = self.pooled, None
            handler(node, _attrs(node))
            self.cur = node.output[0]
            self.after_data_node()

    def after_data_node(self):
        self.save()
        if self.uses.get(self.cur, 0) > 1:
            # Read again later: nothing may be folded into the layer that made it any more.
            self.fusable = self.activated = self.pooled = None

    def residual_add(self, node):
        """The sum of two data tensors: the format's add layer."""
        a, b = node.input
        for name in (a, b):
            if name not in self.saved:
                self.fail("an operand is neither a constant nor an earlier output")
        if self.cur not in (a, b):
            self.switch_to(a)
        other = b if self.cur == a else a
        if not self.same_data(other):
            self.fail("the operands' shapes differ (broadcasting is not supported)")
        self.prev_activated = self.activated = self.pooled = None
        src = self.saved[other]["cur_index"]
        self.emit(cnn.Add("input" if src < 0 else src))
        self.cur = node.output[0]
        self.after_data_node()

    def shape_of(self, node):
        dims = np.array(self.torch_dims(), dtype=np.int64)
        a = _attrs(node)
        self.consts[node.output[0]] = dims[a.get("start", 0):a.get("end", len(dims))]

    def evaluate(self, node):
        """Constant arithmetic (shape computations), evaluated with numpy."""
        a = _attrs(node)
        op = node.op_type
        x = [self.consts[i] if i else None for i in node.input]
        if op == "Constant":
            if "value" not in a:
                self.fail("only Constant with a tensor value is supported")
            out = self.to_array(a["value"])
        elif op == "ConstantOfShape":
            value = self.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            shape = [int(v) for v in x[0]]
            if min(shape, default=0) < 0 or int(np.prod(shape)) > cnn.MAX_ELEMENTS:
                self.fail("a constant of shape %r is too large" % (shape,))
            out = np.full(shape, value.ravel()[0], dtype=value.dtype)
        elif op in ("Identity", "Dropout"):
            out = x[0]
        elif op == "Cast":
            from onnx import mapping

            to = mapping.TENSOR_TYPE_TO_NP_TYPE.get(int(a.get("to", 0)))
            if to is None:
                self.fail("Cast to an unknown type")
            out = np.asarray(x[0]).astype(to)  # float -> int truncates toward zero, as ONNX
        elif op == "Gather":
            out = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            axes = a.get("axes") if self.opset < 13 else x[1]
            out = x[0]
            for axis in sorted(int(v) for v in np.atleast_1d(axes)):
                out = np.expand_dims(out, axis)
        elif op == "Squeeze":
            axes = a.get("axes") if self.opset < 13 else (x[1] if len(x) > 1 else None)
            out = np.squeeze(x[0], None if axes is None else tuple(int(v) for v in axes))
        elif op == "Concat":
            out = np.concatenate([np.atleast_1d(v) for v in x], axis=a.get("axis", 0))
        elif op == "Slice":
            if self.opset < 10:  # attributes, no steps
                starts, ends = a["starts"], a["ends"]
                axes, steps = a.get("axes", range(len(starts))), [1] * len(starts)
            else:
                starts, ends = x[1], x[2]
                axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
                steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
            index = [slice(None)] * x[0].ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                index[int(ax)] = slice(int(s), int(e), int(st))
            out = x[0][tuple(index)]
        elif op in ("Mul", "Div", "Add", "Sub"):
            if int(np.prod(np.broadcast_shapes(np.shape(x[0]), np.shape(x[1])))) \
                    > cnn.MAX_ELEMENTS:
                self.fail("a constant result too large")
            f = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract,
                 "Div": _int_divide if x[0].dtype.kind in "iu" else np.divide}[op]
            out = f(x[0], x[1])
        elif op == "Reshape":
            out = np.reshape(x[0], [int(v) for v in x[1]])
        elif op == "Transpose":
            out = np.transpose(x[0], a.get("perm"))
        else:
            self.fail("not supported on constants")
        self.consts[node.output[0]] = np.asarray(out)

    # -- data ops ------------------------------------------------------------------------------

    def op_Identity(self, node, a):
        pass

    op_Dropout = op_Identity

    def op_Pad(self, node, a):
        if a.get("mode", b"constant") not in (b"constant", "constant"):
            self.fail("only zero padding is supported (padding_mode='zeros')")
        pads = a.get("pads") if self.opset < 11 else self.const(node.input[1], "pads")
        value = a.get("value", 0.0) if self.opset < 11 else (
            self.const(node.input[2], "the pad value") if len(node.input) > 2 and node.input[2]
            else 0.0)
        if np.any(np.asarray(value) != 0):
            self.fail("only zero padding is supported")
        pads = [int(v) for v in pads]
        if self.opset >= 18 and len(node.input) > 3 and node.input[3]:
            # pads for these axes only: begins, then ends
            rank = len(self.torch_dims())
            axes = [int(v) % rank for v in np.atleast_1d(self.const(node.input[3], "the axes"))]
            if len(pads) != 2 * len(axes) or len(set(axes)) != len(axes):
                self.fail("pads do not match the axes")
            full = [0] * (2 * rank)
            for i, axis in enumerate(axes):
                full[axis], full[rank + axis] = pads[i], pads[len(axes) + i]
            pads = full
        n = len(pads) // 2
        begin, end = pads[:n], pads[n:]
        if any(begin[:2]) or any(end[:2]) or min(pads) < 0 or n != len(self.torch_dims()):
            self.fail("only padding of the spatial dimensions is supported")
        self.spatial("Pad")
        if n == 4:
            t, b, l, r = self.pending_pad
            self.pending_pad = (t + begin[2], b + end[2], l + begin[3], r + end[3])
        else:
            t, b, l, r = self.pending_pad
            self.pending_pad = (t, b, l + begin[2], r + end[2])
        self.fusable = None

    def window(self, a, kernel, ceil_mode=False, dilated=False):
        """(stride, (top, bottom, left, right), (oh, ow), dilation) of a Conv or pooling's
        attributes, with a preceding Pad added; kernel is (kh, kw). With ceil_mode the output
        size is the caller's to compute (and check). ``dilated``: a Conv, which may have
        dilations; a pooling's must be 1."""
        if len(kernel) != 2:
            self.fail("the kernel has %d sizes for a %d-D input"
                      % (len(kernel) - (self.rank == 2), self.rank - 1))
        c, h, w = self.chw
        one_d = self.rank == 2
        n = 1 if one_d else 2
        strides = list(a.get("strides", [1] * n))
        dilations = list(a.get("dilations", [1] * n))
        if any(not isinstance(v, (int, np.integer)) for v in strides + dilations):
            self.fail("strides and dilations must be integers")
        if len(dilations) != n or (not dilated and any(d != 1 for d in dilations)):
            self.fail("dilation is not supported here")
        if one_d:
            strides = [1] + strides
            dilations = [1] + dilations
        if not all(1 <= d <= 255 for d in dilations):
            self.fail("dilations must be 1..255 (the .tmdl format's limits)")
        auto = a.get("auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else auto
        kh, kw = kernel
        if not all(1 <= v <= 255 for v in (kh, kw)):
            self.fail("kernel sizes must be 1..255 (the .tmdl format's limits)")
        # the span of the taps: what padding and output sizes are computed from
        kh, kw = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
        if auto in ("NOTSET", ""):
            p = [int(v) for v in a.get("pads", [0] * (2 * n))]
            pad = (0, 0, p[0], p[1]) if one_d else (p[0], p[2], p[1], p[3])
        elif auto == "VALID":
            pad = (0, 0, 0, 0)
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            # Of the Pad's output, when one precedes.
            t, b, l, r = self.pending_pad
            ph, pw = [max((-(-size // s) - 1) * s + k - size, 0)
                      for size, s, k in ((h + t + b, strides[0], kh), (w + l + r, strides[1], kw))]
            if auto == "SAME_UPPER":
                pad = (ph // 2, ph - ph // 2, pw // 2, pw - pw // 2)
            else:
                pad = (ph - ph // 2, ph // 2, pw - pw // 2, pw // 2)
        else:
            self.fail("auto_pad %r is not supported" % auto)
        pad = tuple(x + y for x, y in zip(pad, self.pending_pad))
        self.pending_pad = (0, 0, 0, 0)
        strides = [int(v) for v in strides]
        if (len(strides) != 2 or not all(1 <= v <= 255 for v in strides)
                or not all(0 <= v <= 255 for v in pad)):
            self.fail("kernel sizes and strides must be 1..255 and padding 0..255 (the .tmdl "
                      "format's limits)")
        sh, sw = strides
        oh = (h + pad[0] + pad[1] - kh) // sh + 1
        ow = (w + pad[2] + pad[3] - kw) // sw + 1
        if (oh < 1 or ow < 1) and not ceil_mode:
            self.fail("the kernel is larger than the padded input")
        return (sh, sw), pad, (oh, ow), tuple(dilations)

    def op_Conv(self, node, a):
        c, h, w = self.spatial("Conv")
        weights = np.asarray(self.const(node.input[1], "the weights"), dtype=np.float64)
        bias = (np.asarray(self.const(node.input[2], "the bias"), dtype=np.float64)
                if len(node.input) > 2 and node.input[2] else None)
        if weights.ndim != self.rank + 1:
            self.fail("a %d-D convolution on a %d-D input" % (weights.ndim - 2, self.rank - 1))
        if self.rank == 2:
            weights = weights[:, :, None, :]
        group = int(a.get("group", 1))
        oc = weights.shape[0]
        stride, pad, (oh, ow), dilation = self.window(a, weights.shape[2:], dilated=True)
        if group == 1:
            if weights.shape[1] != c:
                self.fail("weights for %d input channels, the input has %d"
                          % (weights.shape[1], c))
            spec = cnn.Conv2D(weights, bias, stride=stride, padding=pad, dilation=dilation)
        elif group == c and weights.shape[1] == 1 and oc % c == 0:
            spec = cnn.DepthwiseConv2D(weights, bias, stride=stride, padding=pad,
                                       dilation=dilation)
        else:
            self.fail("grouped convolutions are supported only as depthwise (groups = input "
                      "channels), not groups=%d of %d channels" % (group, c))
        if weights.shape[2] * weights.shape[3] == 1 and any(pad):
            self.fail("a 1x1 kernel cannot be padded in the .tmdl format")
        if weights.shape[2] * weights.shape[3] == 1 and group != 1:
            # The format has no 1x1 depthwise kernel: a 1x1 convolution whose output channel o
            # reads input channel o // multiplier only.
            if oc * c > cnn.MAX_ELEMENTS:
                self.fail("too many channels for a 1x1 depthwise convolution")
            full = np.zeros((oc, c, 1, 1))
            full[np.arange(oc), np.arange(oc) // (oc // c), 0, 0] = weights[:, 0, 0, 0]
            spec = cnn.Conv2D(full, bias, stride=stride, padding=pad, dilation=dilation)
        self.set_chw(oc, oh, ow)
        self.emit(spec, fusable=True)

    def pool_kernel(self, a):
        """A pooling's kernel_shape as (kh, kw): a 1-D input is one row."""
        kernel = [int(v) for v in a["kernel_shape"]]
        return [1] + kernel if self.rank == 2 else kernel

    def op_AveragePool(self, node, a):
        c, h, w = self.spatial("AveragePool")
        kernel = self.pool_kernel(a)
        pending = self.pending_pad  # a Pad op's zeros are values: always counted
        stride, pad, (oh, ow), _ = self.window(a, kernel)
        if a.get("ceil_mode", 0) and _ceil_sizes((h, w), kernel, stride, pad) != (oh, ow):
            self.fail("ceil_mode is supported only where it changes no output size")
        own = [p - q for p, q in zip(pad, pending)]
        if any(own) and not a.get("count_include_pad", 0):
            self.fail("padded average pooling must count the padding (count_include_pad=True)")
        kh, kw = kernel
        self.set_chw(c, oh, ow)
        if kh * kw == 1:
            if any(pad):
                self.fail("a 1x1 pooling window cannot be padded in the .tmdl format")
            if c * c > cnn.MAX_ELEMENTS:
                self.fail("too many channels for a 1x1 pooling window")
            # A strided 1x1 window subsamples: a 1x1 convolution with identity weights (the
            # format has no 1x1 depthwise kernel).
            self.emit(cnn.Conv2D(np.eye(c)[:, :, None, None], None, stride=stride))
            return
        weights = np.full((c, 1, kh, kw), 1.0 / (kh * kw))
        self.emit(cnn.DepthwiseConv2D(weights, None, stride=stride, padding=pad))

    def global_pool(self, keepdims):
        c, _, _ = self.spatial("global average pooling")
        self.emit(cnn.GlobalAveragePooling())
        if keepdims:
            self.chw = (c, 1, 1)
        else:
            self.chw, self.flat, self.order = None, c, np.arange(c)

    def op_GlobalAveragePool(self, node, a):
        self.global_pool(True)

    def op_ReduceMean(self, node, a):
        axes = a.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = self.const(node.input[1], "axes")
        n = len(self.torch_dims())
        axes = sorted(int(v) % n for v in (axes if axes is not None else []))
        spatial_axes = list(range(1, n - 1)) if self.nhwc else list(range(2, n))
        if self.chw is None or axes != spatial_axes:
            self.fail("only the mean over the spatial axes (global average pooling) is supported")
        keepdims = bool(a.get("keepdims", 1))
        if self.nhwc and keepdims:
            self.fail("the mean of channels-last data must drop the spatial axes (keepdims=0)")
        self.nhwc = False
        self.global_pool(keepdims)

    def flatten(self):
        if self.chw is None:
            return
        c, h, w = self.chw
        if h * w > 1:
            self.emit(cnn.Reshape((c * h * w,)))
            # Channels-last data flattens in the engine's own (H, W, C) order (Keras's Flatten).
            self.order = np.arange(c * h * w) if self.nhwc else np.arange(c * h * w).reshape(
                c, h, w).transpose(1, 2, 0).ravel()
        else:  # a 1x1 map: no layer, and an activation may still follow the convolution
            self.order = np.arange(c)
        self.chw, self.flat, self.nhwc = None, c * h * w, False

    def op_Flatten(self, node, a):
        axis = int(a.get("axis", 1))
        if axis % len(self.torch_dims()) != 1:
            self.fail("only Flatten(axis=1) (keeping the batch dimension) is supported")
        self.flatten()

    def op_Reshape(self, node, a):
        target = [int(v) for v in self.const(node.input[1], "the shape")]
        dims = self.torch_dims()
        size = int(np.prod(dims))
        target = [dims[i] if v == 0 and i < len(dims) else v for i, v in enumerate(target)]
        if target.count(-1) == 1:
            known = int(np.prod([v for v in target if v != -1]))
            target[target.index(-1)] = size // known if known else 0
        if target == dims:
            return
        if len(target) == 2 and target[0] == 1 and target[1] == size:
            self.flatten()
            return
        self.fail("only reshaping to (batch, features) is supported, not %r" % (target,))

    def op_Squeeze(self, node, a):
        axes = a.get("axes") if self.opset < 13 else (
            self.const(node.input[1], "axes") if len(node.input) > 1 and node.input[1] else None)
        dims = self.torch_dims()
        axes = sorted(set(int(v) % len(dims) for v in axes)) if axes is not None else None
        if self.chw is not None and self.chw[1:] == (1, 1) and axes and axes[0] >= 2:
            if len(axes) == len(dims) - 2:
                self.flatten()
            else:  # (C, 1, 1) -> (C, 1): the same values in the same order
                self.rank = 2
            return
        self.fail("only squeezing the spatial axes of a (C, 1, 1) tensor is supported")

    def dense(self, weights, bias):
        if self.chw is not None:
            if self.chw[1:] != (1, 1):
                self.fail("a dense layer needs a flat input (Flatten first)")
            self.flatten()
        if weights.shape[1] != self.flat:
            self.fail("weights for %d inputs, the input has %d" % (weights.shape[1], self.flat))
        weights = weights[:, self.order]
        self.flat = weights.shape[0]
        self.order = np.arange(self.flat)
        self.emit(cnn.Dense(weights, bias), fusable=True)

    def op_Gemm(self, node, a):
        if a.get("transA", 0):
            self.fail("transA is not supported")
        b = np.asarray(self.const(node.input[1], "B"), dtype=np.float64)
        if b.ndim != 2:
            self.fail("B must be a matrix")
        weights = (b if a.get("transB", 0) else b.T) * float(a.get("alpha", 1.0))
        bias = None
        if len(node.input) > 2 and node.input[2]:
            c = np.asarray(self.const(node.input[2], "C"), dtype=np.float64)
            n = weights.shape[0]
            if c.ndim > 2 or c.size not in (1, n) or (c.ndim == 2 and c.shape[0] != 1):
                self.fail("C must broadcast to the (1, %d) output, not have shape %r"
                          % (n, c.shape))
            bias = np.broadcast_to(c.reshape(-1), (n,)) * float(a.get("beta", 1.0))
        self.dense(weights, bias)

    def op_MatMul(self, node, a):
        b = np.asarray(self.const(node.input[1], "the second operand"), dtype=np.float64)
        if b.ndim != 2:
            self.fail("the second operand must be a matrix")
        self.dense(b.T, None)

    def fold_target(self, what):
        """The convolution or dense layer the previous node made, before any activation: what
        a bias or a batch normalisation is folded into."""
        spec = self.fusable
        if self.nhwc:  # ONNX's axis 1 is then a spatial axis, not the channels
            self.fail("%s on channels-last data (after a Transpose) is not supported" % what)
        if not isinstance(spec, (cnn.Conv2D, cnn.DepthwiseConv2D, cnn.Dense)) or getattr(
                spec, "activation", None):
            self.fail("%s must follow a convolution or dense layer directly (it is folded into "
                      "its weights)" % what)
        return spec

    def op_Add(self, node, a):
        spec = self.fold_target("adding a constant bias")
        addend = node.input[1] if node.input[0] == self.cur else node.input[0]
        value = np.asarray(self.const(addend, "the addend"), dtype=np.float64)
        n = spec.weights.shape[0]
        # Broadcast against the data's (1, n[, H], W): only axis 1 may vary, and the sum must
        # keep the data's shape.
        dims = self.torch_dims()
        shape = value.shape
        value = value.reshape((1,) * max(len(dims) - value.ndim, 0) + shape)
        if (value.ndim != len(dims) or value.shape[1] not in (1, n)
                or any(v != 1 for i, v in enumerate(value.shape) if i != 1)):
            self.fail("the bias must have one value per output channel, not shape %r" % (shape,))
        value = np.broadcast_to(value.reshape(-1), (n,))
        spec.bias = (spec.bias if spec.bias is not None else 0.0) + value

    def op_BatchNormalization(self, node, a):
        spec = self.fold_target("batch normalisation")
        if a.get("training_mode", 0) or not a.get("spatial", 1):
            self.fail("only inference-mode, per-channel batch normalisation is supported")
        scale, beta, mean, var = (np.asarray(self.const(name, what), dtype=np.float64)
                                  for name, what in zip(node.input[1:5],
                                                        ("scale", "B", "mean", "var")))
        s = scale / np.sqrt(var + float(a.get("epsilon", 1e-5)))
        bias = spec.bias if spec.bias is not None else np.zeros(len(s))
        spec.weights = spec.weights * s.reshape((-1,) + (1,) * (spec.weights.ndim - 1))
        spec.bias = (bias - mean) * s + beta

    def activation(self, name):
        spec = self.prev_activated
        pooled = self.prev_pooled
        if spec is None and pooled is not None and pooled.activation:
            spec = pooled  # relu(max(relu(x))): an activation in a row, across the pooling
        if spec is not None:
            # A second activation in a row: F.relu6 exports as Relu, then Clip(0, 6).
            if "relu6" in (name, spec.activation):
                spec.activation = "relu6"
            self.activated = spec
            return
        spec = self.fusable if pooled is None else pooled
        if isinstance(spec, cnn.Dense):
            # The format's dense layer has no activation; a 1x1 convolution over 1x1xC does.
            conv = cnn.Conv2D(spec.weights[:, :, None, None], spec.bias, input=spec.input)
            self.layers[-1] = spec = conv
        if not isinstance(spec, (cnn.Conv2D, cnn.DepthwiseConv2D)) or spec.activation:
            # Nothing to fold it into (after an add, a pooling, the input, or on a tensor read
            # twice): an identity layer with the activation, a depthwise 1x3 convolution with
            # weights (0, 1, 0) (the format has no 1x1 depthwise kernel).
            c = self.chw[0] if self.chw is not None else self.flat
            weights = np.zeros((c, 1, 1, 3))
            weights[:, 0, 0, 1] = 1.0
            spec = cnn.DepthwiseConv2D(weights, None, padding=(0, 0, 1, 1))
            self.emit(spec)
        spec.activation = name
        self.fusable = None
        self.activated = spec

    def op_Relu(self, node, a):
        self.activation("relu")

    def op_Clip(self, node, a):
        if self.opset < 11:
            lo, hi = a.get("min", -math.inf), a.get("max", math.inf)
        else:
            bound = [float(self.const(node.input[i], "a bound")) if len(node.input) > i
                     and node.input[i] else None for i in (1, 2)]
            lo = -math.inf if bound[0] is None else bound[0]
            hi = math.inf if bound[1] is None else bound[1]
        after_relu = self.prev_activated is not None and self.prev_activated.activation in (
            "relu", "relu6")
        if (lo == 0 or (lo == -math.inf and after_relu)) and hi == 6:
            # F.relu6 before opset 11: Relu, then Clip with only max=6; min(relu(x), 6) is relu6
            self.activation("relu6")
        elif lo == 0 and hi == math.inf:
            self.activation("relu")
        else:
            self.fail("only Clip(0, 6) (ReLU6) and Clip(0, inf) (ReLU) are supported")

    def op_Softmax(self, node, a):
        axis = int(a.get("axis", 1 if self.opset < 13 else -1))
        dims = self.torch_dims()
        if self.chw is not None and self.chw[1:] == (1, 1) and axis % len(dims) == 1:
            self.flatten()
        if self.chw is not None or axis % len(dims) != 1:
            self.fail("softmax must be over the features of a flat input")
        self.emit(cnn.Softmax())

    def op_Transpose(self, node, a):
        """Between channels first and channels last (tf2onnx's way around ONNX's NCHW ops)."""
        perm = [int(v) for v in a.get("perm", [])]
        if self.chw is None:
            self.fail("only transposing a (C, H, W) or (C, L) tensor is supported")
        to_last = [0, 2, 1] if self.rank == 2 else [0, 2, 3, 1]
        to_first = [0, 2, 1] if self.rank == 2 else [0, 3, 1, 2]
        if self.nhwc and perm == to_first:
            self.nhwc = False
        elif not self.nhwc and perm == to_last:
            self.nhwc = True
        else:
            self.fail("only moving the channels first or last is supported, not perm %r"
                      % (perm,))

    def op_MaxPool(self, node, a):
        c, h, w = self.spatial("MaxPool")
        if len([o for o in node.output if o]) > 1:
            self.fail("the indices output is not supported")
        kernel = self.pool_kernel(a)
        ceil_mode = bool(a.get("ceil_mode", 0))
        stride, pad, (oh, ow), _ = self.window(a, kernel, ceil_mode)
        if ceil_mode:
            # PyTorch's rule: the last window may reach beyond the padding, if it starts inside
            # the input or the padding before it. The engine's windows stay inside the padded
            # input: more padding after, which holds no values for a max.
            oh, ow = _ceil_sizes((h, w), kernel, stride, pad)
            if oh < 1 or ow < 1:
                self.fail("the kernel is larger than the padded input")
            pad = (pad[0], max(pad[1], (oh - 1) * stride[0] + kernel[0] - h - pad[0]),
                   pad[2], max(pad[3], (ow - 1) * stride[1] + kernel[1] - w - pad[2]))
        if max(pad[:2]) >= kernel[0] or max(pad[2:]) >= kernel[1] or max(pad) > 255:
            self.fail("padding must be narrower than the window")
        # The convolution the pooling reads, with its activation folded in or not yet.
        conv = self.fusable if self.fusable is not None else self.prev_activated
        self.set_chw(c, oh, ow)
        self.emit(cnn.MaxPooling2D(tuple(kernel), stride=stride, padding=pad))
        if isinstance(conv, (cnn.Conv2D, cnn.DepthwiseConv2D)):
            self.pooled = conv
