# Runs on MicroPython (and CPython): load a trees CSV, then call predict N times.
#   micropython bench_device.py MODEL.csv ROWS.csv N MAX_TREES MAX_NODES MAX_LEAVES
# (N a multiple of the number of rows)
# Prints one line: load_us=... model_bytes=... predict_us=... checksum=...
# When the module has no load_model (the reference's 1.29 build drops its Python part), the file is
# read with the module's own builder methods instead, in the same way the reference loader does.
import array
import gc
import sys
import time

import emlearn_trees

try:
    ticks_us, ticks_diff = time.ticks_us, time.ticks_diff
except AttributeError:  # CPython
    ticks_us = lambda: int(time.perf_counter() * 1e6)  # noqa: E731
    ticks_diff = lambda a, b: a - b  # noqa: E731


def builder_load(model, f):
    header = {}
    started = False
    for line in f:
        tok = line.rstrip("\r\n").split(",")
        kind = tok[0]
        if kind in ("f", "c", "lb"):
            header[kind] = int(tok[1])
            continue
        if not started and kind in ("l", "r", "n"):
            if header.get("lb", 0):
                model.setdata(header["f"], header["c"], header["lb"])
            else:
                model.setdata(header["f"], header["c"])
            started = True
        if kind == "l":
            model.addleaf(int(tok[1]))
        elif kind == "r":
            model.addroot(int(tok[1]))
        elif kind == "n":
            model.addnode(int(tok[3]), int(tok[4]), int(tok[1]), int(float(tok[2])))


def main():
    model_path, rows_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    capacity = [int(v) for v in sys.argv[4:7]]
    gc.collect()
    before = gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0
    t0 = ticks_us()
    model = emlearn_trees.new(*capacity)
    with open(model_path) as f:
        if hasattr(emlearn_trees, "load_model"):
            emlearn_trees.load_model(model, f)
        else:
            builder_load(model, f)
    load_us = ticks_diff(ticks_us(), t0)
    gc.collect()
    model_bytes = (gc.mem_alloc() - before) if hasattr(gc, "mem_alloc") else 0
    # The rows after the model: read first, they would be scattered among the parser's garbage, and
    # a 140 KB heap (QEMU, benchmarks/qemu) would have no block left for the model's 8 KB.
    rows = []
    with open(rows_path) as f:
        for line in f:
            if line.strip():
                rows.append(array.array("h", [int(v) for v in line.split(",")]))
    out = array.array("f", [0] * model.outputs())
    n_rows = len(rows)
    predict = model.predict
    # n is a multiple of the row count: iterating the list costs less than indexing it, so more of
    # each call is predict itself (both libraries run this same loop).
    t0 = ticks_us()
    for _ in range(n // n_rows):
        for row in rows:
            predict(row, out)
    predict_us = ticks_diff(ticks_us(), t0)
    checksum = 0
    for row in rows:
        predict(row, out)
        best = 0
        for k in range(1, len(out)):
            if out[k] > out[best]:
                best = k
        checksum = checksum * 31 + best
    print("load_us=%d model_bytes=%d predict_us=%.3f checksum=%d" % (
        load_us, model_bytes, predict_us / max(n, 1), checksum % 1000000007))


main()
