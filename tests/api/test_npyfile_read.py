# npyfile contract tests: reading .npy files. MicroPython-style: the same file runs on CPython, the
# MicroPython Unix port, the WebAssembly build and MicroPython firmware under QEMU. The npyfile
# suites are split in four so that each fits a board's heap (tools/qemu: 140 KB) beside npyfile;
# what they share is in npyfile_support.py.
import array
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import raises, run, test
from npyfile_support import (HAS_D, INDEX, check, expected, npy, read_bytes, ReadOnly, Seekable,
                             Stream, unhex)


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
def float64_on_a_port_with_30_bit_floats():
    # The ESP8266's path, taken here by setting the flag: float64 is narrowed to float32 in
    # integers by npyextra (numpy's float32 cast, bit for bit); without npyextra installed (an
    # empty sys.path), the ImportError names it (a message of our own would cost every user RAM)
    saved = (npyfile._NARROW_FLOAT, sys.path[:], sys.modules.pop("npyextra", None))
    try:
        npyfile._NARROW_FLOAT = True
        shape, arr = npyfile.load(npy("float64_2d.npy"))
        assert bytes(arr) == unhex(expected("float64_2d.npy")["hex_f32"])
        sys.modules.pop("npyextra", None)
        files = [npy(name) for name in ("float64_2d.npy", "int16_4d.npy")]
        shape = tuple(expected("int16_4d.npy")["shape"])
        sys.path[:] = []
        raises(ImportError, npyfile.load, files[0], contains="npyextra")
        assert npyfile.load(files[1])[0] == shape  # other dtypes need no npyextra
    finally:
        npyfile._NARROW_FLOAT = saved[0]
        sys.path[:] = saved[1]
        if saved[2] is not None:
            sys.modules["npyextra"] = saved[2]


@test
def read_counts():
    ref = list(whole("int32_3d.npy"))
    with npyfile.Reader(npy("int32_3d.npy")) as r:
        assert list(r.read(5)) == ref[:5]
        assert list(r.read(0)) == []
        assert list(r.read()) == ref[5:]
        assert len(r.read()) == 0 and r.remaining == 0


@test
def chunks_from_seekable_files_with_short_reads():
    # A file of known length takes read_data_chunks' inline path: a short read() is finished,
    # and an end that lies about the length is found as a truncation, never as a short chunk
    for name in ("int16_3d.npy", "float32_2d.npy"):
        data = read_bytes(name)
        ref = bytes(whole(name))
        for piece in (None, 1, 3, 7):
            with npyfile.Reader(Seekable(data, piece)) as r:
                got = [bytes(c) for c in r.read_data_chunks(5)]
                assert b"".join(got) == ref and r.remaining == 0, (name, piece)
                assert all(len(c) == 5 * r.itemsize for c in got[:-1]), (name, piece)
            with npyfile.Reader(Seekable(data[:-3], piece, claim=3)) as r:
                raises(ValueError, lambda: [c for c in r.read_data_chunks(4)],
                       contains="truncated")


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


run()
