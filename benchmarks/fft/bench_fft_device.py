# Runs on MicroPython: FFT(n), then LOOPS calls of one transform.
#   micropython bench_fft_device.py N LOOPS MODE      MODE: run (complex, in place) | rfft
# Prints: object_bytes=... us=...
# MODE accuracy: one run() of n pseudo-random complex values (lcg_values(), which the host
# repeats), and prints re=<hex> im=<hex>: the float32 results' bytes.
# The tables are filled from Python when the module has no module-level fill() (the reference's
# 1.29 build drops it), exactly as the reference's fill() computes them.
import array
import gc
import math
import sys
import time

import emlearn_fft


def make_fft(n):
    # In a function of its own, so that no reference to the temporary tables outlives it on the
    # VM stack (the GC is conservative: a stale pointer would keep them alive and counted).
    fft = emlearn_fft.FFT(n)
    if hasattr(emlearn_fft, "fill"):
        emlearn_fft.fill(fft, n)
    else:
        half = n // 2
        sin = array.array("f", [math.sin(2 * math.pi * i / n) for i in range(half)])
        cos = array.array("f", [math.cos(2 * math.pi * i / n) for i in range(half)])
        fft.fill(sin, cos)
    return fft


def lcg_values(n, seed):
    out = array.array("f", [0.0] * n)
    state = seed
    for i in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = state / 2147483648.0 - 0.5
    return out


def accuracy(n):
    import binascii

    fft = make_fft(n)
    re, im = lcg_values(n, 1), lcg_values(n, 2)
    fft.run(re, im)
    print("re=%s im=%s" % (binascii.hexlify(re).decode(), binascii.hexlify(im).decode()))


def main():
    n, loops, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if mode == "accuracy":
        accuracy(n)
        return
    gc.collect()
    before = gc.mem_alloc()
    fft = make_fft(n)
    gc.collect()
    object_bytes = gc.mem_alloc() - before
    re = array.array("f", (math.sin(0.1 * i) for i in range(n)))
    im = array.array("f", [0.0] * n)
    if mode == "rfft":
        out_re = array.array("f", [0.0] * (n // 2 + 1))
        out_im = array.array("f", [0.0] * (n // 2 + 1))
        transform = fft.rfft
        t0 = time.ticks_us()
        for _ in range(loops):
            transform(re, out_re, out_im)
    else:
        transform = fft.run
        t0 = time.ticks_us()
        for _ in range(loops):
            transform(re, im)  # values grow each pass; the instruction count does not
    us = time.ticks_diff(time.ticks_us(), t0)
    print("object_bytes=%d us=%.2f" % (object_bytes, us / max(loops, 1)))


main()
