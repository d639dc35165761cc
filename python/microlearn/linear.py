"""Convert scikit-learn linear models to the weights that ``emlearn_linreg`` / ``emlearn_logreg`` load.

The file format is in ``docs/formats.md`` ("Linear models"): a NumPy ``.npz`` archive (stored, not
compressed) with float32 members ``weights`` (``n_vectors x n_features``, scikit-learn's
``coef_``) and ``bias`` (``n_vectors``, ``intercept_``), plus ``classes`` for classifiers. On the
device ``npyfile.load_npz`` reads it (or, with ``save(prefix, npz=False)``, ``npyfile.load``
reads the ``<prefix>_weights.npy`` / ``_bias.npy`` / ``_classes.npy`` files), and the arrays go
straight into ``model.set_weights()`` / ``set_bias()``.

Supported estimators:

* regression (``emlearn_linreg``): ``LinearRegression``, ``Ridge``, ``Lasso``, ``ElasticNet``
  (and their ``...CV`` variants, ``SGDRegressor``) with a single target; a regressor whose
  prediction is not ``coef_ . x + intercept_`` (``PoissonRegressor``, ``GammaRegressor``: a link
  function) is rejected;
* classification (``emlearn_logreg``): ``LogisticRegression`` (and ``LogisticRegressionCV``),
  binary or multinomial (two classes fitted ``multinomial`` give ``sigmoid(2z)``: their weights
  are stored doubled). A one-vs-rest multi-class model (``multi_class='ovr'``, or the
  ``liblinear`` solver) normalises per-class sigmoids instead of a softmax, which the engine does
  not compute: it is rejected.

``convert`` checks the estimator's own predictions at probe points against the engine's formula
before it returns, so an estimator it does not know is either converted exactly or refused.

The engine computes in float32, so predictions agree with scikit-learn's (float64) to float32
rounding: about 1e-6 relative for regression outputs and probabilities; predicted classes agree
except where two classes' decision values are within float32 rounding of each other.
"""

import numpy as np

__all__ = ["convert", "LinearModel", "UnsupportedEstimatorError", "load"]


class UnsupportedEstimatorError(TypeError):
    """The estimator is not a supported, fitted linear model."""


MAX_FEATURES = 65535  # emlearn_linreg and emlearn_logreg
MAX_CLASSES = 256  # emlearn_logreg: labels are bytes


def _check_limits(n_features, classes):
    """ValueError for a model the device modules cannot hold."""
    if not 1 <= n_features <= MAX_FEATURES:
        raise ValueError("%d features: the device modules take 1..%d" % (n_features, MAX_FEATURES))
    if classes is not None and len(classes) > MAX_CLASSES:
        raise ValueError("%d classes: emlearn_logreg takes 2..%d" % (len(classes), MAX_CLASSES))


