"""The main job, end to end: train -> convert -> load -> predict.

1. trains a scikit-learn RandomForest on XOR and converts it (xor_train.py),
2. runs the device script xor_run.py with the CPython build of emlearn_trees,
3. runs the same script on a real MicroPython Unix port with the native module, when
   MICROPYTHON (the binary) and MPY_DIR (its source tree, to build the .mpy) are set,
and checks that every runtime prints the classes scikit-learn predicts.
"""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(ROOT, "python"), HERE, os.path.dirname(HERE)]

import numpy  # noqa: E402

import xor_train  # noqa: E402
from runtimes import run_on_runtimes  # noqa: E402

ONE = 2**15 - 1
INPUTS = [[0, 0], [ONE, ONE], [0, ONE], [ONE, 0]]


def classes_printed(output):
    return [int(line.split("->")[1].split()[0]) for line in output.splitlines() if "->" in line]


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-demo-")
    estimator, _ = xor_train.train(os.path.join(workdir, "xor_model.csv"))
    expected = [int(c) for c in estimator.predict(numpy.array(INPUTS, dtype=numpy.int16))]
    print("scikit-learn predicts", expected)

    results = run_on_runtimes(os.path.join(HERE, "xor_run.py"), workdir, classes_printed)
    for runtime, got in results.items():
        if got != expected:
            sys.exit("%s printed %s, scikit-learn %s" % (runtime, got, expected))
    print("demo OK: %s agree with scikit-learn" % ", ".join(results))


if __name__ == "__main__":
    main()
