"""Convert scikit-learn tree ensembles to the emlearn trees CSV read by ``emlearn_trees``.

The file format is specified in ``docs/formats.md``; this module writes it and nothing else.
Supported estimators: ``DecisionTreeClassifier``, ``DecisionTreeRegressor``,
``RandomForestClassifier``, ``RandomForestRegressor``, ``ExtraTreesClassifier``,
``ExtraTreesRegressor`` (and their subclasses, e.g. ``ExtraTreeClassifier``).

The engine takes int16 features, so train on integer-valued features (see
:mod:`microlearn.quantize`). Then the converted model decides exactly like scikit-learn:

* **Thresholds.** scikit-learn goes left when ``x <= t``; the engine goes left when
  ``x < T``. For an integer ``x``, ``x <= t`` is ``x < floor(t) + 1``, so ``T = floor(t) + 1``,
  written as an integer (which the reference, truncating, also reads exactly). ``T`` is clamped
  to ``[-32768, 32768]``: ``32768`` sends every int16 left, ``-32768`` every int16 right. A model
  trained on int16 data never needs the clamp (its thresholds lie between two int16 values).
  ``convert`` warns (``UserWarning``) about thresholds int16 data cannot give: beyond int16, or
  (but for ExtraTrees, whose thresholds are random) neither a whole nor a half number.
  The reference ``emlearn_trees`` stores thresholds as int16 and features as int8, so it reads
  a hard-vote file correctly only when no threshold is 32768 (i.e. int16 training data) and
  there are at most 128 features; microlearn's engine has neither limit.
* **Hard vote** (``method='hard'``, no ``lb`` line: the reference's format). Each leaf holds the
  class that tree predicts there (argmax of the leaf's class counts, lowest index on ties, as
  ``numpy.argmax`` and scikit-learn do). The engine outputs the fraction of trees voting for each
  class; ``argmax`` of that (first maximum) is the majority vote, ties going to the lowest class
  index. For a single tree this is scikit-learn's ``predict``; for a forest it is the majority of
  the trees' own predictions (scikit-learn's forest ``predict`` averages probabilities instead:
  use ``method='soft'`` for that).
* **Soft vote** (``method='soft'``, ``lb,8``). Each leaf holds the tree's class probabilities
  (the leaf's class counts normalised to sum 1) as integers ``round(255 * p)`` (half up). The
  quantisation step is ``1/255`` (:data:`PROBA_STEP`); a leaf probability is off by at most half
  a step, so the engine's mean over trees is within ``0.5/255`` (plus float32 rounding) of
  scikit-learn's ``predict_proba``, and its argmax matches scikit-learn's ``predict`` whenever the
  two largest probabilities differ by more than one step.
* **Regression** (always ``lb,32``). Each leaf holds the tree's ``n_outputs`` predictions as
  float32, printed with the shortest decimal that reads back to the same float32; the engine
  outputs their mean over trees.

Nodes are written tree by tree in depth-first preorder, so a left child that is a node is always
the next node (jump ``1``) and every jump is forward. Identical leaves are written once. A tree
that is a single leaf becomes one node whose two children are that leaf.
"""

import warnings

import numpy as np

from .quantize import INT16_MAX, INT16_MIN, check_int16

__all__ = [
    "convert",
    "TreesModel",
    "SUPPORTED_ESTIMATORS",
    "PROBA_STEP",
    "threshold_to_int",
    "UnsupportedEstimatorError",
]

#: Leaf kinds, equal to the CSV ``lb`` field.
LEAF_CLASS = 0
LEAF_PROBA8 = 8
LEAF_FLOAT32 = 32

#: Soft-vote probabilities are stored as integers 0..255 meaning ``k / 255``.
PROBA_SCALE = 255
#: The quantisation step of a soft-vote probability.
PROBA_STEP = 1.0 / PROBA_SCALE

# Limits of the format as the engine implements it (src/core/trees.h).
MAX_NODES = 65535  # root indices are uint16
MAX_TREES = 65535
MAX_LEAVES = 32768  # a leaf reference -leaf-1 is an int16
MAX_CLASSES = 256
MAX_FEATURES = 65535
MAX_JUMP = 32767  # a child jump is an int16

SUPPORTED_ESTIMATORS = (
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
)

