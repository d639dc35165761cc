"""k-NN item sets on the host: the files ``emlearn_neighbors`` saves and loads (``model.save(f)``,
``model.load(f)``), written from and read into numpy arrays.

The format ("MLKN", docs/formats.md) is little-endian: a 12-byte header (``b"MLKN"``, version 1,
flags 0, uint16 n_features, uint32 n_items), the items as int16 row by row, the labels as int16,
and the CRC-32 (``zlib.crc32``) of everything before it.

    from microlearn.neighbors import save_items, load_items, convert
    save_items("items.mlkn", X_int16, y)          # then on the device: model.load(open(..., "rb"))
    X, y = load_items("items.mlkn")               # what a device saved
    items = convert(KNeighborsClassifier(...).fit(X_int16, y))   # a fitted scikit-learn model
    items.save("items.mlkn"); print(items.k)      # k for emlearn_neighbors.new(max_items, n_features, k)
"""

import struct
import zlib

import numpy as np

from .quantize import check_int16

__all__ = ["save_items", "load_items", "encode_items", "decode_items", "convert", "NeighborsItems"]

MAGIC = b"MLKN"
VERSION = 1
HEADER = struct.Struct("<4sBBHI")
MAX_FEATURES = 65535
MAX_ITEMS = 65535  # emlearn_neighbors.new's max_items


def _check_item_count(n):
    if n > MAX_ITEMS:
        raise ValueError("%d items: emlearn_neighbors holds at most %d" % (n, MAX_ITEMS))


def encode_items(X, y):
    """The file's bytes for items ``X`` (n_items x n_features, int16 values) and labels ``y``."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] < 1 or X.shape[1] > MAX_FEATURES:
        raise ValueError("X must be 2-D with 1..65535 features")
    _check_item_count(len(X))
    X = check_int16(X, "X")
    y = np.asarray(y).reshape(-1)
    if len(y) != len(X):
        raise ValueError("X has %d items, y %d labels" % (len(X), len(y)))
    y = check_int16(y, "y")
    body = (HEADER.pack(MAGIC, VERSION, 0, X.shape[1], len(X))
            + X.astype("<i2").tobytes() + y.astype("<i2").tobytes())
    return body + struct.pack("<I", zlib.crc32(body))


def decode_items(data):
    """(X int16 (n_items, n_features), y int16) from a file's bytes; ValueError if it is damaged."""
    data = bytes(data)
    if len(data) < HEADER.size + 4:
        raise ValueError("item set file is truncated")
    magic, version, flags, n_features, n_items = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ValueError("not a k-NN item set file")
    if version != VERSION or flags != 0:
        raise ValueError("unsupported item set version %d" % version)
    size = HEADER.size + 2 * n_items * (n_features + 1) + 4
    if len(data) != size:
        raise ValueError("item set file is truncated" if len(data) < size
                         else "item set file has data after its end")
    (crc,) = struct.unpack_from("<I", data, size - 4)
    if zlib.crc32(data[:-4]) != crc:
        raise ValueError("item set file checksum mismatch")
    values = np.frombuffer(data, dtype="<i2", offset=HEADER.size, count=n_items * (n_features + 1))
    X = values[: n_items * n_features].reshape(n_items, n_features).astype(np.int16)
    return X, values[n_items * n_features:].astype(np.int16)


def save_items(path, X, y):
    with open(path, "wb") as f:
        f.write(encode_items(X, y))


def load_items(path):
    with open(path, "rb") as f:
        return decode_items(f.read())


class NeighborsItems:
    """Items of a fitted ``KNeighborsClassifier``: labels are class indices into ``classes``."""

    def __init__(self, X, y, k, classes):
        self.X, self.y, self.k, self.classes = X, y, k, classes

    @property
    def n_features(self):
        return int(self.X.shape[1])

    def save(self, path):
        save_items(path, self.X, self.y)


def convert(estimator):
    """A ``KNeighborsClassifier`` fitted on int16-valued features -> :class:`NeighborsItems`.

    The engine votes uniformly over Euclidean distances: ``weights='uniform'`` and the Euclidean
    metric (``p=2`` Minkowski) are required. Predictions then equal scikit-learn's
    ``algorithm='brute'`` wherever no distance tie straddles the k-th neighbour.
    """
    name = type(estimator).__name__
    if name != "KNeighborsClassifier" or not hasattr(estimator, "classes_"):
        raise TypeError("expecting a fitted KNeighborsClassifier, got %s" % name)
    if estimator.weights != "uniform":
        raise ValueError("only weights='uniform' is supported")
    metric = estimator.effective_metric_
    params = getattr(estimator, "effective_metric_params_", None) or {}
    extra = sorted(set(params) - {"p"})  # e.g. Minkowski weights "w", which the engine lacks
    euclidean = metric in ("euclidean", "l2") or (
        metric == "minkowski" and params.get("p", getattr(estimator, "p", 2)) == 2)
    if not euclidean or extra:
        raise ValueError("only the unweighted Euclidean metric is supported, got %r%s"
                         % (metric, " with %s" % extra if extra else ""))
    if getattr(estimator, "outputs_2d_", False):
        raise ValueError("multi-output KNeighborsClassifier is not supported: one label per item")
    X = check_int16(estimator._fit_X, "the training data")
    _check_item_count(len(X))
    classes = np.asarray(estimator.classes_)
    if len(classes) > 32768:
        raise ValueError("too many classes")
    y = np.asarray(estimator._y).reshape(-1).astype(np.int16)  # indices into classes_
    if int(estimator.n_neighbors) > len(X):
        raise ValueError("n_neighbors=%d is more than the %d training items"
                         % (estimator.n_neighbors, len(X)))
    return NeighborsItems(X, y, int(estimator.n_neighbors), classes)
