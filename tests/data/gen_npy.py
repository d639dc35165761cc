#!/usr/bin/python3
"""Writes the .npy/.npz files that tests/api/test_npyfile.py reads, and what numpy says they hold.

What each file holds goes to npy/expected/<file name>.json (an .npz: one entry per member), and
npy/expected/index.json lists the files and what the refused ones must say. One small JSON file
per data file, read when a test needs it: a board's heap (tools/qemu: about 140 KB) cannot hold
all of it at once.

Run with Debian's python3 (numpy installed):  /usr/bin/python3 tests/data/gen_npy.py
The files are committed, so MicroPython tests can compare against real numpy output without numpy.
Everything is deterministic (no random numbers, fixed zip timestamps), so re-running it changes
nothing unless numpy changes its format.
"""
import io
import json
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "npy")
EXPECTED = os.path.join(OUT, "expected")

DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float32", "float64"]
TYPECODES = {"int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i",
             "uint32": "I", "int64": "q", "uint64": "Q", "float32": "f", "float64": "f"}
SHAPES = {"1d": (7,), "2d": (3, 4), "3d": (2, 3, 4), "4d": (2, 1, 3, 2)}


def values_for(dtype, n):
    """Deterministic values that reach both ends of the type's range."""
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        span = int(info.max) - int(info.min) + 1
        vals = [int(info.min) + (k * 2654435761 + 12345) % span for k in range(n)]
        if n >= 2:
            vals[0], vals[1] = int(info.min), int(info.max)
        if n >= 3:
            vals[2] = 0
        return np.array(vals, dtype=dt)
    vals = [(k * 0.37 - 3.0) * (10.0 ** ((k % 5) - 2)) for k in range(n)]
    if dtype == "float64" and n >= 3:
        vals[0], vals[1], vals[2] = 1.0 / 3.0, 1e300, -2.5e-310  # not exact / out of f32 range
    elif n >= 3:
        vals[0], vals[1], vals[2] = 3.4e38, -1e-30, -0.0
    return np.array(vals, dtype=dt)


def describe(arr):
    """Shape, typecode, and the exact bytes an array.array of that typecode must hold.

    Floats are compared by their bytes: JSON and MicroPython's float parser would blur them.
    """
    d = {"dtype": str(arr.dtype), "typecode": TYPECODES[str(arr.dtype)],
         "shape": list(arr.shape), "hex": arr.astype(arr.dtype.newbyteorder("<")).tobytes().hex()}
    if arr.dtype.kind in "iu":
        d["values"] = arr.ravel().tolist()
    if arr.dtype == np.float64:
        with np.errstate(over="ignore"):
            d["hex_f32"] = arr.astype("<f4").tobytes().hex()
    return d


def save(name, arr, expected, **kw):
    np.save(os.path.join(OUT, name), arr, allow_pickle=False, **kw)
    expected[name] = describe(arr)


