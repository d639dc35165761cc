"""What every benchmark shares: building the .mpy files, running a device script on a MicroPython
Unix port, counting instructions with callgrind as the slope between two loop lengths (so start-up
and setup cancel out), and writing the result table."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE_ARCHS = ("x64", "armv6m", "armv7emsp")


def build_dist(mpy_dir, archs=SIZE_ARCHS):
    subprocess.run(["make", "-s", "-C", ROOT, "dist", "ARCHS=" + " ".join(archs),
                    "MPY_DIR=" + mpy_dir], check=True, stdout=subprocess.DEVNULL)


def micropython_version(micropython):
    return subprocess.run([micropython, "-c", "import sys; print(sys.version)"],
                          capture_output=True, text=True).stdout.strip()


def run_device(micropython, module_path, script, args, valgrind=False):
    """Runs `script args...`; the script prints `key=value` pairs on its last line."""
    env = dict(os.environ, MICROPYPATH=module_path)
    cmd = [micropython, script] + [str(a) for a in args]
    if valgrind:
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + cmd
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("device run failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    lines = r.stdout.strip().splitlines()
    values = dict(kv.split("=", 1) for kv in lines[-1].split()) if lines else {}
    if valgrind:
        values["instructions"] = int(re.search(r"Collected : (\d+)", r.stderr).group(1))
    return values


def instructions_per_call(micropython, module_path, script, args_for_loops, loops=(100, 600)):
    """Callgrind slope: args_for_loops(n) gives the script arguments for a loop of n calls."""
    counts = [run_device(micropython, module_path, script, args_for_loops(n), valgrind=True)
              ["instructions"] for n in loops]
    return (counts[1] - counts[0]) / (loops[1] - loops[0])


def systems(reference):
    """[(name, folder of <arch>_6.3/*.mpy)]: microlearn's dist, and the reference's when given."""
    found = [("microlearn", os.path.join(ROOT, "dist"))]
    if reference:
        found.append(("reference", os.path.abspath(reference)))
    return found


def mpy_size(folder, module, arch):
    path = os.path.join(folder, arch + "_6.3", module + ".mpy")
    return os.path.getsize(path) if os.path.exists(path) else None


def write_table(path, header_lines, columns, rows):
    """rows: lists of cell strings. Prints the table and writes it to `path`."""
    lines = list(header_lines) + ["", "| " + " | ".join(columns) + " |",
                                  "|---|" + "---:|" * (len(columns) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    table = "\n".join(lines)
    print(table)
    with open(path, "w") as f:
        f.write(table + "\n")
    print("wrote", os.path.relpath(path, ROOT))


def setup(description, results_dir):
    """The command line every benchmark takes; builds the .mpy files. Exits (SKIPPED) without a
    MicroPython to run on."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--micropython", default=os.environ.get("MICROPYTHON"),
                    help="MicroPython Unix port binary (default: $MICROPYTHON)")
    ap.add_argument("--mpy-dir", default=os.environ.get("MPY_DIR"),
                    help="MicroPython source tree with mpy-cross built (default: $MPY_DIR)")
    ap.add_argument("--reference", help="folder with the reference's <arch>_6.3/*.mpy files")
    ap.add_argument("--output", default=os.path.join(results_dir, "results.md"))
    args = ap.parse_args()
    if not (args.micropython and args.mpy_dir):
        sys.exit("SKIPPED: set MICROPYTHON=<unix port binary> and MPY_DIR=<micropython tree>")
    build_dist(args.mpy_dir)
    return args
