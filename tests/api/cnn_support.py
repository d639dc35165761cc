# What tests/api/test_cnn_int8.py and test_cnn_fp32.py share: the reference's files
# (tests/data/mnist_cnn_*.tmdl, copied from ../shared/compat: a Keras CNN, 3 x Conv2D 3x3 stride 2
# + ReLU, global average pooling, Dense(10), softmax), its ten MNIST images, and small networks
# written by microlearn.cnn (tests/fuzz/seeds/cnn).
import array
import gc
import os
import struct

from harness import data_path

_files = {}


def read(path):
    """The contents of a file (a bytearray), read once."""
    if path not in _files:
        _files[path] = read_uncached(path)
    return _files[path]


def read_uncached(path):
    """The contents of a file (a bytearray), not kept."""
    buf = bytearray(os.stat(path)[6])
    with open(path, "rb") as f:
        assert f.readinto(buf) == len(buf)
    return buf


def read_floats(path):
    """A file of little-endian float32 values as array('f')."""
    values = array.array("f", [0.0] * (os.stat(path)[6] // 4))
    with open(path, "rb") as f:
        assert f.readinto(values) == 4 * len(values)
    return values


def keep(path, data):
    """read(path) gives data from now on (a file read before this module was imported)."""
    _files[path] = data


def model(kind):
    return read(data_path("mnist_cnn_%s.tmdl" % kind))


def small_model(kind):
    return read("tests/fuzz/seeds/cnn/small_%s.tmdl" % kind)


def image(n):
    return array.array("B", read(data_path("mnist_examples/mnist_example_%d.bin" % n)))


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


def add_model(kind, n, outs, in1=(0, 0), buf_size=None):
    """A model of two add layers, made here byte by byte (docs/cnn_format.md) on an input x of
    1x1xn at offset 0 of the work buffer: y = x + x written at outs[0], then y + x at outs[1]
    (the second inputs read at offsets in1). int8: x has scale 1/255 and zero point -128 (the
    uint8 image minus 128), y 2/255, the output 3/255: 3 * u / 255 within the truncations."""
    int8 = kind == "int8"
    es = 1 if int8 else 4
    zp = "i" if int8 else "f"
    scales = ((1 / 255, 1 / 255, 2 / 255), (2 / 255, 1 / 255, 3 / 255))
    if buf_size is None:
        buf_size = max(outs) + n * es
    dims = (1, 1, 1, n)
    data = b"MAIX" + struct.pack("<BBHHHII4H4H", 0 if int8 else 2, 1, 1, 1, 2, buf_size, 0,
                                 *(dims + dims)) + bytes(28)
    in_oft = 0
    for k in range(2):
        s_in, s_in1, s_out = scales[k]
        data += struct.pack("<HHIII4H4H", 6, k, 64, in_oft, outs[k], *(dims + dims))
        data += struct.pack("<f" + zp + "f" + zp, s_in, -128, s_out, -128)
        data += struct.pack("<If" + zp + "I", in1[k], s_in1, -128, 0)
        in_oft = outs[k]
    return data


def pool_model(kind, pad=(0, 0, 0, 0), act=0, out_s=1 / 255):
    """One max pooling (microlearn's layer type 128), made here byte by byte
    (docs/cnn_format.md): a 4x4x2 input, 2x2 windows, stride 2, padding `pad`, -> 2x2x2. int8:
    the input's scale 1/255 and zero point -128 (the uint8 image minus 128), the output `out_s`
    and -128 (out_deq): u / 255 for the largest u of each window, as fp32 gives."""
    int8 = kind == "int8"
    es = 1 if int8 else 4
    zp = "i" if int8 else "f"
    d_in, d_out = (3, 4, 4, 2), (3, 2, 2, 2)
    data = b"MAIX" + struct.pack("<BBHHHII4H4H", 0 if int8 else 2, 1, 1, 1, 1, 40 * es, 0,
                                 *(d_in + d_out)) + bytes(28)
    data += struct.pack("<HHIII4H4H", 128, 1, 64, 0, 32 * es, *(d_in + d_out))
    data += struct.pack("<f" + zp + "f" + zp, 1 / 255, -128, out_s, -128)
    return data + struct.pack("<6BH4BI", 2, 2, 2, 2, 1, 1, act, *(pad + (0,)))


def wide_pool_model(kind, c):
    """One max pooling with a 255x255 window, stride 1, over a 511x511xc input -> 257x257xc:
    65,025 comparisons for each of 66,049 * c outputs, just below the engine's limit of 2^32 - 1
    operations a run for c = 1, above it for c = 2. A file of 128 bytes."""
    es = 1 if kind == "int8" else 4
    zp = "i" if kind == "int8" else "f"
    d_in, d_out = (3, 511, 511, c), (3, 257, 257, c)
    in_bytes = 511 * 511 * c * es
    buf_size = in_bytes + 257 * 257 * c * (es + 4) + 8  # int8: the dequantised floats after
    data = b"MAIX" + struct.pack("<BBHHHII4H4H", 0 if kind == "int8" else 2, 1, 1, 1, 1,
                                 buf_size, 0, *(d_in + d_out)) + bytes(28)
    data += struct.pack("<HHIII4H4H", 128, 1, 64, 0, in_bytes, *(d_in + d_out))
    data += struct.pack("<f" + zp + "f" + zp, 1 / 255, -128, 1 / 255, -128)
    return data + struct.pack("<6BH4BI", 255, 255, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0)


def nan_model():
    """An int8 1x1 conv2d of one input to two channels with zero weights and biases, whose input
    scale 3e38 times the first channel's weight scale 3e38 overflows to infinity: that channel's
    zero sum times it is NaN, which must come out as 0 (docs/cnn_format.md, sat8)."""
    body = struct.pack("<6BH4BIIIII", 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 80, 88, 96)
    arrays = struct.pack("<2f", 3e38, 1.0) + bytes(8) + struct.pack("<2i", 0, 0)
    layer = struct.pack("<HHIII4H4H", 0, 1, 104, 0, 8, 1, 1, 1, 1, 1, 1, 1, 2)
    layer += struct.pack("<fifi", 3e38, -128, 1 / 255, 0) + body + arrays
    return b"MAIX" + struct.pack("<BBHHHII4H4H", 0, 1, 1, 1, 1, 64, 0, 1, 1, 1, 1, 1, 1, 1,
                                 2) + bytes(28) + layer


def dilated_model(kind, dilation=2):
    """One conv2d made here byte by byte (docs/cnn_format.md): a 1x7x1 input, a 1x3 kernel with
    weights 1, 2, 3 whose taps are `dilation` apart (microlearn's extension), -> 1x(7 - 2 *
    dilation)x1. Output column x is (u[x] + 2 u[x + d] + 3 u[x + 2 d]) / 255. int8: weight scale
    1, bias 768 = 128 * (1 + 2 + 3) (the image is stored as u - 128), output scale 6/255 and
    zero point -128 (out_deq), so an output is within 6/255 of the fp32 one."""
    int8 = kind == "int8"
    es = 1 if int8 else 4
    zp = "i" if int8 else "f"
    ow = 7 - 2 * dilation
    d_in, d_out = (3, 1, 7, 1), (3, 1, ow, 1)
    w_size = 3 * es
    b_oft = (84 + w_size + 3) // 4 * 4
    size = (b_oft + 4 + 7) // 8 * 8
    data = b"MAIX" + struct.pack("<BBHHHII4H4H", 0 if int8 else 2, 1, 1, 1, 1, 16 * es, 0,
                                 *(d_in + d_out)) + bytes(28)
    data += struct.pack("<HHIII4H4H", 0, 1, size, 0, 8 * es, *(d_in + d_out))
    data += struct.pack("<f" + zp + "f" + zp, 1 / 255, -128, 6 / 255 if int8 else 1, -128)
    data += struct.pack("<6BH4BIIIII", 3, 1, 1, 1, dilation, 1, 0, 0, 0, 0, 0, 0, 0, 80, 84,
                        b_oft)
    data += struct.pack("<f", 1.0)  # weight scale (read in int8 models only)
    data += struct.pack("<3b", 1, 2, 3) if int8 else struct.pack("<3f", 1, 2, 3)
    data += bytes(b_oft - 84 - w_size)
    data += struct.pack("<i", 768) if int8 else struct.pack("<f", 0)
    return data + bytes(size - b_oft - 4)


def patched(data, offset, value_bytes):
    b = bytearray(data)
    b[offset:offset + len(value_bytes)] = value_bytes
    return b


def fresh():
    gc.collect()


def define_tests(module, kind):
    """The contract tests of one of the two modules (`kind` "int8" or "fp32")."""
    from harness import lcg, raises, test

    other = "fp32" if kind == "int8" else "int8"
    esize = 1 if kind == "int8" else 4
    # The network on the reference's model, made once and first, and every file the tests read,
    # now: made later, they would be among the tests' garbage, which cuts a small heap (QEMU:
    # 140 KB) into pieces too small for the fp32 network's 11 KB work buffer.
    nets = [module.new(model(kind))]  # a list: the last test drops it
    for n in range(10):
        image(n)
    small_model("int8")
    small_model("fp32")

    def damageable():
        # The file the damage tests copy again and again: the small network, whose first layer is
        # a conv2d as in the reference's model. Copies of the reference's model (4 and 13 KB)
        # fragment a 140 KB heap (QEMU) until they no longer fit; every truncation of those two
        # files is refused in tests/core/test_cnn.cpp.
        return small_model(kind)

    @test
    def compat_model_classifies_the_mnist_examples():
        net = nets[0]
        assert net.output_dimensions() == (10,)
        right = 0
        for n in range(10):
            out = classify(net, n)
            right += argmax(out) == n
            assert abs(sum(out) - 1.0) < 0.05, (n, sum(out))  # softmax probabilities
            assert min(out) >= 0.0
            if kind == "int8":  # dequantised int8 softmax outputs: multiples of its scale 1/256
                assert all(v * 256 == int(v * 256 + 0.5) for v in out), list(out)
        assert right >= 9, right  # the compat README's bar; measured: 10 of 10

    @test
    def stored_networks_give_tinymaix_outputs():
        # What TinyMaix itself computed for random networks (tests/data/cnn_tinymaix, made by
        # tools/gen_tinymaix_refs.py with the reference's modules): int8 equal; fp32 within
        # 1e-5 of the largest output (a core with fused multiply-adds rounds differently).
        folder = data_path("cnn_tinymaix")
        names = sorted(n[:-5] for n in os.listdir(folder)
                       if n.startswith(kind + "_") and n.endswith(".tmdl"))
        assert len(names) >= 3, names
        for name in names:
            base = folder + "/" + name
            net = module.new(read_uncached(base + ".tmdl"))
            images = read_uncached(base + ".bin")
            want = read_floats(base + ".out")
            k = 1
            for d in net.output_dimensions():
                k *= d
            n_images = len(want) // k
            size = len(images) // n_images
            out = array.array("f", [0.0] * k)
            limit = 1e-5 * max(1.0, max(abs(v) for v in want))
            for i in range(n_images):
                net.run(array.array("B", images[i * size:(i + 1) * size]), out)
                for j in range(k):
                    got, w = out[j], want[i * k + j]
                    assert got == w if kind == "int8" else abs(got - w) <= limit, (name, i, j,
                                                                                  got, w)
            del net, images, want
            fresh()

    @test
    def model_from_bytes_bytearray_array_or_memoryview():
        data = small_model(kind)
        x, out = array.array("B", range(0, 240, 4)), array.array("f", [0.0] * 4)
        module.new(data).run(x, out)
        want = list(out)
        for m in (bytes(data), array.array("B", data), memoryview(data)):
            module.new(m).run(x, out)
            assert list(out) == want

    @test
    def model_is_copied():
        data = bytearray(small_model(kind))
        net = module.new(data)
        x, out = array.array("B", range(0, 240, 4)), array.array("f", [0.0] * 4)
        net.run(x, out)
        want = list(out)
        for i in range(64, len(data)):
            data[i] = 0
        net.run(x, out)
        assert list(out) == want

    @test
    def runs_are_repeatable_and_leave_the_input_alone():
        net = nets[0]
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
    def refuses_the_other_kind():
        raises(ValueError, module.new, small_model(other),
               contains="%s model: load it with emlearn_cnn_%s" % (other, other))

    @test
    def new_refuses_what_is_not_a_model_buffer():
        raises(ValueError, module.new, array.array("h", [0] * 64), contains="model should be bytes")
        raises(ValueError, module.new, array.array("f", [0.0] * 64), contains="model should be bytes")
        raises(TypeError, module.new, [0] * 64)
        raises(TypeError, module.new, 64)
        raises(TypeError, module.new, "MAIX")
        raises(ValueError, module.new, b"", contains="invalid model: truncated")
        raises(ValueError, module.new, b"XIAM" + bytes(60), contains="magic")

    @test
    def corrupt_headers_are_named():
        fresh()  # many small models in a row: start from a collected heap (QEMU: 140 KB)
        data = damageable()
        m = module.new
        raises(ValueError, m, patched(data, 4, b"\x01"), contains="unsupported model type 1")
        raises(ValueError, m, patched(data, 6, b"\x02\x00"), contains="one input")
        raises(ValueError, m, patched(data, 10, b"\x00\x00"), contains="one input, one output and a layer")
        raises(ValueError, m, patched(data, 10, b"\x07\x00"), contains="layer 5: the output must be")
        raises(ValueError, m, patched(data, 20, b"\x00\x00"), contains="bad dimensions")
        raises(ValueError, m, patched(data, 22, b"\x01\x00"), contains="layer 0: input is not")
        raises(ValueError, m, patched(data, 22, b"\x1d\x00"), contains="invalid model: activations overlap, are misaligned or exceed buf_size")
        # Layer 0 starts at 64: type, is_out, size, dims, scales; its conv body at 112.
        raises(ValueError, m, patched(data, 64, b"\x07\x00"), contains="layer 0: unsupported layer type 7")
        raises(ValueError, m, patched(data, 64, b"\x09\x00"), contains="unsupported layer type 9")
        raises(ValueError, m, patched(data, 66, b"\x01\x00"), contains="layer 0: the output must be")
        raises(ValueError, m, patched(data, 68, b"\xd9\x00"), contains="layer 0: bad layer size")
        raises(ValueError, m, patched(data, 68, b"\xff\xff\x00\x00"), contains="layer 0: truncated")
        raises(ValueError, m, patched(data, 90, b"\x0e\x00"), contains="layer 0: output dimensions")
        raises(ValueError, m, patched(data, 112, b"\x00"), contains="layer 0: unsupported kernel")
        raises(ValueError, m, patched(data, 116, b"\x00"), contains="unsupported kernel, stride or dilation")
        # dilation 2: the 5x5 kernel would span 9 columns, not the 5 its output dims imply
        raises(ValueError, m, patched(data, 116, b"\x02"), contains="layer 0: output dimensions")
        raises(ValueError, m, patched(data, 118, b"\x04\x00"), contains="layer 0: unsupported activation 4")
        raises(ValueError, m, patched(data, 124, b"\x01\x00\x00\x00"), contains="layer 0: output dimensions")
        raises(ValueError, m, patched(data, 140, b"\xb9\x00\x00\x00"), contains="weights, biases")
        if kind == "int8":  # the scales and zero points of fp32 files are not used
            raises(ValueError, m, patched(data, 96, b"\x00\x00\x80\xff"), contains="layer 0: bad scale")
            raises(ValueError, m, patched(data, 100, b"\x00\x01\x00\x00"), contains="bad scale")
            raises(ValueError, m, patched(data, 136, b"\xd0\x00\x00\x00"), contains="layer 0: weights, biases")

    @test
    def add_layers_read_and_write_where_the_file_says():
        n = 20
        x = array.array("B", range(0, 240, 12))
        out = array.array("f", [0.0] * n)
        step = 2 * 3 / 255 if kind == "int8" else 1e-6  # two truncations; float rounding
        end = ((n * esize + 7) // 8) * 8
        # y beyond the input, the output beyond y; the output over y (an add may write over
        # one of its inputs exactly, element by element)
        for outs in ((end, 2 * end), (end, end), (2 * end, end)):
            net = module.new(add_model(kind, n, outs))
            assert net.output_dimensions() == (n,)
            net.run(x, out)
            for u, v in zip(x, out):
                assert abs(v - 3 * u / 255) <= step, (outs, u, v)

    @test
    def add_layers_are_checked():
        n = 20
        end = ((n * esize + 7) // 8) * 8
        m = module.new
        raises(ValueError, m, add_model(kind, n, (end, 2 * end), in1=(0, 4 * esize)),
               contains="layer 1: input is not an earlier output")
        raises(ValueError, m, add_model(kind, n, (end, 2 * end), in1=(0, 2 * end)),
               contains="layer 1: input is not an earlier output")
        raises(ValueError, m, add_model(kind, n, (4 * esize, 2 * end)),
               contains="layer 0: activations overlap")
        raises(ValueError, m, add_model(kind, n, (end, 2 * end), buf_size=2 * end),
               contains="layer 1: activations overlap, are misaligned or exceed buf_size")
        raises(ValueError, m, patched(add_model(kind, n, (end, 2 * end)), 26, b"\x13\x00"),
               contains="layer 0: input is not an earlier output")  # the input is 1x1x19
        if kind == "fp32":
            raises(ValueError, m, add_model(kind, n, (end + 2, 2 * end)), contains="misaligned")

    @test
    def dilated_convolutions_read_taps_apart():
        u = array.array("B", [10, 200, 30, 250, 50, 0, 70])
        for d in (1, 2, 3):
            ow = 7 - 2 * d
            out = array.array("f", [0.0] * ow)
            net = module.new(dilated_model(kind, d))
            assert net.output_dimensions() == (1, ow, 1)
            net.run(u, out)
            for x in range(ow):
                want = (u[x] + 2 * u[x + d] + 3 * u[x + 2 * d]) / 255
                assert abs(out[x] - want) <= (6 / 255 if kind == "int8" else 1e-5), (d, x, out[x])
        raises(ValueError, module.new, patched(dilated_model(kind), 116, b"\x00"),
               contains="layer 0: unsupported kernel, stride or dilation")
        # a window wider than the input: a 3-tap kernel, taps 4 apart, spans 9 columns of 7
        raises(ValueError, module.new, patched(dilated_model(kind, 3), 116, b"\x04"),
               contains="layer 0: output dimensions")

    @test
    def max_pooling_takes_the_largest_value_of_each_window():
        x = array.array("B", [(37 * i + 11) % 256 for i in range(32)])  # 4x4x2, HWC
        out = array.array("f", [0.0] * 8)
        net = module.new(pool_model(kind))
        assert net.output_dimensions() == (2, 2, 2)
        net.run(x, out)
        for oy in range(2):
            for ox in range(2):
                for c in range(2):
                    top = max(x[((2 * oy + ky) * 4 + 2 * ox + kx) * 2 + c]
                              for ky in range(2) for kx in range(2))
                    got = out[(oy * 2 + ox) * 2 + c]
                    assert abs(got - top / 255) <= 1e-6, (oy, ox, c, got, top)

    @test
    def max_pooling_is_checked():
        m = module.new
        raises(ValueError, m, pool_model(kind, pad=(2, 0, 0, 0)),
               contains="layer 0: output dimensions do not follow")  # padding as wide as the window
        raises(ValueError, m, pool_model(kind, act=1), contains="layer 0: unsupported activation 1")
        raises(ValueError, m, patched(pool_model(kind), 116, b"\x02"),
               contains="unsupported kernel, stride or dilation")
        if kind == "int8":
            raises(ValueError, m, pool_model(kind, out_s=2 / 255),
                   contains="layer 0: bad scale, zero point or bias, or a max pooling that "
                   "changes them")
        else:
            m(pool_model(kind, out_s=2 / 255))  # fp32 files' scales are not used

    @test
    def runs_beyond_the_work_limit_are_refused():
        fresh()
        raises(ValueError, module.new, wide_pool_model(kind, 2),
               contains="layer 0: a run needs 2^32 operations or more")

    if kind == "int8":
        @test
        def nan_from_an_overflowed_scale_is_zero():
            out = array.array("f", [9.0, 9.0])
            module.new(nan_model()).run(bytes([77]), out)
            assert list(out) == [0.0, 0.0], list(out)

    @test
    def every_truncation_is_refused():
        fresh()
        data = memoryview(damageable())  # slices without copies
        step = 1
        for n in range(0, len(data), step):
            raises(ValueError, module.new, data[:n], contains="invalid model")
        fresh()

    @test
    def flipped_bits_load_and_run_or_are_refused():
        # A bit flipped anywhere: the file is refused with ValueError, or it loads (a weight
        # changed) and runs; nothing else may happen.
        fresh()
        rnd = lcg(11)
        out = array.array("f", [0.0] * 4)
        x = array.array("B", range(0, 240, 4))
        b = bytearray(damageable())  # one copy, flipped and restored in place
        loaded = 0
        for k in range(150):
            i, bit = rnd(len(b)), 1 << rnd(8)
            b[i] ^= bit
            try:
                net = module.new(b)
                loaded += 1
                net.run(x, out)
                net = None
            except ValueError:
                pass
            b[i] ^= bit
            if k % 10 == 0:
                fresh()
        assert loaded > 0

    @test
    def run_checks_its_arrays():
        net = nets[0]
        x = image(1)
        out = array.array("f", [7.0] * 10)
        raises(ValueError, net.run, array.array("b", [0] * 784), out, contains="expecting byte array")
        raises(ValueError, net.run, array.array("f", [0.0] * 784), out, contains="expecting byte array")
        raises(ValueError, net.run, x[:783], out, contains="wrong input size: expected 784, got 783")
        raises(ValueError, net.run, array.array("B", bytes(785)), out, contains="expected 784, got 785")
        raises(ValueError, net.run, x, array.array("d", [0.0] * 10), contains="expecting float array")
        raises(ValueError, net.run, x, array.array("f", [0.0] * 9), contains="wrong output size: expected 10, got 9")
        raises(ValueError, net.run, x, array.array("f", [0.0] * 11), contains="expected 10, got 11")
        raises(TypeError, net.run, x, bytes(40))
        raises(TypeError, net.run, [0] * 784, out)
        assert list(out) == [7.0] * 10  # untouched by every refused call

    @test
    def methods_refuse_objects_of_other_types():
        net = module.new(small_model(kind))
        raises(TypeError, type(net).run, "not a network", image(0), array.array("f", [0.0] * 10))
        raises(TypeError, type(net).output_dimensions, 42)

    @test
    def memory_is_returned_after_del():
        if not hasattr(gc, "mem_alloc"):
            return  # MicroPython only
        nets.clear()  # the shared network: room for the one measured here
        data = model(kind)  # bytes: read in place
        x = image(4)
        out = array.array("f", [0.0] * 10)
        module.new(data).run(x, out)  # first-use allocations happen here
        gc.collect()
        before = gc.mem_alloc()
        net = module.new(data)
        net.run(x, out)
        added = gc.mem_alloc() - before
        # A work buffer: the activations as the file lays them out (up to the end of the third
        # convolution's 2 x 2 x 18 output at offset 2064 (int8) / 8256 (fp32): 2136 / 8544
        # bytes, the file's buf_size), the largest receptive field (3 x 3 taps of 12 channels),
        # for int8 18 float scales; no copy of the bytes model.
        need = (2136 if esize == 1 else 8544) + 3 * 3 * 12 * esize + (18 * 4 if esize == 1 else 0)
        assert need <= added <= need + 256, (need, added)
        del net
        gc.collect()
        assert gc.mem_alloc() - before <= 32, gc.mem_alloc() - before
        # Any other buffer is copied.
        small = bytearray(small_model(kind))
        gc.collect()
        before = gc.mem_alloc()
        net = module.new(small)
        assert gc.mem_alloc() - before >= len(small)
