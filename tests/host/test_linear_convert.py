"""microlearn.linear: converted scikit-learn linear models, run through the CPython builds of
emlearn_linreg / emlearn_logreg (the device engine), agree with scikit-learn.

Stated tolerances: regression outputs within 1e-5 relative (to the largest of |prediction| and
the targets' standard deviation, so that outputs near zero are not judged by a vanishing
denominator); classifiers: ``predict`` equal on every row, ``predict_proba`` within 1e-5.
"""

import array
import importlib
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets
from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge,
                                  SGDRegressor)
from sklearn.preprocessing import StandardScaler

from microlearn.linear import LinearModel, UnsupportedEstimatorError, convert, load

ROOT = Path(__file__).resolve().parents[2]


def engine(name):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        pytest.skip(f"{name} not built ({e}); run `make host`")


def engine_predict(model, X):
    return np.array([model.predict(array.array("f", row)) for row in X.astype(np.float32).tolist()])


def engine_proba(model, X, n_classes):
    out = array.array("f", [0.0] * n_classes)
    result = []
    for row in X.astype(np.float32).tolist():
        model.predict_proba(array.array("f", row), out)
        result.append(list(out))
    return np.array(result)


@pytest.fixture(scope="module")
def regression_data():
    X, y = datasets.make_regression(n_samples=300, n_features=8, n_informative=6, noise=10.0,
                                    bias=25.0, random_state=0)
    X = StandardScaler().fit_transform(X).astype(np.float32).astype(np.float64)
    return X, y


REGRESSORS = [
    LinearRegression(),
    Ridge(alpha=3.0),
    Lasso(alpha=0.5),
    ElasticNet(alpha=0.3, l1_ratio=0.4),
    SGDRegressor(random_state=0, max_iter=2000, tol=1e-6),
]


@pytest.mark.parametrize("estimator", REGRESSORS, ids=lambda e: type(e).__name__)
def test_regressors_predict_like_sklearn(estimator, regression_data, tmp_path):
    linreg = engine("emlearn_linreg")
    X, y = regression_data
    estimator.fit(X, y)
    converted = convert(estimator)
    assert not converted.is_classifier and converted.n_features == X.shape[1]
    assert converted.module == "emlearn_linreg"
    expected = estimator.predict(X)
    scale = np.maximum(np.abs(expected), np.std(y))
    got = engine_predict(converted.new_engine_model(linreg), X)
    assert np.max(np.abs(got - expected) / scale) <= 1e-5
    # Through the file the device reads.
    path = converted.save(tmp_path / "model.npz")[0]
    again = load(path).new_engine_model(linreg)
    assert np.array_equal(engine_predict(again, X), got)
    assert np.max(np.abs(converted.predict(X) - expected) / scale) <= 1e-5


def _classification(name):
    loader = {"iris": datasets.load_iris, "breast_cancer": datasets.load_breast_cancer}[name]
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32).astype(np.float64)
    return X, y


@pytest.mark.parametrize("name", ["iris", "breast_cancer"])
@pytest.mark.parametrize("C", [0.1, 1.0, 100.0])
def test_logistic_regression_matches_sklearn(name, C, tmp_path):
    logreg = engine("emlearn_logreg")
    X, y = _classification(name)
    estimator = LogisticRegression(C=C, max_iter=10000).fit(X, y)
    converted = convert(estimator)
    n_classes = len(estimator.classes_)
    assert converted.is_classifier and converted.n_classes == n_classes
    assert converted.weights.shape == (1 if n_classes == 2 else n_classes, X.shape[1])
    model = converted.new_engine_model(logreg)
    predicted = np.array([model.predict(array.array("f", r)) for r in X.astype(np.float32).tolist()])
    assert np.array_equal(estimator.classes_[predicted], estimator.predict(X))
    proba = engine_proba(model, X, n_classes)
    assert np.max(np.abs(proba - estimator.predict_proba(X))) <= 1e-5
    # .npy files, read back with the device's own npyfile module (it runs on CPython too)
    written = converted.save(tmp_path / "lr", npz=False)
    assert sorted(Path(p).name for p in written) == ["lr_bias.npy", "lr_classes.npy",
                                                     "lr_weights.npy"]
    sys.path.insert(0, str(ROOT / "src" / "device"))
    try:
        npyfile = pytest.importorskip("npyfile")
        (n_vectors, n_features), w = npyfile.load(str(tmp_path / "lr_weights.npy"))
        _, b = npyfile.load(str(tmp_path / "lr_bias.npy"))
        _, classes = npyfile.load(str(tmp_path / "lr_classes.npy"))
        z = npyfile.load_npz(converted.save(tmp_path / "lr.npz")[0])
    finally:
        sys.path.remove(str(ROOT / "src" / "device"))
    assert (n_features, len(classes)) == (X.shape[1], n_classes)
    device = logreg.new(n_features, len(classes))
    device.set_weights(w)
    device.set_bias(b)
    assert np.array_equal(engine_proba(device, X, n_classes), proba)
    assert list(z["weights"][1]) == list(w) and list(z["bias"][1]) == list(b)


