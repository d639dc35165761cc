"""NumPy .npy and .npz files to and from array.array, on MicroPython and CPython.

The public API matches micropython-npyfile (``Reader``, ``Writer``, ``load``, ``save``,
``compute_items``, ``find_section``, ``format_mapping``), so code written for it keeps working.
Additions: every integer dtype up to 64 bits, float64 (read as 'f' by default, since most boards
have single-precision floats and no room for doubles; ``typecode='d'`` keeps doubles), reads into
caller-owned buffers, strict header validation, and .npz archives (``NpzReader``, ``NpzWriter``,
``load_npz``, ``save_npz``).

Everything is streaming: only the header and one chunk are in RAM, so a file larger than RAM can
be processed chunk by chunk. Damaged input raises ValueError (or OSError/EOFError from the
underlying stream), never anything else, and no loop depends on data that could make it spin.

Deliberate differences from micropython-npyfile, all in the direction of failing loudly:
- A file object passed in is not closed by ``close()`` (only files this module opened are).
- A short file, or a Writer closed after the wrong number of items, raises ValueError instead of
  printing a warning.
- ``header_maxlength`` is the largest header accepted (default 4096 bytes), not a read size.
- float64 data loads as typecode 'f' unless ``typecode='d'`` is asked for.
"""

import array
import struct
import sys

try:
    import deflate  # MicroPython >= 1.21
except ImportError:
    deflate = None
zlib = None
if deflate is None:
    try:
        import zlib  # CPython; micropython-lib's zlib shim lacks decompressobj and is ignored
        if not hasattr(zlib, "decompressobj"):
            zlib = None
    except ImportError:
        pass
try:
    from binascii import crc32 as _native_crc32
except ImportError:
    _native_crc32 = None
try:
    import io as _io

    _IOBase = _io.IOBase
except (ImportError, AttributeError):
    _IOBase = None

NPY_MAGIC = b"\x93NUMPY"

# numpy dtype code (without byte order) -> (kind, bytes per item)
_DTYPES = {
    "i1": ("i", 1), "u1": ("u", 1), "i2": ("i", 2), "u2": ("u", 2),
    "i4": ("i", 4), "u4": ("u", 4), "i8": ("i", 8), "u8": ("u", 8),
    "f4": ("f", 4), "f8": ("f", 8),
}
# struct format letter for each (kind, size): struct's sizes are fixed with '<', array's are not
_STRUCT = {
    ("i", 1): "b", ("u", 1): "B", ("i", 2): "h", ("u", 2): "H", ("i", 4): "i",
    ("u", 4): "I", ("i", 8): "q", ("u", 8): "Q", ("f", 4): "f", ("f", 8): "d",
}
_KIND = {"b": "i", "h": "i", "i": "i", "l": "i", "q": "i",
         "B": "u", "H": "u", "I": "u", "L": "u", "Q": "u", "f": "f", "d": "f"}
# Preferred typecode for each kind, smallest first; sizes of 'i' and 'l' differ between ports
_PREFERRED = {"i": "bhiql", "u": "BHIQL", "f": "fd"}

# Item sizes of the typecodes this port's array module really has ('d', 'q' may be missing)
_SIZES = {}
for _tc in "bBhHiIlLqQfd":
    try:
        _SIZES[_tc] = len(bytes(array.array(_tc, [0])))
    except (ValueError, TypeError, OverflowError):
        pass

_LITTLE = sys.byteorder == "little"
# CPython can view any buffer as bytes; MicroPython's memoryview cannot be cast
_HAS_CAST = hasattr(memoryview(b""), "cast")
CAN_COMPRESS = (deflate is not None and hasattr(deflate.DeflateIO, "write")) or zlib is not None

_MAX_DIMS = 64
_BLOCK = 4096  # bytes moved per step when the data has to pass through Python objects


def _typecode_for(kind, size):
    for tc in _PREFERRED[kind]:
        if _SIZES.get(tc) == size:
            return tc
    return None


def _default_typecode(kind, size):
    if kind == "f" and "f" in _SIZES:
        return "f"  # float64 is narrowed: doubles are rare and costly on microcontrollers
    return _typecode_for(kind, size)


def _dtype_name(kind, size):
    return {"i": "int", "u": "uint", "f": "float"}[kind] + str(8 * size)


format_mapping = {}
for _code in _DTYPES:
    _k, _s = _DTYPES[_code]
    _t = _default_typecode(_k, _s)
    if _t is not None:
        format_mapping[_code.encode()] = (_t, _s)


def compute_items(shape):
    """Number of items in an array of this shape (1 for the 0-d shape ())."""
    n = 1
    for d in shape:
        n *= d
    return n


def find_section(data, prefix, suffix):
    """The part of ``data`` between the first ``prefix`` and the next ``suffix``."""
    start = data.index(prefix) + len(prefix)
    end = data.index(suffix, start)
    return data[start:end]


def array_typecode(arr):
    """Typecode of an array.array (MicroPython's arrays have no .typecode attribute)."""
    tc = getattr(arr, "typecode", None)
    if tc:
        return tc
    if isinstance(arr, bytearray):
        return "B"
    if isinstance(arr, array.array):
        # repr of an empty slice is cheap, unlike repr of the whole array
        r = repr(arr[:0])
        if r.startswith("array('"):
            return r[7]
    raise TypeError("expected an array.array, got %s" % type(arr).__name__)


def array_typecode_itemsize(typecode):
    """Bytes per item of an array typecode on this port."""
    try:
        return _SIZES[typecode]
    except KeyError:
        raise ValueError("typecode %r is not supported by this port's array module" % (typecode,))


def array_frombytes(typecode, buf):
    """A new array of ``typecode`` holding the little-endian bytes ``buf``."""
    size = array_typecode_itemsize(typecode)
    if len(buf) % size:
        raise ValueError("%d bytes is not a whole number of %r items" % (len(buf), typecode))
    if _LITTLE:
        return array.array(typecode, buf)
    n = len(buf) // size
    fmt = "<%d%s" % (n, _STRUCT[(_KIND[typecode], size)])
    return array.array(typecode, struct.unpack_from(fmt, buf, 0))


# ---- small I/O helpers that work on MicroPython streams and CPython files alike ----


def _read_exact(f, n):
    """Up to n bytes; fewer only at end of stream (a short read() is not an end by itself).

    At most 4 * _BLOCK bytes per read(): MicroPython's read(n) reserves n bytes before it reads,
    and a length from a damaged file (a zip name, up to 64 KB) must not ask a small heap for
    more than the file holds.
    """
    if n <= 0:
        return b""
    data = f.read(min(n, 4 * _BLOCK))
    if not data:
        return b""
    if len(data) >= n:
        return data
    parts = [data]
    got = len(data)
    while got < n:
        d = f.read(min(n - got, 4 * _BLOCK))
        if not d:
            break
        parts.append(d)
        got += len(d)
    return b"".join(parts)


