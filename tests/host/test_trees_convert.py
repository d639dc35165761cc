"""Converted tree ensembles must predict on the real engine what scikit-learn predicts.

Every classifier and regressor is trained on int16-quantised features and checked on the test
split plus *probe rows*: for every decision node of every tree, a row that reaches that node with
the split feature set to ``floor(t)`` and to ``floor(t) + 1`` (the two integers either side of
scikit-learn's threshold ``t``), and rows at the int16 extremes -32768 / 32767.

Acceptance criteria (see microlearn.trees):

* hard vote: the engine's output is the fraction of trees voting for each class, so its argmax
  (ties to the lowest class index) equals the majority vote of the trees' own ``predict``, and
  scikit-learn's ``predict`` for a single tree, on 100% of rows;
* soft vote: within half a quantisation step (0.5/255, plus float32 rounding) of scikit-learn's
  ``predict_proba``; argmax equals ``predict`` wherever the top two probabilities differ by more
  than one step (1/255);
* regression: within 1e-5 relative to max(|prediction|, std of the training targets).
"""

import re

import numpy as np
import pytest
from conftest import CLASSIFICATION_SETS, REGRESSION_SETS
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from microlearn.quantize import INT16_MAX, INT16_MIN, Int16Scaler, check_int16, is_int16_valued
from microlearn.trees import (PROBA_STEP, TreesModel, UnsupportedEstimatorError, convert,
                              threshold_to_int)

N_TREES = 10

CLASSIFIERS = {
    "DecisionTreeClassifier": lambda **kw: DecisionTreeClassifier(random_state=0, **kw),
    "RandomForestClassifier": lambda **kw: RandomForestClassifier(
        n_estimators=N_TREES, random_state=0, **kw),
    "ExtraTreesClassifier": lambda **kw: ExtraTreesClassifier(
        n_estimators=N_TREES, random_state=0, **kw),
}
REGRESSORS = {
    "DecisionTreeRegressor": lambda **kw: DecisionTreeRegressor(random_state=0, **kw),
    "RandomForestRegressor": lambda **kw: RandomForestRegressor(
        n_estimators=N_TREES, random_state=0, **kw),
    "ExtraTreesRegressor": lambda **kw: ExtraTreesRegressor(
        n_estimators=N_TREES, random_state=0, **kw),
}
LIMITS = {
    "unlimited": {},
    "max_depth=4": {"max_depth": 4},
    "max_leaf_nodes=12": {"max_leaf_nodes": 12},  # best-first growth: sklearn ids not preorder
}

# Soft vote: each tree's probability is rounded to the nearest k/255, so the mean over trees is
# off by at most half a step; the float32 engine adds rounding well below 1e-6.
SOFT_TOLERANCE = PROBA_STEP / 2 + 1e-6
REGRESSION_RTOL = 1e-5


# --- helpers ------------------------------------------------------------------------------------

def trees_of(estimator):
    return list(getattr(estimator, "estimators_", [estimator]))


def class_index(tree, X):
    """The class index (position in classes_) that one fitted tree predicts for each row.

    A forest's trees are fitted on encoded targets, so their classes_ are 0.0, 1.0, ...; a lone
    tree's are the labels. Both are sorted, so searchsorted gives the index either way.
    """
    return np.searchsorted(tree.classes_, tree.predict(X))


def vote_counts(estimator, X):
    """How many trees vote for each class: shape (n_rows, n_classes)."""
    n_classes = len(estimator.classes_)
    counts = np.zeros((len(X), n_classes), dtype=np.int64)
    for tree in trees_of(estimator):
        counts[np.arange(len(X)), class_index(tree, X)] += 1
    return counts


