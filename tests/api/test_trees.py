# emlearn_trees contract tests. MicroPython-style: runs unchanged on CPython (host module) and on a
# MicroPython Unix port (the .mpy). Expected values are worked out by hand from the tiny models.
import array
import io
import struct
import sys

import emlearn_trees
from harness import close, data_path, lcg, long_ints, memory_around, raises, run, test

XOR_INPUTS = ([0, 0], [32767, 32767], [0, 32767], [32767, 0])

# One tree: x0 < 5.5 (i.e. x0 <= 5) -> class 0 else (x1 < -2.5 -> class 1 else class 2)
THREE_CLASS = """f,2
c,3
l,0
l,1
l,2
r,0
n,0,5.5,-1,1
n,1,-2.5,-2,-3
"""


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def load_text(text, max_trees=4, max_nodes=20, max_leaves=8):
    model = emlearn_trees.new(max_trees, max_nodes, max_leaves)
    emlearn_trees.load_model(model, io.StringIO(text))
    return model


def predict(model, x):
    out = array.array("f", [0] * model.outputs())
    model.predict(array.array("h", x), out)
    return out


def array_subclass_named_array():
    class array(ARRAY):  # noqa: N801  (the name is the point)
        pass

    return array


ARRAY = array.array


# First test on purpose: the native module reads array.array objects directly and learns that
# type from the first buffer it sees, so a Python class named "array" must not be taken for it.
@test
def buffers_subclass_memoryview_bytearray_read_like_arrays():
    model = load_text(THREE_CLASS)
    rows = ([5, 0], [6, -3], [6, -2])
    out = array.array("f", [0] * 3)
    subclass = array_subclass_named_array()
    for x, expected in zip(rows, (0, 1, 2)):
        model.predict(subclass("h", x), out)  # the first buffer this module sees
        assert argmax(out) == expected, (x, list(out))
        model.predict(memoryview(array.array("h", [99] + x))[1:], out)  # an offset into a buffer
        assert argmax(out) == expected, (x, list(out))
        model.predict(array.array("h", x), out)
        assert argmax(out) == expected, (x, list(out))
        model.predict(subclass("h", x), out)  # after a real array was seen
        assert argmax(out) == expected, (x, list(out))
    raises(ValueError, model.predict, bytearray(4), out)  # typecode B, not h
    raises(ValueError, model.predict, array.array("h", [1, 2, 3]), out)
    raises(ValueError, model.predict, memoryview(array.array("h", [1, 2, 3]))[1:2], out)
    raises(ValueError, model.predict, subclass("h", [1, 2, 3]), out)


@test
def compat_xor_model_from_reference():
    model = emlearn_trees.new(5, 30, 2)
    with open(data_path("xor_model.csv")) as f:
        emlearn_trees.load_model(model, f)
    assert model.outputs() == 2
    results = [argmax(predict(model, x)) for x in XOR_INPUTS]
    assert results == [0, 0, 1, 1], results
    for x in XOR_INPUTS:
        out = predict(model, x)
        assert close(out[0] + out[1], 1.0, 1e-6)


@test
def load_from_list_of_lines_and_crlf():
    with open(data_path("xor_model.csv")) as f:
        text = f.read()
    lines = text.split("\n")
    model = emlearn_trees.new(5, 30, 2)
    emlearn_trees.load_model(model, lines)
    crlf = load_text(text.replace("\n", "\r\n"), 5, 30, 2)
    # any iterable of lines, as the reference's loader takes: a tuple, a generator
    from_tuple = emlearn_trees.new(5, 30, 2)
    emlearn_trees.load_model(from_tuple, tuple(lines))
    from_generator = emlearn_trees.new(5, 30, 2)
    emlearn_trees.load_model(from_generator, (line for line in lines))
    for x in XOR_INPUTS:
        want = list(predict(model, x))
        assert want == list(predict(crlf, x)) == list(predict(from_tuple, x))
        assert want == list(predict(from_generator, x))
    raises(TypeError, emlearn_trees.load_model, from_tuple, 5)


