"""Makes the data and the model (host), then runs har_run.py on CPython and, with MICROPYTHON and
MPY_DIR set, on MicroPython. Checks that the runtimes print the same, that the device computed
the very features the model was trained and scored on (same checksum), and that it predicts
every test window as scikit-learn does, except where scikit-learn's two most likely classes are
within one soft-vote step (1/255) of each other, where the stored probabilities may tip either
way (listed if any)."""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import make_data  # noqa: E402
import train  # noqa: E402
from microlearn.trees import PROBA_STEP  # noqa: E402  (train.py put python/ on the path)
from runtimes import run_on_runtimes  # noqa: E402


def device_results(stdout):
    """Everything but the timing and memory lines, which only MicroPython prints."""
    return [line for line in stdout.splitlines() if not line.startswith(("time", "memory:"))]


def parse(lines):
    """(predicted class per window, printed accuracy, checksum) from har_run.py's output."""
    guesses = [int(c) for line in lines if line.startswith("rec ") for c in line.split()[-1]]
    accuracy = next(line for line in lines if line.startswith("accuracy ")).split()[1]
    checksum = next(line for line in lines if line.startswith("features checksum")).split()[-1]
    return np.array(guesses), float(accuracy), int(checksum, 16)


def main():
    workdir = os.path.join(ROOT, "build", "examples", "har_trees")
    sets = make_data.main(workdir)
    expected = train.main(workdir, sets)
    results = run_on_runtimes(os.path.join(HERE, "har_run.py"), workdir, device_results)
    first = next(iter(results.values()))
    if any(r != first for r in results.values()):
        sys.exit("the runtimes disagree:\n%s" % "\n".join(
            "%s:\n%s" % (name, "\n".join(lines)) for name, lines in results.items()))

    guesses, accuracy, checksum = parse(first)
    if checksum != expected["checksum"]:
        sys.exit("the device computed other features than the host (checksum %06x, host %06x)"
                 % (checksum, expected["checksum"]))
    labels, predicted = expected["labels"], expected["predicted"]
    if len(guesses) != len(labels):
        sys.exit("the device classified %d windows, the host %d" % (len(guesses), len(labels)))
    engine = expected["model"].predict(expected["features"])
    if not np.array_equal(guesses, engine):
        sys.exit("the device differs from microlearn's model of the engine on windows %s"
                 % np.flatnonzero(guesses != engine).tolist())
    top2 = np.sort(expected["proba"], axis=1)[:, -2:]
    near_tie = top2[:, 1] - top2[:, 0] <= PROBA_STEP + 1e-6
    differ = np.flatnonzero(guesses != predicted)
    if not near_tie[differ].all():
        sys.exit("the device differs from scikit-learn on windows %s" % differ.tolist())
    device_accuracy = float(np.mean(guesses == labels))
    assert abs(accuracy - device_accuracy) < 1e-3, (accuracy, device_accuracy)
    if len(differ):
        print("windows where scikit-learn's top two classes are within 1/255 and the device "
              "chose the other one: %s" % differ.tolist())
    model = expected["model"]
    same = ("as scikit-learn on every window" if not len(differ) else
            "as scikit-learn except %d near ties" % len(differ))
    print("ok: har_trees %d test windows, scikit-learn accuracy %.3f, device %.3f on %s, same "
          "predictions %s; %d trees, %d nodes, %d leaves, %d bytes of CSV"
          % (len(labels), expected["accuracy"], device_accuracy, " and ".join(results), same,
             model.n_trees, model.n_nodes, model.n_leaves, expected["csv_bytes"]))


if __name__ == "__main__":
    main()