def probe_rows(estimator, X_base):
    """Rows that reach every decision node with x[f] = floor(t) and x[f] = floor(t) + 1.

    Walks each tree keeping the integer interval [low, high] that the path allows per feature
    (left: x <= floor(t); right: x >= floor(t) + 1) and moves a base row into it, so the row
    really arrives at the node before its split feature is set either side of the threshold.
    """
    n_features = X_base.shape[1]
    rows = []
    k = 0
    for tree in trees_of(estimator):
        t = tree.tree_
        stack = [(0, np.full(n_features, INT16_MIN), np.full(n_features, INT16_MAX))]
        while stack:
            node, low, high = stack.pop()
            if t.children_left[node] == -1:
                continue
            feature = t.feature[node]
            cut = int(np.clip(np.floor(t.threshold[node]), INT16_MIN, INT16_MAX))
            base = np.clip(X_base[k % len(X_base)].astype(np.int64), low, high)
            k += 1
            for value in (cut, cut + 1):
                row = base.copy()
                row[feature] = min(value, INT16_MAX)
                rows.append(row)
            left_high = high.copy()
            left_high[feature] = min(high[feature], cut)
            right_low = low.copy()
            right_low[feature] = max(low[feature], cut + 1)
            stack.append((t.children_left[node], low, left_high))
            stack.append((t.children_right[node], right_low, high))
    return np.asarray(rows, dtype=np.int16).reshape(-1, n_features)


def extreme_rows(X_base):
    """All-minimum and all-maximum rows, and each feature alone at -32768 and 32767."""
    n_features = X_base.shape[1]
    rows = [np.full(n_features, INT16_MIN), np.full(n_features, INT16_MAX)]
    for f in range(n_features):
        for value in (INT16_MIN, INT16_MAX):
            row = X_base[f % len(X_base)].astype(np.int64)
            row[f] = value
            rows.append(row)
    return np.asarray(rows, dtype=np.int16)


def evaluation_rows(estimator, data):
    """Test split + probe rows at every threshold + int16 extremes."""
    return np.vstack([data.X_test, probe_rows(estimator, data.X_train), extreme_rows(data.X_test)])


_FITTED = {}


def fitted(datasets, dataset, estimator_name, limits):
    """Fits (once per session) the named estimator on the quantised training split."""
    key = (dataset, estimator_name, limits)
    if key not in _FITTED:
        data = datasets(dataset)
        factory = {**CLASSIFIERS, **REGRESSORS}[estimator_name]
        estimator = factory(**LIMITS[limits]).fit(data.X_train, data.y_train)
        _FITTED[key] = (estimator, evaluation_rows(estimator, data))
    return _FITTED[key]


