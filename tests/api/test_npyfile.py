# npyfile contract tests. MicroPython-style: the same file runs on CPython, the MicroPython Unix
# port, the WebAssembly build and MicroPython firmware under QEMU. Reference data comes from numpy
# through tests/data/gen_npy.py (the files, and what they hold in tests/data/npy/expected), so
# nothing here needs numpy.
import array
import gc
import io
import json
import os
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import data_path, raises, run, test


def expected(name):
    """What gen_npy.py recorded for one data file, read when a test needs it: all of it at once
    would not fit a board's heap (tools/qemu: about 140 KB) beside this suite."""
    with open(data_path("npy/expected/" + name + ".json")) as f:
        return json.loads(f.read())


# The data files by kind, and what the refused ones must say
INDEX = expected("index")

try:
    array.array("d", [0.0])
    HAS_D = True
except ValueError:
    HAS_D = False

TMP = "build/test-npyfile"
# What damaged input may raise; anything else is a bug
ALLOWED = (ValueError, OSError, EOFError)


def unhex(s):
    return bytes([int(s[i:i + 2], 16) for i in range(0, len(s), 2)])


def npy(name):
    return data_path("npy/" + name)


def read_bytes(name):
    with open(npy(name), "rb") as f:
        return f.read()


def check(arr, desc, key="hex"):
    assert npyfile.array_typecode(arr) == desc["typecode"], (npyfile.array_typecode(arr), desc)
    assert bytes(arr) == unhex(desc[key]), (arr, desc)
    if "values" in desc:
        assert list(arr) == desc["values"]


def same(a, b):
    # MicroPython cannot compare float arrays with ==
    return npyfile.array_typecode(a) == npyfile.array_typecode(b) and bytes(a) == bytes(b)


def tmpdir():
    for d in ("build", TMP):
        try:
            os.mkdir(d)
        except OSError:
            pass
    return TMP


class Stream:
    """A source that cannot seek, optionally delivering ``piece`` bytes per call (socket-like)."""

    def __init__(self, data, piece=None):
        self._d = data
        self._p = 0
        self._piece = piece

    def read(self, n=-1):
        if n is None or n < 0:
            n = len(self._d) - self._p
        if self._piece:
            n = min(n, self._piece)
        out = self._d[self._p:self._p + n]
        self._p += len(out)
        return out

    def readinto(self, buf):
        # io.BytesIO copies raw bytes into any buffer, even part of an item
        n = len(self._d) - self._p
        if self._piece:
            n = min(n, self._piece)
        k = io.BytesIO(self._d[self._p:self._p + n]).readinto(buf)
        self._p += k
        return k


class ReadOnly:
    """A source with read() and nothing else."""

    def __init__(self, data):
        self._b = io.BytesIO(data)

    def read(self, n=-1):
        return self._b.read(n)


