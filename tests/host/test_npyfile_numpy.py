"""npyfile (src/device/npyfile.py) against numpy itself, on CPython.

What npyfile writes must load in numpy.load unchanged (every dtype, shape, streaming writer,
.npz stored and deflated), byte for byte what numpy.save writes, and what numpy writes (random
data, large arrays, compressed archives) must read back equal.
"""

import array
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

DEVICE = Path(__file__).resolve().parents[2] / "src" / "device"
if str(DEVICE) not in sys.path:
    sys.path.insert(0, str(DEVICE))

import npyfile  # noqa: E402  (needs the path above)

DTYPES = {"int8": "b", "uint8": "B", "int16": "h", "uint16": "H", "int32": "i", "uint32": "I",
          "int64": "q", "uint64": "Q", "float32": "f", "float64": "d"}
SHAPES = [(5,), (2, 3), (2, 3, 4), (1, 2, 3, 2), (), (0,), (0, 3), (3, 0, 2)]


def values(dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind == "f":
        data = rng.standard_normal(shape) * 1e3
    else:
        info = np.iinfo(dt)
        data = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dt)
    return np.asarray(data, dtype=dt)


def to_array(a):
    """The array.array that holds ndarray ``a`` (C order)."""
    return array.array(DTYPES[str(a.dtype)], np.ascontiguousarray(a).tobytes())


def loads(data, **kw):
    return np.load(io.BytesIO(data), allow_pickle=False, **kw)


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_saved_file_loads_in_numpy_and_matches_numpy_save(dtype, shape):
    a = values(dtype, shape)
    f = io.BytesIO()
    npyfile.save(f, to_array(a), shape)
    got = loads(f.getvalue())
    assert got.dtype == a.dtype and got.shape == a.shape
    np.testing.assert_array_equal(got, a)
    ref = io.BytesIO()
    np.save(ref, a, allow_pickle=False)
    assert f.getvalue() == ref.getvalue()


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_numpy_file_reads_back(dtype):
    a = values(dtype, (7, 5, 3), seed=1)
    f = io.BytesIO()
    np.save(f, a)
    f.seek(0)
    want = "d" if dtype == "float64" else None
    shape, got = npyfile.load(f, want)
    assert shape == a.shape
    assert bytes(got) == a.tobytes()


def test_float64_narrows_like_numpy_astype():
    a = values("float64", (100,), seed=2)
    a[:3] = [1e300, -1e-310, np.nan]
    f = io.BytesIO()
    np.save(f, a)
    f.seek(0)
    shape, got = npyfile.load(f)
    assert got.typecode == "f"
    with np.errstate(over="ignore"):
        assert bytes(got) == a.astype(np.float32).tobytes()


def test_chunked_reads_of_a_large_file():
    a = values("int16", (20000, 3), seed=3)
    f = io.BytesIO()
    np.save(f, a)
    f.seek(0)
    parts = []
    with npyfile.Reader(f) as r:
        for chunk in r.read_data_chunks(999):
            parts.append(np.frombuffer(bytes(chunk), dtype=np.int16))
    np.testing.assert_array_equal(np.concatenate(parts).reshape(a.shape), a)


def test_streaming_writer_with_growing_shape_loads_in_numpy(tmp_path):
    path = tmp_path / "grow.npy"
    rows = values("float32", (37, 8), seed=4)
    with npyfile.Writer(str(path), (None, 8), "f") as w:
        for row in rows:
            w.write_values(to_array(row))
    got = np.load(path)
    assert got.shape == (37, 8)
    np.testing.assert_array_equal(got, rows)


def test_streaming_writer_to_a_stream_loads_in_numpy():
    class Sink:
        def __init__(self):
            self.data = b""

        def write(self, b):
            self.data += bytes(b)
            return len(b)

    sink = Sink()
    a = values("uint16", (4, 6), seed=5)
    with npyfile.Writer(sink, a.shape, "H") as w:
        for row in a:
            w.write_values(to_array(row))
    np.testing.assert_array_equal(loads(sink.data), a)