def assert_rows_equal(actual, expected, X, what):
    """Fails listing how many rows differ and the first few of them."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    bad = np.flatnonzero(actual != expected)
    if bad.size:
        lines = [f"row {i}: x={X[i].tolist()} got {actual[i]} expected {expected[i]}"
                 for i in bad[:5]]
        pytest.fail(f"{what}: {bad.size} of {len(actual)} rows differ\n" + "\n".join(lines))


def load_and_predict(engine_predict, model, X, tmp_path):
    path = tmp_path / "model.csv"
    model.save(path)
    out = engine_predict(path, model.capacity, X)
    assert out.shape == (len(X), model.n_outputs)
    return out.astype(np.float64)


def parse_csv(text):
    """Records of a CSV as lists of strings (a structural check independent of the engine)."""
    return [line.split(",") for line in text.splitlines()]


# --- parity with scikit-learn on the engine ------------------------------------------------------

@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("estimator_name", CLASSIFIERS)
@pytest.mark.parametrize("dataset", CLASSIFICATION_SETS)
def test_hard_vote_matches_tree_majority(dataset, estimator_name, limits, datasets,
                                         engine_predict, tmp_path):
    estimator, X = fitted(datasets, dataset, estimator_name, limits)
    model = convert(estimator, method="hard")
    assert model.leaf_bits == 0 and model.n_trees == len(trees_of(estimator))
    out = load_and_predict(engine_predict, model, X, tmp_path)

    counts = vote_counts(estimator, X)
    # Documented tie rule: argmax (first maximum) of the vote counts -> lowest class index.
    majority = np.argmax(counts, axis=1)
    assert_rows_equal(np.argmax(out, axis=1), majority, X, "argmax(engine) vs tree majority")
    # The output itself is the vote fraction, exactly k / n_trees up to float32 rounding.
    np.testing.assert_allclose(out, counts / model.n_trees, rtol=0, atol=1e-6)
    if len(trees_of(estimator)) == 1:
        assert_rows_equal(np.argmax(out, axis=1), class_index(estimator, X), X,
                          "argmax(engine) vs DecisionTreeClassifier.predict")
    # The numpy predictor that ships with the converter agrees with the engine.
    np.testing.assert_allclose(model.predict_outputs(X), out, rtol=0, atol=1e-6)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("estimator_name", CLASSIFIERS)
@pytest.mark.parametrize("dataset", CLASSIFICATION_SETS)
def test_soft_vote_matches_predict_proba(dataset, estimator_name, limits, datasets,
                                         engine_predict, tmp_path):
    estimator, X = fitted(datasets, dataset, estimator_name, limits)
    model = convert(estimator, method="soft")
    assert model.leaf_bits == 8
    out = load_and_predict(engine_predict, model, X, tmp_path)

    proba = estimator.predict_proba(X)
    error = np.abs(out - proba).max(axis=1)
    worst = int(np.argmax(error))
    assert error[worst] <= SOFT_TOLERANCE, (
        f"row {worst}: x={X[worst].tolist()} engine {out[worst]} sklearn {proba[worst]}")

    top_two = np.sort(proba, axis=1)[:, -2:]
    clear = (top_two[:, 1] - top_two[:, 0]) > PROBA_STEP
    assert clear.mean() > 0.5  # the check below must cover most rows to mean anything
    predicted = np.searchsorted(estimator.classes_, estimator.predict(X))
    assert_rows_equal(np.argmax(out, axis=1)[clear], predicted[clear], X[clear],
                      "argmax(engine) vs sklearn predict where the top two differ by > 1/255")
    np.testing.assert_allclose(model.predict_outputs(X), out, rtol=0, atol=1e-6)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("estimator_name", REGRESSORS)
@pytest.mark.parametrize("dataset", REGRESSION_SETS)
def test_regression_matches_predict(dataset, estimator_name, limits, datasets, engine_predict,
                                    tmp_path):
    estimator, X = fitted(datasets, dataset, estimator_name, limits)
    model = convert(estimator)
    assert model.leaf_bits == 32 and model.n_classes == estimator.n_outputs_
    out = load_and_predict(engine_predict, model, X, tmp_path)

    expected = estimator.predict(X).reshape(len(X), -1)
    scale = np.maximum(np.abs(expected), np.std(datasets(dataset).y_train))
    relative = np.abs(out - expected) / scale
    worst = np.unravel_index(np.argmax(relative), relative.shape)
    assert relative[worst] <= REGRESSION_RTOL, (
        f"row {worst[0]}: x={X[worst[0]].tolist()} engine {out[worst[0]]} "
        f"sklearn {expected[worst[0]]}")
    np.testing.assert_allclose(model.predict_outputs(X), out, rtol=0, atol=1e-5 * scale.max())


# --- edge cases on the engine --------------------------------------------------------------------

@pytest.mark.parametrize("method", ["hard", "soft"])
def test_stump_trees(method, engine_predict, tmp_path):
    """A tree that is one leaf becomes one node with both children on that leaf."""
    X = np.zeros((6, 3), dtype=np.int16)  # nothing to split on
    y = np.array([0, 1, 1, 2, 1, 0])
    for estimator in (DecisionTreeClassifier(random_state=0),
                      RandomForestClassifier(n_estimators=4, random_state=0)):
        estimator.fit(X, y)
        model = convert(estimator, method=method)
        assert model.n_nodes == model.n_trees == len(trees_of(estimator))
        records = parse_csv(model.to_csv())
        nodes = [r for r in records if r[0] == "n"]
        assert all(r[1:3] == ["0", "0"] and r[3] == r[4] and int(r[3]) < 0 for r in nodes)
        rows = np.array([[0, 0, 0], [INT16_MIN] * 3, [INT16_MAX] * 3], dtype=np.int16)
        out = load_and_predict(engine_predict, model, rows, tmp_path)
        if method == "hard":
            np.testing.assert_allclose(out, vote_counts(estimator, rows) / model.n_trees,
                                       atol=1e-6)
        else:
            np.testing.assert_allclose(out, estimator.predict_proba(rows), atol=SOFT_TOLERANCE)


def test_thresholds_beyond_int16_are_clamped(engine_predict, tmp_path):
    """Thresholds outside int16 (features trained beyond it) send every int16 one way."""
    X = np.array([[-50000], [-40000], [0], [40000], [50000]], dtype=np.float64)
    y = np.array([0, 1, 0, 1, 0])
    estimator = DecisionTreeClassifier(random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="not one of int16-valued features"):
        model = convert(estimator)
    assert {INT16_MIN, INT16_MAX + 1} <= set(model.nodes[:, 1].tolist())
    rows = np.array([[INT16_MIN], [-1], [0], [1], [INT16_MAX]], dtype=np.int16)
    out = load_and_predict(engine_predict, model, rows, tmp_path)
    assert_rows_equal(np.argmax(out, axis=1), class_index(estimator, rows), rows,
                      "argmax(engine) vs sklearn predict")


def test_capacity_is_exact(engine, datasets, tmp_path):
    """n_trees, n_nodes and n_leaves are exactly what emlearn_trees.new needs, no fewer."""
    estimator, _ = fitted(datasets, "iris", "RandomForestClassifier", "max_depth=4")
    model = convert(estimator, method="soft")
    path = tmp_path / "model.csv"
    model.save(path)
    with open(path) as f:
        engine.load_model(engine.new(*model.capacity), f)
    for i in range(3):
        smaller = list(model.capacity)
        smaller[i] -= 1
        with open(path) as f, pytest.raises(ValueError):
            engine.load_model(engine.new(*smaller), f)


def test_class_labels_are_kept(datasets, engine_predict, tmp_path):
    """Engine output i is classes_[i], whatever the labels are."""
    data = datasets("iris")
    labels = np.array(["setosa", "versicolor", "virginica"])[data.y_train]
    estimator = DecisionTreeClassifier(random_state=0).fit(data.X_train, labels)
    model = convert(estimator)
    np.testing.assert_array_equal(model.classes_, estimator.classes_)
    np.testing.assert_array_equal(model.predict(data.X_test), estimator.predict(data.X_test))
    out = load_and_predict(engine_predict, model, data.X_test, tmp_path)
    np.testing.assert_array_equal(model.classes_[np.argmax(out, axis=1)],
                                  estimator.predict(data.X_test))


# --- the file itself (no engine needed) ---------------------------------------------------------

def test_threshold_to_int():
    """x <= t equals x < floor(t) + 1 for integers; clamped to [-32768, 32768]."""
    cases = {3.5: 4, 3.0: 4, 2.999: 3, -0.5: 0, -1.0: 0, 0.0: 1, 32766.5: 32767,
             32767.0: 32768, 1e9: 32768, -32767.5: -32767, -32768.5: -32768, -1e9: -32768}
    for t, expected in cases.items():
        assert threshold_to_int(t) == expected, t
        ints = np.arange(-32768, 32768)
        if -40000 < t < 40000:
            np.testing.assert_array_equal(ints <= t, ints < expected)
    np.testing.assert_array_equal(threshold_to_int([0.5, -0.5]), [1, 0])


@pytest.mark.parametrize("method", ["hard", "soft", "regression"])
def test_csv_structure(method, datasets):
    """Records, counts, preorder jumps and leaf references follow docs/formats.md."""
    if method == "regression":
        estimator, _ = fitted(datasets, "regression_3_targets", "ExtraTreesRegressor",
                              "max_leaf_nodes=12")
        model = convert(estimator)
    else:
        estimator, _ = fitted(datasets, "wine", "RandomForestClassifier", "max_leaf_nodes=12")
        model = convert(estimator, method=method)
    records = parse_csv(model.to_csv())
    kinds = [r[0] for r in records]
    header = {"hard": ["f", "c"], "soft": ["f", "c", "lb"], "regression": ["f", "c", "lb"]}[method]
    assert kinds[:len(header)] == header
    assert records[0] == ["f", str(estimator.n_features_in_)]
    if method == "hard":
        # The reference's grammar: f, c, l, r, n records, integers only.
        assert set(kinds) == {"f", "c", "l", "r", "n"}
        assert all(re.fullmatch(r"-?\d+", v) for r in records for v in r[1:])
    else:
        assert records[2] == ["lb", "8" if method == "soft" else "32"]
    leaves = [r[1:] for r in records if r[0] == "l"]
    roots = [int(r[1]) for r in records if r[0] == "r"]
    nodes = [[int(v) for v in r[1:]] for r in records if r[0] == "n"]
    assert (len(leaves), len(roots), len(nodes)) == (model.n_leaves, model.n_trees, model.n_nodes)
    assert len({tuple(leaf) for leaf in leaves}) == len(leaves), "leaves are not de-duplicated"
    assert all(len(leaf) == (1 if method == "hard" else model.n_classes) for leaf in leaves)
    if method == "soft":
        assert all(0 <= int(v) <= 255 for leaf in leaves for v in leaf)
    # Decision nodes only: sklearn's node_count minus its leaves, per tree.
    expected_nodes = sum(int((t.tree_.children_left != -1).sum()) for t in trees_of(estimator))
    assert model.n_nodes == expected_nodes
    ends = roots[1:] + [len(nodes)]
    for root, end in zip(roots, ends):
        for i in range(root, end):
            feature, threshold, left, right = nodes[i]
            assert 0 <= feature < model.n_features
            assert INT16_MIN <= threshold <= INT16_MAX + 1
            assert left != 0 and right != 0
            if left > 0:
                assert left == 1, "preorder: a left child node is the next node"
            for child in (left, right):
                if child > 0:
                    assert i + child < end, "a jump leaves its tree"
                else:
                    assert -child - 1 < len(leaves)


def reference_predict(csv_text, X):
    """What the reference emlearn_trees computes for a hard-vote file (pure Python).

    Mirrors its load_model (thresholds read as int(float(text)), int16 storage, int8 features)
    and eml_trees_predict_proba (x < threshold goes left, votes / n_trees).
    """
    n_classes, leaves, roots, nodes = 0, [], [], []
    for record in csv_text.splitlines():
        tok = record.split(",")
        if tok[0] == "c":
            n_classes = int(tok[1])
        elif tok[0] == "l":
            leaves.append(int(tok[1]))
        elif tok[0] == "r":
            roots.append(int(tok[1]))
        elif tok[0] == "n":
            feature, value = int(tok[1]), int(float(tok[2]))
            assert feature <= 127 and -32768 <= value <= 32767, "beyond the reference's node"
            nodes.append((feature, value, int(tok[3]), int(tok[4])))
    out = np.zeros((len(X), n_classes))
    for r, x in enumerate(X.tolist()):
        for root in roots:
            i = root
            while True:
                feature, value, left, right = nodes[i]
                child = left if x[feature] < value else right
                if child < 0:
                    out[r, leaves[-child - 1]] += 1
                    break
                i += child
    return out / len(roots)


def test_hard_vote_file_decides_the_same_in_the_reference(datasets):
    """The reference truncates thresholds; integer thresholds make that exact."""
    data = datasets("wine")
    estimator, X = fitted(datasets, "wine", "ExtraTreesClassifier", "max_depth=4")
    model = convert(estimator, method="hard")
    expected = vote_counts(estimator, X) / model.n_trees
    np.testing.assert_allclose(reference_predict(model.to_csv(), X), expected, atol=1e-12)
    assert len(data.X_test)  # the probe rows above include the test split


def test_numpy_predict_matches_sklearn(datasets):
    """The converter's own numpy predictor, without the engine."""
    estimator, X = fitted(datasets, "breast_cancer", "DecisionTreeClassifier", "unlimited")
    model = convert(estimator, method="soft")
    np.testing.assert_array_equal(model.predict(X), estimator.predict(X))
    assert np.abs(model.predict_proba(X) - estimator.predict_proba(X)).max() <= SOFT_TOLERANCE
    estimator, X = fitted(datasets, "regression", "RandomForestRegressor", "max_depth=4")
    model = convert(estimator)
    assert model.predict(X).shape == (len(X),)
    np.testing.assert_allclose(model.predict(X), estimator.predict(X), rtol=1e-5)
    with pytest.raises(AttributeError):
        model.predict_proba(X)
    with pytest.raises(ValueError, match="not an integer"):
        model.predict(X + 0.5)


