# emlearn_cnn_int8 / emlearn_cnn_fp32 contract tests. MicroPython-style: runs unchanged on
# CPython (host modules) and on MicroPython (the .mpy). The models are the reference's own files
# (tests/data/mnist_cnn_*.tmdl, copied from ../shared/compat: a Keras CNN, 3 x Conv2D 3x3 stride 2
# + ReLU, global average pooling, Dense(10), softmax); layer-by-layer arithmetic against a numpy
# implementation is in tests/host/test_cnn.py.
import array
import gc

import emlearn_cnn_fp32
import emlearn_cnn_int8
from harness import data_path, lcg, raises, run, test

MODULES = ((emlearn_cnn_int8, "mnist_cnn_int8.tmdl"), (emlearn_cnn_fp32, "mnist_cnn_fp32.tmdl"))


def read(name):
    with open(data_path(name), "rb") as f:
        return f.read()


def image(n):
    return array.array("B", read("mnist_examples/mnist_example_%d.bin" % n))


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def classify(net, n):
    out = array.array("f", [0.0] * 10)
    net.run(image(n), out)
    return out


@test
def compat_models_classify_the_mnist_examples():
    for module, name in MODULES:
        net = module.new(read(name))
        assert net.output_dimensions() == (10,)
        right = 0
        for n in range(10):
            out = classify(net, n)
            right += argmax(out) == n
            assert abs(sum(out) - 1.0) < 0.05, (name, n, sum(out))  # softmax probabilities
            assert min(out) >= 0.0
        assert right >= 9, (name, right)  # the compat README's bar; measured: 10 of 10


@test
def int8_and_fp32_models_agree():
    int8 = emlearn_cnn_int8.new(read("mnist_cnn_int8.tmdl"))
    fp32 = emlearn_cnn_fp32.new(read("mnist_cnn_fp32.tmdl"))
    for n in range(10):
        a, b = classify(int8, n), classify(fp32, n)
        assert argmax(a) == argmax(b), n
        assert max(abs(x - y) for x, y in zip(a, b)) < 0.1, (n, list(a), list(b))


@test
def int8_outputs_are_dequantised_steps():
    # The int8 softmax output is quantised with scale 1/256: every probability is a multiple.
    out = classify(emlearn_cnn_int8.new(read("mnist_cnn_int8.tmdl")), 3)
    for v in out:
        assert v * 256 == int(v * 256 + 0.5), v


@test
def model_from_bytes_bytearray_or_array():
    data = read("mnist_cnn_int8.tmdl")
    want = list(classify(emlearn_cnn_int8.new(data), 7))
    for model in (bytearray(data), array.array("B", data), memoryview(data)):
        assert list(classify(emlearn_cnn_int8.new(model), 7)) == want


@test
def model_is_copied():
    data = bytearray(read("mnist_cnn_fp32.tmdl"))
    net = emlearn_cnn_fp32.new(data)
    want = list(classify(net, 2))
    for i in range(64, len(data)):
        data[i] = 0
    assert list(classify(net, 2)) == want


@test
def runs_are_repeatable_and_leave_the_input_alone():
    net = emlearn_cnn_int8.new(read("mnist_cnn_int8.tmdl"))
    x = image(5)
    before = bytes(x)
    out1 = array.array("f", [0.0] * 10)
    out2 = array.array("f", [9.0] * 10)
    net.run(x, out1)
    net.run(x, out2)
    assert list(out1) == list(out2)
    assert bytes(x) == before
    net.run(bytes(x), out2)  # a read-only input is fine
    assert list(out1) == list(out2)


@test
def each_module_refuses_the_other_kind():
    raises(ValueError, emlearn_cnn_fp32.new, read("mnist_cnn_int8.tmdl"),
           contains="int8 model: load it with emlearn_cnn_int8")
    raises(ValueError, emlearn_cnn_int8.new, read("mnist_cnn_fp32.tmdl"),
           contains="fp32 model: load it with emlearn_cnn_fp32")


@test
def new_refuses_what_is_not_a_model_buffer():
    raises(ValueError, emlearn_cnn_int8.new, array.array("h", [0] * 64), contains="model should be bytes")
    raises(ValueError, emlearn_cnn_int8.new, array.array("f", [0.0] * 64), contains="model should be bytes")
    raises(TypeError, emlearn_cnn_int8.new, [0] * 64)
    raises(TypeError, emlearn_cnn_int8.new, 64)
    raises(TypeError, emlearn_cnn_int8.new, "MAIX")
    raises(ValueError, emlearn_cnn_int8.new, b"", contains="invalid model: truncated")
    raises(ValueError, emlearn_cnn_int8.new, b"XIAM" + bytes(60), contains="magic")


def patched(data, offset, value_bytes):
    b = bytearray(data)
    b[offset:offset + len(value_bytes)] = value_bytes
    return bytes(b)


