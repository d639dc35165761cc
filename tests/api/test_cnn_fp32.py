# emlearn_cnn_fp32 contract tests (the tests are in cnn_support.py, shared with the other model
# kind). MicroPython-style: runs unchanged on CPython (host modules) and on MicroPython (the
# .mpy); one module per file, so that each fits a 140 KB heap (QEMU). Layer-by-layer arithmetic
# against numpy is in tests/host/test_cnn.py, the engine's own tests in tests/core/test_cnn.cpp.
# The model file first, while the heap has room for one block of its size (QEMU: 140 KB, which
# importing the modules below fragments). As bytes, new() reads it in place, without a copy.
MODEL = "tests/data/mnist_cnn_fp32.tmdl"
with open(MODEL, "rb") as f:
    model_bytes = f.read()

import emlearn_cnn_fp32  # noqa: E402

import cnn_support  # noqa: E402
from harness import run  # noqa: E402

cnn_support.keep(MODEL, model_bytes)
cnn_support.define_tests(emlearn_cnn_fp32, "fp32")
run()
