# Runs on MicroPython: a 4-stage float IIR (or q15 with MODE=q15) over BLOCK samples, LOOPS times.
#   micropython bench_iir_device.py LOOPS MODE BLOCK
# Prints: object_bytes=... us=...
import array
import gc
import math
import sys
import time

# 4-stage Butterworth band-pass at 16 kHz (scipy.signal.butter(4, [500, 2000], 'bandpass',
# fs=16000, output='sos')), rounded to 7 digits: the benchmark needs a realistic, stable filter.
SOS = [
    0.0018803, 0.0037606, 0.0018803, 1.0, -1.3967488, 0.5283869,
    1.0, 2.0, 1.0, 1.0, -1.6251035, 0.7300843,
    1.0, -2.0, 1.0, 1.0, -1.7218869, 0.7663698,
    1.0, -2.0, 1.0, 1.0, -1.9000467, 0.9150484,
]


def main():
    loops, mode, block = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if mode == "q15":
        import emlearn_iir_q15 as module

        coefficients = module.convert_coefficients(SOS)
        values = array.array("h", (int(8000 * math.sin(0.05 * i)) for i in range(block)))
    else:
        import emlearn_iir as module

        coefficients = array.array("f", SOS)
        values = array.array("f", (math.sin(0.05 * i) for i in range(block)))
    gc.collect()
    before = gc.mem_alloc()
    flt = module.new(coefficients)
    gc.collect()
    object_bytes = gc.mem_alloc() - before
    run = flt.run
    t0 = time.ticks_us()
    for _ in range(loops):
        run(values)
    us = time.ticks_diff(time.ticks_us(), t0)
    print("object_bytes=%d us=%.2f" % (object_bytes, us / max(loops, 1)))


main()
