"""Quantisation of float features to the int16 values that the tree engine reads.

``emlearn_trees`` takes ``array('h')`` inputs, so float features must be mapped to integers
*before* training: scikit-learn then learns thresholds between integer values, and the converted
model decides exactly like scikit-learn for every int16 input (see ``docs/formats.md``).

:class:`Int16Scaler` is a linear map ``q = round(x * scale + offset)`` saturated to
``[out_min, out_max]`` (by default the whole int16 range). It is fitted on training data and can
be exported (:meth:`Int16Scaler.to_dict`, :meth:`Int16Scaler.save`) so that device code applies
the same two numbers per feature.

Rounding and saturation, stated once for the whole module:

* rounding is to the nearest integer, ties to even (``numpy.rint``, the same as Python's and
  MicroPython's built-in ``round`` on a float): ``0.5 -> 0``, ``1.5 -> 2``, ``-2.5 -> -2``;
* values beyond the output range saturate to ``out_min`` / ``out_max`` (``+inf`` too);
* NaN cannot be represented and raises ``ValueError``.

Device code that computes ``x * scale + offset`` in float32 can differ from this float64
implementation by one unit where the exact value sits within float32 rounding of a ``.5`` tie.
"""

import json

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

INT16_MIN = -32768
INT16_MAX = 32767

__all__ = ["INT16_MIN", "INT16_MAX", "Int16Scaler", "is_int16_valued", "check_int16"]


def _find_bad_int16(X):
    """Returns ``(index, value, reason)`` of the first entry that is no int16 value, else None."""
    with np.errstate(invalid="ignore"):
        not_finite = ~np.isfinite(X)
        not_integer = np.zeros(X.shape, dtype=bool) if X.dtype.kind in "iub" else (X != np.round(X))
        out_of_range = (X < INT16_MIN) | (X > INT16_MAX)
    for mask, reason in ((not_finite, "is not finite"), (not_integer, "is not an integer"),
                         (out_of_range, "is outside the int16 range [-32768, 32767]")):
        if mask.any():
            index = tuple(int(i) for i in np.argwhere(mask)[0])
            return index, X[index], reason
    return None


def is_int16_valued(X):
    """True when every value of ``X`` is an integer in ``[-32768, 32767]``.

    Such features can be given to ``emlearn_trees`` unchanged (as ``array('h')``), so a tree
    model trained on them needs no :class:`Int16Scaler`.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iubf":
        return False
    return X.size == 0 or _find_bad_int16(X) is None


def check_int16(X, name="X"):
    """Returns ``X`` as an ``int16`` array, or raises ``ValueError`` naming the first bad value.

    Unlike a plain ``astype(np.int16)``, which wraps around and truncates silently, this refuses
    non-integer, non-finite and out-of-range values: they mean that the features were not
    quantised the way the model expects.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iubf":
        raise ValueError(f"{name} must be numeric, got dtype {X.dtype}")
    if X.size:
        bad = _find_bad_int16(X)
        if bad is not None:
            index, value, reason = bad
            raise ValueError(f"{name}{list(index)} = {value!r} {reason}; quantise the features "
                             "to int16 first (microlearn.quantize.Int16Scaler)")
    return X.astype(np.int16)