def _float32_parameters(weights, bias):
    """weights and bias as float32 arrays; ValueError when that loses the model: a value beyond
    float32's range or NaN, or a model whose every value is below its normal range (each would
    become 0 or a subnormal; one such value beside larger ones contributes nothing)."""
    weights = np.asarray(weights, dtype=np.float64)
    bias = np.asarray(bias, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        w32, b32 = weights.astype(np.float32), bias.astype(np.float32)
    if not (np.isfinite(w32).all() and np.isfinite(b32).all()):
        raise ValueError("a weight or the bias is not finite in float32 (beyond +-3.4e38, "
                         "or NaN): scale the data or the targets")
    largest = max(np.abs(weights).max(initial=0.0), np.abs(bias).max(initial=0.0))
    if 0.0 < largest < np.finfo(np.float32).tiny:
        raise ValueError("the weights and the bias are all below float32's range (largest %g): "
                         "scale the data or the targets" % largest)
    return w32, b32


class LinearModel:
    """Weights of a converted linear model.

    ``weights`` is float32 ``(n_vectors, n_features)``; ``bias`` float32 ``(n_vectors,)``.
    Regression: ``n_vectors == 1``, ``classes is None``. Classification: ``n_vectors`` is 1 for
    two classes (``p(classes[1]) = sigmoid(w.x + b)``) and ``n_classes`` otherwise (softmax);
    the engine's class index ``i`` is ``classes[i]``.
    """

    def __init__(self, weights, bias, classes=None):
        weights, bias = _float32_parameters(weights, bias)
        self.weights = np.ascontiguousarray(weights)
        self.bias = np.ascontiguousarray(bias.reshape(-1))
        if self.weights.ndim != 2 or self.weights.shape[0] != self.bias.shape[0]:
            raise ValueError("weights must be (n_vectors, n_features) and bias (n_vectors,)")
        self.classes = None if classes is None else np.asarray(classes)
        _check_limits(self.weights.shape[1], self.classes)
        if self.classes is not None:
            expected = 1 if len(self.classes) == 2 else len(self.classes)
            if len(self.classes) < 2 or self.weights.shape[0] != expected:
                raise ValueError("classifier weights do not match its number of classes")
        elif self.weights.shape[0] != 1:
            raise ValueError("a regression model has one weight vector")

    @property
    def is_classifier(self):
        return self.classes is not None

    @property
    def n_features(self):
        return int(self.weights.shape[1])

    @property
    def n_classes(self):
        """Number of classes; 0 for regression."""
        return 0 if self.classes is None else len(self.classes)

    @property
    def module(self):
        """The device module that runs this model."""
        return "emlearn_logreg" if self.is_classifier else "emlearn_linreg"

    def __repr__(self):
        kind = "classes=%d" % self.n_classes if self.is_classifier else "regression"
        return "LinearModel(n_features=%d, %s)" % (self.n_features, kind)

    # ---- files ----

    def save(self, path, npz=True):
        """Writes ``path`` (.npz) or, with ``npz=False``, ``<path>_weights.npy``,
        ``<path>_bias.npy`` (and ``<path>_classes.npy``). Returns the paths written."""
        arrays = {"weights": self.weights, "bias": self.bias}
        if self.is_classifier:
            arrays["classes"] = _class_array(self.classes)
        path = str(path)
        if npz:
            np.savez(path, **arrays)  # stored members: npyfile reads them without inflating
            return [path if path.endswith(".npz") else path + ".npz"]
        written = []
        for name, value in arrays.items():
            written.append("%s_%s.npy" % (path, name))
            np.save(written[-1], value)
        return written

    # ---- the engine's arithmetic in numpy (float32), for checks without a device ----

    def decision_function(self, X):
        X = np.asarray(X, dtype=np.float32)
        return X @ self.weights.T + self.bias

    def predict(self, X):
        """Regression outputs, or class labels (``classes[index]``)."""
        z = self.decision_function(X)
        if not self.is_classifier:
            return z[:, 0]
        index = (z[:, 0] > 0).astype(int) if z.shape[1] == 1 else np.argmax(z, axis=1)
        return self.classes[index]

    def predict_proba(self, X):
        z = self.decision_function(X).astype(np.float64)
        if z.shape[1] == 1:
            p1 = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1.0 - p1, p1], axis=1)
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    # ---- host engine (the CPython build of the device module) ----

    def new_engine_model(self, module=None, learning_rate=0.1):
        """A model of the CPython ``emlearn_linreg`` / ``emlearn_logreg`` with these weights."""
        import array

        if module is None:
            import importlib

            module = importlib.import_module(self.module)
        w = array.array("f", self.weights.reshape(-1).tolist())
        if self.is_classifier:
            model = module.new(self.n_features, self.n_classes, learning_rate=learning_rate)
            model.set_bias(array.array("f", self.bias.tolist()))
        else:
            model = module.new(self.n_features, 0.0, 0.0, learning_rate)
            model.set_bias(float(self.bias[0]))
        model.set_weights(w)
        return model


