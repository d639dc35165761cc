"""microlearn host tools: convert trained models into the files microlearn's engine loads.

* :mod:`microlearn.trees` converts scikit-learn decision trees, random forests and extra trees
  to the emlearn trees CSV (``emlearn_trees.load_model``).
* :mod:`microlearn.quantize` maps float features to the int16 values the engine takes.
* :mod:`microlearn.signal` turns ``scipy.signal`` filter designs into the coefficient arrays of
  ``emlearn_iir`` and ``emlearn_iir_q15``, and reports what fixed point costs.
* :mod:`microlearn.linear` converts scikit-learn linear and logistic regression models to the
  weights ``emlearn_linreg`` / ``emlearn_logreg`` load.
* :mod:`microlearn.neighbors` reads and writes the k-NN item sets of ``emlearn_neighbors``.
* :mod:`microlearn.cnn` reads TinyMaix ``.tmdl`` networks (``emlearn_cnn_int8`` /
  ``emlearn_cnn_fp32``) and runs them with a numpy reference of the engine's arithmetic.

Command line: ``python3 -m microlearn --help``.
"""

__version__ = "0.1.0"

__all__ = ["trees", "quantize", "linear", "neighbors", "signal", "cnn", "__version__"]


def __getattr__(name):
    # Submodules load on first use, so that `import microlearn` stays cheap (trees imports
    # scikit-learn) and the command line can print --help quickly.
    if name in ("trees", "quantize", "linear", "neighbors", "signal", "cnn"):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