_METHODS = {"hard": LEAF_CLASS, "soft": LEAF_PROBA8}


class UnsupportedEstimatorError(TypeError):
    """The object is not one of the tree estimators that :func:`convert` handles."""


def threshold_to_int(threshold):
    """The engine threshold ``T`` for scikit-learn's threshold ``t`` (scalar or array).

    ``T = floor(t) + 1``, clamped to ``[-32768, 32768]``, so that ``x < T`` equals ``x <= t`` for
    every int16 ``x``.
    """
    t = np.floor(np.asarray(threshold, dtype=np.float64)) + 1
    t = np.clip(t, INT16_MIN, INT16_MAX + 1).astype(np.int64)
    return int(t) if t.ndim == 0 else t


def _warn_unless_int16_thresholds(thresholds, midpoints):
    """Thresholds of int16-valued features lie within int16's range and, where scikit-learn
    splits halfway between two training values (``midpoints``: not ExtraTrees), are whole or
    half numbers. Others mean the model was trained on other values than the device will pass,
    and every input may go one way."""
    t = np.asarray(thresholds, dtype=np.float64)
    odd = (t < INT16_MIN) | (t > INT16_MAX)
    if midpoints:
        odd |= np.abs(2 * t - np.round(2 * t)) > 1e-6
    if odd.any():
        warnings.warn(
            "threshold %r is not one of int16-valued features (the device compares int16 "
            "inputs): train on int16 values, e.g. scaled by microlearn.quantize.Int16Scaler"
            % float(t[odd][0]), UserWarning, stacklevel=4)


def _format_float32(value):
    """Shortest decimal that reads back as the same float32 (plain notation when readable)."""
    v = np.float32(value)
    if v == 0:
        return "0"
    if 1e-4 <= abs(v) < 1e7:
        return np.format_float_positional(v, unique=True, trim="-")
    return np.format_float_scientific(v, unique=True, trim="-")


