"""Runs random int8 and fp32 networks through microlearn's emlearn_cnn_* and the reference's (built
by hand outside the repository, as for the benchmarks) on a MicroPython Unix port, and reports how
their outputs differ.

    /usr/bin/python3 tools/compare_reference_cnn.py --micropython .../micropython \\
        --natmod-dir dist/x64_6.3 --reference /work/refbuild/dist/x64_6.3

The networks (written by microlearn.cnn.write): conv2d 3x3 (stride 1 or 2, valid or same, no
activation, relu or relu6), depthwise 3x3 (multiplier 1 or 2), in two thirds of them a residual
block (conv2d 3x3, added to the depthwise layer's output or to a 1x1 convolution of it, a
branch), global average pooling, dense, and
softmax in half of them; inputs 5..11 x 5..11 x 1..3. int8 activation ranges are calibrated on the
test images themselves and widened by 25%, so that no value reaches the ends of the int8 range,
where TinyMaix wraps around and microlearn saturates (a documented difference; outputs that
still saturate are counted apart). The networks are
grouped by the reference's bugs they meet (docs/compatibility.md): its exp (softmax), its fp32
relu6 without the clamp, its activation buffer sized by the file instead of the header. Expected
for the rest: identical outputs, int8 and fp32 (on x64; where an FPU fuses multiply-adds, fp32
may differ in the last bits).
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from microlearn import cnn  # noqa: E402

N_IMAGES = 20

DEVICE = """
import array, struct, sys
kind, m = sys.argv[1], int(sys.argv[2])
mod = __import__("emlearn_cnn_" + kind)
if True:
    with open("m%d.tmdl" % m, "rb") as f:
        net = mod.new(array.array("B", f.read()))  # the reference takes array('B') only
    k = 1
    for d in net.output_dimensions():
        k *= d
    with open("m%d.bin" % m, "rb") as f:
        imgs = f.read()
    size = len(imgs) // {n_images}
    out = array.array("f", [0.0] * k)
    words = []
    for i in range({n_images}):
        net.run(array.array("B", imgs[i * size:(i + 1) * size]), out)
        words += ["%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in out]
    print(" ".join(words))
""".replace("{n_images}", str(N_IMAGES))


def make_networks(folder, n, rng):
    softmax = []
    for m in range(n):
        shape = (int(rng.integers(5, 12)), int(rng.integers(5, 12)), int(rng.integers(1, 4)))
        c1, dm = int(rng.integers(2, 9)), int(rng.integers(1, 3))
        layers = [
            cnn.Conv2D(rng.normal(0, 0.5, (c1, shape[2], 3, 3)), rng.normal(0, 0.2, c1),
                       stride=int(rng.integers(1, 3)), padding=("valid", "same")[rng.integers(2)],
                       activation=("relu", "relu6", None)[rng.integers(3)]),
            cnn.DepthwiseConv2D(rng.normal(0, 0.5, (c1 * dm, 1, 3, 3)),
                                rng.normal(0, 0.2, c1 * dm), padding="same", activation="relu"),
            cnn.GlobalAveragePooling(), cnn.Dense(rng.normal(0, 0.5, (5, c1 * dm)),
                                                  rng.normal(0, 0.2, 5))]
        block = int(rng.integers(3))
        c2 = c1 * dm
        main = cnn.Conv2D(rng.normal(0, 0.5, (c2, c2, 3, 3)), rng.normal(0, 0.2, c2),
                          padding="same", activation=(None, "relu")[rng.integers(2)])
        if block == 1:    # identity shortcut
            layers[2:2] = [main, cnn.Add(1)]
        elif block == 2:  # projection shortcut: a 1x1 convolution branching off layer 1
            layers[2:2] = [main, cnn.Conv2D(rng.normal(0, 0.5, (c2, c2, 1, 1)), None, input=1),
                           cnn.Add(2)]
        softmax.append(bool(rng.integers(2)))
        if softmax[-1]:
            layers.append(cnn.Softmax())
        images = rng.integers(0, 256, (N_IMAGES,) + shape).astype(np.uint8)
        outputs = cnn.run_layers(cnn.parse(cnn.write(layers, shape, "fp32")), images)
        quant = []
        for layer, out in zip(layers, outputs):
            if isinstance(layer, cnn.Softmax):
                quant.append(None)
                continue
            lo, hi = min(float(out.min()), 0.0) * 1.25, max(float(out.max()), 0.0) * 1.25
            scale = (hi - lo) / 255.0
            quant.append((scale, int(np.clip(round(-128 - lo / scale), -128, 127))))
        for kind, data in (("int8", cnn.write(layers, shape, "int8", quant=quant)),
                           ("fp32", cnn.write(layers, shape, "fp32"))):
            with open(os.path.join(folder, kind, "m%d.tmdl" % m), "wb") as f:
                f.write(data)
            images.tofile(os.path.join(folder, kind, "m%d.bin" % m))
    return softmax


def reference_bug(kind, model, data, softmax):
    """The reference's bug (docs/compatibility.md) a network meets, or None."""
    if model.header.buf_size > len(data):
        return "reference's buffer overflows (buf_size > file size)"
    if softmax:
        return "with softmax (reference's exp)"
    if kind == "fp32" and any(layer.act == cnn.ACT_RELU6 for layer in model.layers):
        return "relu6 (reference's fp32 does not clamp at 6)"
    return None


def saturated_ends(model):
    """The two float values of an int8 network's output at the ends of the int8 range, where
    microlearn saturates and TinyMaix wraps around."""
    out = model.layers[-1]
    return np.float32([(127 - out.out_zp) * out.out_s, (-128 - out.out_zp) * out.out_s])


def run(micropython, natmod_dir, folder, kind, n):
    """Each network in its own process: the reference's buffer overflow can crash the port."""
    outputs = []
    for m in range(n):
        r = subprocess.run([micropython, os.path.join(folder, "device.py"), kind, str(m)],
                           cwd=os.path.join(folder, kind),
                           env=dict(os.environ, MICROPYPATH=os.path.abspath(natmod_dir)),
                           capture_output=True, text=True, timeout=600)
        if r.returncode or not r.stdout.strip():
            outputs.append(None)  # crashed
            continue
        outputs.append(np.array([struct.unpack("<f", bytes.fromhex(w)[::-1])[0]
                                 for w in r.stdout.split()], dtype=np.float32))
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", default=os.environ.get("MICROPYTHON"), required=False)
    parser.add_argument("--natmod-dir", default=os.path.join(ROOT, "dist", "x64_6.3"))
    parser.add_argument("--reference", required=True, help="folder of the reference's .mpy files")
    parser.add_argument("--networks", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.micropython:
        sys.exit("give --micropython (or set MICROPYTHON)")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("int8", "fp32"):
            os.makedirs(os.path.join(folder, kind))
        with open(os.path.join(folder, "device.py"), "w") as f:
            f.write(DEVICE)
        softmax = make_networks(folder, args.networks, np.random.default_rng(args.seed))
        for kind in ("int8", "fp32"):
            ours = run(args.micropython, args.natmod_dir, folder, kind, args.networks)
            ref = run(args.micropython, args.reference, folder, kind, args.networks)
            groups = {}
            for m, (a, b) in enumerate(zip(ours, ref)):
                if a is None:
                    sys.exit("microlearn failed on network %d" % m)
                with open(os.path.join(folder, kind, "m%d.tmdl" % m), "rb") as f:
                    data = f.read()
                model = cnn.parse(data)
                if b is None:
                    groups.setdefault("reference crashed", []).append((a, a))
                    continue
                group = reference_bug(kind, model, data, softmax[m]) or "the rest"
                if any(layer.type == cnn.ADD for layer in model.layers):
                    group += ", residual add"
                if any(layer.source != i - 1 for i, layer in enumerate(model.layers)):
                    group += " and branch"
                if kind == "int8" and not softmax[m]:
                    # Outputs microlearn saturated at the int8 range, where TinyMaix wraps around
                    # (a documented difference): counted apart.
                    wrapped = (a != b) & np.isin(a, saturated_ends(model))
                    if wrapped.any():
                        groups.setdefault("int8 saturation (TinyMaix wraps around)", []).append(
                            (a[wrapped], b[wrapped]))
                        a, b = a[~wrapped], b[~wrapped]
                groups.setdefault(group, []).append((a, b))
            for group, pairs in sorted(groups.items()):
                a = np.concatenate([p[0] for p in pairs])
                b = np.concatenate([p[1] for p in pairs])
                rel = float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))
                print("%s, %-52s %2d networks: %5d of %5d outputs differ, largest difference "
                      "%.3g (relative %.2g)" % (kind, group, len(pairs), int(np.sum(a != b)),
                                                a.size, float(np.abs(a - b).max()), rel))

if __name__ == "__main__":
    main()
