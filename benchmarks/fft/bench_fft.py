"""FFT benchmark: instructions and µs per forward transform, n = 64 ... 4096, and the RAM of the
FFT object, on a MicroPython Unix port (x64); with --reference DIR the reference's emlearn_fft.mpy
side by side (DIR/<arch>_6.3/emlearn_fft.mpy, built by hand outside the repository).

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/fft/bench_fft.py [--reference DIR]
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SIZES = (64, 256, 1024, 4096)
SCRIPT = os.path.join(HERE, "bench_fft_device.py")


def measure(micropython, module_path, n, mode):
    per_call = common.instructions_per_call(micropython, module_path, SCRIPT,
                                            lambda loops: [n, loops, mode], loops=(20, 120))
    timing = common.run_device(micropython, module_path, SCRIPT, [n, 2000 if n <= 1024 else 300,
                                                                  mode])
    return per_call, float(timing["us"]), int(timing["object_bytes"])


def lcg_values(n, seed):
    """bench_fft_device.lcg_values(), as the device computes it."""
    out, state = [], seed
    for _ in range(n):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out.append(state / 2147483648.0 - 0.5)
    return np.array(out, dtype=np.float32)


def relative_error(micropython, module_path, n):
    """Relative RMS error of run() against numpy's float64 FFT of the same float32 input."""
    values = common.run_device(micropython, module_path, SCRIPT, [n, 1, "accuracy"])
    got = (np.frombuffer(bytes.fromhex(values["re"]), "<f4").astype(np.float64) +
           1j * np.frombuffer(bytes.fromhex(values["im"]), "<f4"))
    x = lcg_values(n, 1).astype(np.float64) + 1j * lcg_values(n, 2)
    want = np.fft.fft(x)
    return float(np.sqrt(np.sum(np.abs(got - want) ** 2) / np.sum(np.abs(want) ** 2)))


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    ours = os.path.join(common.ROOT, "dist")
    rows = []
    for n in SIZES:
        row = [str(n)]
        for label, folder, mode in [("microlearn", ours, "run"), ("microlearn", ours, "rfft")] + (
                [("reference", os.path.abspath(args.reference), "run")] if args.reference else []):
            instr, us, ram = measure(args.micropython, os.path.join(folder, "x64_6.3"), n, mode)
            row += ["%.0f" % instr, "%.1f" % us, str(ram)]
            if mode == "run":
                row.append("%.1e" % relative_error(args.micropython,
                                                   os.path.join(folder, "x64_6.3"), n))
        rows.append(row)
    columns = ["n", "run: instr", "run: µs", "run: RAM", "run: error", "rfft: instr", "rfft: µs",
               "rfft: RAM"]
    if args.reference:
        columns += ["reference run: instr", "reference: µs", "reference: RAM", "reference: error"]
    sizes = ["%s %s" % (a, common.mpy_size(ours, "emlearn_fft", a)) for a in common.SIZE_ARCHS]
    if args.reference:
        sizes += ["reference %s %s" % (a, common.mpy_size(args.reference, "emlearn_fft", a))
                  for a in common.SIZE_ARCHS]
    common.write_table(args.output, [
        "emlearn_fft on MicroPython %s, Unix port (x64). Instructions per call by callgrind "
        "(slope between 20 and 120 calls); RAM = gc.mem_alloc() of the FFT object with its tables; "
        "error = relative RMS error of run() on pseudo-random complex input against numpy's float64 "
        "FFT of the same float32 values."
        % common.micropython_version(args.micropython),
        ".mpy bytes: " + ", ".join(sizes)], columns, rows)


if __name__ == "__main__":
    main()