def test_save_writes_to_csv(tmp_path, datasets):
    estimator, _ = fitted(datasets, "iris", "ExtraTreesClassifier", "max_depth=4")
    model = convert(estimator, method="soft")
    model.save(tmp_path / "m.csv")
    assert (tmp_path / "m.csv").read_bytes() == model.to_csv().encode("ascii")
    assert isinstance(model, TreesModel) and "soft" in repr(model)


# --- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("estimator", [LogisticRegression(), GradientBoostingClassifier(), {}],
                         ids=["LogisticRegression", "GradientBoostingClassifier", "dict"])
def test_unsupported_estimator(estimator):
    with pytest.raises(UnsupportedEstimatorError) as info:
        convert(estimator)
    message = str(info.value)
    assert type(estimator).__name__ in message and "RandomForestClassifier" in message
    assert isinstance(info.value, TypeError)


def test_unfitted_estimator():
    with pytest.raises(NotFittedError):
        convert(RandomForestClassifier())


def test_bad_method(datasets):
    estimator, _ = fitted(datasets, "iris", "DecisionTreeClassifier", "max_depth=4")
    with pytest.raises(ValueError, match="method"):
        convert(estimator, method="median")


def test_multi_output_classifier_is_refused():
    X = np.arange(20).reshape(10, 2)
    Y = np.c_[np.arange(10) % 2, np.arange(10) % 3]
    with pytest.raises(ValueError, match="multi-output"):
        convert(DecisionTreeClassifier(random_state=0).fit(X, Y))


