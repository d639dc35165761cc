# Runs on MicroPython: emlearn_arrayutils.linear_map over BLOCK elements, LOOPS times, from an
# array of typecode IN to one of typecode OUT (the reference has h -> f and f -> h only).
#   micropython bench_arrayutils_device.py LOOPS IN OUT BLOCK
# Prints: us=... (per call)
import array
import sys
import time

from emlearn_arrayutils import linear_map

# Input values and the range mapped onto [-1, 1] (or from it, for float input): full scale.
RANGES = {"b": 128, "h": 32768, "i": 2147483648, "f": 1.0}


def main():
    loops, in_tc, out_tc, block = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    in_span, out_span = RANGES[in_tc], RANGES[out_tc]
    if in_tc == "f":
        x = array.array("f", ((i % 200) / 100.0 - 1.0 for i in range(block)))
    else:
        x = array.array(in_tc, (((i * 2654435761) % (2 * in_span)) - in_span for i in range(block)))
    y = array.array(out_tc, [0] * block)
    t0 = time.ticks_us()
    for _ in range(loops):
        linear_map(x, y, -in_span, in_span, -out_span, out_span)
    us = time.ticks_diff(time.ticks_us(), t0)
    print("us=%.2f" % (us / max(loops, 1)))


main()