class TreesModel:
    """A tree ensemble in the emlearn trees CSV layout, ready to save or to check.

    Made by :func:`convert`. The arrays follow the file one to one:

    Attributes
    ----------
    n_features : int
    n_classes : int
        Number of classes, or of regression outputs (the CSV ``c`` field).
    leaf_bits : int
        0 (hard vote), 8 (soft vote) or 32 (regression), the CSV ``lb`` field.
    roots : ndarray of shape (n_trees,)
        Absolute index of each tree's root node.
    nodes : ndarray of shape (n_nodes, 4), int64
        ``feature, threshold, left, right`` per node; ``x[feature] < threshold`` goes left; a
        child ``>= 1`` is a jump to ``this + child``, ``< 0`` the leaf ``-child - 1``.
    leaves : ndarray of shape (n_leaves, k)
        ``k = 1`` class index (hard), ``k = n_classes`` integers 0..255 (soft) or
        ``k = n_outputs`` float32 values (regression).
    classes_ : ndarray or None
        The estimator's class labels: the engine's output ``i`` is ``classes_[i]``.
    estimator_type : str
        ``"classifier"`` or ``"regressor"``.
    """

    def __init__(self, n_features, n_classes, leaf_bits, roots, nodes, leaves, classes=None,
                 estimator_type="classifier"):
        self.n_features = int(n_features)
        self.n_classes = int(n_classes)
        self.leaf_bits = int(leaf_bits)
        self.roots = np.asarray(roots, dtype=np.int64)
        self.nodes = np.asarray(nodes, dtype=np.int64).reshape(-1, 4)
        self.leaves = np.asarray(leaves)
        self.classes_ = None if classes is None else np.asarray(classes)
        self.estimator_type = estimator_type

    @property
    def n_trees(self):
        """Number of trees (``r`` lines)."""
        return len(self.roots)

    @property
    def n_nodes(self):
        """Number of decision nodes (``n`` lines), the ``max_nodes`` the engine needs."""
        return len(self.nodes)

    @property
    def n_leaves(self):
        """Number of distinct leaves (``l`` lines), the ``max_leaves`` the engine needs."""
        return len(self.leaves)

    @property
    def n_outputs(self):
        """Number of values the engine's ``predict`` writes (``m.outputs()``)."""
        return max(self.n_classes, 1)

    @property
    def capacity(self):
        """``(max_trees, max_nodes, max_leaves)``: the arguments for ``emlearn_trees.new``."""
        return self.n_trees, self.n_nodes, self.n_leaves

    @property
    def method(self):
        """``"hard"``, ``"soft"`` or ``"regression"``."""
        return {LEAF_CLASS: "hard", LEAF_PROBA8: "soft", LEAF_FLOAT32: "regression"}[
            self.leaf_bits]

    def __repr__(self):
        return (f"<TreesModel {self.method}: {self.n_features} features, {self.n_classes} "
                f"{'outputs' if self.leaf_bits == LEAF_FLOAT32 else 'classes'}, "
                f"{self.n_trees} trees, {self.n_nodes} nodes, {self.n_leaves} leaves>")

    # --- writing -------------------------------------------------------------------------------

    def _leaf_line(self, leaf):
        if self.leaf_bits == LEAF_FLOAT32:
            return "l," + ",".join(_format_float32(v) for v in leaf)
        return "l," + ",".join(str(int(v)) for v in leaf)

    def to_csv(self):
        """The model as emlearn trees CSV text (``\\n`` line ends, one record per line).

        Order: ``f``, ``c``, ``lb`` (soft vote and regression only), the leaves, the roots, the
        nodes. A hard-vote file has only ``f``, ``c``, ``l``, ``r`` and ``n`` records with integer
        values, so the reference ``emlearn_trees`` loads it too.
        """
        lines = [f"f,{self.n_features}", f"c,{self.n_classes}"]
        if self.leaf_bits != LEAF_CLASS:
            lines.append(f"lb,{self.leaf_bits}")
        lines.extend(self._leaf_line(leaf) for leaf in self.leaves)
        lines.extend(f"r,{int(root)}" for root in self.roots)
        lines.extend("n,{},{},{},{}".format(*(int(v) for v in node)) for node in self.nodes)
        return "\n".join(lines) + "\n"

    def save(self, path):
        """Writes :meth:`to_csv` to ``path``."""
        with open(path, "w", encoding="ascii", newline="") as f:
            f.write(self.to_csv())

    # --- reference prediction (numpy) ----------------------------------------------------------

    def _tree_leaves(self, X, root):
        """Leaf index reached by every row of the int16 matrix ``X`` in the tree at ``root``."""
        feature, threshold, left, right = (self.nodes[:, i] for i in range(4))
        rows = np.arange(len(X))
        node = np.full(len(X), root, dtype=np.int64)
        leaf = np.empty(len(X), dtype=np.int64)
        while rows.size:
            go_left = X[rows, feature[node]].astype(np.int64) < threshold[node]
            child = np.where(go_left, left[node], right[node])
            done = child < 0
            leaf[rows[done]] = -child[done] - 1
            rows, node = rows[~done], node[~done] + child[~done]
        return leaf

    def predict_outputs(self, X):
        """What the engine's ``predict`` writes for each row: shape ``(n_samples, n_outputs)``.

        Hard vote: fraction of trees voting for each class. Soft vote: mean over trees of the
        stored probabilities ``k / 255``. Regression: mean over trees of the leaf values. ``X``
        must hold int16 values (see :func:`microlearn.quantize.check_int16`). Computed in float64,
        so it may differ from the float32 engine by float rounding. Meant for debugging and for
        checking a conversion without a device.
        """
        X = check_int16(X)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"expected X of shape (n_samples, {self.n_features}), got {X.shape}")
        out = np.zeros((len(X), self.n_outputs), dtype=np.float64)
        for root in self.roots:
            leaf = self._tree_leaves(X, root)
            if self.leaf_bits == LEAF_CLASS:
                out[np.arange(len(X)), self.leaves[leaf, 0]] += 1.0
            elif self.leaf_bits == LEAF_PROBA8:
                out += self.leaves[leaf] / PROBA_SCALE
            else:
                out += self.leaves[leaf].astype(np.float64)
        return out / self.n_trees

    def predict_proba(self, X):
        """Class probabilities as the engine computes them (classifiers only)."""
        if self.estimator_type != "classifier":
            raise AttributeError("predict_proba is only defined for classifiers; use predict")
        return self.predict_outputs(X)

    def predict(self, X):
        """Class labels (``classes_[argmax]``, ties to the lowest index) or regression values.

        A single-output regressor returns shape ``(n_samples,)``, like scikit-learn.
        """
        out = self.predict_outputs(X)
        if self.estimator_type == "classifier":
            return self.classes_[np.argmax(out, axis=1)]
        return out[:, 0] if out.shape[1] == 1 else out


