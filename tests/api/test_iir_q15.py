# emlearn_iir_q15 contract tests. MicroPython-style: runs unchanged on CPython (host module) and on
# a MicroPython Unix port (the .mpy). Expected outputs follow from the arithmetic documented in
# docs/iir_q15.md: per section acc = b0*x + b1*x1 + b2*x2 + (-a1)*y1 + (-a2)*y2 (exact),
# y = saturate((acc + 4096) >> 13); coefficient c stands for c / 8192.
import array
import gc

import emlearn_iir_q15
from harness import needs_mem_alloc, raises, run, test, with_array_keeping_its_init

ONE = 8192  # 1.0 in Q2.13

# The reference's test filter (scipy sos, 2 stages).
REFERENCE_EXAMPLE = [
    0.2064104175118759, 0.4128208350237518, 0.2064104175118759,
    1.0, -0.37007910158090057, 0.19608813997724178,
    1.0, -2.0, 1.0,
    1.0, -1.999111423794296, 0.9991118187443988,
]


def h(values):
    return array.array("h", values)


def gain_stage(q):
    return [q, 0, 0, 0, 0, 0]


def filtered(coefficients, values):
    x = h(values)
    emlearn_iir_q15.new(h(coefficients)).run(x)
    return list(x)


def lcg_int16(n, seed, amplitude=16384):
    state = seed
    out = []
    for _ in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((state >> 8) % (2 * amplitude) - amplitude)
    return out


@test
def convert_coefficients_rounds_to_the_reference_layout():
    out = emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE)
    assert isinstance(out, array.array)
    # b0, 0, b1, b2, -a1, -a2 per stage, c * 8191 rounded to nearest.
    assert list(out) == [1691, 0, 3381, 1691, 3031, -1606, 8191, 0, -16382, 8191, 16375, -8184]
    exact = emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE, 8192)
    assert list(exact) == [1691, 0, 3382, 1691, 3032, -1606, 8192, 0, -16384, 8192, 16377, -8185]
    assert list(emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE, scale=8192)) == list(exact)
    assert list(emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE, None)) == list(out)
    assert list(emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE, scale=None)) == list(out)


@test
def convert_coefficients_frees_nothing_that_array_keeps():
    # On MicroPython the result is built by `array.array`, which may be Python code that keeps its
    # argument: writing through that must not reach memory the heap has given to anything else.
    out = with_array_keeping_its_init(emlearn_iir_q15.convert_coefficients, REFERENCE_EXAMPLE,
                                      size=24)
    assert list(out) == [1691, 0, 3381, 1691, 3031, -1606, 8191, 0, -16382, 8191, 16375, -8184]


@test
def convert_coefficients_accepts_sequences_arrays_and_rows():
    want = list(emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE))
    assert list(emlearn_iir_q15.convert_coefficients(tuple(REFERENCE_EXAMPLE))) == want
    assert list(emlearn_iir_q15.convert_coefficients(array.array("d", REFERENCE_EXAMPLE))) == want
    assert list(emlearn_iir_q15.convert_coefficients(array.array("f", REFERENCE_EXAMPLE))) == want
    rows = [REFERENCE_EXAMPLE[0:6], tuple(REFERENCE_EXAMPLE[6:12])]
    assert list(emlearn_iir_q15.convert_coefficients(rows)) == want
    assert list(emlearn_iir_q15.convert_coefficients([])) == []
    # a0 other than 1 is divided out (the reference asserts a0 == 1).
    doubled = [2.0 * c for c in REFERENCE_EXAMPLE]
    assert list(emlearn_iir_q15.convert_coefficients(doubled)) == want
    # Integers are numbers too.
    assert list(emlearn_iir_q15.convert_coefficients([1, 0, 0, 1, 0, 0], 8192)) == [8192, 0, 0, 0, 0, 0]


