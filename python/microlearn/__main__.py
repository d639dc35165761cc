"""Command line: ``python3 -m microlearn <group> <command> ...``.

    python3 -m microlearn trees convert model.pkl -o model.csv [--method hard|soft]
    python3 -m microlearn cnn convert model.onnx -o model.tmdl [--dtype int8|fp32]
                                      [--calibration images.npy] [--input-shape C,H,W]

The first reads a pickled, fitted scikit-learn tree estimator and writes the emlearn trees CSV
that ``emlearn_trees.load_model`` reads; the second converts an ONNX network (exported from
PyTorch with ``torch.onnx.export``) into the ``.tmdl`` file ``emlearn_cnn_int8`` /
``emlearn_cnn_fp32`` load. Errors (unreadable file, unsupported estimator) are printed
as one ``error: ...`` line on stderr with exit status 1; usage errors exit with status 2.
"""

import argparse
import os
import pickle
import sys

import numpy as np

from . import __version__


class CommandError(Exception):
    """A user-facing failure: printed without a traceback."""


def _load_estimator(path):
    """Unpickles the estimator in ``path``.

    Plain pickle is tried first; a file written by ``joblib.dump`` (which stores arrays outside
    the pickle stream) is read with joblib when joblib is installed. Unpickling runs code from
    the file: only load files you trust.
    """
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except OSError as e:
        raise CommandError(f"cannot read {path}: {e.strerror or e}") from e
    except Exception as pickle_error:  # noqa: BLE001 - any unpickling failure is reported
        try:
            import joblib
        except ImportError:
            joblib = None
        if joblib is not None:
            try:
                return joblib.load(path)
            except Exception:  # noqa: BLE001 - report the pickle error below
                pass
        raise CommandError(f"cannot unpickle {path}: {type(pickle_error).__name__}: "
                           f"{pickle_error}") from pickle_error


def _trees_convert(args):
    from . import trees

    estimator = _load_estimator(args.model)
    try:
        model = trees.convert(estimator, method=args.method)
    except trees.UnsupportedEstimatorError as e:
        raise CommandError(str(e)) from e
    except ValueError as e:  # not fitted, multi-output classifier, beyond the format's limits
        raise CommandError(f"cannot convert {type(estimator).__name__}: {e}") from e
    if args.output == "-":
        sys.stdout.write(model.to_csv())
        return
    try:
        model.save(args.output)
    except OSError as e:
        raise CommandError(f"cannot write {args.output}: {e.strerror or e}") from e
    max_trees, max_nodes, max_leaves = model.capacity
    print(f"wrote {args.output}: {model.method}, {model.n_features} features, "
          f"{model.n_classes} {'outputs' if model.method == 'regression' else 'classes'}, "
          f"{max_trees} trees, {max_nodes} nodes, {max_leaves} leaves; load it with "
          f"emlearn_trees.new({max_trees}, {max_nodes}, {max_leaves})")


def _cnn_convert(args):
    from . import cnn, cnn_convert

    shape = None
    if args.input_shape:
        try:
            shape = tuple(int(v) for v in args.input_shape.split(","))
        except ValueError:
            raise CommandError(f"--input-shape must be sizes separated by commas, "
                               f"not {args.input_shape!r}") from None
    calibration = None
    if args.calibration:
        try:
            calibration = np.load(args.calibration, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise CommandError(f"cannot read {args.calibration}: {e}") from e
    try:
        with open(args.model, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CommandError(f"cannot read {args.model}: {e.strerror or e}") from e
    try:
        tmdl = cnn_convert.convert(data, shape, dtype=args.dtype, calibration=calibration)
    except ImportError as e:
        raise CommandError(str(e)) from e
    except ValueError as e:  # unsupported node, bad shape, missing calibration
        raise CommandError(f"cannot convert {args.model}: {e}") from e
    try:
        with open(args.output, "wb") as f:
            f.write(tmdl)
    except OSError as e:
        raise CommandError(f"cannot write {args.output}: {e.strerror or e}") from e
    model = cnn.parse(tmdl)
    print(f"wrote {args.output}: {args.dtype}, {len(model.layers)} layers, input "
          f"{model.input_shape} (HWC uint8), output {model.output_shape}, "
          f"{len(tmdl)} bytes")


def build_parser():
    """The argument parser (exposed so the command line can be documented and tested)."""
    # `microlearn` when run as the installed command, else how the module is run
    command = os.path.basename(sys.argv[0]) == "microlearn"
    parser = argparse.ArgumentParser(
        prog="microlearn" if command else "python3 -m microlearn",
        description="Convert trained models into files that microlearn's engine loads.")
    parser.add_argument("--version", action="version", version=f"microlearn {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)

    trees_parser = groups.add_parser(
        "trees", help="decision trees, random forests, extra trees (emlearn_trees)",
        description="Tree ensembles for emlearn_trees.")
    commands = trees_parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    convert_parser = commands.add_parser(
        "convert", help="pickled scikit-learn estimator -> emlearn trees CSV",
        description="Convert a pickled, fitted scikit-learn DecisionTree, RandomForest or "
                    "ExtraTrees classifier or regressor (trained on int16-valued features) "
                    "into the emlearn trees CSV. Unpickling runs code from the file: only "
                    "convert files you trust.")
    convert_parser.add_argument("model", help="pickle (or joblib) file with the fitted estimator")
    convert_parser.add_argument("-o", "--output", default="-",
                                help="CSV file to write (default: standard output)")
    convert_parser.add_argument(
        "--method", choices=("hard", "soft"), default="hard",
        help="classifiers: 'hard' = majority vote, class index leaves, loads in the reference "
             "emlearn_trees too (default); 'soft' = mean of class probabilities quantised to "
             "1/255. Regressors always use float leaves.")
    convert_parser.set_defaults(handler=_trees_convert)

    cnn_parser = groups.add_parser(
        "cnn", help="convolutional networks (emlearn_cnn_int8, emlearn_cnn_fp32)",
        description="Convolutional networks for emlearn_cnn_int8 and emlearn_cnn_fp32.")
    commands = cnn_parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    convert_parser = commands.add_parser(
        "convert", help="ONNX network -> TinyMaix .tmdl",
        description="Convert an ONNX network (e.g. a PyTorch module exported with "
                    "torch.onnx.export) into a .tmdl file. The network takes inputs scaled to "
                    "[0, 1] (uint8 / 255), channels first, or channels last where the graph "
                    "begins with a Transpose to channels first (tf2onnx's Keras graphs); needs "
                    "the onnx package (python3-onnx).")
    convert_parser.add_argument("model", help="ONNX file")
    convert_parser.add_argument("-o", "--output", required=True, help=".tmdl file to write")
    convert_parser.add_argument("--dtype", choices=("int8", "fp32"), default="int8",
                                help="int8 (quantised, needs --calibration; default) or fp32")
    convert_parser.add_argument(
        "--calibration", metavar="NPY",
        help="int8: a .npy file of uint8 sample inputs, (n, *input shape) in the graph's "
             "layout, (n, C, H, W) or (n, H, W, C); the activation ranges are measured on them")
    convert_parser.add_argument(
        "--input-shape", metavar="C,H,W",
        help="one input's shape in the graph's layout (C,H,W, or H,W,C for a channels-last "
             "graph), when the graph leaves a size symbolic")
    convert_parser.set_defaults(handler=_cnn_convert)
    return parser


def main(argv=None):
    """Runs the command line; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