def _tell(f):
    """Current position, or None when the stream cannot seek (pipes, sockets, zip members)."""
    try:
        if hasattr(f, "seekable") and not f.seekable():
            return None
        if not hasattr(f, "seek"):
            return None
        return f.tell()
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _bytes_left(f):
    """Bytes between the position and the end, when that can be known without reading."""
    if isinstance(f, _Member):
        return f.remaining if f.trusted else None
    pos = _tell(f)
    if pos is None:
        return None
    try:
        end = f.seek(0, 2)
        if end is None:
            end = f.tell()
        f.seek(pos)
    except (OSError, ValueError, AttributeError, TypeError):
        return None
    return end - pos


def _itemsize_of(mv):
    size = getattr(mv, "itemsize", None)
    if size:
        return size
    # MicroPython before 1.29 has no memoryview.itemsize; one copied item tells the size
    return len(bytes(mv[:1])) if len(mv) else 1


def _nbytes(buf):
    mv = buf if isinstance(buf, memoryview) else memoryview(buf)
    n = getattr(mv, "nbytes", None)
    if n is not None:
        return n
    return len(mv) * _itemsize_of(mv) if len(mv) else 0


def _buffer_typecode(buf):
    if isinstance(buf, memoryview):
        fmt = getattr(buf, "format", None)
        return fmt[-1] if fmt else None
    return array_typecode(buf)


def _store_bytes(out, start, raw, typecode, size):
    """Copy whole little-endian items from ``raw`` into out[start:] without converting values."""
    n = len(raw) // size
    if not n:
        return
    if _LITTLE and _HAS_CAST:
        memoryview(out).cast("B")[start * size:(start + n) * size] = raw[:n * size]
        return
    if _LITTLE:
        try:
            memoryview(out)[start:start + n] = array.array(typecode, raw[:n * size])
            return
        except (TypeError, NotImplementedError, ValueError):
            pass  # ports built without array slice assignment
    vals = struct.unpack_from("<%d%s" % (n, _STRUCT[(_KIND[typecode], size)]), raw, 0)
    for i in range(n):
        out[start + i] = vals[i]


def _readinto_items(f, out, start, n, typecode, size):
    """Fill out[start:start+n] straight from the stream; returns the items filled."""
    readinto = getattr(f, "readinto", None)
    if readinto is None:
        done = 0
        step = max(1, _BLOCK // size)
        while done < n:
            m = min(step, n - done)
            raw = _read_exact(f, m * size)
            _store_bytes(out, start + done, raw, typecode, size)
            done += len(raw) // size
            if len(raw) < m * size:
                break
        return done
    if _HAS_CAST:
        view = memoryview(out).cast("B")
        lo = start * size
        hi = lo + n * size
        p = lo
        while p < hi:
            k = readinto(view[p:hi])
            if not k:
                break
            p += k
        return (p - lo) // size
    # MicroPython: the view counts items, so a read that stops inside an item is finished by hand
    mv = memoryview(out)
    i = start
    end = start + n
    while i < end:
        k = readinto(mv[i:end])
        if not k:
            break
        whole, part = divmod(k, size)
        i += whole
        if part:
            rest = _read_exact(f, size - part)
            if len(rest) < size - part:
                break
            _store_bytes(mv, i, bytes(mv[i:i + 1])[:part] + rest, typecode, size)
            i += 1
    return i - start


# ---- .npy header ----


def _skip_ws(s, i):
    n = len(s)
    while i < n and s[i] in " \t\r\n":
        i += 1
    return i


def _parse_value(s, i, depth):
    """One Python literal of the restricted kind numpy writes; returns (next index, value)."""
    if depth > 8:
        raise ValueError("malformed .npy header: nested too deeply")
    n = len(s)
    if i >= n:
        raise ValueError("malformed .npy header: unexpected end")
    c = s[i]
    if c == "'" or c == '"':
        j = s.find(c, i + 1)
        if j < 0:
            raise ValueError("malformed .npy header: unterminated string")
        v = s[i + 1:j]
        if "\\" in v:
            raise ValueError("malformed .npy header: escapes are not supported")
        return j + 1, v
    if c in "([{":
        close = ")]}"["([{".index(c)]
        items = []
        comma = False
        i = _skip_ws(s, i + 1)
        while True:
            if i >= n:
                raise ValueError("malformed .npy header: unexpected end")
            if s[i] == close:
                i += 1
                break
            if c == "{":
                i, key = _parse_value(s, i, depth + 1)
                if not isinstance(key, str):
                    raise ValueError("malformed .npy header: dict key is not a string")
                i = _skip_ws(s, i)
                if i >= n or s[i] != ":":
                    raise ValueError("malformed .npy header: expected ':'")
                i = _skip_ws(s, i + 1)
                i, v = _parse_value(s, i, depth + 1)
                items.append((key, v))
            else:
                i, v = _parse_value(s, i, depth + 1)
                items.append(v)
            i = _skip_ws(s, i)
            if i < n and s[i] == ",":
                comma = True
                i = _skip_ws(s, i + 1)
            elif i < n and s[i] == close:
                i += 1
                break
            else:
                raise ValueError("malformed .npy header: expected ',' or %r" % close)
        if c == "{":
            d = {}
            for key, v in items:
                if key in d:
                    raise ValueError("malformed .npy header: duplicate key %r" % key)
                d[key] = v
            return i, d
        if c == "[":
            return i, items
        if len(items) == 1 and not comma:
            return i, items[0]  # "(5)" is 5, as in Python
        return i, tuple(items)
    if c in "-+0123456789":
        j = i + 1 if c in "-+" else i
        k = j
        while k < n and "0" <= s[k] <= "9":
            k += 1
        if k == j or k - j > 18:
            raise ValueError("malformed .npy header: bad number")
        v = int(s[j:k])
        if c == "-":
            v = -v
        if k < n and s[k] in "lL":
            k += 1  # Python 2 long suffix, still found in old files
        return k, v
    for word, v in (("True", True), ("False", False), ("None", None)):
        if s[i:i + len(word)] == word:
            return i + len(word), v
    raise ValueError("malformed .npy header at character %d" % i)


def _parse_header_dict(raw):
    try:
        s = raw.decode()
    except Exception:  # UnicodeError differs between ports; all of them mean the same here
        raise ValueError("malformed .npy header: not text")
    i, d = _parse_value(s, _skip_ws(s, 0), 0)
    if _skip_ws(s, i) != len(s):
        raise ValueError("malformed .npy header: trailing characters")
    if not isinstance(d, dict):
        raise ValueError("malformed .npy header: not a dict")
    if sorted(d.keys()) != ["descr", "fortran_order", "shape"]:
        raise ValueError("malformed .npy header: keys must be descr, fortran_order, shape (got %s)"
                         % ", ".join(sorted(d.keys())))
    return d


def _parse_descr(descr):
    """(kind, size) of a numpy descr string such as '<f4', or ValueError saying why not."""
    if isinstance(descr, list):
        raise ValueError("structured dtypes (record arrays) are not supported")
    if not isinstance(descr, str) or len(descr) < 2:
        raise ValueError("malformed .npy header: bad descr %r" % (descr,))
    order, code = descr[0], descr[1:]
    if code[:1] == "O":
        raise ValueError("object arrays (pickled data) are not supported; "
                         "save numeric arrays with numpy.save(..., allow_pickle=False)")
    entry = _DTYPES.get(code)
    if entry is None:
        raise ValueError("unsupported dtype %r (supported: int8-int64, uint8-uint64, float32, "
                         "float64)" % descr)
    size = entry[1]
    if size == 1:
        if order not in "<>|=":
            raise ValueError("malformed .npy header: bad byte order in %r" % descr)
    elif order == ">":
        raise ValueError("big-endian dtype %r is not supported; convert with "
                         "arr.astype(arr.dtype.newbyteorder('<')) before saving" % descr)
    elif order != "<":
        raise ValueError("unsupported byte order in dtype %r (expected '<')" % descr)
    return entry


def _header_bytes(descr, shape, total=None):
    """A numpy-style header: version 1.0 when it fits, padded with spaces to 64 bytes.

    ``total`` forces the overall length, so a header can be rewritten in place.
    """
    if len(shape) == 1:
        s = "(%d,)" % shape[0]
    else:
        s = "(" + ", ".join([str(d) for d in shape]) + ")"
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, s)
    for major, lenfmt in ((1, "<H"), (2, "<I")):
        fixed = len(NPY_MAGIC) + 2 + struct.calcsize(lenfmt)
        if total is None:
            pad = -(fixed + len(text) + 1) % 64
        else:
            pad = total - fixed - len(text) - 1
            if pad < 0:
                raise ValueError("header does not fit in its reserved space")
        hlen = len(text) + pad + 1
        if major == 1 and hlen > 0xFFFF:
            continue
        return (NPY_MAGIC + bytes([major, 0]) + struct.pack(lenfmt, hlen)
                + (text + " " * pad + "\n").encode())
    raise ValueError("header too long")