def test_numpy_mirror_of_the_engine():
    X, y = _classification("iris")
    estimator = LogisticRegression(max_iter=10000).fit(X, y)
    converted = convert(estimator)
    assert np.array_equal(converted.predict(X), estimator.predict(X))
    assert np.max(np.abs(converted.predict_proba(X) - estimator.predict_proba(X))) <= 1e-5


def test_string_labels_are_indices_on_the_device():
    X, y = _classification("iris")
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    estimator = LogisticRegression(max_iter=10000).fit(X, names)
    converted = convert(estimator)
    assert list(converted.classes) == ["setosa", "versicolor", "virginica"]
    assert np.array_equal(converted.predict(X), estimator.predict(X))


def test_rejected_estimators():
    X, y = _classification("iris")
    with pytest.raises(UnsupportedEstimatorError, match="one-vs-rest"):
        convert(LogisticRegression(solver="liblinear").fit(X, y))
    with pytest.raises(UnsupportedEstimatorError, match="one-vs-rest"):
        convert(LogisticRegression(multi_class="ovr").fit(X, y))
    with pytest.raises(UnsupportedEstimatorError, match="not fitted"):
        convert(Ridge())
    Xr, yr = datasets.make_regression(n_samples=50, n_features=3, n_targets=2, random_state=0)
    with pytest.raises(UnsupportedEstimatorError, match="multi-target"):
        convert(LinearRegression().fit(Xr, yr))
    from sklearn.svm import LinearSVC

    with pytest.raises(UnsupportedEstimatorError, match="LogisticRegression"):
        convert(LinearSVC().fit(X, y))
    # binary liblinear is fine: one sigmoid either way
    binary = LogisticRegression(solver="liblinear").fit(X[y < 2], y[y < 2])
    assert convert(binary).weights.shape == (1, 4)


def test_weights_beyond_float32_and_odd_inputs():
    # Targets of 1e39 give weights float32 cannot hold: refused, not written as inf.
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="not finite in float32"):
        convert(LinearRegression().fit(X, np.array([1.0, 2.0, 3.0, 4.0]) * 1e39))
    with pytest.raises(ValueError, match="not finite in float32"):
        LinearModel(np.array([[np.nan, 1.0]]), np.zeros(1))
    # sparsify() leaves coef_ a scipy.sparse matrix: read densely, same model.
    Xc, yc = _classification("iris")
    dense = LogisticRegression(max_iter=1000).fit(Xc, yc)
    sparse = LogisticRegression(max_iter=1000).fit(Xc, yc).sparsify()
    np.testing.assert_array_equal(convert(sparse).weights, convert(dense).weights)
    with pytest.raises(UnsupportedEstimatorError, match="expecting a fitted scikit-learn"):
        convert("x")
    with pytest.raises(TypeError, match="not the class LogisticRegression"):
        convert(LogisticRegression)
    # Weights of 1e160: refused by the converter's own check before it probes the model (the
    # probe points overflowed and scikit-learn said "Input X contains NaN").
    with pytest.raises(ValueError, match="not finite in float32"):
        convert(LinearRegression().fit(X, np.array([1.0, 2.0, 3.0, 4.0]) * 1e160))
    # A model whose every value is below float32's normal range became all zeros.
    tiny = LinearRegression().fit(X, np.array([1.0, 2.0, 3.0, 4.0]) * 1e-50)
    with pytest.raises(ValueError, match="all below float32's range"):
        convert(tiny)
    # One tiny weight beside normal ones contributes nothing either way: kept (as 0).
    mixed = LinearModel(np.array([[1e-50, 1.0]]), np.zeros(1))
    assert mixed.weights.tolist() == [[0.0, 1.0]]


