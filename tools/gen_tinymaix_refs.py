"""Writes tests/data/cnn_tinymaix: networks, input images and the outputs TinyMaix computed for
them, through the reference's emlearn_cnn_int8 / emlearn_cnn_fp32 (built by hand outside the
repository, as for the benchmarks) on a MicroPython Unix port. tests/host/test_cnn_tinymaix.py
checks microlearn's engine against them: an implementation independent of microlearn's own.

    /usr/bin/python3 tools/gen_tinymaix_refs.py --micropython .../micropython \\
        --reference /work/refbuild/dist/x64_6.3

The networks are compare_reference_cnn.py's (seed 1). Kept: those the reference runs without
one of its known bugs (docs/compatibility.md: its exp in softmax, its fp32 relu6, its activation
buffer sized by the file) and, for int8, without an output at the ends of the int8 range (where
TinyMaix wraps around and microlearn saturates). Each kept network is three files:
<kind>_m<N>.tmdl, <kind>_m<N>.bin (uint8 images, one after another) and <kind>_m<N>.out (TinyMaix's
float32 outputs, little-endian, image after image).
"""
import argparse
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import compare_reference_cnn as compare  # noqa: E402
from compare_reference_cnn import cnn  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "cnn_tinymaix")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", default=os.environ.get("MICROPYTHON"))
    parser.add_argument("--reference", required=True, help="folder of the reference's .mpy files")
    parser.add_argument("--networks", type=int, default=24)
    args = parser.parse_args()
    if not args.micropython:
        sys.exit("give --micropython (or set MICROPYTHON)")
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        os.remove(os.path.join(OUT, name))
    kept = 0
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("int8", "fp32"):
            os.makedirs(os.path.join(folder, kind))
        with open(os.path.join(folder, "device.py"), "w") as f:
            f.write(compare.DEVICE)
        softmax = compare.make_networks(folder, args.networks, np.random.default_rng(1))
        for kind in ("int8", "fp32"):
            outputs = compare.run(args.micropython, args.reference, folder, kind, args.networks)
            for m, out in enumerate(outputs):
                with open(os.path.join(folder, kind, "m%d.tmdl" % m), "rb") as f:
                    data = f.read()
                model = cnn.parse(data)
                if out is None or compare.reference_bug(kind, model, data, softmax[m]):
                    continue
                if kind == "int8" and np.isin(out, compare.saturated_ends(model)).any():
                    continue
                with open(os.path.join(folder, kind, "m%d.bin" % m), "rb") as f:
                    images = f.read()
                base = os.path.join(OUT, "%s_m%d" % (kind, m))
                for ext, content in ((".tmdl", data), (".bin", images),
                                     (".out", out.astype("<f4").tobytes())):
                    with open(base + ext, "wb") as f:
                        f.write(content)
                kept += 1
    print("wrote %d networks to %s" % (kept, os.path.relpath(OUT, ROOT)))


if __name__ == "__main__":
    main()