@test
def convert_coefficients_rejects_what_it_cannot_represent():
    c = emlearn_iir_q15.convert_coefficients
    raises(ValueError, c, [1.0] * 5, contains="Filter coefficients must be multiple of 6")
    raises(ValueError, c, [1.0, 0, 0, 0.0, 0, 0], contains="stage 0: a0 must not be 0")
    raises(ValueError, c, [1.0, 0, 0, 1, 0, 0, 4.5, 0, 0, 1, 0, 0], contains="stage 1: coefficient")
    raises(ValueError, c, [1.0, 0, 0, 1, float("nan"), 0], contains="finite")
    raises(ValueError, c, [1.0, 0, 0, 1, 0, float("inf")], contains="finite")
    raises(ValueError, c, REFERENCE_EXAMPLE, 0, contains="scale")
    # A row that is not a list or tuple is a wrong row on both runtimes (MicroPython: TypeError).
    for row in (None, 5, "abcdef", b"abcdef"):
        raises(ValueError, c, [[1.0, 0, 0, 1, 0, 0], row], contains="row 1")
    raises(ValueError, c, REFERENCE_EXAMPLE, -8192, contains="scale")
    raises(ValueError, c, REFERENCE_EXAMPLE, 1e9, contains="scale")
    raises(ValueError, c, REFERENCE_EXAMPLE, float("nan"), contains="scale")
    raises(ValueError, c, [[1.0, 0, 0, 1, 0]], contains="row 0 must have 6 values")
    raises(ValueError, c, array.array("h", [1, 0, 0, 1, 0, 0]), contains="expecting float array")
    raises(ValueError, c, 42, contains="expecting float array")
    raises(TypeError, c, ["1.0", 0, 0, 1, 0, 0])
    raises(TypeError, c)
    # 32767 / 8191 is the largest coefficient that fits at the default scale.
    c([4.0, 0, 0, 1, 0, 0])
    raises(ValueError, c, [4.001, 0, 0, 1, 0, 0], contains="outside int16")


@test
def convert_coefficients_takes_c_by_keyword():
    assert list(emlearn_iir_q15.convert_coefficients(c=REFERENCE_EXAMPLE)) == list(
        emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE))


@test
def convert_coefficients_list_shortened_by_a_value_is_a_wrong_row():
    # A value's __float__ runs Python code, which may empty the list being read (on MicroPython
    # its item memory is then freed and refilled here).
    junk = []

    class Emptying:
        def __init__(self, target):
            self.target = target

        def __float__(self):
            self.target.clear()
            junk.extend(bytearray(b"@" * 64) for _ in range(50))
            return 1.0

    flat = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0] * 2
    flat[0] = Emptying(flat)
    raises(ValueError, emlearn_iir_q15.convert_coefficients, flat, contains="row 0")
    row = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    rows = [row, list(row), list(row)]
    row[0] = Emptying(rows)
    raises(ValueError, emlearn_iir_q15.convert_coefficients, rows, contains="row 1")
    inner = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    inner[1] = Emptying(inner)
    raises(ValueError, emlearn_iir_q15.convert_coefficients, [inner], contains="row 0")


@test
def unit_gain_stage_passes_full_range_through():
    x = [-32768, -32767, -1, 0, 1, 12345, 32766, 32767]
    assert filtered(gain_stage(ONE), x) == x
    assert filtered(gain_stage(ONE) * 4, x) == x


