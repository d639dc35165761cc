"""Host side: make the picture, run quantize.py (CPython host modules, and a MicroPython Unix port
when MICROPYTHON and MPY_DIR are set), then write original.png and quantized.png to look at."""
import os
import struct
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import make_image  # noqa: E402
from runtimes import ROOT, run_on_runtimes  # noqa: E402


def write_png(path, width, height, rgb):
    """A minimal PNG writer (8-bit RGB), so the example needs nothing beyond the standard library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + bytes(rgb[y * width * 3 : (y + 1) * width * 3]) for y in range(height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 9)))
        f.write(chunk(b"IEND", b""))


def main(out_dir=None):
    out_dir = out_dir or os.path.join(ROOT, "build", "examples", "color_quantize_kmeans")
    os.makedirs(out_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="microlearn-kmeans-")
    make_image.main(workdir)
    width, height = make_image.WIDTH, make_image.HEIGHT
    with open(os.path.join(workdir, "image.rgb"), "rb") as f:
        original = f.read()

    def palette_and_indices(stdout):
        with open(os.path.join(workdir, "palette.bin"), "rb") as f:
            palette = f.read()
        with open(os.path.join(workdir, "indices.bin"), "rb") as f:
            return palette, f.read()

    results = run_on_runtimes(os.path.join(HERE, "quantize.py"), workdir, palette_and_indices)
    if len(set(results.values())) != 1:
        sys.exit("MicroPython and CPython disagree")

    palette, indices = results["CPython"]
    quantized = bytearray()
    for i in indices:
        quantized += palette[3 * i : 3 * i + 3]
    write_png(os.path.join(out_dir, "original.png"), width, height, original)
    write_png(os.path.join(out_dir, "quantized.png"), width, height, quantized)
    print("wrote", os.path.join(out_dir, "original.png"), "and quantized.png")


if __name__ == "__main__":
    main(*sys.argv[1:])
