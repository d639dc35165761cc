#!/usr/bin/python3
"""Writes knn_items.mlkn: the first 30 training items of learn_knn_iris.txt as a k-NN item-set
file, written by the host package (python/microlearn/neighbors.py), for tests/api/test_neighbors.py
to load on the device side. Run with Debian's python3 from the repository root:
    PYTHONPATH=python /usr/bin/python3 tests/data/gen_knn_items.py
"""
import os

import numpy as np

from microlearn.neighbors import save_items

HERE = os.path.dirname(os.path.abspath(__file__))


def read_array(path, wanted):
    lines = [l.split() for l in open(path) if l.strip() and not l.startswith("#")]
    i = 0
    while i < len(lines):
        name, rows, cols = lines[i][0], int(lines[i][1]), int(lines[i][2])
        if name == wanted:
            return np.array([[int(v) for v in row] for row in lines[i + 1:i + 1 + rows]])
        i += 1 + rows
    raise KeyError(wanted)


if __name__ == "__main__":
    refs = os.path.join(HERE, "learn_knn_iris.txt")
    X = read_array(refs, "X_train")[:30]
    y = read_array(refs, "y_train")[0][:30]
    out = os.path.join(HERE, "knn_items.mlkn")
    save_items(out, X, y)
    print("wrote", os.path.relpath(out), os.path.getsize(out), "bytes")