class _FileHolder:
    """The file a reader or writer works on: opened here (and closed by close()) when given a
    path, left to its owner when given a file object."""

    def _take_file(self, filelike, mode):
        self._own = isinstance(filelike, str)
        self.file = open(filelike, mode) if self._own else filelike

    def _release_file(self):
        if self.file is not None and self._own:
            self.file.close()
        self.file = None

    def close(self):
        self._release_file()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, exc_tb):
        self.close()


class Reader(_FileHolder):
    """Streams a .npy file: header on construction, then the data in chunks of any size.

    Attributes: ``shape``, ``typecode`` (of the arrays returned), ``itemsize`` (bytes per item
    in the file), ``dtype`` (numpy descr, e.g. '<i2'), ``data_start``, ``version``.
    """

    def __init__(self, filelike, header_maxlength=4096, typecode=None):
        self._take_file(filelike, "rb")
        self.header_maxlength = header_maxlength
        try:
            self._read_header(typecode)
        except BaseException:
            self.close()
            raise

    def _read_header(self, want):
        f = self.file
        pre = _read_exact(f, 8)
        if not pre:
            raise ValueError("not a .npy file (empty)")
        if pre[:6] != NPY_MAGIC[:len(pre)]:
            raise ValueError("not a .npy file (bad magic)")
        if len(pre) < 8:
            raise ValueError("truncated .npy header")
        major, minor = pre[6], pre[7]
        if major == 1:
            lenfmt = "<H"
        elif major in (2, 3):
            lenfmt = "<I"
        else:
            raise ValueError("unsupported .npy format version %d.%d" % (major, minor))
        lensize = struct.calcsize(lenfmt)
        raw = _read_exact(f, lensize)
        if len(raw) < lensize:
            raise ValueError("truncated .npy header")
        hlen = struct.unpack(lenfmt, raw)[0]
        self.data_start = 8 + lensize + hlen
        if self.data_start > self.header_maxlength:
            raise ValueError("header of %d bytes exceeds header_maxlength=%d"
                             % (self.data_start, self.header_maxlength))
        text = _read_exact(f, hlen)
        if len(text) < hlen:
            raise ValueError("truncated .npy header")
        d = _parse_header_dict(text)
        kind, size = _parse_descr(d["descr"])
        fortran = d["fortran_order"]
        if fortran is not True and fortran is not False:
            raise ValueError("malformed .npy header: fortran_order must be True or False")
        if fortran:
            raise ValueError("Fortran-order arrays are not supported; "
                             "save numpy.ascontiguousarray(a) instead")
        shape = d["shape"]
        if not isinstance(shape, tuple) or len(shape) > _MAX_DIMS:
            raise ValueError("malformed .npy header: shape must be a tuple of at most %d ints"
                             % _MAX_DIMS)
        for dim in shape:
            if type(dim) is not int or dim < 0:
                raise ValueError("malformed .npy header: bad dimension %r" % (dim,))

        if want is None:
            tc = _default_typecode(kind, size)
            if tc is None:
                raise ValueError("dtype %s has no array typecode on this port"
                                 % _dtype_name(kind, size))
        else:
            if want not in _SIZES:
                raise ValueError("typecode %r is not supported by this port's array module"
                                 % (want,))
            wk, ws = _KIND[want], _SIZES[want]
            if not (wk == kind and ws == size) and not (wk == "f" and kind == "f"):
                raise ValueError("cannot read dtype %s into typecode %r"
                                 % (_dtype_name(kind, size), want))
            tc = want

        self.version = (major, minor)
        self.shape = shape
        self.dtype = ("|" if size == 1 else "<") + kind + str(size)
        self.itemsize = size
        self.typecode = tc
        self.fortran_order = False
        self.items = compute_items(shape)
        self._osize = _SIZES[tc]
        self._fcode = _STRUCT[(kind, size)]
        # Same bytes in the file as in the array: read straight into the array's memory
        self._direct = _LITTLE and _KIND[tc] == kind and self._osize == size
        self._pos = 0
        self._base = _tell(f)
        need = self.items * size
        left = _bytes_left(f)
        if left is not None and left < need:
            raise ValueError("truncated .npy data: shape %r needs %d bytes, %d present"
                             % (shape, need, left))
        # With a known length the allocations are bounded by the real file; otherwise by growth
        self._trusted = left is not None

    @property
    def remaining(self):
        """Items not yet read."""
        return self.items - self._pos

    def _fill(self, out, start, n):
        if n <= 0:
            return 0
        if self._direct:
            return _readinto_items(self.file, out, start, n, self.typecode, self.itemsize)
        size = self.itemsize
        done = 0
        step = max(1, _BLOCK // size)
        while done < n:
            m = min(step, n - done)
            raw = _read_exact(self.file, m * size)
            k = len(raw) // size
            if k:
                vals = struct.unpack_from("<%d%s" % (k, self._fcode), raw, 0)
                for v in vals:
                    out[start + done] = v
                    done += 1
            if k < m:
                break
        return done

    def _truncated(self):
        raise ValueError("truncated .npy data: file ended after %d of %d items"
                         % (self._pos, self.items))

    def _goto(self, item):
        if item == self._pos:
            return
        if item < 0 or item > self.items:
            raise ValueError("offset %d outside 0..%d" % (item, self.items))
        if self._base is not None:
            self.file.seek(self._base + item * self.itemsize)
            self._pos = item
            return
        if item < self._pos:
            raise ValueError("cannot go back in a stream that does not seek")
        skip = (item - self._pos) * self.itemsize
        while skip > 0:
            got = len(_read_exact(self.file, min(skip, _BLOCK)))
            if not got:
                raise ValueError("truncated .npy data while skipping")
            skip -= got
        self._pos = item

    def readinto(self, buf):
        """Fill ``buf`` (an array of this reader's typecode, or a memoryview of one) from the
        current position; returns the number of items stored, 0 at the end of the data."""
        tc = _buffer_typecode(buf)
        if tc is not None and tc != self.typecode and not (
                _KIND.get(tc) == _KIND[self.typecode] and _SIZES.get(tc) == self._osize):
            raise TypeError("buffer typecode %r does not match reader typecode %r"
                            % (tc, self.typecode))
        n = min(len(buf), self.remaining)
        if n and tc is None and _itemsize_of(memoryview(buf)) != self._osize:
            raise TypeError("buffer item size does not match reader typecode %r" % self.typecode)
        got = self._fill(buf, 0, n)
        self._pos += got
        if got < n:
            self._truncated()
        return n

    def read(self, count=None):
        """A new array with the next ``count`` items (all remaining items by default)."""
        n = self.remaining
        if count is not None and 0 <= count < n:
            n = count
        tc, osize = self.typecode, self._osize
        if self._trusted or n * osize <= 4 * _BLOCK:
            arr = array.array(tc, bytes(n * osize))
            got = self._fill(arr, 0, n)
            self._pos += got
            if got < n:
                self._truncated()
            return arr
        # Unknown length: grow geometrically, so a lying header cannot demand a huge allocation
        arr = None
        done = 0
        step = max(1, 4 * _BLOCK // osize)
        while done < n:
            m = min(step, n - done)
            part = array.array(tc, bytes(m * osize))
            got = self._fill(part, 0, m)
            self._pos += got
            if got < m:
                self._truncated()
            if arr is None:
                arr = part
            else:
                arr.extend(part)
            done += m
            step *= 2
        return arr

    def read_data_chunks(self, chunksize, offset=0):
        """Yields new arrays of ``chunksize`` items (the last may be shorter), starting
        ``offset`` items into the data."""
        if chunksize < 1:
            raise ValueError("chunksize must be at least 1")
        self._goto(offset)
        while self.remaining > 0:
            yield self.read(min(chunksize, self.remaining))


def _writer_args(shape, typecode):
    size = _SIZES.get(typecode)
    if size is None or typecode not in _KIND:
        raise ValueError("typecode %r is not supported (use one of %s)"
                         % (typecode, "".join([t for t in "bBhHiIlLqQfd" if t in _SIZES])))
    if shape is None:
        shape = (None,)
    shape = tuple(shape)
    if len(shape) > _MAX_DIMS:
        raise ValueError("at most %d dimensions" % _MAX_DIMS)
    for i, dim in enumerate(shape):
        if dim is None and i == 0:
            continue
        if type(dim) is not int or dim < 0:
            raise ValueError("shape must be non-negative ints (only the first may be None)")
    return shape, size, _KIND[typecode]


class Writer(_FileHolder):
    """Streams a .npy file: header first, then ``write_values`` as often as needed.

    ``shape`` may start with None (or be None for 1-D): the leading dimension then follows from
    the items written, and the header, written with room to spare, is rewritten at close. That
    needs a seekable file; with a known shape any stream will do, including a zip member.
    """

    def __init__(self, filelike, shape, typecode):
        shape, size, kind = _writer_args(shape, typecode)
        self.shape = shape
        self.typecode = typecode
        self.itemsize = size
        self.dtype = ("|" if size == 1 else "<") + kind + str(size)
        self._fcode = _STRUCT[(kind, size)]
        self._grow = len(shape) > 0 and shape[0] is None
        self._inner = compute_items(shape[1:]) if self._grow else compute_items(shape)
        self.items_written = 0
        self._take_file(filelike, "wb")
        try:
            if self._grow:
                self._start = _tell(self.file)
                if self._start is None:
                    raise ValueError("a shape with an unknown leading dimension needs a seekable "
                                     "file (the header is rewritten at close)")
                # numpy's own rule: room for 21 digits, enough for any 64-bit dimension
                header = _header_bytes(self.dtype, (0,) + shape[1:])
                total = (len(header) + 21 + 63) // 64 * 64
                header = _header_bytes(self.dtype, (0,) + shape[1:], total)
            else:
                header = _header_bytes(self.dtype, shape)
            self._header_len = len(header)
            self.file.write(header)
        except BaseException:
            self._release_file()
            raise

    @property
    def written_bytes(self):
        return self.items_written * self.itemsize

    def __exit__(self, exc_type, exc_value, exc_tb):
        self._close(exc_type is None)

    def close(self):
        """Finish the file; ValueError if the items written do not fill the shape."""
        self._close(True)

    def _close(self, check):
        f = self.file
        if f is None:
            return
        self.file = None
        err = None
        try:
            if self._grow:
                inner = self._inner
                if inner == 0:
                    lead = 0
                elif self.items_written % inner:
                    lead = 0
                    err = "%d items do not fill whole rows of %d" % (self.items_written, inner)
                else:
                    lead = self.items_written // inner
                end = f.tell()
                f.seek(self._start)
                f.write(_header_bytes(self.dtype, (lead,) + self.shape[1:], self._header_len))
                f.seek(end)
                self.shape = (lead,) + self.shape[1:]
            elif self.items_written != self._inner:
                err = "wrote %d items, shape %r needs %d" % (self.items_written, self.shape,
                                                             self._inner)
            if hasattr(f, "flush"):
                f.flush()
        finally:
            if self._own:
                f.close()
        if err is not None and check:
            raise ValueError(err)

    def write_values(self, arr):
        """Append the items of ``arr`` (an array of the writer's typecode)."""
        if self.file is None:
            raise ValueError("writer is closed")
        tc = _buffer_typecode(arr)
        if tc is None:
            if _itemsize_of(memoryview(arr)) != self.itemsize:
                raise TypeError("buffer item size does not match typecode %r" % self.typecode)
        elif tc != self.typecode and not (_KIND.get(tc) == _KIND[self.typecode]
                                          and _SIZES.get(tc) == self.itemsize):
            raise TypeError("array typecode %r does not match writer typecode %r"
                            % (tc, self.typecode))
        n = len(arr)
        if not self._grow and self.items_written + n > self._inner:
            raise ValueError("too many items: shape %r holds %d" % (self.shape, self._inner))
        if _LITTLE:
            self.file.write(arr)
        else:
            step = max(1, _BLOCK // self.itemsize)
            for i in range(0, n, step):
                part = arr[i:i + step]
                self.file.write(struct.pack("<%d%s" % (len(part), self._fcode), *part))
        self.items_written += n


def load(filelike, typecode=None):
    """(shape, array) of a whole .npy file. For files larger than RAM use Reader."""
    with Reader(filelike, typecode=typecode) as reader:
        return reader.shape, reader.read()


def save(filelike, arr, shape=None):
    """Write ``arr`` as a .npy file of ``shape`` (1-D by default)."""
    tc = array_typecode(arr)
    if shape is None:
        shape = (len(arr),)
    if compute_items(shape) != len(arr):
        raise ValueError("shape %r needs %d items, array has %d"
                         % (tuple(shape), compute_items(shape), len(arr)))
    with Writer(filelike, shape, tc) as w:
        w.write_values(arr)


# ---- .npz (zip) ----

_SIG_LOCAL = b"PK\x03\x04"
_SIG_CENTRAL = b"PK\x01\x02"
_SIG_EOCD = b"PK\x05\x06"
_SIG_EOCD64 = b"PK\x06\x06"
_SIG_LOC64 = b"PK\x06\x07"
_SIG_DD = b"PK\x07\x08"
_DOS_DATE = 0x21  # 1980-01-01: fixed, so that archives are reproducible
_MAX_RATIO = 1100  # deflate cannot expand more than 1032:1; beyond that the sizes are lies

_crc_table = None


def _crc32(data, crc=0):
    if _native_crc32 is not None:
        return _native_crc32(data, crc) & 0xFFFFFFFF
    global _crc_table
    if _crc_table is None:
        _crc_table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
            _crc_table.append(c)
    table = _crc_table
    c = crc ^ 0xFFFFFFFF
    for b in bytes(data):
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


class _Entry:
    def __init__(self, name, flags, method, crc, csize, usize, offset):
        self.name = name
        self.flags = flags
        self.method = method
        self.crc = crc
        self.csize = csize
        self.usize = usize
        self.offset = offset


def _decode_name(raw):
    try:
        return raw.decode()
    except Exception:
        raise ValueError("zip member name is not UTF-8")


def _zip64_sizes(extra, usize, csize, offset, local=False):
    """Replace 0xFFFFFFFF size/offset fields with their values from a zip64 extra field.

    A central header lists only the fields that overflowed; a local header lists both sizes.
    """
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if len(body) < size:
            break
        if tag == 1:
            if local and size >= 16 and 0xFFFFFFFF in (usize, csize):
                return list(struct.unpack_from("<QQ", body, 0)) + [offset]
            j = 0
            vals = []
            for v in (usize, csize, offset):
                if v == 0xFFFFFFFF:
                    if j + 8 > len(body):
                        raise ValueError("bad zip64 extra field")
                    v = struct.unpack_from("<Q", body, j)[0]
                    j += 8
                vals.append(v)
            return vals
        i += 4 + size
    return usize, csize, offset


def _check_entry(e):
    if e.flags & 1:
        raise ValueError("zip member %r is encrypted" % e.name)
    if e.method not in (0, 8):
        raise ValueError("zip member %r uses compression method %d (only stored and deflated "
                         "are supported)" % (e.name, e.method))
    if e.method == 0 and e.csize != e.usize:
        raise ValueError("zip member %r: stored sizes differ" % e.name)
    if e.method == 8 and e.usize > e.csize * _MAX_RATIO + 64:
        raise ValueError("zip member %r: implausible sizes" % e.name)


class _Inflate:
    """Raw-deflate reader for CPython, where zlib takes the place of MicroPython's deflate."""

    def __init__(self, src, start, csize, seekable):
        self._src = src
        self._cpos = start if seekable else None
        self._left = csize
        self._z = zlib.decompressobj(-15)
        self._buf = b""

    def readinto(self, buf):
        out = memoryview(buf).cast("B")
        n = len(out)
        got = 0
        while got < n and not self._z.eof:
            if not self._buf:
                if self._left <= 0:
                    break
                if self._cpos is not None:
                    self._src.seek(self._cpos)
                data = self._src.read(min(self._left, _BLOCK))
                if not data:
                    raise ValueError("truncated zip member")
                self._left -= len(data)
                if self._cpos is not None:
                    self._cpos += len(data)
                self._buf = data
            try:
                chunk = self._z.decompress(self._buf, n - got)
            except zlib.error as e:
                raise ValueError("corrupt deflate data: %s" % e)
            self._buf = self._z.unconsumed_tail
            out[got:got + len(chunk)] = chunk
            got += len(chunk)
        return got

    def drain(self):
        # the compressed size is known, so the stream ends exactly there
        while self._left > 0:
            data = _read_exact(self._src, min(self._left, _BLOCK))
            if not data:
                raise ValueError("truncated zip member")
            self._left -= len(data)


# MicroPython's DeflateIO only reads from streams implemented in C (or io.IOBase subclasses);
# a type cannot be asked whether it is one, so known names are trusted and the rest adapted
_NATIVE_STREAMS = ("FileIO", "BytesIO", "socket", "Socket", "SSLSocket", "DeflateIO")


def _is_native_stream(f):
    return (_IOBase is not None and isinstance(f, _IOBase)) or \
        type(f).__name__ in _NATIVE_STREAMS


if _IOBase is not None and deflate is not None:

    class _Adapter(_IOBase):
        # Unbuffered, so the wrapped stream stays exactly where DeflateIO stopped reading
        def __init__(self, f):
            self._f = f

        def readinto(self, buf):
            if hasattr(self._f, "readinto"):
                return self._f.readinto(buf)
            data = self._f.read(len(buf))
            buf[:len(data)] = data
            return len(data)

else:
    _Adapter = None


def _member_wbits(wbits, usize):
    """The inflate window for a member of usize bytes: no back-reference reaches before the
    member's start, so a window as large as the member is enough. 2**wbits (32 KB for numpy's
    archives) only for members that large; DeflateIO's smallest is 2**5."""
    bits = 5
    while bits < wbits and (1 << bits) < usize:
        bits += 1
    return bits


class _Member:
    """A read-only stream over one zip member's data, checked against its size and CRC-32.

    Several members of one seekable archive can be read at once: each remembers where it is in
    the archive and seeks there before reading.
    """

    def __init__(self, src, entry, start, seekable, wbits, check_crc):
        self.name = entry.name
        self.remaining = entry.usize
        self.trusted = seekable and entry.method == 0
        self._e = entry
        self._src = src
        self._srcpos = start if seekable else None
        self._cend = start + entry.csize
        self._crc = 0
        self._check = check_crc
        self._inner = None
        if entry.method == 8:
            if deflate is not None:
                if self._srcpos is not None:
                    src.seek(self._srcpos)
                if not _is_native_stream(src):
                    src = _Adapter(src)
                wbits = _member_wbits(wbits, entry.usize)
                self._inner = deflate.DeflateIO(src, deflate.RAW, wbits)
            elif zlib is not None:
                self._inner = _Inflate(src, start, entry.csize, seekable)
            else:
                raise ValueError("zip member %r is deflated and this port has no deflate module"
                                 % entry.name)

    def readinto(self, buf):
        mv = memoryview(buf)
        nb = _nbytes(mv)
        if nb > self.remaining:
            size = _itemsize_of(mv)
            mv = mv[:self.remaining // size]
            nb = len(mv) * size
        if nb == 0:
            return 0
        src = self._src
        if self._srcpos is not None and not isinstance(self._inner, _Inflate):
            src.seek(self._srcpos)
        if self._inner is None:
            got = src.readinto(mv) if hasattr(src, "readinto") else self._read_into(mv, nb)
        else:
            try:
                got = self._inner.readinto(mv)
            except (OSError, EOFError) as e:
                raise ValueError("corrupt deflate data in zip member %r (%r)" % (self.name, e))
        if self._srcpos is not None and not isinstance(self._inner, _Inflate):
            self._srcpos = src.tell()
            if self._srcpos > self._cend:
                raise ValueError("zip member %r: data runs past its compressed size" % self.name)
        got = got or 0
        if got > nb:
            raise ValueError("zip member %r: stream overran its buffer" % self.name)
        self._crc = _crc32(mv if got == nb else bytes(mv)[:got], self._crc)
        self.remaining -= got
        if self.remaining == 0 and self._check and self._crc != self._e.crc:
            raise ValueError("CRC-32 mismatch in zip member %r" % self.name)
        return got

    def _read_into(self, mv, nb):
        # A source with read() only: copy whole items in without converting them
        size = _itemsize_of(mv)
        raw = _read_exact(self._src, nb)
        n = len(raw) // size
        if _HAS_CAST:
            memoryview(mv).cast("B")[:n * size] = raw[:n * size]
            return n * size
        try:
            mv[:n] = array.array(_typecode_for("u", size), raw[:n * size])
        except (TypeError, NotImplementedError, ValueError):
            raise OSError("this port needs a stream with readinto() for zip members")
        return n * size

    def read(self, n=-1):
        if n is None or n < 0:
            n = self.remaining
        n = min(n, self.remaining)
        if not self.trusted and n > 16 * _BLOCK:
            parts = []
            while n > 0:
                part = self.read(min(n, 16 * _BLOCK))
                if not part:
                    break
                parts.append(part)
                n -= len(part)
            return b"".join(parts)
        buf = bytearray(n)
        got = 0
        mv = memoryview(buf)
        while got < n:
            k = self.readinto(mv[got:])
            if not k:
                break
            got += k
        return buf if got == n else bytes(buf[:got])

    def _finish(self):
        """Consume the rest of the member, so a non-seekable archive can move to the next."""
        while self.remaining > 0:
            if not self.read(min(self.remaining, _BLOCK)):
                raise ValueError("truncated zip member %r" % self.name)
        if isinstance(self._inner, _Inflate):
            self._inner.drain()
        elif self._inner is not None:
            # DeflateIO reads its source byte by byte: reading to its end leaves the source
            # exactly after the compressed data
            try:
                if self._inner.read(1):
                    raise ValueError("zip member %r is longer than its size" % self.name)
            except (OSError, EOFError) as e:
                raise ValueError("corrupt deflate data in zip member %r (%r)" % (self.name, e))

    def close(self):
        pass


def _load_member(member, typecode):
    shape, arr = load(member, typecode)
    # read what the array did not use, so that the CRC-32 covers the whole member
    while member.remaining > 0:
        if not member.read(min(member.remaining, _BLOCK)):
            raise ValueError("truncated zip member %r" % member.name)
    return shape, arr


def _npy_name(name):
    return name if name.endswith(".npy") else name + ".npy"


class NpzReader(_FileHolder):
    """Reads a .npz (zip) archive member by member, without extracting it.

    A seekable file is listed from its central directory (or, if that is missing, by walking
    the local headers); a non-seekable stream can only be walked forward with ``members()``.
    ``wbits`` is the deflate window as a power of two: 15 (32 KB) for archives written by numpy.
    On MicroPython a deflated member smaller than that gets a window of its own size (rounded up
    to a power of two): reading two members at once then needs far less than 64 KB of RAM.
    """

    def __init__(self, filelike, wbits=15, check_crc=True):
        self._take_file(filelike, "rb")
        self._wbits = wbits
        self._check = check_crc
        self._base = _tell(self.file)
        self._entries = None
        self._cd_start = None
        self._current = None

    # -- central directory --

    def _find_eocd(self, size):
        f = self.file
        # 22 bytes plus a comment of up to 65535: search backwards in small blocks, carrying
        # 21 bytes over so that a record split between two blocks is still seen
        lowest = max(0, size - 22 - 0xFFFF)
        end = size
        carry = b""
        while end > lowest:
            start = max(lowest, end - 1024)
            f.seek(self._base + start)
            block = _read_exact(f, end - start)
            if len(block) < end - start:
                raise ValueError("zip file shorter than its size")
            data = block + carry
            i = data.rfind(_SIG_EOCD)
            while i >= 0:
                rec = data[i:i + 22]
                if len(rec) == 22 and start + i + 22 + struct.unpack_from("<H", rec, 20)[0] == size:
                    return start + i, rec
                i = data.rfind(_SIG_EOCD, 0, i + 3)
            carry = block[:21]
            end = start
        return None, None

    def _load_central(self):
        if self._entries is not None:
            return self._entries
        if self._base is None:
            raise ValueError("listing a .npz needs a seekable file; use members() on streams")
        f = self.file
        end = f.seek(0, 2)
        if end is None:
            end = f.tell()
        size = end - self._base
        pos, rec = self._find_eocd(size)
        if pos is None:
            self._entries = self._scan_local()
            return self._entries
        disk, cd_disk, n_here, n_total, cd_size, cd_off, _ = struct.unpack_from(
            "<HHHHIIH", rec, 4)
        cd_end = pos
        if n_total == 0xFFFF or cd_size == 0xFFFFFFFF or cd_off == 0xFFFFFFFF:
            if pos >= 20:
                f.seek(self._base + pos - 20)
                loc = _read_exact(f, 20)
                if loc[:4] == _SIG_LOC64 and len(loc) == 20:
                    off64 = struct.unpack_from("<Q", loc, 8)[0]
                    if off64 + 56 > pos - 20:
                        raise ValueError("bad zip64 end record offset")
                    f.seek(self._base + off64)
                    r64 = _read_exact(f, 56)
                    if len(r64) < 56 or r64[:4] != _SIG_EOCD64:
                        raise ValueError("bad zip64 end record")
                    disk, cd_disk, n_here, n_total, cd_size, cd_off = struct.unpack_from(
                        "<IIQQQQ", r64, 16)
                    cd_end = off64
        if disk != 0 or cd_disk != 0 or n_here != n_total:
            raise ValueError("multi-disk zip archives are not supported")
        # Data prepended to the archive shifts every offset by the same amount
        shift = cd_end - cd_size - cd_off
        if shift < 0 or n_total * 46 > cd_size:
            raise ValueError("corrupt zip central directory (bad size or offset)")
        cd_start = cd_off + shift
        f.seek(self._base + cd_start)
        entries = []
        used = 0
        for _ in range(n_total):
            h = _read_exact(f, 46)
            if len(h) < 46 or h[:4] != _SIG_CENTRAL:
                raise ValueError("corrupt zip central directory entry")
            (flags, method, crc, csize, usize, nlen, xlen, clen, off) = struct.unpack_from(
                "<8xHH4xIIIHHH8xI", h, 0)
            used += 46 + nlen + xlen + clen
            if used > cd_size:
                raise ValueError("corrupt zip central directory (entry past its end)")
            name = _read_exact(f, nlen)
            extra = _read_exact(f, xlen)
            if len(name) < nlen or len(extra) < xlen:
                raise ValueError("truncated zip central directory")
            if clen:
                f.seek(clen, 1)
            usize, csize, off = _zip64_sizes(extra, usize, csize, off)
            e = _Entry(_decode_name(name), flags, method, crc, csize, usize, off + shift)
            if e.offset + 30 > cd_start:
                raise ValueError("zip member %r: header offset outside the archive" % e.name)
            entries.append(e)
        self._cd_start = cd_start
        self._entries = entries
        return entries

    # -- local headers --

    def _read_local(self, sig=None):
        """Parses a local header at the position; (entry, data start offset or None)."""
        f = self.file
        if sig is None:
            sig = _read_exact(f, 4)
        h = _read_exact(f, 26)
        if sig != _SIG_LOCAL or len(h) < 26:
            raise ValueError("corrupt zip local header")
        flags, method, crc, csize, usize, nlen, xlen = struct.unpack_from("<2xHH4xIIIHH", h, 0)
        name = _read_exact(f, nlen)
        extra = _read_exact(f, xlen)
        if len(name) < nlen or len(extra) < xlen:
            raise ValueError("truncated zip local header")
        usize, csize, _ = _zip64_sizes(extra, usize, csize, 0, True)
        return _Entry(_decode_name(name), flags, method, crc, csize, usize, None), 30 + nlen + xlen

    def _scan_local(self):
        # Archives cut short (or written without a directory) are still readable this way
        f = self.file
        size = f.seek(0, 2)
        if size is None:
            size = f.tell()
        size -= self._base
        f.seek(self._base)
        pos = 0
        entries = []
        while True:
            sig = _read_exact(f, 4)
            if sig in (_SIG_CENTRAL, _SIG_EOCD, _SIG_EOCD64) or not sig:
                break
            e, hsize = self._read_local(sig)
            if e.flags & 8:
                raise ValueError("zip member %r has its sizes after the data and the archive "
                                 "has no central directory" % e.name)
            _check_entry(e)
            e.offset = pos
            entries.append(e)
            pos += hsize + e.csize
            if pos > size:
                raise ValueError("zip member %r: data runs past the end of the file" % e.name)
            f.seek(self._base + pos)
        self._cd_start = pos
        return entries

    def _open_entry(self, e):
        f = self.file
        f.seek(self._base + e.offset)
        local, hsize = self._read_local()
        if local.method != e.method:
            raise ValueError("zip member %r: local and central headers disagree" % e.name)
        _check_entry(e)
        start = e.offset + hsize
        if start + e.csize > self._cd_start:
            raise ValueError("zip member %r: data runs past the end of the archive" % e.name)
        return _Member(f, e, self._base + start, True, self._wbits, self._check)

    # -- public --

    def namelist(self):
        """Member names as stored, e.g. ['x.npy', 'y.npy']."""
        return [e.name for e in self._load_central()]

    @property
    def files(self):
        """Array names as numpy.load(...).files gives them: member names without '.npy'."""
        return [n[:-4] if n.endswith(".npy") else n for n in self.namelist()]

    def open(self, name):
        """A stream over the named member ('x' or 'x.npy'), to pass to Reader or load."""
        if self._base is None:
            for n, member in self.members():
                if n == name or n == _npy_name(name):
                    return member
            raise ValueError("no member %r in the archive (streams are searched forward only)"
                             % name)
        entries = self._load_central()
        for want in (name, _npy_name(name)):
            for e in entries:
                if e.name == want:
                    return self._open_entry(e)
        raise ValueError("no member %r in the archive" % name)

    def reader(self, name, typecode=None, header_maxlength=4096):
        """A Reader over the named array, for chunked reads of one member."""
        return Reader(self.open(name), header_maxlength, typecode)

    def load(self, name, typecode=None):
        """(shape, array) of the named member, its CRC-32 checked."""
        return _load_member(self.open(name), typecode)

    def members(self):
        """Yields (name, stream) for every member, in archive order.

        Works on non-seekable streams too: each stream must be used before asking for the next
        (what it did not read is skipped).
        """
        if self._base is not None:
            for e in self._load_central():
                yield e.name, self._open_entry(e)
            return
        f = self.file
        while True:
            if self._current is not None:
                self._current._finish()
                self._current = None
            sig = _read_exact(f, 4)
            if sig in (_SIG_CENTRAL, _SIG_EOCD, _SIG_EOCD64) or not sig:
                return
            e, _ = self._read_local(sig)
            if e.flags & 8:
                raise ValueError("zip member %r has its sizes after the data; reading it "
                                 "needs a seekable file" % e.name)
            _check_entry(e)
            self._current = _Member(f, e, 0, False, self._wbits, self._check)
            yield e.name, self._current


if _IOBase is not None and deflate is not None:

    class _CountingSink(_IOBase):
        # DeflateIO writes one byte at a time: buffer them, and count the compressed size
        def __init__(self, f):
            self._f = f
            self._buf = bytearray()
            self.n = 0

        def write(self, b):
            self._buf.extend(b)
            if len(self._buf) >= 256:
                self.flush()
            return len(b)

        def flush(self):
            if self._buf:
                self._f.write(self._buf)
                self.n += len(self._buf)
                self._buf = bytearray()

else:
    _CountingSink = None


class _MemberSink:
    """The write side of one member: a stream for Writer that CRCs and maybe compresses."""

    def __init__(self, zw, name, compress):
        self._zw = zw
        self.name = name
        self._method = 8 if compress else 0
        nameb = name.encode()
        flags = 0x800 if len(nameb) != len(name) else 0
        f = zw.file
        self._hdrpos = _tell(f)
        if self._hdrpos is None:
            flags |= 8  # sizes and CRC follow the data
        self._flags = flags
        self._offset = zw._pos
        zw._write(_SIG_LOCAL + struct.pack("<HHHHHIIIHH", 20, flags, self._method, 0, _DOS_DATE,
                                           0, 0, 0, len(nameb), 0) + nameb)
        self._nameb = nameb
        self.crc = 0
        self.usize = 0
        self._z = None
        self._dio = None
        self._sink = None
        if compress:
            if deflate is not None:
                self._datapos = _tell(f)
                target = f
                if self._datapos is None or not _is_native_stream(f):
                    if _CountingSink is None:
                        raise ValueError("this port cannot compress into a Python stream")
                    target = self._sink = _CountingSink(f)
                self._dio = deflate.DeflateIO(target, deflate.RAW, zw._wbits)
            else:
                self._z = zlib.compressobj(zw._level, zlib.DEFLATED, -15)

    def write(self, buf):
        if self._zw.file is None:
            raise ValueError("the archive of member %r is closed" % self.name)
        n = _nbytes(buf)
        self.crc = _crc32(buf, self.crc)
        self.usize += n
        if self._dio is not None:
            self._dio.write(buf)
        elif self._z is not None:
            self._zw._write(self._z.compress(buf))
        else:
            self._zw._write(buf)
        return n

    def flush(self):
        pass

    def close(self):
        zw = self._zw
        f = zw.file
        if f is None:
            raise ValueError("the archive of member %r is closed" % self.name)
        if self._dio is not None:
            self._dio.close()  # ends the deflate stream; the archive file stays open
            if self._sink is not None:
                self._sink.flush()
                zw._pos += self._sink.n
            else:
                zw._pos += f.tell() - self._datapos
        elif self._z is not None:
            zw._write(self._z.flush())
        csize = zw._pos - self._offset - 30 - len(self._nameb)
        if max(csize, self.usize, zw._pos) >= 0xFFFFFFFF:
            raise ValueError("archives over 4 GB (zip64) cannot be written")
        sizes = struct.pack("<III", self.crc, csize, self.usize)
        if self._flags & 8:
            zw._write(_SIG_DD + sizes)
        else:
            end = f.tell()
            f.seek(self._hdrpos + 14)
            f.write(sizes)
            f.seek(end)
        zw._entries.append(_Entry(self._nameb, self._flags, self._method, self.crc, csize,
                                  self.usize, self._offset))
        zw._open = None


class NpzWriter(_FileHolder):
    """Writes a .npz archive that numpy.load reads, one member at a time.

    ``compress=True`` deflates the members: CPython uses zlib; MicroPython needs a port built
    with deflate compression (``CAN_COMPRESS``), else ValueError. On MicroPython ``wbits`` (the
    window, 2**wbits bytes of RAM) defaults to the port's choice, 8 bits on current releases.
    On a non-seekable stream each member's sizes follow its data (a data descriptor).
    """

    def __init__(self, filelike, compress=False, wbits=0, level=6):
        if compress and not CAN_COMPRESS:
            raise ValueError("this port's deflate module cannot compress; use compress=False")
        self._compress = compress
        self._wbits = wbits
        self._level = level
        self._take_file(filelike, "wb")
        self._pos = 0
        self._entries = []
        self._open = None

    def _write(self, data):
        if data:
            self.file.write(data)
            self._pos += _nbytes(data)

    def writer(self, name, shape, typecode):
        """A Writer for one member; closing it (or leaving its with-block) ends the member."""
        if self.file is None:
            raise ValueError("archive is closed")
        if self._open is not None:
            raise ValueError("close the writer of %r first" % self._open.name)
        shape = _writer_args(shape, typecode)[0]
        if len(shape) and shape[0] is None:
            raise ValueError("members need a known shape")
        name = _npy_name(name)
        for e in self._entries:
            if e.name == name.encode():
                raise ValueError("duplicate member %r" % name)
        sink = _MemberSink(self, name, self._compress)
        self._open = sink
        try:
            w = Writer(sink, shape, typecode)
        except BaseException:
            sink.close()
            raise
        w._own = True
        return w

    def save(self, name, arr, shape=None):
        """Add ``arr`` as member ``name`` (1-D unless ``shape`` is given)."""
        tc = array_typecode(arr)
        if shape is None:
            shape = (len(arr),)
        if compute_items(shape) != len(arr):
            raise ValueError("shape %r needs %d items, array has %d"
                             % (tuple(shape), compute_items(shape), len(arr)))
        with self.writer(name, shape, tc) as w:
            w.write_values(arr)

    def close(self):
        """Write the central directory and end record."""
        if self.file is None:
            return
        try:
            if self._open is not None:
                raise ValueError("member %r is still being written" % self._open.name)
            start = self._pos
            for e in self._entries:
                self._write(_SIG_CENTRAL + struct.pack(
                    "<HHHHHHIIIHHHHHII", 20, 20, e.flags, e.method, 0, _DOS_DATE, e.crc,
                    e.csize, e.usize, len(e.name), 0, 0, 0, 0, 0, e.offset) + e.name)
            n = len(self._entries)
            if n > 0xFFFF:
                raise ValueError("too many members for a zip without zip64")
            self._write(_SIG_EOCD + struct.pack("<HHHHIIH", 0, 0, n, n, self._pos - start,
                                                start, 0))
            if hasattr(self.file, "flush"):
                self.file.flush()
        finally:
            self._release_file()

    def __exit__(self, exc_type, exc_value, exc_tb):
        if exc_type is None:
            self.close()
        elif self._own and self.file is not None:
            self.file.close()
            self.file = None


def load_npz(filelike, typecode=None):
    """{name: (shape, array)} for every .npy member of an archive."""
    out = {}
    with NpzReader(filelike) as z:
        for name, member in z.members():
            if name.endswith(".npy"):
                out[name[:-4]] = _load_member(member, typecode)
    return out


def save_npz(filelike, arrays, compress=False):
    """Write {name: array or (shape, array)} as a .npz archive."""
    with NpzWriter(filelike, compress) as z:
        for name in arrays:
            v = arrays[name]
            if isinstance(v, tuple):
                z.save(name, v[1], v[0])
            else:
                z.save(name, v)
