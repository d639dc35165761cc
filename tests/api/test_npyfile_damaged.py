# npyfile contract tests: damaged input. MicroPython-style: the same file runs on CPython, the
# MicroPython Unix port, the WebAssembly build and MicroPython firmware under QEMU. The npyfile
# suites are split in four so that each fits a board's heap (tools/qemu: 140 KB) beside npyfile;
# what they share is in npyfile_support.py.
import array
import gc
import io
import os
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import raises, run, test
from npyfile_support import (ALLOWED, check, expected, read_bytes, ReadOnly, same, Stream,
                             tmpdir)


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
def other_header_layouts_load_through_npyextra():
    # numpy's own layout is parsed by npyfile alone; other spellings of the same dict import
    # npyextra on first use (kept out of npyfile's RAM), with the same answers
    saved = {k: sys.modules.pop(k) for k in ("npyfile", "npyextra") if k in sys.modules}
    try:
        import npyfile as fresh
        data = b"\x01\x00\x02\x00\x03\x00"
        assert fresh.load(io.BytesIO(npy_bytes(GOOD, data)))[0] == (3,)
        assert "npyextra" not in sys.modules
        for header in (b"{'shape': (3,), 'descr': '<i2', 'fortran_order': False}",
                       b'{"descr": "<i2", "fortran_order": False, "shape": (3,)}',
                       b"{'descr':'<i2','fortran_order':False,'shape':(3,)}",
                       b"{ 'descr' : '<i2' , 'fortran_order' : False , 'shape' : ( 3 , ) , }"):
            shape, arr = fresh.load(io.BytesIO(npy_bytes(header, data)))
            assert shape == (3,) and same(arr, array.array("h", [1, 2, 3])), header
        assert "npyextra" in sys.modules
        raises(ValueError, fresh.load, io.BytesIO(npy_bytes(
            b"{'shape': (3,), 'descr': '<i2', 'fortran_order': True}", data)), contains="Fortran")
    finally:
        for k in ("npyfile", "npyextra"):
            sys.modules.pop(k, None)
        sys.modules.update(saved)


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
    # a seekable file one byte short is refused when it is opened, before any read
    short = npy_bytes(GOOD, b"\x00" * 5)
    raises(ValueError, npyfile.Reader, io.BytesIO(short),
           contains="shape (3,) needs 6 bytes, 5 present")
    assert npyfile.Reader(io.BytesIO(npy_bytes(GOOD, b"\x00" * 6))).shape == (3,)
    # extra bytes after the data are ignored, as numpy does
    padded = npy_bytes(GOOD, b"\x00" * 9)
    assert same(npyfile.load(io.BytesIO(padded))[1], array.array("h", [0] * 3))
    assert npyfile.load(io.BytesIO(npy_bytes(GOOD, b"\x00" * 6, version=2)))[0] == (3,)


@test
def closed_readers_and_text_files_raise_value_error():
    r = npyfile.Reader(io.BytesIO(npy_bytes(GOOD, b"\x01\x00\x02\x00\x03\x00")))
    r.close()  # a file object stays its owner's: the reader only lets go of it
    raises(ValueError, r.readinto, array.array("h", [0]), contains="reader is closed")
    raises(ValueError, r.read, contains="reader is closed")
    raises(ValueError, lambda: next(r.read_data_chunks(1)), contains="reader is closed")
    for text in ("abc", "\x93NUMPY" + "x" * 20):
        raises(ValueError, npyfile.load, io.StringIO(text), contains="binary mode")
    path = tmpdir() + "/text.npy"
    with open(path, "wb") as f:
        f.write(npy_bytes(GOOD, b"\x01\x00\x02\x00\x03\x00"))
    with open(path) as f:  # text mode: MicroPython and CPython fail to decode \x93
        raises(ValueError, npyfile.load, f, contains="binary mode")
    with open(path) as f:
        raises(ValueError, npyfile.NpzReader, f, contains="binary mode")
    os.remove(path)


class Lying:
    """A stream whose readinto() reports ``extra`` bytes more than it stored (a negative count
    for ``extra`` below -n), whose read() returns ``more`` bytes beyond those asked for, or
    whose write() returns ``wrote``."""

    def __init__(self, data=b"", extra=0, more=0, wrote=None):
        self.d, self.p, self.extra, self.more = data, 0, extra, more
        self.wrote, self.out = wrote, bytearray()

    def readinto(self, buf):
        mv = memoryview(buf)
        n = min(len(self.d) - self.p, len(bytes(mv)))
        self.p += n
        return n + self.extra

    def read(self, n=-1):
        out = self.d[self.p:self.p + n] + b"\x00" * self.more
        self.p += n
        return out

    def write(self, data):
        self.out += bytes(data)
        return len(bytes(data)) if self.wrote is None else self.wrote


@test
def streams_that_misreport_their_counts_raise_os_error():
    # A readinto() returning a negative count looped forever; one beyond the buffer moved the
    # reader past its data.
    data = npy_bytes(GOOD, b"\x01\x00\x02\x00\x03\x00")
    for extra in (-7, -100, 2):  # -7: -1 for the 6 bytes there
        r = npyfile.Reader(Lying(data, extra))
        raises(OSError, r.readinto, array.array("h", [0] * 3), contains="asked for")
    raises(OSError, npyfile.load, Lying(data, more=1), contains="asked for")  # read() gives more
    # What write() returns is not checked: streams return None, or len() of an array (items).
    for wrote in (None, 1):
        ok = Lying(wrote=wrote)
        npyfile.save(ok, array.array("h", [1, 2, 3]))
        assert npyfile.load(io.BytesIO(bytes(ok.out)))[1] == array.array("h", [1, 2, 3])


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
    # cut short (no end record, or no central directory): numpy's BadZipFile; it used to list
    # the whole members before the cut and leave the rest out without a word
    second = data.find(b"PK\x03\x04", local + 4)
    for cut in (data[:second], data[:cd], data[:eocd]):
        raises(ValueError, npyfile.load_npz, io.BytesIO(cut), contains="cut short")
    for cut in (data[:second], data[:cd]):  # a stream stops reading at the central directory
        raises(ValueError, npyfile.load_npz, Stream(cut), contains="cut short")
    names = []
    try:
        for name, member in npyfile.NpzReader(Stream(data[:second])).members():
            names.append(name)
    except ValueError as e:
        assert "cut short" in str(e), e
    else:
        raise AssertionError("a stream cut after its first member ended without an error")
    assert names == ["a.npy"], names  # what came before the cut is still read as it streams by
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
