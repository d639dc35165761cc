# emlearn_iir contract tests. MicroPython-style: runs unchanged on CPython (host module) and on a
# MicroPython Unix port (the .mpy). Expected outputs are worked out by hand from one- and
# two-stage filters; scipy-level accuracy is in tests/host/test_signal.py.
import array
import gc

import emlearn_iir
from harness import needs_mem_alloc, raises, run, test

IDENTITY = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
ONE_POLE = [1.0, 0.0, 0.0, 1.0, -0.5, 0.0]  # y[n] = x[n] + 0.5 y[n-1]
MOVING_AVERAGE = [0.5, 0.5, 0.0, 1.0, 0.0, 0.0]  # y[n] = (x[n] + x[n-1]) / 2
INTEGRATOR = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0]  # y[n] = x[n] + y[n-1]

# The reference's test filter: a 2-stage Butterworth (low pass, then a DC-blocking high pass).
REFERENCE_EXAMPLE = [
    0.2064104175118759, 0.4128208350237518, 0.2064104175118759,
    1.0, -0.37007910158090057, 0.19608813997724178,
    1.0, -2.0, 1.0,
    1.0, -1.999111423794296, 0.9991118187443988,
]


def f32(values):
    return array.array("f", values)


def impulse(n, height=1.0):
    x = f32([0.0] * n)
    x[0] = height
    return x


def lcg_floats(n, seed):
    state = seed
    out = []
    for _ in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(state / 1073741824.0 - 1.0)
    return out


def filtered(coefficients, values):
    x = f32(values)
    emlearn_iir.new(f32(coefficients)).run(x)
    return list(x)


@test
def identity_stage_passes_input_through():
    x = lcg_floats(50, 1)
    assert filtered(IDENTITY, x) == list(f32(x))
    assert filtered(IDENTITY * 3, x) == list(f32(x))


@test
def one_pole_impulse_response_is_geometric():
    assert filtered(ONE_POLE, impulse(8)) == [0.5 ** k for k in range(8)]


@test
def fir_stage_moving_average():
    assert filtered(MOVING_AVERAGE, [2.0, 4.0, 6.0, 0.0, 0.0]) == [1.0, 3.0, 5.0, 3.0, 0.0]


