"""Builds the host package's wheel with pip (offline: --no-build-isolation) and checks what a user
who installs it gets, from the wheel's files alone (the source tree is not on the path):

* every CPython module the CMake build makes, the device's npyfile modules, the converters;
* a RandomForest converted by the installed microlearn and loaded by the installed emlearn_trees
  predicts what scikit-learn predicts on quantised iris;
* npyfile writes a .npy that numpy reads back equal;
* the `microlearn` console script is microlearn.__main__:main, and it runs.

    /usr/bin/python3 tests/package/check_wheel.py [--wheel-dir build/wheel]
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

USE = r"""
import array, os, sys
import numpy as np
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
import emlearn_trees, microlearn, npyfile
from microlearn import trees
from microlearn.quantize import Int16Scaler

site = os.environ["WHEEL_SITE"]
for module in (emlearn_trees, microlearn, npyfile):  # from the wheel, not the source tree
    assert os.path.abspath(module.__file__).startswith(site), module.__file__

X, y = load_iris(return_X_y=True)
scaler = Int16Scaler().fit(X)
Xq = scaler.transform(X)
forest = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(Xq, y)
trees.convert(forest).save("iris.csv")
model = emlearn_trees.new(5, 200, 200)
with open("iris.csv") as f:
    emlearn_trees.load_model(model, f)
out = array.array("f", [0.0] * 3)
got = []
for row in Xq:
    model.predict(array.array("h", row.tolist()), out)
    got.append(max(range(3), key=lambda i: out[i]))
want = forest.predict(Xq)
# Hard vote of the trees' own votes; scikit-learn averages probabilities: compare the trees' votes.
votes = np.array([t.predict(Xq) for t in forest.estimators_]).astype(int)
majority = [np.bincount(v, minlength=3).argmax() for v in votes.T]
assert got == majority, "emlearn_trees disagrees with the trees' majority vote"
assert np.mean(np.array(got) == want) > 0.95

npyfile.save("x.npy", array.array("h", [1, -2, 3]))
assert np.load("x.npy").tolist() == [1, -2, 3]
print("wheel OK: %d rows agree, %s" % (len(got), microlearn.__version__))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel-dir", default=os.path.join(ROOT, "build", "wheel"))
    args = parser.parse_args()
    shutil.rmtree(args.wheel_dir, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
                    "--quiet", "-w", args.wheel_dir, ROOT], check=True)
    (wheel,) = glob.glob(os.path.join(args.wheel_dir, "microlearn-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    modules = sorted(os.path.splitext(os.path.basename(p))[0]
                     for p in glob.glob(os.path.join(ROOT, "src/bindings/cpython/emlearn_*.cpp")))
    for module in modules:
        assert any(n.startswith(module + ".") and n.endswith(".so") for n in names), module
    for name in ("npyfile.py", "npzfile.py", "npyextra.py", "microlearn/__init__.py",
                 "microlearn/cnn_convert.py"):
        assert name in names, name
    assert not [n for n in names if n.startswith(("tests/", "src/", "examples/"))], names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "microlearn = microlearn.__main__:main" in scripts, scripts

    with tempfile.TemporaryDirectory() as tmp:
        site = os.path.join(tmp, "site")
        zipfile.ZipFile(wheel).extractall(site)
        env = dict(os.environ, PYTHONPATH=site, WHEEL_SITE=os.path.abspath(site))
        subprocess.run([sys.executable, "-c", USE], cwd=tmp, env=env, check=True)
        # the console script as pip writes it, named as installed
        script = os.path.join(tmp, "microlearn")
        with open(script, "w") as f:
            f.write("import sys\nfrom microlearn.__main__ import main\nsys.exit(main())\n")
        run = subprocess.run([sys.executable, script, "--help"],
                             cwd=tmp, env=env, check=True, capture_output=True, text=True)
        assert run.stdout.startswith("usage: microlearn ") and "cnn" in run.stdout, run.stdout
    print("%s: %d CPython modules, npyfile, converters, console script" % (
        os.path.basename(wheel), len(modules)))


if __name__ == "__main__":
    main()
