"""Tree-ensemble benchmark: sklearn digits, RandomForestClassifier(n_estimators=10,
max_leaf_nodes=100), int16 features.

Measures on a MicroPython Unix port (MICROPYTHON, with MPY_DIR to build the .mpy):
  - instructions per predict() call with valgrind's callgrind, as the slope between two loop
    lengths so that start-up and loading cancel out;
  - microseconds per predict() (wall clock, noisy; instructions are the number to compare);
  - load time and gc.mem_alloc() of the loaded model;
  - .mpy sizes for x64, armv6m, armv7emsp;
and the same for the reference emlearn-micropython when --reference DIR is given (a folder of
its .mpy files as DIR/<arch>_6.3/emlearn_trees.mpy, built by hand outside this repository).

    /usr/bin/python3 benchmarks/trees/bench_trees.py [--reference DIR] [--output FILE]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

ROOT = common.ROOT
sys.path.insert(0, os.path.join(ROOT, "python"))

import numpy  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

import microlearn.trees  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_device.py")
LOOPS = (200, 1200)


def make_model(workdir):
    X, y = load_digits(return_X_y=True)
    X = X.astype(numpy.int16)  # pixel intensities 0..16 are already integers
    X_train, X_test, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=1)
    estimator = RandomForestClassifier(n_estimators=10, max_leaf_nodes=100, random_state=1)
    estimator.fit(X_train, y_train)
    model = microlearn.trees.convert(estimator, method="hard")
    model_path = os.path.join(workdir, "digits_rf.csv")
    model.save(model_path)
    rows_path = os.path.join(workdir, "digits_rows.csv")
    numpy.savetxt(rows_path, X_test[:100], fmt="%d", delimiter=",")
    # Hard vote: the majority of the trees' own predictions, ties to the lowest class index.
    votes = numpy.zeros((100, len(estimator.classes_)))
    for tree in estimator.estimators_:
        votes[numpy.arange(100), tree.predict(X_test[:100]).astype(int)] += 1
    expected = 0
    for c in votes.argmax(axis=1):
        expected = expected * 31 + int(c)
    return model, model_path, rows_path, expected % 1000000007


def measure(micropython, natmod_dir, model, model_path, rows_path, expected):
    base = [model_path, rows_path]
    capacity = list(model.capacity)
    timing = common.run_device(micropython, natmod_dir, SCRIPT, base + [20000] + capacity)
    if int(timing["checksum"]) != expected:
        raise RuntimeError("predictions differ from the trees' majority vote in " + natmod_dir)
    return {
        "instructions": common.instructions_per_call(
            micropython, natmod_dir, SCRIPT, lambda n: base + [n] + capacity, loops=LOOPS),
        "predict_us": float(timing["predict_us"]),
        "load_us": int(timing["load_us"]),
        "model_bytes": int(timing["model_bytes"]),
    }


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    workdir = os.path.join(ROOT, "build", "bench", "trees")
    os.makedirs(workdir, exist_ok=True)
    model, model_path, rows_path, expected = make_model(workdir)

    systems = common.systems(args.reference)
    rows = []
    for name, folder in systems:
        r = measure(args.micropython, os.path.join(folder, "x64_6.3"), model, model_path,
                    rows_path, expected)
        rows.append([name, "%.0f" % r["instructions"], "%.2f" % r["predict_us"],
                     "%.1f" % (r["load_us"] / 1000.0), str(r["model_bytes"])] +
                    [str(common.mpy_size(folder, "emlearn_trees", a) or "-")
                     for a in common.SIZE_ARCHS])
    common.write_table(args.output, [
        "Model: sklearn digits, RandomForestClassifier(n_estimators=10, max_leaf_nodes=100), "
        "hard vote, %d trees, %d decision nodes, %d leaves." % (model.n_trees, model.n_nodes,
                                                                model.n_leaves),
        "Runtime: MicroPython %s, Unix port (x64)." % common.micropython_version(args.micropython)],
        ["library", "instructions / predict", "µs / predict", "load ms", "model RAM (bytes)"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