@test
def corrupt_headers_are_named():
    data = read("mnist_cnn_int8.tmdl")
    m = emlearn_cnn_int8.new
    raises(ValueError, m, patched(data, 4, b"\x01"), contains="unsupported model type 1")
    raises(ValueError, m, patched(data, 6, b"\x02\x00"), contains="one input")
    raises(ValueError, m, patched(data, 10, b"\x00\x00"), contains="one input, one output and a layer")
    raises(ValueError, m, patched(data, 10, b"\x07\x00"), contains="layer 5: the output must be")
    raises(ValueError, m, patched(data, 20, b"\x00\x00"), contains="bad dimensions")
    raises(ValueError, m, patched(data, 22, b"\x1d\x00"), contains="layer 0: input is not")
    # Layer 0 starts at 64: type, is_out, size, dims, scales; its conv body at 112.
    raises(ValueError, m, patched(data, 64, b"\x06\x00"), contains="layer 0: unsupported layer type 6")
    raises(ValueError, m, patched(data, 64, b"\x09\x00"), contains="unsupported layer type 9")
    raises(ValueError, m, patched(data, 66, b"\x01\x00"), contains="layer 0: the output must be")
    raises(ValueError, m, patched(data, 68, b"\xd9\x00"), contains="layer 0: bad layer size")
    raises(ValueError, m, patched(data, 68, b"\xff\xff\x00\x00"), contains="layer 0: truncated")
    raises(ValueError, m, patched(data, 90, b"\x0e\x00"), contains="layer 0: output dimensions")
    raises(ValueError, m, patched(data, 96, b"\x00\x00\x80\xff"), contains="layer 0: bad scale")
    raises(ValueError, m, patched(data, 100, b"\x00\x01\x00\x00"), contains="bad scale")
    raises(ValueError, m, patched(data, 112, b"\x00"), contains="layer 0: unsupported kernel")
    raises(ValueError, m, patched(data, 116, b"\x02"), contains="unsupported kernel, stride or dilation")
    raises(ValueError, m, patched(data, 118, b"\x04\x00"), contains="layer 0: unsupported activation 4")
    raises(ValueError, m, patched(data, 124, b"\x01\x00\x00\x00"), contains="layer 0: output dimensions")
    raises(ValueError, m, patched(data, 136, b"\xd0\x00\x00\x00"), contains="layer 0: weights, biases")
    raises(ValueError, m, patched(data, 140, b"\xb9\x00\x00\x00"), contains="weights, biases")


@test
def every_truncation_is_refused():
    for module, name in MODULES:
        data = read(name)
        step = 1 if len(data) < 5000 else 7
        for n in range(0, len(data), step):
            raises(ValueError, module.new, data[:n], contains="invalid model")


@test
def flipped_bytes_load_and_run_or_are_refused():
    # A bit flipped anywhere: the file is refused with ValueError, or it loads (a weight changed)
    # and runs; nothing else may happen.
    rnd = lcg(11)
    for module, name in MODULES:
        data = read(name)
        loaded = 0
        for _ in range(150):
            b = bytearray(data)
            i = rnd(len(b))
            b[i] ^= 1 << rnd(8)
            try:
                net = module.new(b)
            except ValueError:
                continue
            loaded += 1
            out = array.array("f", [0.0] * 10)
            net.run(image(rnd(10)), out)
        assert loaded > 0


@test
def run_checks_its_arrays():
    net = emlearn_cnn_fp32.new(read("mnist_cnn_fp32.tmdl"))
    x = image(1)
    out = array.array("f", [7.0] * 10)
    raises(ValueError, net.run, array.array("b", [0] * 784), out, contains="expecting byte array")
    raises(ValueError, net.run, array.array("f", [0.0] * 784), out, contains="expecting byte array")
    raises(ValueError, net.run, x[:783], out, contains="wrong array length for input: expected 784, got 783")
    raises(ValueError, net.run, array.array("B", bytes(785)), out, contains="expected 784, got 785")
    raises(ValueError, net.run, x, array.array("d", [0.0] * 10), contains="expecting float array")
    raises(ValueError, net.run, x, array.array("f", [0.0] * 9), contains="wrong array length for output: expected 10, got 9")
    raises(ValueError, net.run, x, array.array("f", [0.0] * 11), contains="expected 10, got 11")
    raises(TypeError, net.run, x, bytes(40))
    raises(TypeError, net.run, [0] * 784, out)
    assert list(out) == [7.0] * 10  # untouched by every refused call


@test
def methods_refuse_objects_of_other_types():
    net = emlearn_cnn_int8.new(read("mnist_cnn_int8.tmdl"))
    raises(TypeError, type(net).run, "not a network", image(0), array.array("f", [0.0] * 10))
    raises(TypeError, type(net).output_dimensions, 42)


@test
def memory_is_returned_after_del():
    if not hasattr(gc, "mem_alloc"):
        return  # MicroPython only
    data = read("mnist_cnn_fp32.tmdl")
    x = image(4)
    out = array.array("f", [0.0] * 10)
    emlearn_cnn_fp32.new(data).run(x, out)  # first-use allocations happen here
    gc.collect()
    before = gc.mem_alloc()
    net = emlearn_cnn_fp32.new(data)
    net.run(x, out)
    added = gc.mem_alloc() - before
    # The model's copy (12,896 bytes) and a work buffer: two activations of 13 x 13 x 8 floats
    # and the largest receptive field, 3 x 3 taps of 12 channels.
    need = len(data) + 2 * 13 * 13 * 8 * 4 + 3 * 3 * 12 * 4
    assert need <= added <= need + 256, added
    del net
    gc.collect()
    assert gc.mem_alloc() - before <= 32, gc.mem_alloc() - before


run()
