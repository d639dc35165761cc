"""Writes the models (host), then classifies on CPython and, with MICROPYTHON and MPY_DIR set, on
MicroPython; the two must agree exactly, and the converted models must be as accurate as
scikit-learn and PyTorch made them (fp32: the same digits right; int8: within 1% of them)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import make_models  # noqa: E402
from runtimes import run_on_runtimes  # noqa: E402


def main():
    workdir = os.path.join(ROOT, "build", "examples", "mnist_cnn")
    accuracy, cnn_accuracy = make_models.main(workdir)
    results = run_on_runtimes(os.path.join(HERE, "classify.py"), workdir,
                              lambda out: [line.split() for line in out.splitlines()])
    first = next(iter(results.values()))
    if any(r != first for r in results.values()):
        sys.exit("the runtimes disagree: %r" % results)
    got = {name: int(right) / int(count) for name, right, _, count in first}
    assert got["mnist_cnn_int8.tmdl"] >= 0.9, got
    assert abs(got["digits_fp32.tmdl"] - accuracy) < 0.003, (got, accuracy)
    assert got["digits_int8.tmdl"] >= accuracy - 0.01, (got, accuracy)
    for name, value in cnn_accuracy.items():
        assert abs(got["digits_%s_fp32.tmdl" % name] - value) < 0.003, (got, cnn_accuracy)
        assert got["digits_%s_int8.tmdl" % name] >= value - 0.01, (got, cnn_accuracy)
    print("ok: the converted models score like scikit-learn and PyTorch")


if __name__ == "__main__":
    main()
