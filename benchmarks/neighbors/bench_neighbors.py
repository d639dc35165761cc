"""k-NN benchmark: predict() with 100 items of 8 int16 features, k=5 (the issue's setting) and a
larger 500 x 16 model: instructions (callgrind slope) and µs per predict, RAM of the model with its
items, on a MicroPython Unix port (x64); with --reference DIR the reference side by side. Both
libraries must predict the same labels (checksum) before anything is reported.

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/neighbors/bench_neighbors.py [--reference DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_neighbors_device.py")
SETTINGS = ((100, 8, 5), (500, 16, 5))


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    systems = common.systems(args.reference)
    rows = []
    for items, features, k in SETTINGS:
        checksums = set()
        for name, folder in systems:
            path = os.path.join(folder, "x64_6.3")
            instr = common.instructions_per_call(args.micropython, path, SCRIPT,
                                                 lambda n: [items, features, k, n], loops=(50, 250))
            timing = common.run_device(args.micropython, path, SCRIPT, [items, features, k, 2000])
            checksums.add(timing["checksum"])
            rows.append(["%d x %d, k=%d" % (items, features, k), name, "%.0f" % instr,
                         "%.1f" % float(timing["us"]), timing["model_bytes"]] +
                        [str(common.mpy_size(folder, "emlearn_neighbors", a))
                         for a in common.SIZE_ARCHS])
        if len(checksums) != 1:
            sys.exit("the libraries predict different labels: %s" % checksums)
    common.write_table(args.output, [
        "emlearn_neighbors predict() on MicroPython %s, Unix port (x64). Instructions per call by "
        "callgrind (slope between 50 and 250 calls); model RAM = gc.mem_alloc() after new() and "
        "additem() of every item." % common.micropython_version(args.micropython)],
        ["model", "library", "instructions / predict", "µs / predict", "model RAM (bytes)"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
