# emlearn_arrayutils contract tests. MicroPython-style: runs unchanged on CPython (host module) and
# on a MicroPython Unix port (the .mpy). linear_map computes
#   out = clamp((x - in_min) * (out_max - out_min) / (in_max - in_min) + out_min)
# clamped to the output range [out_min, out_max] (as the reference does), then rounded to nearest
# (ties away from zero) and saturated at the type's range for integer outputs.
import array
import math
import sys

from emlearn_arrayutils import linear_map
from harness import data_path, raises, run, test

TYPECODES = "bBhHiIf"
TYPE_RANGE = {
    "b": (-128, 127), "B": (0, 255), "h": (-32768, 32767), "H": (0, 65535),
    "i": (-2147483648, 2147483647), "I": (0, 4294967295),
}


def saturate(typecode, v):
    if typecode == "f":
        return v
    lo, hi = TYPE_RANGE[typecode]
    return min(max(v, lo), hi)


def mapped(in_tc, out_tc, values, in_min, in_max, out_min, out_max):
    x = array.array(in_tc, values)
    y = array.array(out_tc, [0] * len(values))
    linear_map(x, y, in_min, in_max, out_min, out_max)
    return list(y)


@test
def every_pair_identity_map_and_output_range_clamp():
    for a in TYPECODES:
        for b in TYPECODES:
            # 0..100 -> 0..100; 127 is clamped to out_max = 100.
            assert mapped(a, b, [0, 1, 7, 100, 127], 0, 100, 0, 100) == [0, 1, 7, 100, 100], (a, b)


@test
def every_pair_saturates_at_the_output_type():
    for a in TYPECODES:
        for b in TYPECODES:
            # 0..1 -> 0..1000 and -1000..0 (scaled by 1000).
            assert mapped(a, b, [0, 1], 0, 1, 0, 1000) == [0, saturate(b, 1000)], (a, b)
            assert mapped(a, b, [0, 1], 0, 1, -1000, 0) == [saturate(b, -1000), 0], (a, b)


@test
def rounding_is_to_nearest_with_ties_away_from_zero():
    x = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49, -0.49, 2.51, -2.51]
    want = [1, 2, 3, -1, -2, -3, 0, 0, 3, -3]
    for out_tc in "bhi":
        assert mapped("f", out_tc, x, -10, 10, -10, 10) == want, out_tc
    # Unsigned outputs: negative values saturate at 0.
    assert mapped("f", "B", x, -10, 10, -10, 10) == [1, 2, 3, 0, 0, 0, 0, 0, 3, 0]
    # A scale that makes halves from integers: 0..4 -> 0..2.
    assert mapped("h", "h", [-3, -1, 0, 1, 3, 5], -4, 4, -2, 2) == [-2, -1, 0, 1, 2, 2]


def is_nan32(b, i):
    # The little-endian float32 at b[i:i + 4]: exponent all ones, fraction not zero.
    return b[i + 3] & 0x7F == 0x7F and b[i + 2] & 0x80 and (b[i + 2] & 0x7F or b[i + 1] or b[i])


@test
def every_pair_matches_the_numpy_reference():
    # tests/data/arrayutils_refs.bin (tests/data/gen_signal_refs.py): records of two typecodes,
    # n, the four parameters as float32, n inputs and numpy's n results of the documented
    # arithmetic. Compared as bytes: exact, also on ports whose floats are shorter (ESP8266); a
    # NaN result must be a NaN, not the same one.
    size = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "f": 4}
    head = bytearray(4)
    params = array.array("f", [0.0] * 4)
    records = 0
    with open(data_path("arrayutils_refs.bin"), "rb") as f:
        while f.readinto(head) == 4:
            in_tc, out_tc, n = chr(head[0]), chr(head[1]), head[2] | head[3] << 8
            x = array.array(in_tc, [0] * n)
            want = array.array(out_tc, [0] * n)
            got = array.array(out_tc, [0] * n)
            assert f.readinto(params) == 16 and f.readinto(x) == n * size[in_tc]
            assert f.readinto(want) == n * size[out_tc]
            linear_map(x, got, params[0], params[1], params[2], params[3])
            g, w = bytes(got), bytes(want)
            if g != w:
                k = size[out_tc]
                bad = [i // k for i in range(0, len(w), k) if g[i:i + k] != w[i:i + k]
                       and not (out_tc == "f" and is_nan32(g, i) and is_nan32(w, i))]
                assert not bad, (in_tc, out_tc, list(params), [(x[i], got[i], want[i]) for i in bad[:3]])
            records += 1
    assert records == 7 * 7 * 5, records


@test
def reversed_output_range_maps_downwards_and_clamps():
    assert mapped("h", "h", [0, 5, 10, 20, -10], 0, 10, 100, 0) == [100, 50, 0, 0, 100]
    assert mapped("f", "f", [0, 2, 8], 0, 8, 1, -1) == [1.0, 0.5, -1.0]


@test
def int16_to_float_known_values():
    out = mapped("h", "f", [-32768, 0, 32767, 16384], -32768, 32768, -1.0, 1.0)
    assert out == [-1.0, 0.0, 32767 / 32768, 0.5], out
    # Scale 32767.5: -0.5 -> -16384.25 -> -16384, 0.0 -> -0.5 -> -1 (ties away from zero),
    # 0.5 -> 16383.25 -> 16383.
    out = mapped("f", "h", [-1.0, -0.5, 0.0, 0.5, 1.0], -1.0, 1.0, -32768, 32767)
    assert out == [-32768, -16384, -1, 16383, 32767], out