def write_raw(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def write_json(name, value):
    with open(os.path.join(EXPECTED, name), "w") as f:
        json.dump(value, f, indent=0, sort_keys=True)
        f.write("\n")


def freeze_timestamps(path):
    """numpy.savez stamps members with the current time; pin it to 1980-01-01 00:00."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    for info in infos:
        assert data[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
        struct.pack_into("<HH", data, info.header_offset + 10, 0, 0x21)
    pos = data.rfind(b"PK\x05\x06")
    count, _, cd_off = struct.unpack_from("<HII", data, pos + 10)
    for _ in range(count):
        assert data[cd_off:cd_off + 4] == b"PK\x01\x02"
        struct.pack_into("<HH", data, cd_off + 12, 0, 0x21)
        nlen, xlen, clen = struct.unpack_from("<HHH", data, cd_off + 28)
        cd_off += 46 + nlen + xlen + clen
    with open(path, "wb") as f:
        f.write(data)


def fixed_zip(name, arrays, compress):
    """Like numpy.savez[_compressed], but with a fixed timestamp so the bytes are reproducible."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(os.path.join(OUT, name), "w", compression=method) as zf:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, arr, allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = method
            zf.writestr(info, buf.getvalue())


def main():
    for folder in (OUT, EXPECTED):
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if os.path.isfile(os.path.join(folder, old)):
                os.remove(os.path.join(folder, old))
    npy, errors, npz = {}, {}, {}

    for dtype in DTYPES:
        for label, shape in SHAPES.items():
            arr = values_for(dtype, int(np.prod(shape))).reshape(shape)
            save("%s_%s.npy" % (dtype, label), arr, npy)

    save("float32_special.npy",
         np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45, 1.17549435e-38], dtype=np.float32), npy)
    save("float32_empty.npy", np.zeros((0,), dtype=np.float32), npy)
    save("int16_empty_2d.npy", np.zeros((0, 3), dtype=np.int16), npy)
    save("float32_scalar.npy", np.array(2.5, dtype=np.float32), npy)
    save("uint8_long.npy", (np.arange(1000) % 251).astype(np.uint8), npy)

    # Header versions 2.0 and 3.0 (numpy writes them for huge or non-latin1 headers)
    arr = values_for("int16", 6).reshape(2, 3)
    for version in ((2, 0), (3, 0)):
        name = "int16_v%d.npy" % version[0]
        with open(os.path.join(OUT, name), "wb") as f:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=False)
        npy[name] = describe(arr)

    # What micropython-npyfile's writer produced: 16-byte padding and no newline
    arr = values_for("float32", 5)
    text = b"{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"
    text += b" " * (16 - (10 + len(text)) % 16)
    write_raw("float32_pad16.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text
              + arr.tobytes())
    npy["float32_pad16.npy"] = describe(arr)

    # Files that must be refused, with a word the error message has to contain
    np.save(os.path.join(OUT, "err_fortran.npy"),
            np.asfortranarray(values_for("int16", 6).reshape(2, 3)))
    errors["err_fortran.npy"] = "Fortran"
    np.save(os.path.join(OUT, "err_bigendian.npy"), values_for("int16", 4).astype(">i2"))
    errors["err_bigendian.npy"] = "big-endian"
    np.save(os.path.join(OUT, "err_object.npy"), np.array([1, "a", None], dtype=object),
            allow_pickle=True)
    errors["err_object.npy"] = "object"
    np.save(os.path.join(OUT, "err_structured.npy"),
            np.zeros(3, dtype=[("a", "<i2"), ("b", "<f4")]))
    errors["err_structured.npy"] = "structured"
    np.save(os.path.join(OUT, "err_complex.npy"), np.zeros(3, dtype=np.complex64))
    errors["err_complex.npy"] = "unsupported dtype"
    np.save(os.path.join(OUT, "err_unicode.npy"), np.array(["ab", "c"]))
    errors["err_unicode.npy"] = "unsupported dtype"
    np.save(os.path.join(OUT, "err_bool.npy"), np.array([True, False]))
    errors["err_bool.npy"] = "unsupported dtype"

    # Archives: numpy's own writers, and fixed-timestamp copies through zipfile
    members = {
        "a": values_for("int16", 6).reshape(2, 3),
        "b": values_for("float32", 4),
        "c": values_for("uint8", 8).reshape(2, 2, 2),
        # repeats every 300 items (600 bytes): deflate back-references beyond a 256-byte window
        "long": (np.arange(1200) * 7 % 300).astype(np.int16),
    }
    described = {k: describe(v) for k, v in members.items()}
    np.savez(os.path.join(OUT, "numpy_stored.npz"), **members)
    np.savez_compressed(os.path.join(OUT, "numpy_deflated.npz"), **members)
    freeze_timestamps(os.path.join(OUT, "numpy_stored.npz"))
    freeze_timestamps(os.path.join(OUT, "numpy_deflated.npz"))
    fixed_zip("zip_stored.npz", members, False)
    fixed_zip("zip_deflated.npz", members, True)
    for name in ("numpy_stored.npz", "numpy_deflated.npz", "zip_stored.npz", "zip_deflated.npz"):
        npz[name] = described
    # Small archives as seeds for the fuzz loop
    small = {"a": members["a"], "b": members["b"]}
    np.savez(os.path.join(OUT, "small_stored.npz"), **small)
    np.savez_compressed(os.path.join(OUT, "small_deflated.npz"), **small)
    for name in ("small_stored.npz", "small_deflated.npz"):
        freeze_timestamps(os.path.join(OUT, name))
        npz[name] = {k: described[k] for k in small}

    for name, desc in list(npy.items()) + list(npz.items()):
        write_json(name + ".json", desc)
    write_json("index.json", {"npy": sorted(npy), "errors": errors, "npz": sorted(npz)})
    files = [os.path.join(d, n) for d in (OUT, EXPECTED) for n in os.listdir(d)]
    files = [p for p in files if os.path.isfile(p)]
    total = sum(os.path.getsize(p) for p in files)
    print("wrote %d files, %d bytes, to %s" % (len(files), total, OUT))


if __name__ == "__main__":
    main()