@test
def trailing_commas_and_the_kind_as_written_as_the_reference_reads_them():
    base = load_text(THREE_CLASS)
    commas = THREE_CLASS.replace("\nr,0\n", "\nr,0,\n").replace("-1,1\n", "-1,1,\n")
    spaced = THREE_CLASS + " r,0\n\tr,0\nr ,0\n"  # kinds " r", "\tr", "r ": unknown, ignored
    for text in (commas, spaced, commas.replace("\n", " \r\n")):
        model = load_text(text)
        for x in ([0, 0], [6, -3], [6, 0]):
            assert list(predict(model, x)) == list(predict(base, x)), (text, x)
    for bad in ("r,0,,\n", "r,,\n", "n,0,5.5,,1,-2\n", "r,\n"):
        raises(ValueError, load_text, THREE_CLASS + bad, contains="line 9")


@test
def threshold_is_exact_for_fractional_values():
    model = load_text(THREE_CLASS)
    assert model.outputs() == 3
    # x0 < 5.5: 5 goes left, 6 goes right (the reference truncated 5.5 to 5 and sent 5 right)
    assert argmax(predict(model, [5, 0])) == 0
    assert argmax(predict(model, [6, -3])) == 1
    # x1 < -2.5: -3 goes left, -2 goes right (ceil(-2.5) = -2)
    assert argmax(predict(model, [6, -2])) == 2
    assert argmax(predict(model, [-32768, 32767])) == 0
    assert argmax(predict(model, [32767, -32768])) == 1


@test
def thresholds_beyond_int16_send_everything_one_way():
    left = load_text("f,1\nc,2\nl,0\nl,1\nr,0\nn,0,40000.5,-1,-2\n")
    right = load_text("f,1\nc,2\nl,0\nl,1\nr,0\nn,0,-32768,-1,-2\n")
    for v in (-32768, 0, 32767):
        assert argmax(predict(left, [v])) == 0
        assert argmax(predict(right, [v])) == 1


@test
def thresholds_at_the_ends_of_int16():
    # Int16Scaler maps a training maximum to 32767, so scikit-learn can split at 32766.5:
    # x < ceil(32766.5) sends 32766 left and 32767 right; at the low end likewise.
    high = load_text("f,1\nc,2\nl,0\nl,1\nr,0\nn,0,32766.5,-1,-2\n")
    low = load_text("f,1\nc,2\nl,0\nl,1\nr,0\nn,0,-32767.5,-1,-2\n")
    assert argmax(predict(high, [32766])) == 0 and argmax(predict(high, [32767])) == 1
    assert argmax(predict(low, [-32768])) == 0 and argmax(predict(low, [-32767])) == 1


@test
def soft_vote_leaf_fractions_round_to_nearest():
    # addleaf takes probability x 255 and rounds a fraction to the nearest int (halves up)
    for given, kept in (((127.6, 127.4), (128, 127)), ((127.5, 254.5), (128, 255)),
                        ((0.49, 0.5), (0, 1))):
        model = emlearn_trees.new(1, 1, 1)
        model.setdata(1, 2, 8)
        model.addleaf(given)
        model.addroot(0)
        model.addnode(-1, -1, 0, 0)
        out = predict(model, [0])
        assert all(close(o, k / 255, 1e-6) for o, k in zip(out, kept)), (given, list(out))


@test
def hard_vote_is_mean_of_votes():
    # Three stumps on x0 with thresholds 0, 10, 20: votes for class 1 grow with x0.
    text = "f,1\nc,2\nl,0\nl,1\nr,0\nr,1\nr,2\nn,0,0,-1,-2\nn,0,10,-1,-2\nn,0,20,-1,-2\n"
    model = load_text(text)
    out = predict(model, [15])
    assert close(out[0], 1 / 3, 1e-6) and close(out[1], 2 / 3, 1e-6), list(out)