class _Builder:
    """Collects trees into the flat node, root and leaf tables of the CSV."""

    def __init__(self, leaf_bits, n_outputs):
        self.leaf_bits = leaf_bits
        self.n_outputs = n_outputs
        self.nodes = []
        self.roots = []
        self.leaf_ids = {}  # leaf key -> leaf index, in order of first appearance
        self.leaf_values = []

    def _leaf_key(self, value):
        """The stored leaf for one row of ``tree_.value`` (shape (n_outputs, n_classes))."""
        if self.leaf_bits == LEAF_FLOAT32:
            with np.errstate(over="ignore"):
                values = np.asarray(value[:, 0], dtype=np.float32)
            if not np.isfinite(values).all():
                raise ValueError(f"a leaf value {value[:, 0].tolist()} does not fit in float32")
            return tuple(float(v) for v in values)
        counts = np.asarray(value[0], dtype=np.float64)
        if self.leaf_bits == LEAF_CLASS:
            return (int(np.argmax(counts)),)
        total = counts.sum()
        if not total > 0:
            raise ValueError("a tree leaf has no (positive) sample weight; cannot normalise it")
        return tuple(int(q) for q in np.floor(counts / total * PROBA_SCALE + 0.5))

    def _leaf_ref(self, value):
        key = self._leaf_key(value)
        index = self.leaf_ids.get(key)
        if index is None:
            index = self.leaf_ids[key] = len(self.leaf_values)
            self.leaf_values.append(key)
        return -index - 1

    def add_tree(self, tree, midpoints=True):
        """Appends one fitted ``sklearn.tree._tree.Tree``, nodes in depth-first preorder;
        ``midpoints``: its thresholds lie halfway between two training values (not ExtraTrees)."""
        left, right = tree.children_left, tree.children_right
        base = len(self.nodes)
        self.roots.append(base)
        if left[0] == -1:  # the whole tree is one leaf: a node with both children on it
            ref = self._leaf_ref(tree.value[0])
            self.nodes.append((0, 0, ref, ref))
            return
        order = []  # sklearn node ids of the decision nodes, preorder
        stack = [0]
        while stack:
            node = stack.pop()
            if left[node] == -1:
                continue
            order.append(node)
            stack.append(right[node])
            stack.append(left[node])
        position = {node: base + i for i, node in enumerate(order)}
        _warn_unless_int16_thresholds(tree.threshold[order], midpoints)
        thresholds = threshold_to_int(tree.threshold[order])
        for node, threshold in zip(order, thresholds):
            refs = []
            for child in (left[node], right[node]):
                if left[child] == -1:
                    refs.append(self._leaf_ref(tree.value[child]))
                else:
                    jump = position[child] - position[node]
                    if jump > MAX_JUMP:
                        raise ValueError(f"a tree is too large for the format: a right subtree "
                                         f"starts {jump} nodes ahead (at most {MAX_JUMP}); limit "
                                         f"max_depth or max_leaf_nodes")
                    refs.append(jump)
            self.nodes.append((int(tree.feature[node]), int(threshold), refs[0], refs[1]))

    def finish(self):
        """Returns ``(roots, nodes, leaves)``; hard-vote leaves are sorted by class index."""
        nodes = np.asarray(self.nodes, dtype=np.int64).reshape(-1, 4)
        if self.leaf_bits == LEAF_FLOAT32:
            leaves = np.asarray(self.leaf_values, dtype=np.float32).reshape(-1, self.n_outputs)
        else:
            leaves = np.asarray(self.leaf_values, dtype=np.int64).reshape(len(self.leaf_values), -1)
        if self.leaf_bits == LEAF_CLASS:
            # Leaf k is class k's leaf when all classes occur: the file reads naturally.
            order = np.argsort(leaves[:, 0], kind="stable")
            new_index = np.empty(len(order), dtype=np.int64)
            new_index[order] = np.arange(len(order))
            leaves = leaves[order]
            for column in (2, 3):
                child = nodes[:, column]
                is_leaf = child < 0
                child[is_leaf] = -new_index[-child[is_leaf] - 1] - 1
        return np.asarray(self.roots, dtype=np.int64), nodes, leaves