# --- int16 quantisation of features ---------------------------------------------------------------

def test_scaler_maps_training_range_onto_int16():
    X = np.array([[0.0, -1.0], [10.0, 1.0], [5.0, 0.0]])
    scaler = Int16Scaler().fit(X)
    Q = scaler.transform(X)
    assert Q.dtype == np.int16
    np.testing.assert_array_equal(Q.min(axis=0), [INT16_MIN, INT16_MIN])
    np.testing.assert_array_equal(Q.max(axis=0), [INT16_MAX, INT16_MAX])
    np.testing.assert_allclose(scaler.inverse_transform(Q), X, atol=1e-3)


def test_scaler_rounds_half_to_even_and_saturates():
    scaler = Int16Scaler().fit(np.array([[-32768.0], [32767.0]]))  # identity map
    np.testing.assert_allclose([scaler.scale_[0], scaler.offset_[0]], [1.0, 0.0])
    X = np.array([[0.5], [1.5], [2.5], [-0.5], [-2.5], [2.4999], [40000.0], [-1e9],
                  [np.inf], [-np.inf]])
    expected = [0, 2, 2, 0, -2, 2, INT16_MAX, INT16_MIN, INT16_MAX, INT16_MIN]
    np.testing.assert_array_equal(scaler.transform(X)[:, 0], expected)
    with pytest.raises(ValueError, match="NaN"):
        scaler.transform(np.array([[np.nan]]))


