"""The command line ``python3 -m microlearn``, run as a separate process like a user would."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from conftest import PYTHON_DIR
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.neighbors import KNeighborsClassifier

from microlearn.trees import convert


def run_cli(*args, cwd):
    """Runs the command line from the source tree; returns the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    return subprocess.run([sys.executable, "-m", "microlearn", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def pickled(tmp_path, obj, name="model.pkl"):
    path = tmp_path / name
    with open(path, "wb") as f:
        pickle.dump(obj, f)
    return path


@pytest.fixture(scope="module")
def forest(datasets):
    data = datasets("iris")
    return RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(
        data.X_train, data.y_train)


def test_help(tmp_path):
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0 and "trees" in top.stdout
    sub = run_cli("trees", "convert", "--help", cwd=tmp_path)
    assert sub.returncode == 0
    assert "--method" in sub.stdout and "hard" in sub.stdout and "soft" in sub.stdout


@pytest.mark.parametrize("method", ["hard", "soft"])
def test_convert_round_trip(method, forest, datasets, tmp_path, engine_predict):
    """pickle -> CLI -> CSV equals the API's output and loads in the engine with the same result."""
    model_path = pickled(tmp_path, forest)
    result = run_cli("trees", "convert", model_path, "-o", "model.csv", "--method", method,
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    model = convert(forest, method=method)
    assert (tmp_path / "model.csv").read_text() == model.to_csv()
    assert f"emlearn_trees.new({model.n_trees}, {model.n_nodes}, {model.n_leaves})" in result.stdout
    X = datasets("iris").X_test
    out = engine_predict(tmp_path / "model.csv", model.capacity, X)
    np.testing.assert_allclose(out, model.predict_outputs(X), atol=1e-6)


def test_convert_regressor_to_stdout(datasets, tmp_path):
    data = datasets("regression")
    estimator = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(
        data.X_train, data.y_train)
    result = run_cli("trees", "convert", pickled(tmp_path, estimator), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == convert(estimator).to_csv()
    assert "lb,32" in result.stdout.splitlines()


def test_unsupported_estimator(datasets, tmp_path):
    data = datasets("iris")
    estimator = KNeighborsClassifier().fit(data.X_train, data.y_train)
    result = run_cli("trees", "convert", pickled(tmp_path, estimator), "-o", "x.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: unsupported estimator KNeighborsClassifier")
    assert "RandomForestClassifier" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("case", ["missing", "not_a_pickle", "unfitted"])
def test_input_errors(case, tmp_path):
    if case == "missing":
        path, message = tmp_path / "nope.pkl", "cannot read"
    elif case == "not_a_pickle":
        path, message = tmp_path / "model.pkl", "cannot unpickle"
        path.write_text("f,2\nc,2\n")
    else:
        path, message = pickled(tmp_path, RandomForestClassifier()), "not fitted"
    result = run_cli("trees", "convert", path, "-o", "x.csv", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_bad_method_is_a_usage_error(forest, tmp_path):
    result = run_cli("trees", "convert", pickled(tmp_path, forest), "--method", "median",
                     cwd=tmp_path)
    assert result.returncode == 2 and "invalid choice" in result.stderr