class Sink:
    """A write-only destination that cannot seek."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        b = bytes(b)
        self.parts.append(b)
        return len(b)

    def getvalue(self):
        return b"".join(self.parts)


def sample(typecode, n):
    lo_hi = {"b": (-128, 127), "B": (0, 255), "h": (-32768, 32767), "H": (0, 65535),
             "i": (-2147483648, 2147483647), "I": (0, 4294967295),
             "q": (-(1 << 63), (1 << 63) - 1), "Q": (0, (1 << 64) - 1)}
    if typecode in "fd":
        return array.array(typecode, [k * 0.25 - 3.0 for k in range(n)])
    if typecode in "lL":
        size = npyfile.array_typecode_itemsize(typecode)
        lo, hi = (0, (1 << (8 * size)) - 1) if typecode == "L" else (
            -(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1)
    else:
        lo, hi = lo_hi[typecode]
    vals = [lo + (k * 7919 + 3) % (hi - lo + 1) for k in range(n)]
    if n >= 2:
        vals[0], vals[1] = lo, hi
    return array.array(typecode, vals)


def typecodes():
    out = []
    for tc in "bBhHiIqQfd":
        try:
            array.array(tc, [0])
            out.append(tc)
        except ValueError:
            pass
    return out


# ---- reading what numpy wrote ----


@test
def every_numpy_file_loads_equal():
    count = 0
    for name in INDEX["npy"]:
        desc = expected(name)
        shape, arr = npyfile.load(npy(name))
        assert shape == tuple(desc["shape"]), (name, shape)
        check(arr, desc, "hex_f32" if "hex_f32" in desc else "hex")
        count += 1
    assert count >= 45, count


@test
def float64_reads_as_double_on_request():
    for name in INDEX["npy"]:
        desc = expected(name)
        if desc["dtype"] != "float64":
            continue
        if HAS_D:
            shape, arr = npyfile.load(npy(name), typecode="d")
            assert bytes(arr) == unhex(desc["hex"]), name
        else:
            raises(ValueError, npyfile.load, npy(name), "d", contains="'d'")


@test
def float32_widens_to_double():
    if not HAS_D:
        return
    shape, narrow = npyfile.load(npy("float32_3d.npy"))
    shape, wide = npyfile.load(npy("float32_3d.npy"), "d")
    assert npyfile.array_typecode(wide) == "d"
    assert list(wide) == list(narrow)


@test
def incompatible_read_typecodes_are_refused():
    raises(ValueError, npyfile.load, npy("int16_2d.npy"), "f", contains="int16")
    raises(ValueError, npyfile.load, npy("float32_1d.npy"), "h")
    raises(ValueError, npyfile.load, npy("uint8_1d.npy"), "b")
    raises(ValueError, npyfile.load, npy("int16_2d.npy"), "x", contains="typecode")


@test
def reader_metadata():
    with npyfile.Reader(npy("int16_3d.npy")) as r:
        assert r.shape == (2, 3, 4)
        assert r.typecode == "h" and r.itemsize == 2 and r.dtype == "<i2"
        assert r.data_start == 128 and r.version == (1, 0)
        assert r.items == 24 and r.remaining == 24
    with npyfile.Reader(npy("float64_2d.npy")) as r:
        assert r.typecode == "f" and r.itemsize == 8 and r.dtype == "<f8"
    with npyfile.Reader(npy("uint8_1d.npy")) as r:
        assert r.dtype == "|u1"
    with npyfile.Reader(npy("int16_v2.npy")) as r:
        assert r.version == (2, 0)
    with npyfile.Reader(npy("int16_v3.npy")) as r:
        assert r.version == (3, 0)
    with npyfile.Reader(npy("float32_scalar.npy")) as r:
        assert r.shape == () and r.items == 1


@test
def refused_files_say_why():
    for name in INDEX["errors"]:
        raises(ValueError, npyfile.load, npy(name), contains=INDEX["errors"][name])


@test
def compatibility_helpers():
    assert npyfile.compute_items((2, 3, 4)) == 24
    assert npyfile.compute_items(()) == 1
    assert npyfile.find_section(b"digits_(4,5).npy", b"(", b")") == b"4,5"
    assert npyfile.format_mapping[b"f4"] == ("f", 4)
    assert npyfile.format_mapping[b"i2"] == ("h", 2)
    assert npyfile.array_typecode(array.array("H", [1, 2])) == "H"
    assert npyfile.array_typecode_itemsize("h") == 2
    assert list(npyfile.array_frombytes("h", b"\x01\x00\xff\xff")) == [1, -1]
    raises(TypeError, npyfile.array_typecode, [1, 2])


# ---- streaming reads ----


def whole(name, typecode=None):
    return npyfile.load(npy(name), typecode)[1]


@test
def chunked_reads_equal_whole_reads():
    for name in ("int16_3d.npy", "float64_4d.npy", "uint8_long.npy", "float32_1d.npy",
                 "int64_2d.npy", "int16_v2.npy"):
        ref = list(whole(name))
        for chunk in (1, 2, 3, 5, 7, 64, 5000):
            got = []
            sizes = []
            with npyfile.Reader(npy(name)) as r:
                for part in r.read_data_chunks(chunk):
                    sizes.append(len(part))
                    got.extend(part)
            assert got == ref, (name, chunk)
            assert sizes[:-1] == [chunk] * (len(sizes) - 1) and 0 < sizes[-1] <= chunk


@test
def chunks_from_an_offset():
    ref = list(whole("uint8_long.npy"))
    with npyfile.Reader(npy("uint8_long.npy")) as r:
        got = []
        for part in r.read_data_chunks(64, offset=100):
            got.extend(part)
        assert got == ref[100:]
        # a seekable file can start over
        first = next(r.read_data_chunks(10))
        assert list(first) == ref[:10]
    # the upstream two-stream pattern: matching items from two files
    with npyfile.Reader(npy("uint8_long.npy")) as a, npyfile.Reader(npy("int16_4d.npy")) as b:
        pairs = list(zip(a.read_data_chunks(3, offset=3), b.read_data_chunks(1, offset=1)))
        assert len(pairs) == 11
        assert list(pairs[0][0]) == ref[3:6]


@test
def chunks_from_a_stream_that_cannot_seek():
    data = read_bytes("uint8_long.npy")
    ref = list(whole("uint8_long.npy"))
    r = npyfile.Reader(Stream(data, piece=7))
    got = []
    for part in r.read_data_chunks(100, offset=250):
        got.extend(part)
    assert got == ref[250:]
    r = npyfile.Reader(Stream(data))
    list(r.read_data_chunks(100, offset=10))
    raises(ValueError, lambda: list(r.read_data_chunks(100, offset=0)), contains="go back")


@test
def readinto_a_caller_buffer():
    ref = list(whole("int16_4d.npy"))
    buf = array.array("h", [0] * 5)
    got = []
    with npyfile.Reader(npy("int16_4d.npy")) as r:
        while True:
            n = r.readinto(buf)
            if n == 0:
                break
            got.extend(buf[:n])
    assert got == ref
    # into part of a bigger array, through a memoryview
    big = array.array("h", [0] * 20)
    with npyfile.Reader(npy("int16_4d.npy")) as r:
        assert r.readinto(memoryview(big)[4:10]) == 6
        assert list(big[4:10]) == ref[:6] and list(big[:4]) == [0] * 4
    # converting float64 -> float32 into a caller buffer
    out = array.array("f", [0.0] * 12)
    with npyfile.Reader(npy("float64_2d.npy")) as r:
        assert r.readinto(out) == 12
    assert bytes(out) == unhex(expected("float64_2d.npy")["hex_f32"])
    with npyfile.Reader(npy("int16_4d.npy")) as r:
        raises(TypeError, r.readinto, array.array("f", [0.0] * 3))
        raises(TypeError, r.readinto, array.array("H", [0] * 3))


@test
def read_counts():
    ref = list(whole("int32_3d.npy"))
    with npyfile.Reader(npy("int32_3d.npy")) as r:
        assert list(r.read(5)) == ref[:5]
        assert list(r.read(0)) == []
        assert list(r.read()) == ref[5:]
        assert len(r.read()) == 0 and r.remaining == 0


@test
def short_and_odd_reads_from_streams():
    for name in ("int16_3d.npy", "float32_2d.npy", "float64_1d.npy", "int64_2d.npy"):
        data = read_bytes(name)
        ref = bytes(whole(name))
        for piece in (1, 3, 5, 13):
            shape, arr = npyfile.load(Stream(data, piece))
            assert bytes(arr) == ref, (name, piece)
            out = array.array(npyfile.array_typecode(arr), bytes(len(ref)))
            r = npyfile.Reader(Stream(data, piece))
            assert r.readinto(out) == len(arr)
            assert bytes(out) == ref, (name, piece, "readinto")
        shape, arr = npyfile.load(ReadOnly(data))
        assert bytes(arr) == ref, (name, "read only")


# ---- writing ----


SHAPES = [(5,), (2, 3), (2, 1, 3), (1, 2, 2, 2), (), (0,), (0, 4)]


@test
def every_typecode_round_trips():
    for tc in typecodes():
        for shape in SHAPES:
            n = npyfile.compute_items(shape)
            arr = sample(tc, n)
            f = io.BytesIO()
            npyfile.save(f, arr, shape)
            f.seek(0)
            got_shape, got = npyfile.load(f, tc)
            assert got_shape == shape, (tc, shape, got_shape)
            assert npyfile.array_typecode(got) == tc
            assert bytes(got) == bytes(arr), (tc, shape)
            head = f.getvalue()
            assert head[:6] == b"\x93NUMPY" and head[6] == 1
            start = 10 + head[8] + 256 * head[9]
            assert start % 64 == 0 and head[start - 1:start] == b"\n"


@test
def platform_long_typecodes_write_by_size():
    for tc in "lL":
        arr = sample(tc, 4)
        f = io.BytesIO()
        npyfile.save(f, arr)
        f.seek(0)
        with npyfile.Reader(f) as r:
            assert r.itemsize == npyfile.array_typecode_itemsize(tc)
            assert r.dtype[1] == ("i" if tc == "l" else "u")
            assert bytes(r.read()) == bytes(arr)


@test
def saved_files_are_byte_identical_to_numpy():
    count = 0
    for name in INDEX["npy"]:
        if name.endswith("pad16.npy") or "_v" in name:
            continue
        desc = expected(name)
        want = None
        if desc["dtype"] == "float64":
            if not HAS_D:
                continue
            want = "d"
        shape, arr = npyfile.load(npy(name), want)
        f = io.BytesIO()
        npyfile.save(f, arr, shape)
        assert f.getvalue() == read_bytes(name), name
        count += 1
    assert count >= 40


@test
def streaming_writer_known_shape():
    f = io.BytesIO()
    with npyfile.Writer(f, (4, 3), "h") as w:
        for row in range(4):
            w.write_values(array.array("h", [row * 10 + c for c in range(3)]))
        assert w.items_written == 12 and w.written_bytes == 24
        raises(ValueError, w.write_values, array.array("h", [1]), contains="too many")
    f.seek(0)
    shape, arr = npyfile.load(f)
    assert shape == (4, 3) and list(arr) == [r * 10 + c for r in range(4) for c in range(3)]
    # a stream that cannot seek is fine when the shape is known
    s = Sink()
    with npyfile.Writer(s, (3,), "f") as w:
        w.write_values(array.array("f", [1.5, 2.5, 3.5]))
    assert same(npyfile.load(io.BytesIO(s.getvalue()))[1], array.array("f", [1.5, 2.5, 3.5]))


@test
def writer_refuses_wrong_counts():
    w = npyfile.Writer(io.BytesIO(), (2, 3), "h")
    w.write_values(array.array("h", [1, 2, 3]))
    raises(ValueError, w.close, contains="needs 6")
    w.close()  # closing twice is harmless

    def fails_inside_with():
        with npyfile.Writer(io.BytesIO(), (2, 3), "h") as w:
            w.write_values(array.array("h", [1]))
            raise KeyError("mine")

    raises(KeyError, fails_inside_with)  # the count check does not hide the real error


@test
def writer_with_unknown_leading_dimension():
    f = io.BytesIO()
    with npyfile.Writer(f, (None, 3), "f") as w:
        for k in range(5):
            w.write_values(array.array("f", [k, k + 0.5, k + 0.25]))
    f.seek(0)
    shape, arr = npyfile.load(f)
    assert shape == (5, 3) and len(arr) == 15 and arr[14] == 4.25
    f = io.BytesIO()
    with npyfile.Writer(f, None, "B") as w:
        w.write_values(array.array("B", range(200)))
        w.write_values(array.array("B", range(100)))
    f.seek(0)
    assert npyfile.load(f)[0] == (300,)
    f = io.BytesIO()
    with npyfile.Writer(f, (None, 2), "h") as w:
        pass
    f.seek(0)
    assert npyfile.load(f)[0] == (0, 2)
    raises(ValueError, npyfile.Writer, Sink(), (None, 3), "f", contains="seekable")
    w = npyfile.Writer(io.BytesIO(), (None, 3), "h")
    w.write_values(array.array("h", [1, 2]))
    raises(ValueError, w.close, contains="rows")


@test
def files_on_disk_by_path():
    path = tmpdir() + "/roundtrip.npy"
    arr = sample("h", 24)
    npyfile.save(path, arr, (2, 3, 4))
    shape, got = npyfile.load(path)
    assert shape == (2, 3, 4) and same(got, arr)
    with npyfile.Writer(path, (None, 4), "h") as w:
        w.write_values(arr)
    assert npyfile.load(path)[0] == (6, 4)
    os.remove(path)


@test
def wrong_write_typecodes():
    raises(ValueError, npyfile.Writer, io.BytesIO(), (3,), "x", contains="typecode")
    raises(ValueError, npyfile.Writer, io.BytesIO(), (3,), "")
    raises(ValueError, npyfile.Writer, io.BytesIO(), (3, -1), "h")
    raises(ValueError, npyfile.Writer, io.BytesIO(), (3, None), "h")
    raises(ValueError, npyfile.Writer, io.BytesIO(), (3.0,), "h")
    w = npyfile.Writer(io.BytesIO(), (3,), "f")
    raises(TypeError, w.write_values, array.array("h", [1, 2, 3]), contains="'h'")
    raises(TypeError, w.write_values, array.array("i", [1, 2, 3]))
    raises(TypeError, w.write_values, [1.0, 2.0, 3.0])
    raises(TypeError, npyfile.save, io.BytesIO(), [1, 2, 3])
    raises(ValueError, npyfile.save, io.BytesIO(), array.array("h", [1, 2, 3]), (2, 2),
           contains="needs 4")


# ---- .npz ----


def check_members(got, members, where):
    assert sorted(got.keys()) == sorted(members.keys()), where
    for key in members:
        shape, arr = got[key]
        assert shape == tuple(members[key]["shape"]), (where, key)
        check(arr, members[key])


@test
def numpy_archives_load():
    for name in INDEX["npz"]:
        members = expected(name)
        check_members(npyfile.load_npz(npy(name)), members, name)
        with npyfile.NpzReader(npy(name)) as z:
            names = sorted(members.keys())
            assert sorted(z.files) == names
            assert sorted(z.namelist()) == [k + ".npy" for k in names]
            shape, arr = z.load("a")
            assert shape == (2, 3)
            assert same(z.load("a.npy")[1], arr)
            raises(ValueError, z.open, "missing")


@test
def archive_members_read_in_chunks_and_interleaved():
    for name in ("numpy_stored.npz", "numpy_deflated.npz", "zip_deflated.npz"):
        ref = list(npyfile.load_npz(npy(name))["long"][1])
        ref_a = list(npyfile.load_npz(npy(name))["a"][1])
        with npyfile.NpzReader(npy(name)) as z:
            r1 = z.reader("long")
            r2 = z.reader("a")
            got1, got2 = [], []
            # the shorter stream first, so zip() never drops a chunk of the longer one
            for c2, c1 in zip(r2.read_data_chunks(1), r1.read_data_chunks(100)):
                got1.extend(c1)
                got2.extend(c2)
            got1.extend(r1.read())
            assert got1 == ref and got2 == ref_a, name
            r = z.reader("long")
            buf = array.array("h", [0] * 77)
            got = []
            while r.readinto(buf):
                got.extend(buf[:min(77, len(ref) - len(got))])
            assert got == ref


@test
def archives_from_streams_that_cannot_seek():
    for name in ("numpy_stored.npz", "numpy_deflated.npz", "small_deflated.npz"):
        data = read_bytes(name)
        members = expected(name)
        check_members(npyfile.load_npz(Stream(data, 50)), members, name)
        z = npyfile.NpzReader(Stream(data))
        assert z.load("b")[0] == (4,)  # found by reading forward, past "a"
        raises(ValueError, z.namelist, contains="seekable")
        # members skipped without being read
        z = npyfile.NpzReader(Stream(data, 9))
        seen = [n for n, m in z.members()]
        assert sorted(seen) == sorted([k + ".npy" for k in members])


@test
def archive_write_round_trip():
    arrays = {"x": sample("f", 10), "y": ((2, 5), sample("h", 10)), "z": sample("B", 300)}
    modes = [False, True] if npyfile.CAN_COMPRESS else [False]
    for compress in modes:
        for target in ("seekable", "stream"):
            f = io.BytesIO() if target == "seekable" else Sink()
            npyfile.save_npz(f, arrays, compress)
            data = f.getvalue()
            got = npyfile.load_npz(io.BytesIO(data))
            assert got["x"][0] == (10,) and same(got["x"][1], arrays["x"])
            assert got["y"][0] == (2, 5) and same(got["y"][1], arrays["y"][1])
            assert same(got["z"][1], arrays["z"]), (compress, target)
            with npyfile.NpzReader(io.BytesIO(data)) as z:
                assert sorted(z.namelist()) == ["x.npy", "y.npy", "z.npy"]
            if target == "seekable":
                assert same(npyfile.load_npz(Stream(data))["y"][1], arrays["y"][1])
            else:  # sizes come after the data: only the central directory can say where it ends
                raises(ValueError, npyfile.load_npz, Stream(data), contains="seekable")
    if not npyfile.CAN_COMPRESS:
        raises(ValueError, npyfile.NpzWriter, io.BytesIO(), True, contains="compress")


@test
def archive_streaming_writer_and_path():
    path = tmpdir() + "/stream.npz"
    with npyfile.NpzWriter(path) as z:
        with z.writer("rows", (3, 4), "i") as w:
            for r in range(3):
                w.write_values(array.array("i", [r * 100 + c for c in range(4)]))
        z.save("label", array.array("b", [-1, 0, 1]))
    got = npyfile.load_npz(path)
    assert got["rows"][0] == (3, 4) and got["rows"][1][11] == 203
    assert list(got["label"][1]) == [-1, 0, 1]
    os.remove(path)


@test
def archive_writer_errors():
    z = npyfile.NpzWriter(io.BytesIO())
    z.save("a", array.array("h", [1]))
    raises(ValueError, z.save, "a", array.array("h", [1]), contains="duplicate")
    raises(ValueError, z.writer, "b", (None, 2), "h", contains="known shape")
    raises(ValueError, z.writer, "b", (2,), "x", contains="typecode")
    w = z.writer("c", (2,), "h")
    raises(ValueError, z.save, "d", array.array("h", [1]), contains="first")
    raises(ValueError, z.close, contains="still")
    raises(ValueError, w.write_values, array.array("h", [1]))  # the archive is gone


# ---- damaged input ----


def npy_bytes(header, data=b"", version=1):
    if version == 1:
        pre = b"\x93NUMPY\x01\x00" + bytes([len(header) & 255, len(header) >> 8])
    else:
        n = len(header)
        pre = b"\x93NUMPY\x02\x00" + bytes([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >> 24])
    return pre + header + data


GOOD = b"{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }"
BAD_HEADERS = [
    b"{'descr': '<i2', 'fortran_order': False}",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (3, -1), }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (3.5,), }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': [3], }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': 3, }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (True,), }",
    b"{'descr': 5, 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<i2', 'fortran_order': 0, 'shape': (3,), }",
    b"{'descr': '<i2, 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (3,), } x",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (3,),",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (((((((((((3,),),),),),),),),),),), }",
    b"{'descr': '<i\\x32', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<i2', 'descr': '<i2', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<i2', 'fortran_order': False, 'shape': (12345678901234567890123,), }",
    b"{'descr': '\xff\xfe', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<i2' 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '|i2', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '=i2', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }",
    b"['descr', '<i2']",
    b"",
    b"   ",
]


@test
def corrupt_headers_raise_value_error():
    assert npyfile.load(io.BytesIO(npy_bytes(GOOD, b"\x01\x00\x02\x00\x03\x00")))[0] == (3,)
    for header in BAD_HEADERS:
        raises(ValueError, npyfile.load, io.BytesIO(npy_bytes(header, b"\x00" * 6)))
    raises(ValueError, npyfile.load, io.BytesIO(b""), contains="not a .npy")
    raises(ValueError, npyfile.load, io.BytesIO(b"\x93NUMPZ\x01\x00"), contains="magic")
    raises(ValueError, npyfile.load, io.BytesIO(b"PK\x03\x04" + b"\x00" * 60), contains="magic")
    raises(ValueError, npyfile.load, io.BytesIO(b"\x93NUMPY\x04\x00\x10\x00" + GOOD),
           contains="version")
    raises(ValueError, npyfile.load, io.BytesIO(b"\x93NUMPY\x01"), contains="truncated")
    # the header length field disagrees with the header
    long_len = b"\x93NUMPY\x01\x00\xff\x00" + GOOD
    raises(ValueError, npyfile.load, io.BytesIO(long_len))
    raises(ValueError, npyfile.load, io.BytesIO(b"\x93NUMPY\x01\x00\x05\x00" + GOOD))
    raises(ValueError, npyfile.load, io.BytesIO(b"\x93NUMPY\x02\x00\xff\xff\xff\x7f" + GOOD),
           contains="header_maxlength")
    raises(ValueError, npyfile.Reader, io.BytesIO(npy_bytes(GOOD, b"\x00" * 6)), 40,
           contains="header_maxlength")
    # Python 2 era long suffix is still read
    old = b"{'descr': '<i2', 'fortran_order': False, 'shape': (3L, 1L), }"
    assert npyfile.load(io.BytesIO(npy_bytes(old, b"\x00" * 6)))[0] == (3, 1)


@test
def wrong_data_lengths():
    # a huge shape must fail as a short file, not as an attempt to allocate it
    for shape in (b"(1000000000000,)", b"(4294967296, 4294967296)", b"(7,)"):
        header = GOOD.replace(b"(3,)", shape)
        raises(ValueError, npyfile.load, io.BytesIO(npy_bytes(header, b"\x00" * 6)),
               contains="truncated")
        raises(ValueError, npyfile.load, Stream(npy_bytes(header, b"\x00" * 6)),
               contains="truncated")
        raises(ValueError, npyfile.load, ReadOnly(npy_bytes(header, b"\x00" * 6)),
               contains="truncated")
    # an odd number of bytes for int16 data
    raises(ValueError, npyfile.load, Stream(npy_bytes(GOOD, b"\x00" * 5)), contains="truncated")
    # extra bytes after the data are ignored, as numpy does
    padded = npy_bytes(GOOD, b"\x00" * 9)
    assert same(npyfile.load(io.BytesIO(padded))[1], array.array("h", [0] * 3))
    assert npyfile.load(io.BytesIO(npy_bytes(GOOD, b"\x00" * 6, version=2)))[0] == (3,)


@test
def every_truncation_of_a_valid_file_is_rejected():
    for name in ("int16_2d.npy", "float64_1d.npy", "int16_v2.npy"):
        data = read_bytes(name)
        for n in range(len(data)):
            raises(ValueError, npyfile.load, io.BytesIO(data[:n]))
            raises(ValueError, npyfile.load, Stream(data[:n], 5))


def patched(data, pos, new):
    return data[:pos] + new + data[pos + len(new):]


@test
def corrupt_archives_raise_value_error():
    data = read_bytes("small_stored.npz")
    eocd = data.rfind(b"PK\x05\x06")
    cd = data.find(b"PK\x01\x02")
    local = data.find(b"PK\x03\x04")
    cases = [
        patched(data, eocd + 16, b"\xff\xff\x00\x00"),     # central directory offset
        patched(data, eocd + 12, b"\x00\x00\x01\x00"),     # central directory size
        patched(data, eocd + 10, b"\x50\x00"),             # entry count
        patched(data, eocd + 4, b"\x01\x00"),              # disk number
        patched(data, cd + 42, b"\x00\x00\x00\x70"),       # local header offset
        patched(data, cd + 10, b"\x63\x00"),               # compression method 99
        patched(data, local + 8, b"\x63\x00"),             # local method disagrees
        patched(data, cd + 8, b"\x01\x00"),                # encrypted
        patched(data, cd + 20, b"\x00\x00\x00\x10"),       # compressed size
        patched(data, cd + 16, b"\x00\x00\x00\x00"),       # CRC-32
        patched(data, local + 30 + 5 + 20 + 70, b"\x7f"),  # a data byte (CRC catches it)
        patched(data, local, b"XX\x03\x04"),
    ]
    for k in range(len(cases)):
        raises(ValueError, npyfile.load_npz, io.BytesIO(cases[k]))
    # no central directory at all: the local headers are walked instead
    got = npyfile.load_npz(io.BytesIO(data[:cd]))
    assert sorted(got.keys()) == ["a", "b"]
    deflated = read_bytes("small_deflated.npz")
    local = deflated.find(b"PK\x03\x04")
    bad = patched(deflated, local + 30 + 5 + 20 + 3, b"\xff\xff\xff\xff")
    raises(ValueError, npyfile.load_npz, io.BytesIO(bad))
    raises(ValueError, npyfile.load_npz, Stream(bad))


@test
def every_truncation_of_an_archive_fails_cleanly():
    for name in ("small_stored.npz", "small_deflated.npz"):
        data = read_bytes(name)
        members = expected(name)
        for n in range(0, len(data), 3):
            for source in (io.BytesIO(data[:n]), Stream(data[:n], 64)):
                try:
                    got = npyfile.load_npz(source)
                except ALLOWED:
                    continue
                # a cut inside the central directory can still leave whole members behind
                for key in got:
                    check(got[key][1], members[key])
        gc.collect()


# ---- fuzz: deterministic mutations, identical on every runtime ----


class Lcg:
    def __init__(self, seed):
        self.x = seed & 0x7FFFFFFF

    def next(self, n):
        self.x = (self.x * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.x >> 8) % n


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(1 + rng.next(4)):
        op = rng.next(7)
        if not data:
            data.append(rng.next(256))
            continue
        pos = rng.next(len(data))
        if op == 0:
            data[pos] ^= 1 << rng.next(8)
        elif op == 1:
            data[pos] = rng.next(256)
        elif op == 2:
            data[pos] = (0, 0xFF, 0x7F, 0x80)[rng.next(4)]
        elif op == 3:
            data = data[:pos]
        elif op == 4:
            data = data[:pos] + bytearray([rng.next(256)]) + data[pos:]
        elif op == 5:
            data = data[:pos] + data[pos + 1:]
        else:
            big = (b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\x00\x00")[rng.next(3)]
            data[pos:pos + 4] = big
    return bytes(data)


def fuzz_one(data, kind, rng):
    mode = rng.next(4)
    if mode == 0:
        source = Stream(data, 1 + rng.next(40))
    elif mode == 1:
        source = ReadOnly(data)
    else:
        source = io.BytesIO(data)
    if kind == "npz":
        for name, member in npyfile.NpzReader(source).members():
            with npyfile.Reader(member) as r:
                for _ in r.read_data_chunks(1 + rng.next(8)):
                    pass
    elif mode == 3:
        with npyfile.Reader(source) as r:
            buf = array.array(r.typecode, bytes(5 * npyfile.array_typecode_itemsize(r.typecode)))
            while r.readinto(buf):
                pass
    else:
        npyfile.load(source)


FUZZ_ROUNDS = 3000


@test
def fuzz_mutations_raise_only_expected_errors():
    seeds = [("npy", read_bytes(n)) for n in ("int16_2d.npy", "float64_1d.npy", "uint8_1d.npy",
                                              "float32_scalar.npy", "int16_v2.npy",
                                              "int64_2d.npy")]
    seeds += [("npz", read_bytes(n)) for n in ("small_stored.npz", "small_deflated.npz")]
    rng = Lcg(20240601)
    failures = []
    outcomes = {"ok": 0, "error": 0}
    for i in range(FUZZ_ROUNDS):
        kind, seed = seeds[i % len(seeds)]
        data = mutate(rng, seed)
        try:
            fuzz_one(data, kind, rng)
            outcomes["ok"] += 1
        except ALLOWED:
            outcomes["error"] += 1
        except Exception as e:
            failures.append((i, kind, type(e).__name__, str(e)))
        if i % 200 == 0:
            gc.collect()
    print("fuzz: %d rounds, %d read fine, %d refused" % (FUZZ_ROUNDS, outcomes["ok"],
                                                        outcomes["error"]))
    assert not failures, failures[:5]
    # the mutations must reach past the first check often enough to mean something
    assert outcomes["ok"] > FUZZ_ROUNDS // 20 and outcomes["error"] > FUZZ_ROUNDS // 4, outcomes


run()