@test
def hard_vote_fractions_are_exact():
    # k of n trees give k / n rounded once to float32 (as the reference's division gives), not a
    # sum of k roundings: a unanimous vote is exactly 1.0, 3 of 7 is float32(3 / 7).
    for n, k in ((10, 10), (7, 3), (7, 4), (3, 1)):
        text = "f,1\nc,2\nl,0\nl,1\n" + "".join("r,%d\n" % t for t in range(n))
        text += "".join("n,0,0,%d,%d\n" % (-2 if t < k else -1, -2 if t < k else -1)
                        for t in range(n))
        out = predict(load_text(text, max_trees=n, max_nodes=n), [5])
        want = array.array("f", [(n - k) / n, k / n])
        assert out[1] == want[1] and out[0] == want[0], (n, k, list(out), list(want))


@test
def soft_vote_probability_leaves():
    text = "f,1\nc,3\nlb,8\nl,255,0,0\nl,0,51,204\nr,0\nr,1\nn,0,1,-1,-2\nn,0,100,-1,-2\n"
    model = load_text(text)
    out = predict(model, [50])  # tree 0 -> leaf 1, tree 1 -> leaf 0
    expected = [0.5, 0.1, 0.4]
    for o, e in zip(out, expected):
        assert close(o, e, 1e-6), list(out)


@test
def regression_float_leaves_single_and_multi_output():
    single = load_text("f,1\nc,0\nlb,32\nl,-1.5\nl,2.25e1\nr,0\nr,1\nn,0,0,-1,-2\nn,0,5,-2,-1\n")
    assert single.outputs() == 1
    out = predict(single, [3])  # tree 0: x >= 0 -> 22.5 ; tree 1: x < 5 -> 22.5
    assert close(out[0], 22.5, 1e-5), list(out)
    out = predict(single, [-1])  # -1.5 and 22.5
    assert close(out[0], 10.5, 1e-5), list(out)
    multi = load_text("f,1\nc,2\nlb,32\nl,1,2\nl,3,4\nr,0\nn,0,0,-1,-2\n")
    assert multi.outputs() == 2
    assert list(predict(multi, [5])) == [3.0, 4.0]


@test
def manual_building_api_matches_file():
    model = emlearn_trees.new(2, 4, 4)
    model.setdata(2, 3)
    for leaf in (0, 1, 2):
        model.addleaf(leaf)
    model.addroot(0)
    model.addnode(-1, 1, 0, 5.5)
    model.addnode(-2, -3, 1, -2.5)
    reference = load_text(THREE_CLASS)
    for x in ([5, 0], [6, -3], [6, -2], [0, 0]):
        assert list(predict(model, x)) == list(predict(reference, x))
    # leaves added before setdata are class indices, as in the reference
    early = emlearn_trees.new(1, 1, 2)
    early.addleaf(0)
    early.addleaf(1)
    early.addroot(0)
    early.addnode(-1, -2, 0, 3)
    early.setdata(1, 2)
    assert argmax(predict(early, [2])) == 0 and argmax(predict(early, [3])) == 1
    # leaf_bits=None is the default (0), on MicroPython as on CPython
    model = emlearn_trees.new(2, 4, 4)
    model.setdata(2, 3, None)
    for leaf in (0, 1, 2):
        model.addleaf(leaf)
    model.addroot(0)
    model.addnode(-1, 1, 0, 5.5)
    model.addnode(-2, -3, 1, -2.5)
    assert list(predict(model, [6, -3])) == list(predict(reference, [6, -3]))


@test
def addnode_refuses_a_nan_threshold():
    model = emlearn_trees.new(1, 2, 2)
    model.setdata(1, 2)
    raises(ValueError, model.addnode, -1, -2, 0, float("nan"), contains="threshold is NaN")
    model.addnode(-1, -2, 0, float("inf"))  # infinities are thresholds beyond every input


