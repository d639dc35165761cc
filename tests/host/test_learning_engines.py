"""On-device learning through the CPython builds of the device modules, against scikit-learn.

* emlearn_logreg: training on the device reaches at least 95% of scikit-learn's test accuracy
  (iris, breast_cancer, wine; held-out test split).
* emlearn_neighbors: items from microlearn.neighbors.convert(KNeighborsClassifier) predict what
  scikit-learn's brute-force KNN predicts wherever no distance tie straddles the k-th neighbour
  (iris, wine, digits quantised to int16); getresult() distances are the integer square roots of
  the exact squared distances; the item-set file round-trips between host and engine.
"""

import array
import importlib
import io
import math

import numpy as np
import pytest
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from microlearn.neighbors import convert as convert_knn
from microlearn.neighbors import decode_items, encode_items


def engine(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        pytest.skip(f"{name} not built ({e}); run `make host`")


LOADERS = {"iris": datasets.load_iris, "breast_cancer": datasets.load_breast_cancer,
           "wine": datasets.load_wine, "digits": datasets.load_digits}


@pytest.mark.parametrize("name", ["iris", "breast_cancer", "wine"])
def test_logreg_training_reaches_sklearn_test_accuracy(name):
    logreg = engine("emlearn_logreg")
    X, y = LOADERS[name](return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0,
                                                        stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train = scaler.transform(X_train).astype(np.float32)
    X_test = scaler.transform(X_test).astype(np.float32)
    C = 1.0
    reference = LogisticRegression(C=C, max_iter=10000).fit(X_train, y_train)
    reference_accuracy = reference.score(X_test, y_test)

    n_classes = len(np.unique(y))
    model = logreg.new(X.shape[1], n_classes, learning_rate=0.5, l2=1.0 / (C * len(X_train)))
    iterations, loss = logreg.train(model, array.array("f", X_train.reshape(-1).tolist()),
                                    array.array("B", y_train.tolist()), max_iterations=3000,
                                    tolerance=1e-7)
    predicted = [model.predict(array.array("f", row)) for row in X_test.tolist()]
    accuracy = float(np.mean(np.array(predicted) == y_test))
    print(f"{name}: device {accuracy:.3f} sklearn {reference_accuracy:.3f} "
          f"({iterations + 1} steps, loss {loss:.4f})")
    assert accuracy >= 0.95 * reference_accuracy


def _quantised(name):
    X, y = LOADERS[name](return_X_y=True)
    X = np.round(X / np.abs(X).max() * 30000).astype(np.int16)
    return train_test_split(X, y, test_size=0.3, random_state=1, stratify=y)


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
@pytest.mark.parametrize("k", [1, 5])
def test_knn_matches_sklearn_brute_force(name, k):
    neighbors = engine("emlearn_neighbors")
    X_train, X_test, y_train, _ = _quantised(name)
    reference = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X_train, y_train)
    items = convert_knn(reference)
    model = neighbors.new(len(items.X), items.n_features, items.k)
    model.load(io.BytesIO(encode_items(items.X, items.y)))
    expected = reference.predict(X_test)
    compared = 0
    for x, want in zip(X_test, expected):
        label = model.predict(array.array("h", x.tolist()))
        d2 = ((X_train.astype(np.int64) - x.astype(np.int64)) ** 2).sum(axis=1)
        order = np.lexsort((np.arange(len(d2)), d2))
        for r in range(k):
            index, distance, item_label = model.getresult(r)
            assert index == order[r] and distance == math.isqrt(int(d2[order[r]]))
            assert item_label == items.y[index]
        if d2[order[k - 1]] < d2[order[k]]:  # no tie straddles the k-th neighbour
            assert items.classes[label] == want
            compared += 1
    assert compared >= 0.8 * len(X_test)


def test_item_set_files_round_trip_between_host_and_engine():
    neighbors = engine("emlearn_neighbors")
    rng = np.random.RandomState(0)
    X = rng.randint(-32768, 32768, size=(40, 7)).astype(np.int16)
    y = rng.randint(-32768, 32768, size=40).astype(np.int16)
    data = encode_items(X, y)
    model = neighbors.new(40, 7, 3)
    model.load(io.BytesIO(data))
    saved = io.BytesIO()
    model.save(saved)
    assert saved.getvalue() == data
    X2, y2 = decode_items(saved.getvalue())
    assert np.array_equal(X2, X) and np.array_equal(y2, y)
    for bad in (data[:-1], data + b"\0", b"XLKN" + data[4:], data[:20] + b"\x01" + data[21:]):
        with pytest.raises(ValueError):
            decode_items(bad)
        with pytest.raises(ValueError):
            model.load(io.BytesIO(bad))
        assert len(model) == 0
    with pytest.raises(ValueError):
        encode_items(np.array([[1.5, 2]]), [0])  # not int16-valued
    with pytest.raises(ValueError):
        encode_items(np.zeros((2, 3)), [0])  # one label for two items


def test_knn_convert_rejects_what_the_engine_does_not_compute():
    X_train, _, y_train, _ = _quantised("iris")
    with pytest.raises(ValueError, match="uniform"):
        convert_knn(KNeighborsClassifier(weights="distance").fit(X_train, y_train))
    with pytest.raises(ValueError, match="Euclidean"):
        convert_knn(KNeighborsClassifier(p=1).fit(X_train, y_train))
    # Minkowski feature weights: dropped, 47 of 300 predictions differed.
    weighted = KNeighborsClassifier(metric="minkowski", p=2,
                                    metric_params={"w": np.array([1.0, 100.0, 1.0, 1.0])})
    with pytest.raises(ValueError, match="unweighted Euclidean.*'w'"):
        convert_knn(weighted.fit(X_train, y_train))
    with pytest.raises(ValueError, match="multi-output"):
        convert_knn(KNeighborsClassifier().fit(X_train, np.c_[y_train, y_train]))
    # "l2" is the Euclidean metric by another name.
    l2 = KNeighborsClassifier(metric="l2", algorithm="brute").fit(X_train, y_train)
    assert convert_knn(l2).k == 5
    with pytest.raises(ValueError, match="int16"):
        convert_knn(KNeighborsClassifier().fit(X_train + 0.5, y_train))
    with pytest.raises(TypeError):
        convert_knn(LogisticRegression())
    # More neighbours than items: scikit-learn fails only at predict, the device at new().
    few = KNeighborsClassifier(n_neighbors=12).fit(X_train[:10], y_train[:10])
    with pytest.raises(ValueError, match="n_neighbors=12 is more than the 10 training items"):
        convert_knn(few)
    # emlearn_neighbors.new takes max_items 1..65535: more items are refused at conversion and
    # in the file writer, not on the device.
    many = (np.arange(65536) - 32768).astype(np.int16).reshape(-1, 1)
    big = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(many, many[:, 0] > 0)
    with pytest.raises(ValueError, match="65536 items: emlearn_neighbors holds at most 65535"):
        convert_knn(big)
    with pytest.raises(ValueError, match="65536 items"):
        encode_items(many, many[:, 0] > 0)
    assert len(encode_items(many[:65535], many[:65535, 0] > 0)) == 12 + 4 * 65535 + 4
