#!/usr/bin/env python3
"""Runs every tests/api/test_*.py under CPython (host modules) or a MicroPython Unix port (.mpy).

The same files run on both: they use only what MicroPython has (array, gc, no numpy).
"""
import argparse
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", help="CPython interpreter; modules from build/host")
    ap.add_argument("--micropython", help="MicroPython Unix port binary")
    ap.add_argument("--natmod-dir", help="folder with the .mpy files (with --micropython)")
    ap.add_argument("tests", nargs="*", help="test files (default: all)")
    args = ap.parse_args()
    tests = args.tests or sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    env = dict(os.environ)
    if args.micropython:
        natmod = os.path.abspath(args.natmod_dir)
        env["MICROPYPATH"] = os.pathsep.join([natmod, HERE, os.path.join(ROOT, "python")])
        cmd = [args.micropython, "-X", "heapsize=4M"]
        runtime = "MicroPython " + natmod
    else:
        env["PYTHONPATH"] = os.pathsep.join(
            [os.path.join(ROOT, "build", "host"), HERE, os.path.join(ROOT, "python")]
        )
        cmd = [args.python or sys.executable]
        runtime = "CPython"
    failed = []
    for t in tests:
        print("==", os.path.relpath(t, ROOT), "on", runtime, flush=True)
        r = subprocess.run(cmd + [t], cwd=ROOT, env=env)
        if r.returncode != 0:
            failed.append(t)
    print("api suites: %d passed, %d failed" % (len(tests) - len(failed), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
