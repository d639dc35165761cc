"""CNN benchmark: instructions and µs per run() of the reference's MNIST CNN (tests/data, int8 and
fp32: 3 x Conv2D 3x3 stride 2 + ReLU, global average pooling, Dense(10), softmax) on one 28x28
image, and the RAM of the loaded network, on a MicroPython Unix port (x64); with --reference DIR
the reference's emlearn_cnn_*.mpy side by side (DIR/<arch>_6.3/, built by hand outside the
repository).

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/cnn/bench_cnn.py [--reference DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_cnn_device.py")


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    systems = common.systems(args.reference)
    rows = []
    for kind in ("int8", "fp32"):
        module = "emlearn_cnn_" + kind
        for name, folder in systems:
            path = os.path.join(folder, "x64_6.3")
            instr = common.instructions_per_call(args.micropython, path, SCRIPT,
                                                 lambda n: [kind, n], loops=(5, 25))
            timing = common.run_device(args.micropython, path, SCRIPT, [kind, 200])
            if timing["label"] != "7":
                raise RuntimeError("%s %s: image 7 classified as %s" % (name, kind, timing["label"]))
            rows.append([module, name, "%.0f" % instr, "%.1f" % float(timing["us"]),
                         timing["model_bytes"]] +
                        [str(common.mpy_size(folder, module, a) or "-") for a in common.SIZE_ARCHS])
    common.write_table(args.output, [
        "MNIST CNN run() on one image, MicroPython %s, Unix port (x64). Instructions per call by "
        "callgrind (slope between 5 and 25 calls); RAM = gc.mem_alloc() of the loaded network "
        "(its copy of the model and its work buffers)." % common.micropython_version(args.micropython)],
        ["module", "library", "instructions / run", "µs / run", "RAM (bytes)"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