def _estimator_kind(estimator):
    """``(is_classifier, list of fitted Tree objects, whether thresholds are midpoints)``, or
    raises for unsupported objects."""
    from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                                  RandomForestClassifier, RandomForestRegressor)
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from sklearn.utils.validation import check_is_fitted

    kinds = (
        (DecisionTreeClassifier, True, False),
        (DecisionTreeRegressor, False, False),
        (RandomForestClassifier, True, True),
        (RandomForestRegressor, False, True),
        (ExtraTreesClassifier, True, True),
        (ExtraTreesRegressor, False, True),
    )
    for cls, classifier, forest in kinds:
        if isinstance(estimator, cls):
            check_is_fitted(estimator)
            trees = estimator.estimators_ if forest else [estimator]
            # ExtraTrees draw their thresholds at random between the node's values: only the
            # others split halfway between two of them (what _warn_unless_int16_thresholds knows).
            midpoints = getattr(trees[0], "splitter", "best") == "best"
            return classifier, [t.tree_ for t in trees], midpoints
    name = type(estimator).__name__
    raise UnsupportedEstimatorError(
        f"unsupported estimator {name}: microlearn.trees.convert supports "
        f"{', '.join(SUPPORTED_ESTIMATORS)} from scikit-learn")


def convert(estimator, method="hard"):
    """Converts a fitted scikit-learn tree estimator to a :class:`TreesModel`.

    Parameters
    ----------
    estimator
        A fitted ``DecisionTreeClassifier``/``Regressor``, ``RandomForestClassifier``/
        ``Regressor`` or ``ExtraTreesClassifier``/``Regressor``, trained on int16-valued
        features. Classifiers must have a single output; regressors may have several.
    method : {"hard", "soft"}
        For classifiers: ``"hard"`` stores each leaf's class (majority vote over trees; readable
        by the reference), ``"soft"`` its class probabilities in steps of 1/255 (mean over trees,
        like scikit-learn's forest ``predict_proba``). Regressors always store float leaves and
        accept either value.

    Raises
    ------
    UnsupportedEstimatorError (a TypeError)
        For any other kind of object.
    sklearn.exceptions.NotFittedError (a ValueError)
        For an estimator that was not fitted.
    ValueError
        For an unknown ``method``, a multi-output classifier, or a model beyond the format's
        limits (65535 nodes or trees, 32768 distinct leaves, 256 classes or outputs, 65535
        features, 32767 nodes in a left subtree).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be 'hard' or 'soft', got {method!r}")
    classifier, trees, midpoints = _estimator_kind(estimator)
    n_features = int(estimator.n_features_in_)
    if classifier:
        if estimator.n_outputs_ != 1:
            raise ValueError(f"multi-output classifiers are not supported (n_outputs_="
                             f"{estimator.n_outputs_}); train one classifier per output")
        classes = np.asarray(estimator.classes_)
        n_classes = len(classes)
        leaf_bits = _METHODS[method]
    else:
        classes = None
        n_classes = int(estimator.n_outputs_)
        leaf_bits = LEAF_FLOAT32

    limits = ((n_features, MAX_FEATURES, "features"), (n_classes, MAX_CLASSES,
              "classes" if classifier else "outputs"), (len(trees), MAX_TREES, "trees"))
    for count, limit, what in limits:
        if count > limit:
            raise ValueError(f"the model has {count} {what}; the format allows at most {limit}")

    builder = _Builder(leaf_bits, n_classes)
    for tree in trees:
        builder.add_tree(tree, midpoints)
        if len(builder.nodes) > MAX_NODES:
            raise ValueError(f"the model has more than {MAX_NODES} decision nodes; limit "
                             "n_estimators, max_depth or max_leaf_nodes")
    roots, nodes, leaves = builder.finish()
    if len(leaves) > MAX_LEAVES:
        raise ValueError(f"the model has {len(leaves)} distinct leaves; the format allows at most "
                         f"{MAX_LEAVES}")
    return TreesModel(n_features, n_classes, leaf_bits, roots, nodes, leaves, classes=classes,
                      estimator_type="classifier" if classifier else "regressor")
