"""linear_map benchmark: 1000 values per call, int16 -> float and float -> int16 (the reference's
two pairs) and int32 -> float (double arithmetic): instructions and µs per call on a MicroPython
Unix port (x64); with --reference DIR the reference's module side by side.

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/arrayutils/bench_arrayutils.py [--reference DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_arrayutils_device.py")
BLOCK = 1000
PAIRS = (("h", "f"), ("f", "h"), ("i", "f"))
REFERENCE_PAIRS = (("h", "f"), ("f", "h"))


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    rows = []
    for in_tc, out_tc in PAIRS:
        for name, folder in common.systems(args.reference):
            path = os.path.join(folder, "x64_6.3")
            sizes = [str(common.mpy_size(folder, "emlearn_arrayutils", a))
                     for a in common.SIZE_ARCHS]
            label = "%s -> %s" % (in_tc, out_tc)
            if name == "reference" and (in_tc, out_tc) not in REFERENCE_PAIRS:
                rows.append([label, name, "h and f only", "-"] + sizes)
                continue
            instr = common.instructions_per_call(
                args.micropython, path, SCRIPT, lambda loops: [loops, in_tc, out_tc, BLOCK],
                loops=(20, 120))
            timing = common.run_device(args.micropython, path, SCRIPT,
                                       [2000, in_tc, out_tc, BLOCK])
            rows.append([label, name, "%.0f" % instr, "%.1f" % float(timing["us"])] + sizes)
    common.write_table(args.output, [
        "emlearn_arrayutils.linear_map, %d values per call, full-scale ranges, MicroPython %s, "
        "Unix port (x64). Instructions per call by callgrind (slope between 20 and 120 calls)."
        % (BLOCK, common.micropython_version(args.micropython))],
        ["typecodes", "library", "instructions / call", "µs / call"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
