"""Host side of the activity example: features, training and conversion.

Computes the features of every window of har_train.npz and har_test.npz with features.py (the
device's own code, run on CPython through the host build of emlearn_fft and emlearn_arrayutils),
trains a small RandomForestClassifier, converts it with microlearn.trees.convert (soft vote: the
device's probabilities are scikit-learn's predict_proba in steps of 1/255) and writes
har_model.csv. main() returns the test features, scikit-learn's predictions and probabilities
and the converted model, for run_example.py to check the device against.
"""
import array
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [HERE, os.path.join(ROOT, "build", "host"), os.path.join(ROOT, "python")]
try:
    import features  # noqa: E402  (imports emlearn_fft and emlearn_arrayutils)
except ImportError as e:
    sys.exit("%s: build the host modules first (make host)" % e)
import microlearn.trees  # noqa: E402

FOREST = dict(n_estimators=10, max_depth=8, max_leaf_nodes=40, min_samples_leaf=3,
              random_state=0, n_jobs=1)


def window_features(samples):
    """Features of every window of every recording, in recording order: (windows, N_FEATURES)
    int16, and the recording index of each window. Windows start every HOP samples, as the
    device makes them."""
    extractor = features.Features()
    rows, owner = [], []
    size = features.WINDOW
    for r, recording in enumerate(samples):
        for start in range(0, len(recording) - size + 1, features.HOP):
            window = array.array("h", recording[start:start + size].tobytes())
            rows.append(np.frombuffer(extractor.compute(window), dtype=np.int16).copy())
            owner.append(r)
    return np.array(rows), np.array(owner)


def checksum(rows):
    """The device's checksum of its feature vectors (har_run.py): h = (31 h + (v & 0xFFFF)) mod
    2^24 over every value in order."""
    h = 0
    for v in rows.astype(np.int64).ravel() & 0xFFFF:
        h = (h * 31 + int(v)) & 0xFFFFFF
    return h


def main(out_dir, sets=None):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import confusion_matrix

    if sets is None:
        sets = {name: dict(np.load(os.path.join(out_dir, "har_%s.npz" % name)))
                for name in ("train", "test")}
    began = time.time()
    x_train, owner = window_features(sets["train"]["samples"])
    y_train = sets["train"]["labels"][owner]
    x_test, owner = window_features(sets["test"]["samples"])
    y_test = sets["test"]["labels"][owner]
    print("features (features.py on CPython): %d train and %d test windows x %d, %.1f s" % (
        len(x_train), len(x_test), features.N_FEATURES, time.time() - began))

    forest = RandomForestClassifier(**FOREST).fit(x_train, y_train)
    predicted = forest.predict(x_test)
    proba = forest.predict_proba(x_test)
    accuracy = float(np.mean(predicted == y_test))
    model = microlearn.trees.convert(forest, method="soft")
    path = os.path.join(out_dir, "har_model.csv")
    model.save(path)
    size = os.path.getsize(path)
    print("scikit-learn RandomForest: train accuracy %.3f, test accuracy %.3f (%d of %d windows)"
          % (forest.score(x_train, y_train), accuracy, int(np.sum(predicted == y_test)),
             len(y_test)))
    print("  confusion (rows: true, columns: predicted):\n ",
          str(confusion_matrix(y_test, predicted)).replace("\n", "\n  "))
    print("model: %d trees, %d decision nodes, %d leaves, har_model.csv %d bytes" % (
        model.n_trees, model.n_nodes, model.n_leaves, size))
    return {"accuracy": accuracy, "features": x_test, "labels": y_test, "predicted": predicted,
            "proba": proba, "model": model, "csv_bytes": size, "checksum": checksum(x_test)}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "examples", "har_trees"))