def _class_array(classes):
    """The labels the file stores: whole numbers within int32 as they are (also when they are
    floats, e.g. 1.0, 2.0), any others (strings, fractions, wider integers) as indices 0.. (the
    labels stay on the host, in ``LinearModel.classes``)."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iubf":
        values = classes.astype(np.float64)
        if (np.all(values == np.round(values)) and values.min() >= -2**31 and
                values.max() <= 2**31 - 1):
            return values.astype(np.int32)
    return np.arange(len(classes), dtype=np.int32)


def _check_fitted(estimator):
    if isinstance(estimator, type):
        raise TypeError("expecting a fitted estimator, not the class %s" % estimator.__name__)
    if not hasattr(estimator, "coef_") or not hasattr(estimator, "intercept_"):
        from sklearn.utils.validation import check_is_fitted

        name = type(estimator).__name__
        if not hasattr(estimator, "fit"):
            raise UnsupportedEstimatorError(
                "expecting a fitted scikit-learn linear estimator, not %s" % name)
        try:
            check_is_fitted(estimator)
        except Exception:  # noqa: BLE001  (NotFittedError, or not an estimator at all)
            raise UnsupportedEstimatorError("%s is not fitted (no coef_/intercept_)" % name)
        raise UnsupportedEstimatorError(
            "%s is not supported: it has no coef_/intercept_ of a linear model" % name)


def _probe_points(weights, bias):
    """Points where the model's decision values are of order one (not saturated): along each
    weight vector through the point where its decision value is 0."""
    rng = np.random.default_rng(0)
    points = []
    for w, b in zip(weights, bias):
        norm2 = float(w @ w)
        if norm2 == 0.0:
            continue
        for t in (-2.0, -0.7, 0.3, 1.5):
            points.append((t - b) * w / norm2 + 0.1 * rng.normal(size=w.shape) / np.sqrt(norm2))
    if not points:
        points = list(rng.normal(size=(4, weights.shape[1])))
    return np.array(points)


def _matches(got, want):
    return np.allclose(got, want, rtol=1e-7, atol=1e-9)


def _logit_factor(estimator, coef, intercept):
    """What the engine must scale coef_ and intercept_ by to compute the estimator's own
    predictions (at probe points, in float64): 1, or 2 for the doubled logit of a two-class
    multinomial model (softmax([-z, z]) = sigmoid(2z)). Refuses link functions (PoissonRegressor
    ...) and probability rules the engine does not have."""
    from sklearn.base import is_classifier

    name = type(estimator).__name__
    points = _probe_points(coef, intercept)
    z = points @ coef.T + intercept
    if not is_classifier(estimator):
        if not _matches(np.asarray(estimator.predict(points), dtype=np.float64).reshape(-1),
                        z[:, 0]):
            raise UnsupportedEstimatorError(
                "%s does not predict coef_ . x + intercept_ (a link function?): only linear "
                "regressors are supported" % name)
        return 1.0
    want = np.asarray(estimator.predict_proba(points), dtype=np.float64)
    if z.shape[1] == 1:
        for factor in (1.0, 2.0):
            if _matches(1.0 / (1.0 + np.exp(-factor * z[:, 0])), want[:, 1]):
                return factor
    else:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        if _matches(e / e.sum(axis=1, keepdims=True), want):
            return 1.0
    raise UnsupportedEstimatorError(
        "%s: its probabilities are not the sigmoid/softmax of coef_ . x + intercept_" % name)


def _is_ovr(estimator, n_classes):
    if n_classes <= 2:
        return False
    multi_class = getattr(estimator, "multi_class", "auto")
    solver = getattr(estimator, "solver", "lbfgs")
    return multi_class == "ovr" or (multi_class in ("auto", "deprecated") and solver == "liblinear")


def convert(estimator):
    """A fitted scikit-learn linear estimator -> :class:`LinearModel`."""
    from sklearn.base import is_classifier

    _check_fitted(estimator)
    coef = estimator.coef_
    if hasattr(coef, "toarray"):  # sparsify()'d: a scipy.sparse matrix
        coef = coef.toarray()
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(estimator.intercept_, dtype=np.float64).reshape(-1)
    classifier = is_classifier(estimator)
    classes = np.asarray(estimator.classes_) if classifier else None
    if classifier:
        name = type(estimator).__name__
        if not name.startswith("LogisticRegression"):
            raise UnsupportedEstimatorError(
                "%s: only LogisticRegression classifiers are supported" % name)
        if _is_ovr(estimator, len(classes)):
            raise UnsupportedEstimatorError(
                "one-vs-rest LogisticRegression is not supported: fit with multi_class="
                "'multinomial' (a solver other than liblinear)")
    # before probing the model: its points take n_features values each, and overflow where the
    # weights do not fit float32
    _check_limits(coef.shape[-1], classes)
    _float32_parameters(coef, intercept)
    if classifier:
        coef = coef.reshape(-1, coef.shape[-1])
        intercept = np.broadcast_to(intercept, (coef.shape[0],))
        factor = _logit_factor(estimator, coef, intercept)
        return LinearModel(coef * factor, intercept * factor, classes)
    n_features = int(getattr(estimator, "n_features_in_", coef.shape[-1]))
    if intercept.size != 1 or coef.size != n_features:
        raise UnsupportedEstimatorError(
            "multi-target regression (%d targets) is not supported"
            % max(intercept.size, coef.size // max(n_features, 1)))
    coef = coef.reshape(1, -1)
    _logit_factor(estimator, coef, intercept)
    return LinearModel(coef, intercept)


def load(path):
    """Reads a file written by :meth:`LinearModel.save` (the .npz form)."""
    with np.load(str(path)) as z:
        return LinearModel(z["weights"], z["bias"], z["classes"] if "classes" in z else None)
