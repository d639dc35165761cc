"""Makes the data and models (host), then classifies on CPython and, with MICROPYTHON and MPY_DIR
set, on MicroPython; the runtimes must print the same, and the converted models must be as
accurate as PyTorch made them (fp32: within one window; int8: within 2%)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import make_models  # noqa: E402
from runtimes import run_on_runtimes  # noqa: E402


def main():
    workdir = os.path.join(ROOT, "build", "examples", "gesture_cnn1d")
    accuracies = make_models.main(workdir)
    results = run_on_runtimes(os.path.join(HERE, "classify.py"), workdir,
                              lambda out: [line.split() for line in out.splitlines()
                                           if line.endswith(tuple("0123456789"))])
    first = next(iter(results.values()))
    if any(r != first for r in results.values()):
        sys.exit("the runtimes disagree: %r" % results)
    got = {name: int(right) / int(count) for name, right, _, count in first}
    for net, accuracy in accuracies.items():
        assert abs(got[net + "_fp32.tmdl"] - accuracy) <= 1 / 200 + 1e-9, (net, got, accuracy)
        assert got[net + "_int8.tmdl"] >= accuracy - 0.02, (net, got, accuracy)
    print("ok: the converted 1-D CNN classifies gestures like PyTorch")


if __name__ == "__main__":
    main()