@test
def addnode_keeps_a_threshold_fraction_below_float_precision():
    # x < ceil(5.0000001) = 6 sends 5 left, as the CSV loader reads that text, where the module
    # takes numbers as doubles: CPython, and the x86/x64 .mpy (sys.implementation._mpy >> 10 is
    # the port's native arch, 1 and 2) on the Unix port's double floats. The armv7emdp .mpy reads
    # a double too, but of the firmware's float, which is float32 on the QEMU board; the other
    # .mpy files take float32, in which this threshold is 5.0 and 5 goes right.
    threshold = 5.0000001
    model = emlearn_trees.new(1, 1, 2)
    model.setdata(1, 2)
    model.addleaf(0)
    model.addleaf(1)
    model.addroot(0)
    model.addnode(-1, -2, 0, threshold)
    double = sys.implementation.name != "micropython" or (sys.implementation._mpy >> 10) in (1, 2)
    assert argmax(predict(model, [5])) == 0 or not double
    assert argmax(predict(model, [6])) == 1 and argmax(predict(model, [4])) == 0
    csv = load_text("f,1\nc,2\nl,0\nl,1\nr,0\nn,0,5.0000001,-1,-2\n")
    assert argmax(predict(csv, [5])) == 0


@test
def addleaf_list_shortened_by_a_value_is_a_value_error():
    # A value's __float__ runs Python code, which may shorten the list being read: the items
    # after it are gone (on MicroPython their memory is freed and refilled here).
    model = emlearn_trees.new(1, 1, 1)
    model.setdata(1, 64, 32)
    junk = []

    class Shortening:
        def __float__(self):
            del leaf[1:]
            junk.extend(bytearray(b"@" * 64) for _ in range(50))
            return 1.0

    leaf = [Shortening()] + [0.5] * 63
    raises(ValueError, model.addleaf, leaf, contains="leaf needs 64 values")


@test
def capacity_errors():
    model = emlearn_trees.new(1, 1, 1)
    model.setdata(1, 2)
    model.addnode(-1, -1, 0, 0)
    raises(ValueError, model.addnode, -1, -1, 0, 0, contains="max nodes")
    model.addroot(0)
    raises(ValueError, model.addroot, 0, contains="max trees")
    model.addleaf(0)
    raises(ValueError, model.addleaf, 1, contains="max leaves")
    with open(data_path("xor_model.csv")) as f:
        raises(ValueError, emlearn_trees.load_model, emlearn_trees.new(5, 10, 2), f,
               contains="max nodes")
    with open(data_path("xor_model.csv")) as f:
        raises(ValueError, emlearn_trees.load_model, emlearn_trees.new(2, 30, 2), f,
               contains="max trees")
    with open(data_path("xor_model.csv")) as f:
        raises(ValueError, emlearn_trees.load_model, emlearn_trees.new(5, 30, 1), f,
               contains="max leaves")


@test
def new_rejects_bad_capacities():
    for args in ((0, 10, 10), (1, 0, 10), (1, 10, 0), (-1, 10, 10), (1, 100000, 10), (1, 10, 40000)):
        raises(ValueError, emlearn_trees.new, *args)
    raises(TypeError, emlearn_trees.new, "1", 10, 10)
    for n in long_ints():  # saturated, never wrapped (2**32 + 1 was 1 on a 32-bit port)
        raises(ValueError, emlearn_trees.new, n, 10, 10, contains="max_trees")


@test
def predict_rejects_wrong_types_and_lengths():
    model = load_text(THREE_CLASS)
    out = array.array("f", [0, 0, 0])
    raises(ValueError, model.predict, array.array("f", [0, 0]), out, contains="int16")
    raises(ValueError, model.predict, array.array("i", [0, 0]), out, contains="int16")
    raises(ValueError, model.predict, bytearray(4), out, contains="int16")
    raises(ValueError, model.predict, array.array("h", [0, 0]), array.array("h", [0, 0, 0]),
           contains="float")
    raises(ValueError, model.predict, array.array("h", [0]), out, contains="expecting 2 features")
    raises(ValueError, model.predict, array.array("h", [0, 0, 0]), out, contains="features")
    raises(ValueError, model.predict, array.array("h", []), out, contains="features")
    raises(ValueError, model.predict, array.array("h", [0, 0]), array.array("f", [0, 0]),
           contains="output of length 3")
    raises(ValueError, model.predict, array.array("h", [0, 0]), array.array("f", [0] * 4),
           contains="output")
    raises(TypeError, model.predict, [0, 0], out)
    raises(TypeError, model.predict, array.array("h", [0, 0]), None)
    raises(TypeError, model.predict, "ab", out, contains="not str")
    # Read-only output: a TypeError on both runtimes (CPython's own is a BufferError).
    raises(TypeError, model.predict, array.array("h", [0, 0]), bytes(12), contains="writable")
    raises(TypeError, model.predict, array.array("h", [0, 0]), memoryview(bytes(12)),
           contains="writable")