@test
def reference_round_trip():
    # tests/test_arrayutils.py of the reference: int16 -> float -> int16 is (almost) exact.
    length = 2000
    int16 = array.array("h", (i - length // 2 for i in range(length)))
    flt = array.array("f", (0 for _ in range(length)))
    out = array.array("h", (0 for _ in range(length)))
    linear_map(int16, flt, -(2 ** 15), 2 ** 15, -1.0, 1.0)
    linear_map(flt, out, -1.0, 1.0, -(2 ** 15), 2 ** 15)
    assert list(out) == list(int16)


@test
def wide_integer_types_keep_their_precision():
    big = [0, 3000000000, 4000000000]
    assert mapped("I", "I", big, 0, 4000000000, 0, 4000000000) == big
    assert mapped("I", "i", big, 0, 4000000000, 0, 4000000000) == [0, 2147483647, 2147483647]
    assert mapped("I", "f", big, 0, 4000000000, 0, 4000000000) == [0.0, 3e9, 4e9]
    wide = [-2147483647, 2147483647, 123456789]
    assert mapped("i", "i", wide, -(2 ** 31), 2 ** 31, -(2 ** 31), 2 ** 31) == wide
    # Each double operation rounds to nearest: x + 2^60 keeps x to a multiple of 128. libgcc's
    # double add on the Cortex-M3/M4F truncated here (-233020800); the modules use their own.
    e60 = 2.0 ** 60
    assert mapped("i", "i", [-134217729, -233020679, -1000001], -e60, e60, -e60, e60) == [
        -134217728, -233020672, -1000064]


@test
def nan_and_infinity_inputs():
    nan, inf = float("nan"), float("inf")
    assert mapped("f", "h", [nan, inf, -inf], 0, 1, 0, 100) == [0, 100, 0]
    out = mapped("f", "f", [nan, inf, -inf, 0.25], 0, 1, 0, 100)
    assert math.isnan(out[0]) and out[1:] == [100.0, 0.0, 25.0], out


@test
def in_place_on_the_same_array():
    for tc in TYPECODES:
        x = array.array(tc, [0, 10, 20, 30])
        linear_map(x, x, 0, 30, 0, 60)
        assert list(x) == [0, 20, 40, 60], tc
    b = bytearray([0, 128, 255])  # bytearray is 'B'
    linear_map(b, b, 0, 255, 255, 0)
    assert list(b) == [255, 127, 0]


@test
def a_number_that_resizes_the_inputs_is_read_first():
    # in_min's __float__ is Python code that grows the inputs: the map then sees the grown array
    # (MicroPython: a length mismatch) or may not resize it at all (CPython holds its buffer).
    inputs, outputs = array.array("h", [1, 2, 3]), array.array("f", [0, 0, 0])

    class Growing:
        def __float__(self):
            inputs.extend(array.array("h", [0] * 1000))
            return 0.0

    expected = ValueError if sys.implementation.name == "micropython" else BufferError
    raises(expected, linear_map, inputs, outputs, Growing(), 10, 0, 1)


@test
def empty_arrays_are_fine():
    for tin, tout in (("h", "f"), ("f", "B"), ("i", "i")):
        src, dst = array.array(tin), array.array(tout)
        assert linear_map(src, dst, 0, 1, 0, 1) is None
        assert len(src) == 0 and len(dst) == 0


@test
def rejects_bad_arrays_and_parameters():
    h3, f3 = array.array("h", [0] * 3), array.array("f", [0] * 3)
    raises(ValueError, linear_map, h3, array.array("f", [0] * 4), 0, 1, 0, 1, contains="length mismatch")
    raises(ValueError, linear_map, array.array("h", [0] * 4), f3, 0, 1, 0, 1, contains="length mismatch")
    raises(ValueError, linear_map, array.array("d", [0] * 3), f3, 0, 1, 0, 1, contains="unsupported array typecode")
    raises(ValueError, linear_map, h3, array.array("d", [0] * 3), 0, 1, 0, 1, contains="unsupported array typecode")
    raises(ValueError, linear_map, h3, array.array("l", [0] * 3), 0, 1, 0, 1, contains="unsupported array typecode")
    raises(TypeError, linear_map, [0, 1, 2], f3, 0, 1, 0, 1)
    # A str is not an array (MicroPython read it as bytes: "abc" was mapped like bytes([97, 98,
    # 99])); bytes cannot be written: TypeError on both runtimes.
    raises(TypeError, linear_map, "abc", f3, 0, 1, 0, 1, contains="not str")
    raises(TypeError, linear_map, h3, "abc", 0, 1, 0, 1, contains="not str")
    raises(TypeError, linear_map, bytearray(3), bytes(3), 0, 1, 0, 1, contains="writable")
    raises(TypeError, linear_map, h3, f3, 0, 1, 0)
    raises(TypeError, linear_map, h3, f3, "0", 1, 0, 1)
    raises(ValueError, linear_map, h3, f3, 5, 5, 0, 1, contains="in_min and in_max must differ")
    nan = float("nan")
    for params in ((nan, 1, 0, 1), (0, float("inf"), 0, 1), (0, 1, nan, 1), (0, 1, 0, -float("inf"))):
        raises(ValueError, linear_map, h3, f3, *params, contains="finite")
    raises(ValueError, linear_map, h3, f3, 0, 1e-30, 0, 1e30, contains="float32")
    # Overlapping but not the same array: refused (the result would depend on the order).
    x = array.array("h", [0, 1, 2, 3, 4])
    raises(ValueError, linear_map, memoryview(x)[:4], memoryview(x)[1:], 0, 1, 0, 1, contains="overlap")
    assert list(x) == [0, 1, 2, 3, 4]


run()
