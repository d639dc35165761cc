"""The examples run end to end on CPython (make check keeps them true to the code)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_example(*parts):
    env = dict(os.environ)
    env.pop("MICROPYTHON", None)  # the MicroPython half is exercised by make check-natmod users
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", *parts)], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_xor_trees_demo_agrees_with_sklearn():
    assert "demo OK" in run_example("xor_trees", "run_demo.py")


def test_sequence_knock_lock_keeps_impostors_out():
    out = run_example("sequence", "run_example.py")
    assert "100 decided right, 0 impostors let in" in out, out


def test_color_quantize_writes_pngs():
    out = run_example("color_quantize_kmeans", "run_example.py")
    assert "clustered 6144 pixels into 8 colours" in out, out
    png = os.path.join(ROOT, "build", "examples", "color_quantize_kmeans", "quantized.png")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_soundlevel_meter_agrees_with_scipy():
    out = run_example("soundlevel_iir", "run_example.py")
    assert "soundlevel OK" in out, out


def test_mnist_cnn_converted_models_score_like_sklearn_and_pytorch():
    out = run_example("mnist_cnn", "run_example.py")
    assert "ok: the converted models score like scikit-learn and PyTorch" in out, out
    assert "mnist_cnn_int8.tmdl 10 of 10" in out, out


def test_gesture_cnn1d_classifies_like_pytorch():
    out = run_example("gesture_cnn1d", "run_example.py")
    assert "ok: the converted 1-D CNN classifies gestures like PyTorch" in out, out


def test_har_trees_recognises_activities_like_sklearn():
    out = run_example("har_trees", "run_example.py")
    assert "ok: har_trees 950 test windows" in out, out
    assert "same predictions as scikit-learn on every window" in out, out