@test
def use_before_load_is_an_error():
    model = emlearn_trees.new(2, 10, 4)
    raises(ValueError, model.outputs, contains="model not loaded")
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0]),
           contains="model not loaded")
    model.setdata(1, 2)
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0, 0]),
           contains="no trees")
    raises(TypeError, emlearn_trees.load_model, object(), io.StringIO(THREE_CLASS))
    raises(TypeError, emlearn_trees.load_model, model, 42)


@test
def manual_model_with_dangling_references_is_rejected_at_predict():
    model = emlearn_trees.new(1, 2, 2)
    model.setdata(1, 2)
    model.addleaf(0)
    model.addroot(0)
    model.addnode(5, -1, 0, 0)  # jumps past the last node
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0, 0]),
           contains="past the last node")
    model = emlearn_trees.new(1, 2, 2)
    model.setdata(1, 2)
    model.addleaf(0)
    model.addroot(0)
    model.addnode(-1, -2, 0, 0)  # leaf 1 does not exist
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0, 0]),
           contains="leaf")
    model = emlearn_trees.new(1, 2, 2)
    model.setdata(1, 2)
    model.addleaf(5)  # class 5 of 2
    model.addroot(0)
    model.addnode(-1, -1, 0, 0)
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0, 0]),
           contains="class")
    raises(ValueError, model.addnode, 0, -1, 0, 0, contains="child")


MALFORMED = (
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,-1\n", "line 5"),  # too few values
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,-1,-1,7\n", "line 5"),  # too many values
    ("f,2\nc,2\nl,0\nr,0\nn,0,x1,-1,-1\n", "line 5"),  # not a number
    ("f,2\nc,2\nl,0\nr,0\nn,2,1,-1,-1\n", "line 5"),  # feature 2 of 2
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,0,-1\n", "line 5"),  # child 0 would loop forever
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,40000,-1\n", "line 5"),  # child beyond int16
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,1,-1\n", "line 5"),  # jumps past the last node
    ("f,2\nc,2\nl,0\nr,3\nn,0,1,-1,-1\n", "line 4"),  # root past the last node
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,-1,-3\n", "line 5"),  # leaf 2 does not exist
    ("f,2\nc,2\nl,2\nr,0\nn,0,1,-1,-1\n", "line 3"),  # class 2 of 2
    ("f,2\nc,2\nl,-1\nr,0\nn,0,1,-1,-1\n", "line 3"),  # negative class
    ("l,0\nf,2\nc,2\nr,0\nn,0,1,-1,-1\n", "line 1"),  # leaf before the header
    ("f,-2\nc,2\nl,0\nr,0\nn,0,1,-1,-1\n", "line 1"),  # negative feature count
    ("f,2\nc,-2\nl,0\nr,0\nn,0,1,-1,-1\n", "line 2"),  # negative class count
    ("f,2\nc,2\nlb,7\nl,0\nr,0\nn,0,1,-1,-1\n", "line 3"),  # unknown leaf kind
    ("f,2\nc,2\nlb,16\n", "line 3"),
    ("f,0\nc,2\nl,0\nr,0\nn,0,1,-1,-1\n", "line 1"),  # no features
    ("f,65536\nc,2\nl,0\nr,0\nn,0,1,-1,-1\n", "line 1"),
    ("f,2\nc,257\nl,0\nr,0\nn,0,1,-1,-1\n", "line 2"),  # more classes than a leaf holds
    ("f,2\nc,257\n", "line 2"),
    ("f,2\nc,0\nl,0\nr,0\nn,0,1,-1,-1\n", "line 2"),  # no classes for class leaves
    ("f,2\nc,0\nlb,8\nl,0\nr,0\nn,0,1,-1,-1\n", "line 2"),  # ... or probability leaves
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,-1,-1\nf,3\n", "line 6"),  # header changed after data
    ("f,2\nc,2\nl,0\n", "line 3"),  # no trees
    ("", "line 1"),  # empty file
    ("f,2\nc,2\nl,0\nr,0\nn,0,1,-1,-1e", "line 5"),  # truncated number
    ("f,2\nc,2\nlb,32\nl,nan\nr,0\nn,0,1,-1,-1\n", "line 4"),
    ("f,1\nc,0\nlb,32\nl,3.4028236e38\nr,0\nn,0,1,-1,-1\n", "line 4"),  # rounds to infinity
    ("f,2\nc,2\nlb,8\nl,0,300\nr,0\nn,0,1,-1,-1\n", "line 4"),  # probability > 255
    ("f,2\nc,2\nlb,8\nl,0\nr,0\nn,0,1,-1,-1\n", "line 4"),  # too few probabilities
    ("f,2\nc,2\nl,0\nr,0\nn,0,1 2,-1,-1\n", "line 5"),  # two numbers in one field
    ("f,2\nc,2\nl,0\nr,99999999999\nn,0,1,-1,-1\n", "line 4"),
)


