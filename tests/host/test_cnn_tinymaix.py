"""emlearn_cnn_int8 / emlearn_cnn_fp32 and microlearn.cnn's interpreter against TinyMaix itself:
outputs the reference's modules computed (tools/gen_tinymaix_refs.py, run by hand with the
reference built outside the repository) for 11 random networks with convolutions, depthwise
convolutions, residual adds and branches, global pooling and dense layers, on their images.
The networks avoid the reference's known bugs (docs/compatibility.md).

Tolerance: int8 outputs equal. fp32 outputs equal on x64 (both sum in the same order), and within
1e-6 of the largest output for the numpy interpreter (it sums in its own order).
"""
import pathlib

import numpy as np
import pytest

from microlearn import cnn
from test_cnn import MODULES, engine_run

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "cnn_tinymaix"
NETWORKS = sorted(p.stem for p in DATA.glob("*.tmdl"))


def load(name):
    data = (DATA / (name + ".tmdl")).read_bytes()
    model = cnn.parse(data)
    _, h, w, c = model.header.in_dims
    images = np.frombuffer((DATA / (name + ".bin")).read_bytes(), dtype=np.uint8)
    images = images.reshape(-1, h, w, c)
    want = np.frombuffer((DATA / (name + ".out")).read_bytes(), dtype="<f4")
    return data, model, images, want.reshape(len(images), -1)


def test_the_stored_networks_are_there():
    kinds = [name.split("_")[0] for name in NETWORKS]
    assert kinds.count("int8") >= 5 and kinds.count("fp32") >= 3, NETWORKS
    # residual adds and branches among them
    layer_types = {layer.type for name in NETWORKS for layer in load(name)[1].layers}
    assert cnn.ADD in layer_types


@pytest.mark.parametrize("name", NETWORKS)
def test_engine_equals_tinymaix(name):
    data, model, images, want = load(name)
    kind = name.split("_")[0]
    got = engine_run(MODULES[kind], data, images)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", NETWORKS)
def test_interpreter_equals_tinymaix(name):
    data, model, images, want = load(name)
    got = cnn.run_batch(model, images).reshape(len(images), -1)
    if name.startswith("int8"):
        np.testing.assert_array_equal(got, want)
    else:
        assert np.abs(got - want).max() <= 1e-6 * max(1.0, float(np.abs(want).max()))