@test
def stages_run_in_cascade():
    # Two one-pole stages: impulse response (k + 1) * 0.5^k.
    assert filtered(ONE_POLE * 2, impulse(10)) == [(k + 1) * 0.5 ** k for k in range(10)]
    # A gain stage after the moving average.
    gain = [3.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert filtered(MOVING_AVERAGE + gain, [2.0, 4.0, 0.0]) == [3.0, 9.0, 6.0]


@test
def coefficients_are_normalised_by_a0():
    scaled = [2.0 * c for c in ONE_POLE]
    assert filtered(scaled, impulse(8)) == filtered(ONE_POLE, impulse(8))


@test
def zero_stages_are_rejected_as_in_the_reference():
    raises(ValueError, emlearn_iir.new, f32([]), contains="at least one stage")


@test
def state_carries_over_between_calls_bit_for_bit():
    x = lcg_floats(300, 3)
    whole = filtered(REFERENCE_EXAMPLE, x)
    for chunk in (1, 7, 64):
        flt = emlearn_iir.new(f32(REFERENCE_EXAMPLE))
        out = []
        for start in range(0, len(x), chunk):
            part = f32(x[start:start + chunk])
            flt.run(part)
            out.extend(part)
        assert out == whole, chunk


@test
def empty_run_changes_nothing():
    flt = emlearn_iir.new(f32(ONE_POLE))
    flt.run(f32([1.0]))
    flt.run(f32([]))
    x = f32([0.0, 0.0])
    flt.run(x)
    assert list(x) == [0.5, 0.25]


@test
def reset_restarts_the_filter():
    flt = emlearn_iir.new(f32(REFERENCE_EXAMPLE))
    x = f32(lcg_floats(40, 4))
    flt.run(x)
    flt.reset()
    y = f32(lcg_floats(40, 4))
    flt.run(y)
    assert list(y) == list(x)


@test
def state_in_scipy_zi_layout():
    flt = emlearn_iir.new(f32(ONE_POLE * 2))
    state = f32([9.0] * 4)
    flt.get_state(state)
    assert list(state) == [0.0] * 4
    flt.run(f32([1.0]))
    # Per stage (transposed direct form II): s1 = b1*x - a1*y + s2, s2 = b2*x - a2*y.
    # Stage 0: x = 1, y = 1 -> s1 = 0.5. Stage 1: x = 1, y = 1 -> s1 = 0.5.
    flt.get_state(state)
    assert list(state) == [0.5, 0.0, 0.5, 0.0]
    # Setting a state continues from it: the zero-input response of [s1, 0] is s1 * 0.5^k.
    flt.set_state(f32([2.0, 0.0, 0.0, 0.0]))
    x = f32([0.0] * 4)
    flt.run(x)
    assert list(x) == [2.0, 2.0, 1.5, 1.0]  # (2 * 0.5^k) through the second stage


def save_and_replay(coefficients, x, split=37):
    """Filters x, saving the state after x[:split] and running x[split:] again from it: returns
    (the whole output, the replayed tail)."""
    flt = emlearn_iir.new(f32(coefficients))
    head = f32(x[:split])
    flt.run(head)
    saved = f32([0.0] * (len(coefficients) // 3))
    flt.get_state(saved)
    tail = f32(x[split:])
    flt.run(tail)
    flt.set_state(saved)
    replayed = f32(x[split:])
    flt.run(replayed)
    whole = list(head) + list(tail)
    assert whole == filtered(coefficients, x)
    return whole[split:], list(replayed)


@test
def saved_state_replays_identically():
    # Exactly: an integrator and a moving average over small integers keep a state of integers
    # and halves, which a float holds exactly even where the engine's state is double.
    tail, replayed = save_and_replay(INTEGRATOR + MOVING_AVERAGE,
                                     [float((k * 7) % 5 - 2) for k in range(100)])
    assert replayed == tail


@test
def saved_state_replays_within_float_rounding():
    # The state may be kept in double (x64, x86, Cortex-M7): saved into floats it is rounded, and
    # the replay follows the uninterrupted output to within float rounding.
    tail, replayed = save_and_replay(REFERENCE_EXAMPLE, lcg_floats(100, 5))
    scale = max(abs(v) for v in tail)
    assert max(abs(a - b) for a, b in zip(tail, replayed)) <= 1e-5 * scale


@test
def reference_example_stays_bounded():
    flt = emlearn_iir.new(f32(REFERENCE_EXAMPLE))
    x = f32([1.0] * 2000)  # a step: the high-pass stage removes it
    flt.run(x)
    assert abs(x[-1]) < 0.2, x[-1]
    assert max(abs(v) for v in x) < 2.0


@test
def new_rejects_bad_coefficients():
    raises(ValueError, emlearn_iir.new, array.array("d", IDENTITY), contains="expecting float array")
    raises(ValueError, emlearn_iir.new, array.array("h", [1, 0, 0, 1, 0, 0]), contains="expecting float array")
    raises(TypeError, emlearn_iir.new, IDENTITY)
    for n in (1, 5, 7, 11):
        raises(ValueError, emlearn_iir.new, f32([1.0] * n),
               contains="Filter coefficients must be multiple of 6")
    raises(ValueError, emlearn_iir.new, f32(IDENTITY + [1.0, 0, 0, 0.0, 0, 0]), contains="stage 1: a0")
    nan, inf = float("nan"), float("inf")
    raises(ValueError, emlearn_iir.new, f32([nan, 0, 0, 1, 0, 0]), contains="stage 0: coefficients must be finite")
    raises(ValueError, emlearn_iir.new, f32([1, 0, 0, 1, inf, 0]), contains="finite")
    raises(ValueError, emlearn_iir.new, f32([1e30, 0, 0, 1e-30, 0, 0]), contains="overflow")


@test
def run_and_state_reject_bad_arrays():
    flt = emlearn_iir.new(f32(ONE_POLE * 3))
    raises(ValueError, flt.run, array.array("h", [0, 1]), contains="expecting float array")
    raises(ValueError, flt.run, array.array("d", [0.0]), contains="expecting float array")
    raises(TypeError, flt.run, [0.0, 1.0])
    raises(ValueError, flt.get_state, f32([0.0] * 5), contains="wrong array length for state: expected 6, got 5")
    raises(ValueError, flt.get_state, array.array("d", [0.0] * 6), contains="expecting float array")
    raises(ValueError, flt.set_state, array.array("h", [0] * 6), contains="expecting float array")
    raises(ValueError, flt.set_state, f32([0.0] * 7), contains="expected 6")
    raises(ValueError, flt.set_state, f32([]), contains="expected 6")


@test
def methods_refuse_objects_of_other_types():
    flt = emlearn_iir.new(f32(IDENTITY))
    raises(TypeError, type(flt).run, "not a filter", f32([1.0]))
    raises(TypeError, type(flt).reset, 42)


@test
def memory_is_returned_after_del():
    needs_mem_alloc()  # MicroPython only
    coefficients = f32(REFERENCE_EXAMPLE * 4)
    x = f32([1.0] * 16)
    emlearn_iir.new(coefficients).run(x)  # first-use allocations happen here
    gc.collect()
    before = gc.mem_alloc()
    flt = emlearn_iir.new(coefficients)
    flt.run(x)
    added = gc.mem_alloc() - before
    # Per stage 5 float coefficients and 2 state values (float, or double on x64, x86 and
    # Cortex-M7), and the object.
    assert 8 * (20 + 8) <= added <= 8 * (20 + 16) + 64, added
    del flt
    gc.collect()
    assert gc.mem_alloc() - before <= 32, gc.mem_alloc() - before


run()
