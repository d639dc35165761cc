# npyfile contract tests: .npz archives. MicroPython-style: the same file runs on CPython, the
# MicroPython Unix port, the WebAssembly build and MicroPython firmware under QEMU. The npyfile
# suites are split in four so that each fits a board's heap (tools/qemu: 140 KB) beside npyfile;
# what they share is in npyfile_support.py.
import array
import gc
import io
import os
import struct
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import raises, run, test
from npyfile_support import (INDEX, check, expected, npy, read_bytes, same, sample, Sink, Stream,
                             tmpdir)


def check_members(got, members, where):
    assert sorted(got.keys()) == sorted(members.keys()), where
    for key in members:
        shape, arr = got[key]
        assert shape == tuple(members[key]["shape"]), (where, key)
        check(arr, members[key])


@test
def npz_half_is_imported_on_first_use():
    # npyfile alone must not load npzfile (the larger half): a fresh import shows it
    saved = {k: sys.modules.pop(k) for k in ("npyfile", "npzfile") if k in sys.modules}
    try:
        import npyfile as fresh
        assert "npzfile" not in sys.modules
        assert fresh.format_mapping[b"i2"] == ("h", 2) and fresh.format_mapping[b"f8"][1] == 8
        reader = fresh.NpzReader
        assert "npzfile" in sys.modules
        import npzfile
        assert reader is npzfile.NpzReader and fresh.load_npz is npzfile.load_npz
        assert fresh.CAN_COMPRESS is npzfile.CAN_COMPRESS
        raises(AttributeError, getattr, fresh, "no_such_name")
    finally:
        for k in ("npyfile", "npzfile"):
            sys.modules.pop(k, None)
        sys.modules.update(saved)


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
    read_in_chunks_and_interleaved(("numpy_stored.npz", "numpy_deflated.npz", "zip_deflated.npz"))


def read_in_chunks_and_interleaved(names):
    for name in names:
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


class CountingFile:
    """A seekable file written in Python (so DeflateIO cannot read it directly), counting reads."""

    def __init__(self, data):
        self.f = io.BytesIO(data)
        self.reads = 0

    def read(self, n=-1):
        self.reads += 1
        return self.f.read(n)

    def readinto(self, buf):
        self.reads += 1
        return self.f.readinto(buf)

    def seek(self, *args):
        return self.f.seek(*args)

    def tell(self):
        return self.f.tell()


class NoBlockFor(CountingFile):
    """A file whose read() of any of the given sizes fails as a heap with no such block would."""

    def __init__(self, data, sizes):
        super().__init__(data)
        self.sizes = sizes
        self.refused = 0

    def read(self, n=-1):
        if n in self.sizes:
            self.refused += 1
            raise MemoryError("no block of %d bytes" % n)
        return super().read(n)


@test
def deflated_members_read_alike_from_ram_and_from_the_file():
    # MicroPython reads a deflated member of a seekable file into RAM at its first read when 4x
    # what inflating it takes is free (npzfile._RAM_SHARE), else feeds DeflateIO from the file,
    # which it reads one byte per call. Both give the same arrays; only the number of reads
    # differs. A member opened and not read holds no copy.
    import npzfile

    saved = npzfile._RAM_SHARE
    deflated = ("numpy_deflated.npz", "zip_deflated.npz", "small_deflated.npz")
    try:
        for name in deflated:
            data = read_bytes(name)
            members = expected(name)
            entries = npyfile.NpzReader(io.BytesIO(data))._load_central()
            first = entries[0]
            nlen, xlen = struct.unpack_from("<HH", data, first.offset + 26)
            damaged = bytearray(data)  # a byte in the middle of the first member's deflate data
            damaged[first.offset + 30 + nlen + xlen + first.csize // 2] ^= 0x55
            reads = []
            for share in (saved, 0):
                npzfile._RAM_SHARE = share
                check_members(npyfile.load_npz(npy(name)), members, name)
                src = CountingFile(data)
                check_members(npyfile.load_npz(src), members, name)
                reads.append(src.reads)
                raises(ValueError, npyfile.load_npz, CountingFile(bytes(damaged)))
            if npzfile.deflate is not None:
                npzfile._RAM_SHARE = saved
                src = CountingFile(data)
                opened = npyfile.NpzReader(src)
                members_opened = [opened.open(e.name) for e in entries]
                assert all(m._srcpos is not None for m in members_opened)  # nothing in RAM yet
                assert sum(m.readinto(bytearray(1)) for m in members_opened) == len(entries)
                assert all(m._srcpos is None for m in members_opened)  # read: now in RAM
                # in RAM a few reads a member; from the file one read per compressed byte
                csize = sum(e.csize for e in entries)
                assert reads[0] * 10 < reads[1] and reads[1] > csize, (name, reads, csize)
                # no free block for a member's bytes: it is read from the file instead
                src = NoBlockFor(data, [e.csize for e in entries])
                check_members(npyfile.load_npz(src), members, name)
                assert src.refused and src.reads > csize, (name, src.refused, src.reads)
        npzfile._RAM_SHARE = 0
        gc.collect()  # a board's heap: the inflate windows below need 8 KB blocks
        read_in_chunks_and_interleaved(deflated[:2])
    finally:
        npzfile._RAM_SHARE = saved


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
def a_name_stored_twice_gives_its_last_copy():
    f = io.BytesIO()
    with npyfile.NpzWriter(f) as z:
        z.save("a", array.array("h", [1, 2, 3]))
        z.save("b", array.array("h", [4, 5, 6, 7, 8]))
    data = f.getvalue().replace(b"b.npy", b"a.npy")  # same length: only the names change
    with npyfile.NpzReader(io.BytesIO(data)) as z:
        assert z.namelist() == ["a.npy", "a.npy"]
        assert z.load("a")[0] == (5,) and list(z.load("a.npy")[1]) == [4, 5, 6, 7, 8]
        assert z.reader("a").shape == (5,)
    assert npyfile.load_npz(io.BytesIO(data))["a"][0] == (5,)  # as numpy.load
    with npyfile.NpzReader(Stream(data)) as z:  # forward only: the first
        assert z.load("a")[0] == (3,)


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


run()
