"""Host side: train a RandomForest on XOR, convert it to the emlearn trees CSV.

Features are in [0, 1] and scaled to int16 (1.0 -> 32767) *before* training, so the forest's
thresholds are in the same units as the int16 arrays the device passes to predict().

    /usr/bin/python3 examples/xor_trees/xor_train.py [output.csv]
"""
import os
import sys

import numpy
from sklearn.ensemble import RandomForestClassifier

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import microlearn.trees  # noqa: E402

INT16_ONE = 2**15 - 1


def make_xor(samples=200, seed=42):
    rng = numpy.random.RandomState(seed)
    X = rng.uniform(0.0, 1.0, size=(samples, 2))
    y = numpy.logical_xor(X[:, 0] > 0.5, X[:, 1] > 0.5).astype(int)
    return numpy.round(X * INT16_ONE).astype(numpy.int16), y


def train(path="xor_model.csv"):
    X, y = make_xor()
    estimator = RandomForestClassifier(n_estimators=3, max_depth=3, max_features=2, random_state=1)
    estimator.fit(X, y)
    accuracy = estimator.score(X, y)
    assert accuracy > 0.9, accuracy  # it learned the function
    model = microlearn.trees.convert(estimator, method="hard")
    model.save(path)
    print("trained: accuracy %.3f on %d samples; wrote %s (%r)" % (accuracy, len(y), path, model))
    return estimator, model


if __name__ == "__main__":
    train(sys.argv[1] if len(sys.argv) > 1 else "xor_model.csv")
