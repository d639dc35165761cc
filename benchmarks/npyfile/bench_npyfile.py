"""npyfile benchmark: RAM taken by `import npyfile` (and by microlearn's .npz half, npzfile),
the .mpy size, and instructions and µs to load, read in chunks of 256 items, and save a .npy of
10,000 int16 or float32 items, on a MicroPython Unix port; with --reference-npyfile PATH
micropython-npyfile's npyfile.py side by side (compiled here with the same mpy-cross).

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/npyfile/bench_npyfile.py \\
        [--reference-npyfile .../micropython-npyfile/npyfile.py] [--also-micropython BINARY]

--also-micropython adds the import figures of a second Unix port (a 32-bit build: pointers and
object headers are half the size there, as on a microcontroller).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_npyfile_device.py")
ITEMS = 10000


def compile_to(mpy_dir, source, folder, name):
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, name + ".mpy")
    subprocess.run([os.path.join(mpy_dir, "mpy-cross", "build", "mpy-cross"), "-o", target,
                    source], check=True)
    return os.path.getsize(target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--micropython", default=os.environ.get("MICROPYTHON"))
    ap.add_argument("--mpy-dir", default=os.environ.get("MPY_DIR"))
    ap.add_argument("--reference-npyfile", help="micropython-npyfile's npyfile.py")
    ap.add_argument("--also-micropython", help="a second Unix port for the import figures")
    ap.add_argument("--output", default=os.path.join(HERE, "results.md"))
    args = ap.parse_args()
    if not (args.micropython and args.mpy_dir):
        sys.exit("SKIPPED: set MICROPYTHON=<unix port binary> and MPY_DIR=<micropython tree>")
    work = tempfile.mkdtemp(prefix="bench-npyfile-")
    try:
        device = os.path.join(common.ROOT, "src", "device")
        systems = [("microlearn", os.path.join(work, "microlearn"),
                    [(os.path.join(device, m + ".py"), m) for m in ("npyfile", "npzfile")])]
        if args.reference_npyfile:
            systems.append(("micropython-npyfile", os.path.join(work, "reference"),
                            [(os.path.abspath(args.reference_npyfile), "npyfile")]))
        files = {}
        rng = np.random.default_rng(1)
        for dtype in ("int16", "float32"):
            a = (rng.standard_normal(ITEMS) * 1000).astype(dtype)
            files[dtype] = os.path.join(work, dtype + ".npy")
            np.save(files[dtype], a)
        runtimes = [args.micropython] + ([args.also_micropython] if args.also_micropython else [])
        rows = []
        for name, folder, sources in systems:
            sizes = [compile_to(args.mpy_dir, s, folder, m) for s, m in sources]
            for binary in runtimes:
                ram = common.run_device(binary, folder, SCRIPT, ["import"])
                rows.append([name, "%s-bit" % ram["bits"], "import", ram["import_bytes"],
                             ram["npz_bytes"], " + ".join(str(s) for s in sizes), "", ""])
            for dtype, path in files.items():
                for mode in ("load", "chunks", "save"):
                    instr = common.instructions_per_call(
                        args.micropython, folder, SCRIPT, lambda n: [mode, n, path], loops=(2, 12))
                    timing = common.run_device(args.micropython, folder, SCRIPT, [mode, 50, path])
                    rows.append([name, "64-bit", "%s %s" % (mode, dtype), "", "", "",
                                 "%.0f" % instr, timing["us"]])
        common.write_table(args.output, [
            "npyfile, MicroPython %s, Unix port. Import RAM is gc.mem_alloc() after `import "
            "npyfile` (and then `import npzfile`); %d items per file; instructions per call by "
            "callgrind (slope between 2 and 12 calls), x64."
            % (common.micropython_version(args.micropython), ITEMS)],
            ["library", "port", "what", "import RAM (bytes)", "npzfile import RAM (bytes)",
             ".mpy bytes", "instructions / call", "µs / call"], rows)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
