# emlearn_fft contract tests. MicroPython-style: runs unchanged on CPython (host module) and on a
# MicroPython Unix port (the .mpy). Known answers are worked out by hand; larger transforms are
# checked against a plain DFT written here (numpy-level accuracy is in tests/host/test_signal.py).
import array
import gc
import math

import emlearn_fft
from harness import long_ints, needs_mem_alloc, raises, run, test


def zeros(n):
    return array.array("f", [0.0] * n)


def lcg_floats(n, seed):
    state = seed
    out = []
    for _ in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(state / 1073741824.0 - 1.0)  # [-1, 1)
    return out


def dft(re, im, sign=-1):
    n = len(re)
    out_re, out_im = [], []
    for k in range(n):
        sr = si = 0.0
        for m in range(n):
            a = sign * 2.0 * math.pi * ((k * m) % n) / n
            c, s = math.cos(a), math.sin(a)
            sr += re[m] * c - im[m] * s
            si += re[m] * s + im[m] * c
        out_re.append(sr)
        out_im.append(si)
    return out_re, out_im


def assert_close(got, want, tol):
    assert len(got) == len(want), (len(got), len(want))
    scale = max(1.0, max(abs(v) for v in want) if len(want) else 0.0)
    for i in range(len(want)):
        assert abs(got[i] - want[i]) <= tol * scale, (i, got[i], want[i])


def fft_of(values_re, values_im=None):
    n = len(values_re)
    re = array.array("f", values_re)
    im = array.array("f", values_im if values_im is not None else [0.0] * n)
    emlearn_fft.FFT(n).run(re, im)
    return re, im


@test
def impulse_gives_all_ones():
    for n in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024):
        x = [0.0] * n
        x[0] = 1.0
        re, im = fft_of(x)
        assert list(re) == [1.0] * n, n
        assert list(im) == [0.0] * n, n


@test
def dc_gives_n_at_bin_zero():
    for n in (1, 2, 4, 8, 32, 256):
        re, im = fft_of([1.0] * n)
        assert re[0] == n, (n, re[0])
        assert_close(list(re)[1:], [0.0] * (n - 1), 1e-6)
        assert_close(list(im), [0.0] * n, 1e-6)


@test
def tiny_transforms_by_hand():
    re, im = fft_of([3.5])  # n = 1: identity
    assert list(re) == [3.5] and list(im) == [0.0]
    re, im = fft_of([1.0, 2.0], [0.5, -1.0])  # n = 2: [a + b, a - b]
    assert list(re) == [3.0, -1.0] and list(im) == [-0.5, 1.5]
    re, im = fft_of([1.0, 2.0, 3.0, 4.0])  # [10, -2+2j, -2, -2-2j]
    assert list(re) == [10.0, -2.0, -2.0, -2.0], list(re)
    assert list(im) == [0.0, 2.0, 0.0, -2.0], list(im)
    re, im = fft_of([0.0, 1.0, 0.0, 0.0])  # delayed impulse: exp(-2*pi*i*k/4) = 1, -i, -1, i
    assert list(re) == [1.0, 0.0, -1.0, 0.0] and list(im) == [0.0, -1.0, 0.0, 1.0]


@test
def sinusoid_lands_in_its_bins():
    n = 64
    x = [math.cos(2 * math.pi * 5 * m / n) for m in range(n)]
    re, im = fft_of(x)
    for k in range(n):
        want = n / 2 if k in (5, n - 5) else 0.0
        assert abs(re[k] - want) < 1e-4 and abs(im[k]) < 1e-4, (k, re[k], im[k])


@test
def random_complex_input_matches_dft():
    for n in (8, 16, 32, 64):
        xr, xi = lcg_floats(n, n), lcg_floats(n, n + 1)
        want_re, want_im = dft(xr, xi)
        re, im = fft_of(xr, xi)
        assert_close(list(re), want_re, 1e-4)
        assert_close(list(im), want_im, 1e-4)


@test
def ifft_inverts_run_with_numpy_scaling():
    f = emlearn_fft.FFT(16)
    re, im = zeros(16), zeros(16)
    re[0] = 16.0  # ifft of [16, 0, ...] is all ones
    f.ifft(re, im)
    assert list(re) == [1.0] * 16 and list(im) == [0.0] * 16
    xr, xi = lcg_floats(256, 7), lcg_floats(256, 8)
    f = emlearn_fft.FFT(256)
    re, im = array.array("f", xr), array.array("f", xi)
    f.run(re, im)
    f.ifft(re, im)
    assert_close(list(re), list(array.array("f", xr)), 1e-5)
    assert_close(list(im), list(array.array("f", xi)), 1e-5)