@test
def malformed_files_name_the_line_and_leave_no_model():
    for text, where in MALFORMED:
        model = emlearn_trees.new(4, 8, 4)
        e = raises(ValueError, emlearn_trees.load_model, model, io.StringIO(text))
        assert str(e).startswith(where + ":"), (text, str(e))
        raises(ValueError, model.predict, array.array("h", [0, 0]), array.array("f", [0, 0]))


# Leaf values as written, and the float32 each must load as (its bits, ties to even).
LEAF_TEXTS = (
    ("3.4028235e38", 0x7F7FFFFF),  # the largest float, as the converter prints it
    ("-3.4028235e38", 0xFF7FFFFF),
    ("3.40282356e38", 0x7F7FFFFF),  # just below the midpoint to 2^128
    ("1e-45", 0x00000001),  # the smallest subnormal
    ("1.17549435e-38", 0x00800000),
    ("0.1", 0x3DCCCCCD),
    ("16777217", 0x4B800000),  # a tie: to even
    ("123456.789", 0x47F12065),
)


@test
def regression_leaves_load_as_the_nearest_float():
    out = array.array("f", [0])
    for text, bits in LEAF_TEXTS:
        model = load_text("f,1\nc,0\nlb,32\nl,%s\nr,0\nn,0,1,-1,-1\n" % text)
        model.predict(array.array("h", [0]), out)
        assert out[0] == struct.unpack("<f", struct.pack("<I", bits))[0], (text, out[0])


@test
def failed_load_clears_a_previous_model_and_reload_works():
    model = load_text(THREE_CLASS)
    raises(ValueError, emlearn_trees.load_model, model, io.StringIO("f,2\nc,3\nr,0\n"))
    raises(ValueError, model.outputs)
    emlearn_trees.load_model(model, io.StringIO(THREE_CLASS))
    assert argmax(predict(model, [6, -3])) == 1


class Failing:
    """A file whose read() raises on its second call (an I/O error, Ctrl-C on a device)."""

    def __init__(self, text):
        self.f = io.StringIO(text)
        self.calls = 0

    def read(self, n):
        self.calls += 1
        if self.calls == 2:
            raise OSError(5)
        return self.f.read(min(n, 32))


# Two trees: the first votes class 0, the second class 1 (the second chunk of 32 characters).
TWO_TREES = "f,1\nc,2\nl,0\nl,1\nr,0\nn,0,0,-1,-1\nr,1\nn,0,0,-2,-2\n"


