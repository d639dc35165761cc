"""Learning-modules benchmark: K-means (euclidean_argmin; cluster of 1000 RGB pixels into 8 colours,
5 iterations), ElasticNet (predict; one gradient step over 100 rows of 8 features) and logistic
regression (predict_proba; one step, 3 classes), instructions (callgrind slope) and µs per call on a
MicroPython Unix port (x64); with --reference DIR the reference side by side. Both libraries must
give the same result (checksum) before anything is reported.

    MICROPYTHON=... MPY_DIR=... /usr/bin/python3 benchmarks/learning/bench_learning.py [--reference DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SCRIPT = os.path.join(HERE, "bench_learning_device.py")
# (case, what one call is, module, callgrind loop lengths, timing loops)
CASES = (
    ("kmeans_argmin", "euclidean_argmin, 16 centroids x 3", "emlearn_kmeans", (200, 1200), 20000),
    ("kmeans_cluster", "cluster, 1000 x 3 uint8, k=8, 5 iterations", "emlearn_kmeans", (2, 6), 50),
    ("linreg_predict", "predict, 8 features", "emlearn_linreg", (200, 1200), 20000),
    ("linreg_step", "step, 100 rows x 8", "emlearn_linreg", (20, 120), 2000),
    ("logreg_predict_proba", "predict_proba, 8 features, 3 classes", "emlearn_logreg",
     (200, 1200), 20000),
    ("logreg_step", "step, 100 rows x 8, 3 classes", "emlearn_logreg", (20, 120), 2000),
)


def main():
    args = common.setup(__doc__.split("\n")[0], HERE)
    systems = common.systems(args.reference)
    rows = []
    for case, label, module, loops, timing_loops in CASES:
        checksums = {}
        for name, folder in systems:
            path = os.path.join(folder, "x64_6.3")
            if common.mpy_size(folder, module, "x64") is None:
                continue  # the reference has no emlearn_logreg
            timing = common.run_device(args.micropython, path, SCRIPT, [case, timing_loops])
            sizes = [str(common.mpy_size(folder, module, a)) for a in common.SIZE_ARCHS]
            if "missing" in timing:
                rows.append([label, name, "missing: " + timing["missing"], "", ""] + sizes)
                continue
            checksums[name] = timing["checksum"]
            instr = common.instructions_per_call(args.micropython, path, SCRIPT,
                                                 lambda n: [case, n], loops=loops)
            rows.append([label, name, "%.0f" % instr, "%.2f" % float(timing["us"]),
                         module] + sizes)
        if len(set(checksums.values())) > 1:
            sys.exit("%s: the libraries give different results: %s" % (case, checksums))
    common.write_table(args.output, [
        "Learning modules on MicroPython %s, Unix port (x64). Instructions per call by callgrind "
        "(slope between two loop lengths); the libraries' results agree (checksums) before "
        "anything is reported." % common.micropython_version(args.micropython)],
        ["call", "library", "instructions / call", "µs / call", "module"] +
        [".mpy " + a for a in common.SIZE_ARCHS], rows)


if __name__ == "__main__":
    main()
