"""Fixtures for the host tests: import paths, the real engine, quantised datasets.

The engine under test is the CPython module ``emlearn_trees`` that ``make host`` builds into
``build/host`` (the same C++ core and API layer as the MicroPython module). Tests that need it
take the ``engine`` fixture and are skipped, with a message saying how to build it, when it is
missing; converter-only tests still run.
"""

import array
import importlib
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_HOST = ROOT / "build" / "host"
PYTHON_DIR = ROOT / "python"
#: Files made by the reference system (../shared/compat beside the checkout, see its README.md).
COMPAT_DIR = ROOT.parent / "shared" / "compat"

# The package is used from the source tree (never installed) and the engine from the build tree.
for path in (PYTHON_DIR, BUILD_HOST):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from microlearn.quantize import Int16Scaler  # noqa: E402  (needs the path above)

#: Classification data sets used for the parity tests (scikit-learn's bundled copies).
CLASSIFICATION_SETS = ("iris", "breast_cancer", "digits", "wine")
#: Regression data sets: make_regression with one and with three targets.
REGRESSION_SETS = ("regression", "regression_3_targets")


def pytest_report_header(config):
    try:
        import emlearn_trees
    except ImportError:
        return f"emlearn_trees: not built (expected in {BUILD_HOST}); engine tests will skip"
    return f"emlearn_trees: {getattr(emlearn_trees, '__file__', '?')}"


@pytest.fixture(scope="session")
def engine():
    """The ``emlearn_trees`` module built by ``make host``; skips the test when it is absent."""
    try:
        import emlearn_trees
    except ImportError as e:
        pytest.skip(f"emlearn_trees engine not built yet ({e}); run `make host`, which puts the "
                    f"CPython module in {BUILD_HOST}")
    return emlearn_trees


@pytest.fixture(scope="session")
def engine_predict(engine):
    """``engine_predict(csv_path, capacity, X) -> ndarray (n_rows, outputs)``.

    Loads the CSV into ``emlearn_trees.new(*capacity)`` exactly as device code would
    (``load_model`` from an open text file) and calls ``predict`` once per row of ``X``
    with an ``array('h')`` input and an ``array('f')`` output.
    """

    def run(csv_path, capacity, X):
        model = engine.new(*capacity)
        with open(csv_path) as f:
            engine.load_model(model, f)
        n_outputs = model.outputs()
        out = array.array("f", [0.0] * n_outputs)
        result = np.empty((len(X), n_outputs), dtype=np.float32)
        for i, row in enumerate(np.asarray(X, dtype=np.int16).tolist()):
            model.predict(array.array("h", row), out)
            result[i] = out
        return result

    return run


class Dataset:
    """Integer (int16) features, split into train and test, and the fitted scaler."""

    def __init__(self, name, X, y, task):
        from sklearn.model_selection import train_test_split

        self.name, self.task = name, task
        stratify = y if task == "classification" else None
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=0.3, random_state=0, stratify=stratify)
        # Quantise before training, so that scikit-learn learns thresholds between integers.
        self.scaler = Int16Scaler(margin=0.05).fit(X_train)
        self.X_train = self.scaler.transform(X_train)
        self.X_test = self.scaler.transform(X_test)
        self.y_train, self.y_test = y_train, y_test


def _load(name):
    from sklearn import datasets

    loaders = {
        "iris": datasets.load_iris,
        "breast_cancer": datasets.load_breast_cancer,
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
    }
    if name in loaders:
        X, y = loaders[name](return_X_y=True)
        return Dataset(name, X, y, "classification")
    n_targets = {"regression": 1, "regression_3_targets": 3}[name]
    X, y = datasets.make_regression(n_samples=400, n_features=8, n_informative=5,
                                    n_targets=n_targets, noise=5.0, random_state=0)
    return Dataset(name, X, y, "regression")


@pytest.fixture(scope="session")
def datasets():
    """``datasets(name) -> Dataset``, each loaded and quantised once per session."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = _load(name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def compat_dir():
    """``COMPAT_DIR`` (the reference system's model and data files); skips when it is absent."""
    if not COMPAT_DIR.is_dir():
        pytest.skip(f"compatibility files not found in {COMPAT_DIR}")
    return COMPAT_DIR


def optional_import(name, package):
    """Imports an optional dependency (``torch``, ``onnx``): the tests that need it are skipped
    without it, except under CI (``CI`` set), where tools/install-deps.sh installs it and its
    absence is an error rather than a silent skip."""
    if os.environ.get("CI"):
        return importlib.import_module(name)
    return pytest.importorskip(name, reason=f"needs {name} (Debian: apt install {package})")