def test_scaler_refuses_ranges_float64_cannot_scale():
    for X in ([[-1e308], [1e308]], [[0.0], [1e-320]]):  # the width overflows / the scale does
        with pytest.raises(ValueError, match="too wide or too narrow"):
            Int16Scaler().fit(np.array(X))


def test_scaler_margin_global_and_constant_features():
    X = np.array([[0.0, 0.0, 7.0], [100.0, 50.0, 7.0]])
    per_feature = Int16Scaler(margin=0.25).fit(X)
    # With a 25% margin, the training range covers the middle 2/3 of int16.
    q = per_feature.transform(X)[:, 0]
    np.testing.assert_allclose(q, [INT16_MIN + 65535 / 6, INT16_MAX - 65535 / 6], atol=1)
    assert per_feature.transform([[150.0, 75.0, 7.0]])[0, 0] == INT16_MAX  # the margin's end
    assert per_feature.transform([[7.0, 7.0, 7.0]])[0, 2] == 0  # constant feature -> 0
    shared = Int16Scaler(per_feature=False).fit(X)
    np.testing.assert_array_equal(shared.scale_, np.full(3, 65535 / 100))
    np.testing.assert_array_equal(shared.transform(X)[:, 1], [INT16_MIN, 0])
    with pytest.raises(ValueError):
        Int16Scaler(margin=-1).fit(X)
    with pytest.raises(ValueError, match="features"):
        per_feature.transform(np.zeros((1, 2)))


