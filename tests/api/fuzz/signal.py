# Hostile arguments for emlearn_fft, emlearn_iir, emlearn_iir_q15 and emlearn_arrayutils.
import array

from fuzz.engine import pool as P
from fuzz.fixtures import f32, i16, iir, mod


def fft(z):
    m = mod("emlearn_fft")
    F = m.FFT
    z.function("fft.FFT", F, lambda: [8], [P()], allowed=(MemoryError,))
    for n in (1, 2, 8):  # FFT(1): no twiddles, a single bin
        half, bins, t = n // 2, n // 2 + 1, "fft%d." % n
        z.function(t + "fill(module)", m.fill, lambda: [F(n), n], [P(), P()])
        for method in ("run", "ifft"):
            z.function(t + method, getattr(F, method), lambda: [F(n), f32([1] * n), f32([0] * n)],
                       [P(), P(n), P(n)])
        z.function(t + "rfft", F.rfft,
                   lambda: [F(n), f32([1] * n), f32([0] * bins), f32([0] * bins)],
                   [P(), P(n), P(bins), P(bins)])
        z.function(t + "irfft", F.irfft,
                   lambda: [F(n), f32([1] * bins), f32([0] * bins), f32([0] * n)],
                   [P(), P(bins), P(bins), P(n)])
        z.function(t + "fill", F.fill, lambda: [F(n), f32([0] * half), f32([1] * half)],
                   [P(), P(half), P(half)])
    f, a = F(8), f32([1] * 8)  # one array as several arguments, whole or in overlapping slices
    for args in ([a, a], [memoryview(a)[:4], memoryview(a)[4:]]):
        z.call("fft.run(aliased)", f.run, args, ["aliased"])
    for args in ([a, memoryview(a)[:5], memoryview(a)[3:]],
                 [memoryview(a)[:5], memoryview(a)[3:], a]):
        z.call("fft.rfft(aliased)", f.rfft, args, ["aliased"])
        z.call("fft.irfft(aliased)", f.irfft, args, ["aliased"])


def _filter(z, name, tc, per_stage):
    m = mod(name)
    F, t = type(iir(name)), name[8:] + "."
    one = [1, 0, 0, 1, 0, 0] if tc == "f" else [8192, 0, 0, 0, 0, 0]
    z.function(t + "new", m.new, lambda: [array.array(tc, one)], [P(6, tc)],
               allowed=(MemoryError,))
    z.function(t + "run", F.run, lambda: [iir(name), array.array(tc, [1] * 5)], [P(), P(5, tc)])
    z.function(t + "reset", F.reset, lambda: [iir(name)], [P()])
    n = 2 * per_stage
    for method in ("get_state", "set_state"):
        z.function(t + method, getattr(F, method), lambda: [iir(name), array.array(tc, [0] * n)],
                   [P(), P(n, tc)])


def iir_(z):
    _filter(z, "emlearn_iir", "f", 2)


def iir_q15(z):
    _filter(z, "emlearn_iir_q15", "h", 6)
    c = mod("emlearn_iir_q15").convert_coefficients
    z.function("iir_q15.convert_coefficients", c, lambda: [[1.0, 0, 0, 1, 0, 0]], [P(6, "d")])
    z.function("iir_q15.convert_coefficients(scale)", c,
               lambda: [f32([1.0, 0, 0, 1, 0, 0]), 8192], [P(6, "f"), P()])
    z.keywords("iir_q15.convert_coefficients", c, lambda: [[1.0, 0, 0, 1, 0, 0]], ["scale"], P())


def arrayutils(z):
    m = mod("emlearn_arrayutils")
    z.function("linear_map", m.linear_map,
               lambda: [i16([0, 50, 100]), f32([0] * 3), 0, 100, 0.0, 1.0],
               [P(3, "h"), P(3, "f"), P(), P(), P(), P()])
    a = i16([1, 2, 3])
    for args in ([a, a], [memoryview(a)[1:], memoryview(a)[:2]], [memoryview(a)[:2], a[1:]]):
        z.call("linear_map(aliased)", m.linear_map, args + [0, 10, 0, 5], ["aliased"])
