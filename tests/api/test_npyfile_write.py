# npyfile contract tests: writing .npy files. MicroPython-style: the same file runs on CPython, the
# MicroPython Unix port, the WebAssembly build and MicroPython firmware under QEMU. The npyfile
# suites are split in four so that each fits a board's heap (tools/qemu: 140 KB) beside npyfile;
# what they share is in npyfile_support.py.
import array
import io
import os
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import raises, run, test
from npyfile_support import (HAS_D, INDEX, expected, npy, read_bytes, same, sample, Sink, tmpdir,
                             typecodes)


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


run()
