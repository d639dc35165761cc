# What the npyfile suites (tests/api/test_npyfile_*.py) share: the reference data, sources and
# sinks that behave like sockets and pipes, and sample arrays. Reference data comes from numpy
# through tests/data/gen_npy.py (the files, and what they hold in tests/data/npy/expected), so
# nothing here needs numpy.
import array
import io
import json
import os
import sys

if "src/device" not in sys.path:
    sys.path.append("src/device")  # run from the repository root, like every tests/api file

import npyfile
from harness import data_path


def expected(name):
    """What gen_npy.py recorded for one data file, read when a test needs it: all of it at once
    would not fit a board's heap (tools/qemu: about 140 KB) beside a suite."""
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


class Seekable(Stream):
    """A seekable source whose read() gives ``piece`` bytes per call; ``claim`` extra bytes make
    its end, as seek(0, 2) reports it, lie beyond the data."""

    def __init__(self, data, piece=None, claim=0):
        Stream.__init__(self, data, piece)
        self._claim = claim

    def seek(self, pos, whence=0):
        end = len(self._d) + self._claim
        self._p = pos if whence == 0 else (self._p + pos if whence == 1 else end + pos)
        return self._p

    def tell(self):
        return self._p


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