def test_scaler_to_dict_save_load(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)) * [1, 10, 100, 1000]
    scaler = Int16Scaler(margin=0.1, out_min=-1000, out_max=1000).fit(X)
    d = scaler.to_dict()
    assert d["kind"] == "int16_linear" and d["rounding"] == "half_to_even"
    # Device-side formula from the description alone.
    x = X[3]
    device = [min(max(round(v * s + o), d["out_min"]), d["out_max"])
              for v, s, o in zip(x, d["scale"], d["offset"])]
    np.testing.assert_array_equal(device, scaler.transform(X[3:4])[0])
    scaler.save(tmp_path / "scaler.json")
    again = Int16Scaler.load(tmp_path / "scaler.json")
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))


def test_int16_check_helpers():
    assert is_int16_valued([[0, 1], [INT16_MIN, INT16_MAX]])
    assert is_int16_valued(np.array([1.0, -3.0]))
    assert not is_int16_valued([0.5])
    assert not is_int16_valued([40000])
    assert not is_int16_valued([np.nan])
    assert not is_int16_valued(["a"])
    assert check_int16([1.0, 2.0]).dtype == np.int16
    with pytest.raises(ValueError, match=r"X\[1\] = 40000 is outside the int16 range"):
        check_int16([1, 40000])
    with pytest.raises(ValueError, match="not an integer"):
        check_int16([[1.0, 2.25]])


def test_thresholds_of_other_than_int16_values_warn():
    """A model trained on other values than the int16 the device passes converts, with a
    warning: thresholds that are not halfway between two int16 values, or beyond int16."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 2))
    y = (X[:, 0] > 0.5).astype(int)
    with pytest.warns(UserWarning, match="Int16Scaler"):
        convert(DecisionTreeClassifier(max_depth=2).fit(X, y))
    Xq = Int16Scaler().fit(X).transform(X)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        convert(DecisionTreeClassifier(max_depth=3).fit(Xq, y))
        # ExtraTrees draw thresholds at random between two values: no warning for int16 data.
        convert(ExtraTreesClassifier(n_estimators=3, random_state=0).fit(Xq, y))