@test
def rounding_is_to_nearest_with_ties_up():
    # Gain 0.5: 3 -> 1.5 -> 2, -3 -> -1.5 -> -1, 1 -> 0.5 -> 1, -1 -> -0.5 -> 0.
    assert filtered(gain_stage(ONE // 2), [3, -3, 1, -1, 2, -2, 32767, -32768]) == [
        2, -1, 1, 0, 1, -1, 16384, -16384]
    # Gain 0.25: 5 -> 1.25 -> 1, 7 -> 1.75 -> 2, -7 -> -1.75 -> -2.
    assert filtered(gain_stage(ONE // 4), [5, 7, -7, -5]) == [1, 2, -2, -1]


@test
def one_pole_impulse_response_is_geometric():
    one_pole = [ONE, 0, 0, 0, ONE // 2, 0]  # y = x + 0.5 y1
    x = [0] * 15
    x[0] = 16384
    assert filtered(one_pole, x) == [16384 >> k for k in range(15)]


@test
def fir_taps_delay_the_input():
    delay1 = [0, 0, ONE, 0, 0, 0]  # y = x1
    delay2 = [0, 0, 0, ONE, 0, 0]  # y = x2
    x = [100, 200, 300, 400]
    assert filtered(delay1, x) == [0, 100, 200, 300]
    assert filtered(delay2, x) == [0, 0, 100, 200]
    assert filtered(delay1 + delay2, x) == [0, 0, 0, 100]


@test
def outputs_saturate_and_never_wrap():
    assert filtered(gain_stage(2 * ONE), [20000, -20000, 16383, -16384, 16384]) == [
        32767, -32768, 32766, -32768, 32767]
    # Largest coefficients, full-scale input: the exact accumulator saturates at the end.
    big = [32767, 0, 32767, 32767, 0, 0]
    assert filtered(big, [32767] * 4) == [32767] * 4
    assert filtered(big, [-32768] * 4) == [-32768] * 4
    # An unstable recursion (y = x + 2 y1) rails at full scale and stays there.
    unstable = [ONE, 0, 0, 0, 2 * ONE, 0]
    out = filtered(unstable, [1] + [0] * 30)
    assert out[:4] == [1, 2, 4, 8]
    assert out[-1] == 32767 and min(out) >= 0
    out = filtered(unstable, [-1] + [0] * 30)
    assert out[-1] == -32768 and max(out) <= 0


@test
def state_carries_over_between_calls():
    coefficients = emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE)
    x = lcg_int16(300, 1)
    whole = h(x)
    emlearn_iir_q15.new(coefficients).run(whole)
    for chunk in (1, 7, 64):
        flt = emlearn_iir_q15.new(coefficients)
        out = []
        for start in range(0, len(x), chunk):
            part = h(x[start:start + chunk])
            flt.run(part)
            out.extend(part)
        assert out == list(whole), chunk


@test
def reset_and_state():
    flt = emlearn_iir_q15.new(h(gain_stage(ONE) * 2))
    state = h([7] * 12)
    flt.get_state(state)
    assert list(state) == [0] * 12
    flt.run(h([100, 200]))
    flt.get_state(state)
    assert list(state) == [200, 100, 200, 100, 0, 0] * 2  # x1, x2, y1, y2, e1, e2 per stage
    # y = x + y1 / 2
    one_pole = emlearn_iir_q15.new(h([ONE, 0, 0, 0, ONE // 2, 0]))
    one_pole.set_state(h([0, 0, 1000, 0, 0, 0]))  # as if the last output had been 1000
    x = h([0] * 5)
    one_pole.run(x)
    # 62.5 rounds to 63 and keeps a residue of -1/2 LSB (-4096 / 8192), which the next sample
    # takes in: 31 + 2048 / 8192 is the exact 31.25, where rounding alone gives 32.
    assert list(x) == [500, 250, 125, 63, 31], list(x)
    st = h([0] * 6)
    one_pole.get_state(st)
    assert list(st) == [0, 0, 31, 63, 2048, -4096], list(st)
    # A residue is at most half an LSB: set_state clamps larger ones.
    one_pole.set_state(h([1, 2, 3, 4, 30000, -30000]))
    one_pole.get_state(st)
    assert list(st) == [1, 2, 3, 4, 4095, -4096], list(st)
    one_pole.reset()
    x = h([0, 0])
    one_pole.run(x)
    assert list(x) == [0, 0]


@test
def constant_input_settles_where_the_exact_filter_does():
    # butter(4, 0.01) from microlearn.signal.iir_q15_coefficients (2 sections, poles at 0.988,
    # DC gain 1). Rounding alone held 20943 on a step of 20000 and -943 after it, for good; the
    # exact filter settles at 20000 and then at 0, and so does this one.
    flt = emlearn_iir_q15.new(h([2, 0, 4, 2, 15914, -7730, 2, 0, 4, 2, 16181, -7997]))
    x = h([20000] * 3000)
    flt.run(x)
    assert list(x[-200:]) == [20000] * 200, (min(x[-200:]), max(x[-200:]))
    x = h([0] * 3000)
    flt.run(x)
    assert list(x[-200:]) == [0] * 200, (min(x[-200:]), max(x[-200:]))


@test
def reference_usage_runs():
    coefficients = emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE)
    flt = emlearn_iir_q15.new(coefficients)
    x = h([8000] * 500)
    flt.run(x)
    # Stage 0: (1691 * 8000 + 4096) >> 13 = 1651; stage 1: (8191 * 1651 + 4096) >> 13 = 1651.
    assert x[0] == 1651, x[0]
    # scipy.signal.sosfilt of the quantised coefficients (scale 8191, q15_to_sos) peaks at
    # 8580.02 and ends at 4655.50 (the exact design: 8586.85). The second stage's poles sit
    # 0.0004 from z = 1, where rounding alone drifts far; the error feedback keeps within 2 LSB.
    assert abs(max(x) - 8580.02) <= 2, max(x)
    assert abs(x[-1] - 4655.50) <= 2, x[-1]


@test
def new_run_and_state_reject_bad_input():
    raises(ValueError, emlearn_iir_q15.new, array.array("f", [1, 0, 0, 1, 0, 0]), contains="expecting int16/h array")
    raises(ValueError, emlearn_iir_q15.new, array.array("H", [1, 0, 0, 1, 0, 0]), contains="expecting int16/h array")
    raises(TypeError, emlearn_iir_q15.new, [ONE, 0, 0, 0, 0, 0])
    for n in (1, 5, 7):
        raises(ValueError, emlearn_iir_q15.new, h([0] * n), contains="Filter coefficients must be multiple of 6")
    raises(ValueError, emlearn_iir_q15.new, h([]), contains="at least one stage")
    # scipy's layout by mistake: b1 where the reference keeps a zero.
    raises(ValueError, emlearn_iir_q15.new, h(gain_stage(ONE) + [ONE, ONE, 0, ONE, 0, 0]), contains="stage 1: the second value must be 0")
    flt = emlearn_iir_q15.new(h(gain_stage(ONE) * 2))
    raises(ValueError, flt.run, array.array("f", [0.0]), contains="expecting int16/h array")
    raises(ValueError, flt.run, array.array("i", [0]), contains="expecting int16/h array")
    raises(ValueError, flt.get_state, h([0] * 8), contains="wrong array length for state: expected 12, got 8")
    raises(ValueError, flt.set_state, h([0] * 13), contains="expected 12")
    raises(ValueError, flt.set_state, array.array("f", [0] * 12), contains="expecting int16/h array")
    raises(TypeError, type(flt).run, "not a filter", h([0]))


@test
def memory_is_returned_after_del():
    needs_mem_alloc()  # MicroPython only
    coefficients = emlearn_iir_q15.convert_coefficients(REFERENCE_EXAMPLE * 4)
    x = h([1000] * 16)
    emlearn_iir_q15.new(coefficients).run(x)  # first-use allocations happen here
    gc.collect()
    before = gc.mem_alloc()
    flt = emlearn_iir_q15.new(coefficients)
    flt.run(x)
    added = gc.mem_alloc() - before
    assert 8 * 22 <= added <= 8 * 22 + 64, added  # 11 int16 per stage and the object
    del flt
    gc.collect()
    assert gc.mem_alloc() - before <= 32, gc.mem_alloc() - before


run()