def test_models_beyond_the_device_modules_are_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 2))
    with pytest.raises(ValueError, match="300 classes: emlearn_logreg takes 2..256"):
        convert(LogisticRegression(max_iter=20).fit(X, np.arange(600) % 300))
    assert convert(LogisticRegression(max_iter=20).fit(X, np.arange(600) % 256)).n_classes == 256
    with pytest.raises(ValueError, match="65536 features: the device modules take 1..65535"):
        LinearModel(np.zeros((1, 65536)), np.zeros(1))
    # refused before the model is probed with points of that many features (2^20 features and
    # 20 classes took 41 s and 1.5 GB before the refusal)
    wide = LogisticRegression(max_iter=20).fit(X, np.arange(600) % 3)
    wide.coef_ = np.zeros((3, 2**20))
    wide.n_features_in_ = 2**20
    with pytest.raises(ValueError, match="1048576 features"):
        convert(wide)


def test_linear_model_validates_shapes():
    with pytest.raises(ValueError):
        LinearModel(np.zeros((2, 3)), np.zeros(2))  # regression with two vectors
    with pytest.raises(ValueError):
        LinearModel(np.zeros((2, 3)), np.zeros(2), classes=[0, 1])  # binary needs one vector
    with pytest.raises(ValueError):
        LinearModel(np.zeros((1, 3)), np.zeros(2))


def test_two_class_multinomial_is_the_doubled_logit():
    # softmax([-z, z]) = sigmoid(2z): converted as sigmoid(w.x + b) it was up to 0.15 off.
    X, y = _classification("breast_cancer")
    for estimator in (LogisticRegression(multi_class="multinomial", max_iter=10000).fit(X, y),
                      LogisticRegression(multi_class="ovr", max_iter=10000).fit(X, y)):
        converted = convert(estimator)
        assert np.max(np.abs(converted.predict_proba(X) - estimator.predict_proba(X))) <= 1e-5
        assert np.array_equal(converted.predict(X), estimator.predict(X))
        engine = converted.new_engine_model()
        out = array.array("f", [0, 0])
        for row, want in zip(X[:50], estimator.predict_proba(X[:50])):
            engine.predict_proba(array.array("f", row.astype(np.float32).tolist()), out)
            assert np.max(np.abs(np.array(out) - want)) <= 1e-5


def test_regressors_with_a_link_function_are_refused():
    from sklearn.linear_model import GammaRegressor, PoissonRegressor, TweedieRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.exp(X @ [0.3, -0.2, 0.1] + 1)
    for estimator in (PoissonRegressor(), GammaRegressor(), TweedieRegressor(power=1.5)):
        with pytest.raises(UnsupportedEstimatorError, match="link function"):
            convert(estimator.fit(X, y))
    identity = TweedieRegressor(power=0).fit(X, y)  # the normal distribution: identity link
    assert np.max(np.abs(convert(identity).predict(X) - identity.predict(X))) <= 1e-5 * np.max(y)


def test_numeric_labels_the_file_can_hold(tmp_path):
    X, y = _classification("iris")
    for labels, stored in ((np.array([-1, 5, 2**40]), [0, 1, 2]),  # beyond int32: indices
                           (np.array([1.0, 2.0, 4.0]), [1, 2, 4]),  # whole floats: as they are
                           (np.array([7, -3, 2**31 - 1]), [-3, 7, 2**31 - 1])):
        estimator = LogisticRegression(max_iter=10000).fit(X, labels[y])
        converted = convert(estimator)
        assert np.array_equal(converted.predict(X), estimator.predict(X))
        converted.save(tmp_path / "m.npz")
        with np.load(tmp_path / "m.npz") as z:
            assert z["classes"].tolist() == stored
