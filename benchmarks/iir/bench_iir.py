"""IIR benchmark: a 4-stage Butterworth band-pass over 1000 samples per run() call, float
(emlearn_iir) and q15 (emlearn_iir_q15): instructions and µs per call and the filter object's RAM
on a MicroPython Unix port (x64); with --reference DIR the reference's modules side by side.

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/iir/bench_iir.py [--reference DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_iir_device.py")
BLOCK = 1000


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    systems = common.systems(args.reference)
    rows = []
    for mode, module in (("float", "emlearn_iir"), ("q15", "emlearn_iir_q15")):
        for name, folder in systems:
            path = os.path.join(folder, "x64_6.3")
            sizes = [str(common.mpy_size(folder, module, a)) for a in common.SIZE_ARCHS]
            try:
                instr = common.instructions_per_call(args.micropython, path, SCRIPT,
                                                     lambda loops: [loops, mode, BLOCK],
                                                     loops=(20, 120))
                timing = common.run_device(args.micropython, path, SCRIPT, [2000, mode, BLOCK])
            except RuntimeError as e:
                # The reference's q15 filter overflows its coefficient buffer and crashes.
                print(e, file=sys.stderr)
                rows.append([module, name, "crashed", "crashed", "-"] + sizes)
                continue
            rows.append([module, name, "%.0f" % instr, "%.1f" % float(timing["us"]),
                         timing["object_bytes"]] + sizes)
    common.write_table(args.output, [
        "4-stage Butterworth band-pass, %d samples per run(), MicroPython %s, Unix port (x64). "
        "Instructions per call by callgrind (slope between 20 and 120 calls)."
        % (BLOCK, common.micropython_version(args.micropython))],
        ["module", "library", "instructions / run", "µs / run", "object RAM (bytes)"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