@test
def rfft_equals_first_half_of_complex_fft():
    for n in (1, 2, 4, 8, 16, 64, 256):
        x = array.array("f", lcg_floats(n, 3 * n))
        bins = n // 2 + 1
        real, imag = zeros(bins), zeros(bins)
        f = emlearn_fft.FFT(n)
        f.rfft(x, real, imag)
        assert list(x) == list(array.array("f", lcg_floats(n, 3 * n)))  # input left as is
        re, im = array.array("f", x), zeros(n)
        f.run(re, im)
        assert_close(list(real), list(re)[:bins], 1e-5)
        assert_close(list(imag), list(im)[:bins], 1e-5)
        assert imag[0] == 0.0 and imag[bins - 1] == 0.0


@test
def rfft_known_answers():
    f = emlearn_fft.FFT(4)
    real, imag = zeros(3), zeros(3)
    f.rfft(array.array("f", [1.0, 2.0, 3.0, 4.0]), real, imag)
    assert list(real) == [10.0, -2.0, -2.0] and list(imag) == [0.0, 2.0, 0.0]
    f = emlearn_fft.FFT(1)
    real, imag = zeros(1), zeros(1)
    f.rfft(array.array("f", [2.5]), real, imag)
    assert list(real) == [2.5] and list(imag) == [0.0]
    f = emlearn_fft.FFT(2)
    real, imag = zeros(2), zeros(2)
    f.rfft(array.array("f", [2.0, 0.5]), real, imag)
    assert list(real) == [2.5, 1.5] and list(imag) == [0.0, 0.0]


@test
def irfft_round_trip_and_known_answer():
    f = emlearn_fft.FFT(8)
    out = zeros(8)
    real, imag = array.array("f", [8.0, 0, 0, 0, 0]), zeros(5)
    f.irfft(real, imag, out)  # spectrum of all ones
    assert list(out) == [1.0] * 8
    for n in (1, 2, 4, 32, 256):
        gc.collect()  # small boards (qemu: 140 KB heap) fragment otherwise
        x = array.array("f", lcg_floats(n, 11 * n))
        bins = n // 2 + 1
        real, imag, out = zeros(bins), zeros(bins), zeros(n)
        f = emlearn_fft.FFT(n)
        f.rfft(x, real, imag)
        f.irfft(real, imag, out)
        assert_close(list(out), list(x), 1e-5)