@test
def a_load_whose_read_raises_leaves_no_model():
    model = load_text(THREE_CLASS)
    raises(OSError, emlearn_trees.load_model, model, Failing(TWO_TREES))
    # not the first tree alone ([1.0, 0.0] before)
    raises(ValueError, model.predict, array.array("h", [0]), array.array("f", [0, 0]),
           contains="model not loaded")
    raises(ValueError, model.outputs, contains="model not loaded")
    emlearn_trees.load_model(model, io.StringIO(TWO_TREES))  # a new load works
    assert list(predict(model, [0])) == [0.5, 0.5]
    raises(OSError, emlearn_trees.load_model, model, Failing(TWO_TREES))
    model.setdata(1, 2)  # building by hand after it starts from an empty model
    model.addleaf(1)
    model.addroot(0)
    model.addnode(-1, -1, 0, 0)
    assert list(predict(model, [0])) == [0.0, 1.0]


@test
def a_load_whose_read_changes_the_model_fails():
    def changes(model):
        yield lambda: (model.addnode(-2, -2, 0, 0), model.addroot(1))
        yield lambda: model.setdata(1, 3)
        yield lambda: model.addleaf(0)
        yield lambda: emlearn_trees.load_model(model, io.StringIO(THREE_CLASS))

    for i in range(4):
        model = emlearn_trees.new(4, 20, 8)
        change = list(changes(model))[i]

        class Meddling:
            def __init__(self):
                self.f = io.StringIO(TWO_TREES)
                self.calls = 0

            def read(self, n):
                self.calls += 1
                if self.calls == 2:
                    change()
                return self.f.read(min(n, 32))

        raises(ValueError, emlearn_trees.load_model, model, Meddling(),
               contains="model changed during load_model()")
        raises(ValueError, model.outputs, contains="model not loaded")


@test
def corrupt_variants_raise_or_load_never_crash():
    with open(data_path("xor_model.csv")) as f:
        text = f.read()
    rand = lcg(1234)
    garbage = "0123456789,-.e\n\rnlrfcb x\x00\xff"
    x = array.array("h", [100, 20000])
    out = array.array("f", [0, 0])
    counts = [0, 0]  # loaded, failed

    # Each variant is checked as soon as it is made: 1000 of them at once need ~300 KB of heap.
    def check(v):
        model = emlearn_trees.new(5, 30, 4)
        try:
            emlearn_trees.load_model(model, io.StringIO(v))
        except ValueError as e:
            assert str(e).startswith("line "), str(e)
            raises(ValueError, model.predict, x, out)
            counts[1] += 1
            return
        counts[0] += 1
        try:
            model.predict(x, out)
        except ValueError:
            pass  # e.g. a changed feature count: rejected with a message, not a crash

    n = 0
    for cut in range(0, len(text), max(1, len(text) // 200)):
        check(text[:cut])  # truncated
        n += 1
    while n < 1000:
        kind = rand(4)
        chars = list(text)
        if kind == 0:  # flip characters
            for _ in range(1 + rand(4)):
                chars[rand(len(chars))] = garbage[rand(len(garbage))]
        elif kind == 1:  # huge or negative numbers
            pos = rand(len(chars))
            chars.insert(pos, ("99999999999", "-7", "-32769", "65536", "1e9")[rand(5)])
        elif kind == 2:  # drop a span
            a = rand(len(chars))
            del chars[a : a + 1 + rand(12)]
        else:  # duplicate a line
            lines = text.split("\n")
            lines.insert(rand(len(lines)), lines[rand(len(lines))])
            chars = list("\n".join(lines))
        check("".join(chars))
        n += 1
    loaded, failed = counts
    assert loaded + failed == n and failed > 500, (loaded, failed)


@test
def memory_is_returned_after_del():
    def use_model():
        model = emlearn_trees.new(5, 30, 2)
        with open(data_path("xor_model.csv")) as f:
            emlearn_trees.load_model(model, f)
        predict(model, [0, 0])
        del model

    before, after = memory_around(use_model, repeats=3)
    assert after <= before, (before, after)


run()
