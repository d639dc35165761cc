# Runs on MicroPython: k-NN with ITEMS items of FEATURES int16 features, k=K, then LOOPS predicts.
#   micropython bench_neighbors_device.py ITEMS FEATURES K LOOPS
# Prints: model_bytes=... us=... checksum=...
import array
import gc
import sys
import time

import emlearn_neighbors


def lcg(seed):
    state = [seed]

    def next_value():
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return (state[0] >> 8) % 2001 - 1000

    return next_value


def main():
    items, features, k, loops = [int(v) for v in sys.argv[1:5]]
    rand = lcg(7)
    # One item array, refilled: on a 32-bit port every rand() leaves big-int garbage, and items
    # kept alive in between would scatter over the heap until no 2 KB block is left in 140 KB.
    x = array.array("h", [0] * features)
    gc.collect()
    before = gc.mem_alloc()
    model = emlearn_neighbors.new(items, features, k)
    for i in range(items):
        for j in range(features):
            x[j] = rand()
        model.additem(x, i % 5)  # labels below 10: the reference caps them there
    gc.collect()
    model_bytes = gc.mem_alloc() - before
    queries = [array.array("h", [rand() for _ in range(features)]) for _ in range(16)]
    predict = model.predict
    t0 = time.ticks_us()
    for i in range(loops):
        predict(queries[i & 15])
    us = time.ticks_diff(time.ticks_us(), t0)
    checksum = 0
    for q in queries:
        checksum = checksum * 7 + predict(q)
    print("model_bytes=%d us=%.2f checksum=%d" % (model_bytes, us / max(loops, 1), checksum))


main()