@test
def reference_fill_api_keeps_working():
    n = 128
    x = lcg_floats(n, 5)
    # As the reference's users call it: fill(fft, n) before run().
    f = emlearn_fft.FFT(n)
    emlearn_fft.fill(f, n)
    re1, im1 = array.array("f", x), zeros(n)
    f.run(re1, im1)
    re0, im0 = fft_of(x)
    assert list(re1) == list(re0) and list(im1) == list(im0)
    # fft.fill(sin, cos) with tables computed in Python, as the reference's fill() does.
    sin = array.array("f", [math.sin(2 * math.pi * i / n) for i in range(n // 2)])
    cos = array.array("f", [math.cos(2 * math.pi * i / n) for i in range(n // 2)])
    f.fill(sin, cos)
    re2, im2 = array.array("f", x), zeros(n)
    f.run(re2, im2)
    assert_close(list(re2), list(re0), 1e-5)
    assert_close(list(im2), list(im0), 1e-5)
    # Tables of zeros are accepted (the reference does not check values) and make a wrong
    # transform; fill(fft, n) restores the exact one.
    f.fill(zeros(n // 2), zeros(n // 2))
    emlearn_fft.fill(f, n)
    re3, im3 = array.array("f", x), zeros(n)
    f.run(re3, im3)
    assert list(re3) == list(re0) and list(im3) == list(im0)
    # n = 1 and 2 have empty / one-value tables.
    emlearn_fft.FFT(1).fill(zeros(0), zeros(0))
    emlearn_fft.FFT(2).fill(array.array("f", [0.0]), array.array("f", [1.0]))


@test
def reference_test_usage():
    # tests/test_fft.py of the reference
    fft_length = 128
    in_real = array.array("f", (0.0 for _ in range(fft_length)))
    in_imag = array.array("f", (0.0 for _ in range(fft_length)))
    model = emlearn_fft.FFT(fft_length)
    emlearn_fft.fill(model, fft_length)
    model.run(in_real, in_imag)
    assert list(in_real) == [0.0] * fft_length


@test
def lengths_that_are_not_powers_of_two_are_rejected_at_construction():
    for n in (0, -1, -4, 3, 6, 12, 100, 1000, 8192, 1 << 20, 1 << 40):
        raises(ValueError, emlearn_fft.FFT, n, contains="power of two")
    raises(TypeError, emlearn_fft.FFT)
    raises(TypeError, emlearn_fft.FFT, 4.0)
    for n in long_ints():  # saturated, never wrapped (2**64 + 1 was FFT(1) on MicroPython)
        raises(ValueError, emlearn_fft.FFT, n + 7, contains="power of two")
        raises(ValueError, emlearn_fft.fill, emlearn_fft.FFT(8), n + 7, contains="FFT length 8")
    gc.collect()
    try:
        emlearn_fft.FFT(4096)  # valid: no ValueError
    except MemoryError:
        pass  # 32 KB of twiddles in one piece may not exist on a small board's fragmented heap


@test
def run_and_ifft_reject_bad_arrays():
    f = emlearn_fft.FFT(8)
    for method in (f.run, f.ifft):
        raises(ValueError, method, array.array("d", [0] * 8), zeros(8), contains="expecting float array")
        raises(ValueError, method, zeros(8), array.array("h", [0] * 8), contains="expecting float array")
        raises(ValueError, method, zeros(7), zeros(8), contains="wrong array length")
        raises(ValueError, method, zeros(8), zeros(16), contains="wrong array length")
        raises(ValueError, method, zeros(0), zeros(0), contains="wrong array length")
        same = zeros(8)
        raises(ValueError, method, same, same, contains="different arrays")
        raises(TypeError, method, [0.0] * 8, zeros(8))
        # Read-only buffers: a TypeError on both runtimes (CPython's own would be a BufferError).
        raises(TypeError, method, bytes(32), zeros(8), contains="writable")
        raises(TypeError, method, zeros(8), memoryview(bytes(32)), contains="writable")


@test
def rfft_and_irfft_reject_bad_arrays():
    f = emlearn_fft.FFT(8)
    x, real, imag, out = zeros(8), zeros(5), zeros(5), zeros(8)
    raises(ValueError, f.rfft, zeros(7), real, imag, contains="wrong array length for x")
    raises(ValueError, f.rfft, x, zeros(4), imag, contains="wrong array length for real")
    raises(ValueError, f.rfft, x, real, zeros(8), contains="wrong array length for imag")
    raises(ValueError, f.rfft, array.array("h", [0] * 8), real, imag, contains="expecting float")
    raises(ValueError, f.rfft, x, real, real, contains="different arrays")
    raises(ValueError, f.irfft, zeros(4), imag, out, contains="wrong array length for real")
    raises(ValueError, f.irfft, real, imag, zeros(5), contains="wrong array length for out")
    raises(ValueError, f.irfft, real, array.array("d", [0] * 5), out, contains="expecting float")
    raises(ValueError, f.irfft, real, real, out, contains="different arrays")
    f.rfft(x, real, imag)  # still works after the failures
    f.irfft(real, imag, out)


@test
def fill_rejects_bad_tables_and_lengths():
    f = emlearn_fft.FFT(16)
    raises(ValueError, f.fill, zeros(16), zeros(16), contains="wrong array length")
    raises(ValueError, f.fill, zeros(8), zeros(7), contains="wrong array length")
    raises(ValueError, f.fill, array.array("d", [0] * 8), zeros(8), contains="expecting float")
    raises(ValueError, emlearn_fft.fill, f, 8, contains="FFT length 16")
    raises(ValueError, emlearn_fft.fill, f, 0)
    raises(TypeError, emlearn_fft.fill, "not an FFT", 16)


@test
def methods_refuse_objects_of_other_types():
    f = emlearn_fft.FFT(4)
    raises(TypeError, type(f).run, "not an FFT", zeros(4), zeros(4))
    raises(TypeError, type(f).rfft, 42, zeros(4), zeros(3), zeros(3))


@test
def memory_is_returned_after_del():
    needs_mem_alloc()  # MicroPython only

    def use(n):
        f = emlearn_fft.FFT(n)
        re, im = zeros(n), zeros(n)
        f.run(re, im)
        real, imag, out = zeros(n // 2 + 1), zeros(n // 2 + 1), zeros(n)
        f.rfft(re, real, imag)  # allocates the real-input tables
        f.irfft(real, imag, out)
        return f

    use(64)  # first-use allocations (qstrs, method caches) happen here
    gc.collect()
    before = gc.mem_alloc()
    f = use(1024)
    assert gc.mem_alloc() - before > 8 * 1024  # the twiddles are there while it lives
    del f
    gc.collect()
    after = gc.mem_alloc()
    assert after - before <= 64, (before, after)


run()