@pytest.mark.parametrize("compress", [False, True], ids=["stored", "deflated"])
@pytest.mark.parametrize("seekable", [True, False], ids=["seekable", "stream"])
def test_npz_loads_in_numpy(compress, seekable):
    arrays = {name: values(dtype, shape, seed=i)
              for i, (name, dtype, shape) in enumerate([
                  ("x", "float32", (10, 3)), ("labels", "int8", (10,)), ("big", "int16", (5000,)),
                  ("empty", "float64", (0, 4)), ("scalar", "uint32", ())])}

    class Sink:
        def __init__(self):
            self.parts = []

        def write(self, b):
            self.parts.append(bytes(b))
            return len(b)

        def getvalue(self):
            return b"".join(self.parts)

    f = io.BytesIO() if seekable else Sink()
    npyfile.save_npz(f, {k: (v.shape, to_array(v)) for k, v in arrays.items()}, compress)
    data = f.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None  # every CRC-32 checks out
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        assert {i.compress_type for i in zf.infolist()} == {method}
    with loads(data) as npz:
        assert sorted(npz.files) == sorted(arrays)
        for k, v in arrays.items():
            assert npz[k].dtype == v.dtype
            np.testing.assert_array_equal(npz[k], v)


@pytest.mark.parametrize("writer", [np.savez, np.savez_compressed], ids=["savez", "compressed"])
def test_numpy_npz_reads_back(writer):
    arrays = {"a": values("float32", (300, 7), seed=6), "b": values("int64", (50,), seed=7),
              "c": np.tile(np.arange(400, dtype=np.int16), 50)}
    f = io.BytesIO()
    writer(f, **arrays)
    got = npyfile.load_npz(io.BytesIO(f.getvalue()))
    assert sorted(got) == sorted(arrays)
    for k, v in arrays.items():
        shape, arr = got[k]
        assert shape == v.shape and bytes(arr) == v.tobytes()
    with npyfile.NpzReader(io.BytesIO(f.getvalue())) as z:
        r = z.reader("c")
        chunks = [bytes(c) for c in r.read_data_chunks(777)]
    assert b"".join(chunks) == arrays["c"].tobytes()


def test_refusals_match_numpy_features():
    cases = {
        "Fortran": np.asfortranarray(values("int16", (3, 4))),
        "big-endian": values("int32", (4,)).astype(">i4"),
        "structured": np.zeros(2, dtype=[("a", "<i2")]),
        "unsupported dtype": np.zeros(2, dtype=np.complex128),
    }
    for word, a in cases.items():
        f = io.BytesIO()
        np.save(f, a)
        f.seek(0)
        with pytest.raises(ValueError, match=word):
            npyfile.load(f)


def test_exact_float64_narrowing_matches_numpy_astype():
    # npyextra.f64_to_f32 narrows in integers, for ports whose own floats are narrower than
    # float32 (the ESP8266's 30 bits); CPython never needs it, so it is checked here directly:
    # random magnitudes and bit patterns, halfway cases between float32 neighbours (normal and
    # subnormal), overflow, underflow, signed zeros, infinities and NaN
    import npyextra

    rng = np.random.default_rng(3)
    f32 = np.frombuffer(rng.integers(1, 2**31 - 2**23, 50000, dtype=np.uint32).tobytes(),
                        np.float32)
    up = np.nextafter(f32, np.float32(np.inf))
    x = np.concatenate([
        rng.standard_normal(50000) * 10.0 ** rng.integers(-46, 46, 50000),
        np.frombuffer(rng.integers(0, 2**63, 50000, dtype=np.uint64).tobytes(), np.float64),
        (f32.astype(np.float64) + up.astype(np.float64)) / 2,
        [0.0, -0.0, np.inf, -np.inf, 3.4028235677973366e38, 1e39, -1e39, 7.006492321624085e-46,
         7.006492321624087e-46, 1.1754942106924411e-38, 5e-324, 1.0 + 2**-24, 1.0 + 3 * 2**-24],
    ])
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.frombuffer(x.astype(np.float32).tobytes(), "<u4")
    got = np.frombuffer(npyextra.f64_to_f32(x.astype("<f8").tobytes(), len(x)), "<u4")
    nan = np.isnan(x)  # some random bit patterns: NaN must stay NaN (numpy keeps the payload)
    assert nan.sum() > 10 and np.isnan(got.view("<f4")[nan]).all()
    assert np.array_equal(got[~nan], want[~nan])