class Int16Scaler(TransformerMixin, BaseEstimator):
    """Maps float features linearly onto int16, fitted on training data.

    ``fit`` records the minimum and maximum of the training data, per feature or over all
    features (``per_feature=False``, which keeps the relative scale of features that share a
    unit, e.g. the three axes of an accelerometer). The range is then widened by ``margin``
    times its width on each side, and that widened range is mapped onto ``[out_min, out_max]``:

    ``q = clip(round(x * scale_ + offset_), out_min, out_max)``

    ``margin`` leaves headroom so that test-time values somewhat beyond the training range still
    map to distinct integers instead of saturating. A feature that is constant in the training
    data gets ``scale_ = 1`` and maps its value to 0.

    Parameters
    ----------
    per_feature : bool
        One range per feature (default) or a single range over all features.
    margin : float
        Fraction (>= 0) of the training range added below the minimum and above the maximum.
    out_min, out_max : int
        Output range, within int16; the default is the full range.

    Attributes
    ----------
    data_min_, data_max_ : ndarray of shape (n_features,)
        Training minimum and maximum (the same value for every feature when global).
    scale_, offset_ : ndarray of shape (n_features,)
        The map applied by :meth:`transform`.
    n_features_in_ : int
    """

    def __init__(self, per_feature=True, margin=0.0, out_min=INT16_MIN, out_max=INT16_MAX):
        self.per_feature = per_feature
        self.margin = margin
        self.out_min = out_min
        self.out_max = out_max

    def _check_params(self):
        if not (INT16_MIN <= int(self.out_min) < int(self.out_max) <= INT16_MAX):
            raise ValueError(f"need {INT16_MIN} <= out_min < out_max <= {INT16_MAX}, got "
                             f"out_min={self.out_min}, out_max={self.out_max}")
        if not (np.isfinite(self.margin) and self.margin >= 0):
            raise ValueError(f"margin must be a finite number >= 0, got {self.margin!r}")

    @staticmethod
    def _as_2d(X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"expected a 2-d array (n_samples, n_features), got shape {X.shape}")
        return X

    def fit(self, X, y=None):
        """Learns the range of ``X`` (finite values only) and the resulting scale and offset."""
        self._check_params()
        X = self._as_2d(X)
        if X.shape[0] == 0:
            raise ValueError("cannot fit Int16Scaler on an empty array")
        if not np.isfinite(X).all():
            raise ValueError("Int16Scaler.fit: X contains NaN or infinite values")
        n_features = X.shape[1]
        if self.per_feature:
            data_min, data_max = X.min(axis=0), X.max(axis=0)
        else:
            data_min = np.full(n_features, X.min())
            data_max = np.full(n_features, X.max())
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            width = data_max - data_min
            low = data_min - self.margin * width
            high = data_max + self.margin * width
            span = float(self.out_max) - float(self.out_min)
            constant = high <= low
            scale = np.where(constant, 1.0, span / np.where(constant, 1.0, high - low))
            offset = np.where(constant, -low, float(self.out_min) - low * scale)
        if not (np.isfinite(scale).all() and np.isfinite(offset).all() and (scale > 0).all()):
            raise ValueError("Int16Scaler.fit: the range of X is too wide or too narrow for "
                             "float64 (its width overflows, or its scale does)")
        self.data_min_, self.data_max_ = data_min, data_max
        self.scale_, self.offset_ = scale, offset
        self.n_features_in_ = n_features
        return self

    def _check_fitted(self, X):
        if not hasattr(self, "scale_"):
            raise ValueError("this Int16Scaler is not fitted yet: call fit() first")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, the scaler was fitted on "
                             f"{self.n_features_in_}")

    def transform(self, X):
        """Returns ``clip(rint(X * scale_ + offset_), out_min, out_max)`` as ``int16``.

        Rounding is half to even; values beyond the range (and infinities) saturate; NaN raises
        ``ValueError``.
        """
        X = self._as_2d(X)
        self._check_fitted(X)
        if np.isnan(X).any():
            raise ValueError("Int16Scaler.transform: X contains NaN, which has no int16 value")
        with np.errstate(invalid="ignore", over="ignore"):
            mapped = np.rint(X * self.scale_ + self.offset_)
        return np.clip(mapped, self.out_min, self.out_max).astype(np.int16)

    def fit_transform(self, X, y=None, **fit_params):
        """``fit(X).transform(X)``."""
        return self.fit(X, y).transform(X)

    def inverse_transform(self, Q):
        """Maps integers back to the float scale (exact up to the rounding of ``transform``)."""
        Q = self._as_2d(Q)
        self._check_fitted(Q)
        return (Q - self.offset_) / self.scale_

    def to_dict(self):
        """A JSON-compatible description that device code can apply without numpy.

        Device code computes, per feature ``i``: ``q = round(x[i] * scale[i] + offset[i])`` and
        clamps ``q`` to ``[out_min, out_max]``.
        """
        if not hasattr(self, "scale_"):
            raise ValueError("this Int16Scaler is not fitted yet: call fit() first")
        return {
            "kind": "int16_linear",
            "formula": "q = clamp(round(x * scale + offset), out_min, out_max)",
            "rounding": "half_to_even",
            "per_feature": bool(self.per_feature),
            "margin": float(self.margin),
            "out_min": int(self.out_min),
            "out_max": int(self.out_max),
            "scale": [float(v) for v in self.scale_],
            "offset": [float(v) for v in self.offset_],
            "data_min": [float(v) for v in self.data_min_],
            "data_max": [float(v) for v in self.data_max_],
        }

    @classmethod
    def from_dict(cls, d):
        """Rebuilds a fitted scaler from :meth:`to_dict` output."""
        if d.get("kind") != "int16_linear":
            raise ValueError(f"not an Int16Scaler description (kind={d.get('kind')!r})")
        scaler = cls(per_feature=d["per_feature"], margin=d["margin"], out_min=d["out_min"],
                     out_max=d["out_max"])
        scaler.scale_ = np.asarray(d["scale"], dtype=np.float64)
        scaler.offset_ = np.asarray(d["offset"], dtype=np.float64)
        scaler.data_min_ = np.asarray(d["data_min"], dtype=np.float64)
        scaler.data_max_ = np.asarray(d["data_max"], dtype=np.float64)
        scaler.n_features_in_ = len(scaler.scale_)
        return scaler

    def save(self, path):
        """Writes :meth:`to_dict` as JSON (MicroPython's ``json`` module reads it)."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=1)
            f.write("\n")

    @classmethod
    def load(cls, path):
        """Reads a file written by :meth:`save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_dict(json.load(f))
