"""The main job, end to end: train -> convert -> load -> predict.

1. trains a scikit-learn RandomForest on XOR and converts it (xor_train.py),
2. runs the device script xor_run.py with the CPython build of emlearn_trees,
3. runs the same script on a real MicroPython Unix port with the native module, when
   MICROPYTHON (the binary) and MPY_DIR (its source tree, to build the .mpy) are set,
and checks that every runtime prints the classes scikit-learn predicts.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "python"), HERE]

import numpy  # noqa: E402

import xor_train  # noqa: E402

ONE = 2**15 - 1
INPUTS = [[0, 0], [ONE, ONE], [0, ONE], [ONE, 0]]


def classes_printed(output):
    return [int(line.split("->")[1].split()[0]) for line in output.splitlines() if "->" in line]


def run_device_script(workdir, cmd, env):
    r = subprocess.run(cmd + [os.path.join(HERE, "xor_run.py")], cwd=workdir, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("device script failed:\n" + r.stdout + r.stderr)
    print(r.stdout, end="")
    return classes_printed(r.stdout)


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-demo-")
    estimator, _ = xor_train.train(os.path.join(workdir, "xor_model.csv"))
    expected = [int(c) for c in estimator.predict(numpy.array(INPUTS, dtype=numpy.int16))]
    print("scikit-learn predicts", expected)

    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "host"))
    print("-- CPython, emlearn_trees from build/host")
    results = {"CPython": run_device_script(workdir, [sys.executable], env)}

    micropython, mpy_dir = os.environ.get("MICROPYTHON"), os.environ.get("MPY_DIR")
    if micropython and mpy_dir:
        subprocess.run(["make", "-s", "-C", ROOT, "dist", "ARCHS=x64", "MPY_DIR=" + mpy_dir],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "dist", "x64_6.3"))
        print("-- MicroPython", micropython)
        results["MicroPython"] = run_device_script(workdir, [micropython], env)
    else:
        print("-- MicroPython: SKIPPED (set MICROPYTHON=<unix port binary> MPY_DIR=<source tree>)")

    for runtime, got in results.items():
        if got != expected:
            sys.exit("%s printed %s, scikit-learn %s" % (runtime, got, expected))
    print("demo OK: %s agree with scikit-learn" % ", ".join(results))


if __name__ == "__main__":
    main()
