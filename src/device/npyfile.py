"""NumPy .npy and .npz files to and from array.array, on MicroPython and CPython.

The public API matches micropython-npyfile (``Reader``, ``Writer``, ``load``, ``save``,
``compute_items``, ``find_section``, ``format_mapping``), so code written for it keeps working.
Additions: every integer dtype up to 64 bits, float64 (read as 'f' by default, since most boards
have single-precision floats and no room for doubles; ``typecode='d'`` keeps doubles), reads into
caller-owned buffers, strict header validation, and .npz archives (``NpzReader``, ``NpzWriter``,
``load_npz``, ``save_npz``, ``CAN_COMPRESS``). Those live in the module ``npzfile``, imported on
first use, so that a program reading only .npy files does not hold the zip code in RAM; likewise
the parser for headers not laid out as numpy writes them, and exact float64 narrowing on ports
whose floats are narrower than float32 (the ESP8266's), in ``npyextra``.

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

NPY_MAGIC = b"\x93NUMPY"

# numpy's dtype codes and their struct letters: "i2" -> "h" (struct's sizes are fixed with '<',
# array's are not). One string instead of lookup tables: the module's RAM is what a board pays.
_CODES = b"i1b u1B i2h u2H i4i u4I i8q u8Q f4f f8d"

# Item sizes of the typecodes this port's array module really has ('d', 'q' may be missing)
_SIZES = {}
for _tc in "bBhHiIlLqQfd":
    try:
        _SIZES[_tc] = len(bytes(array.array(_tc, [0])))
    except (ValueError, TypeError, OverflowError):
        pass

_LITTLE = sys.byteorder == "little"
# MicroPython's ESP8266 port keeps floats in 30 bits: a float64 item passed through a Python float
# would lose bits that float32 has
_NARROW_FLOAT = 1.0 + 2.0 ** -23 == 1.0
# CPython can view any buffer as bytes; MicroPython's memoryview cannot be cast
_HAS_CAST = hasattr(memoryview(b""), "cast")

_BLOCK = 4096  # bytes moved per step when the data has to pass through Python objects


def _kind(tc):
    """'i', 'u' or 'f': the numpy kind of an array typecode."""
    return "f" if tc in "fd" else "u" if tc in "BHILQ" else "i"


def _fmt(kind, size):
    """struct letter of a numpy kind and size, or None when numpy's code is not supported."""
    j = _CODES.find((kind + str(size)).encode())
    return chr(_CODES[j + 2]) if j >= 0 and j % 4 == 0 else None


def _typecode_for(kind, size):
    for tc in "fd" if kind == "f" else "BHIQL" if kind == "u" else "bhiql":
        if _SIZES.get(tc) == size:
            return tc
    return None


def _default_typecode(kind, size):
    if kind == "f" and "f" in _SIZES:
        return "f"  # float64 is narrowed: doubles are rare and costly on microcontrollers
    return _typecode_for(kind, size)


def _dtype_name(kind, size):
    return ("float" if kind == "f" else "uint" if kind == "u" else "int") + str(8 * size)


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
    fmt = "<%d%s" % (len(buf) // size, _fmt(_kind(typecode), size))
    return array.array(typecode, struct.unpack_from(fmt, buf, 0))


# ---- small I/O helpers that work on MicroPython streams and CPython files alike ----


def _read_exact(f, n, step=4 * _BLOCK):
    """Up to n bytes; fewer only at end of stream (a short read() is not an end by itself).

    At most ``step`` bytes per read(): MicroPython's read(n) reserves n bytes before it reads,
    and a length from a damaged file (a zip name, up to 64 KB) must not ask a small heap for
    more than the file holds. A caller that knows the bytes are there passes a larger step.
    """
    data = f.read(min(n, step)) if n > 0 else b""
    if not data:
        return b""
    if len(data) >= n:
        return data if len(data) == n else _count(data, n)
    return _read_more(f, n, step, data)


def _read_more(f, n, step, data):
    parts = [data]
    got = len(data)
    while got < n:
        d = f.read(min(n - got, step))
        if not d:
            break
        parts.append(_count(d, n - got))
        got += len(d)
    return b"".join(parts)


def _count(k, room):
    """What a stream's read() (bytes) or readinto() (a count) gave for ``room`` bytes, checked:
    a count below 0 or more than was asked for would send the loops astray (forever, for -1)."""
    n = k if isinstance(k, int) else len(k)
    if n < 0 or n > room:
        raise OSError("the stream returned %d bytes where %d were asked for" % (n, room))
    return k


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


def _bytes_left(f, pos):
    """Bytes between the position ``pos`` (from _tell) and the end, when that can be known
    without reading."""
    trusted = getattr(f, "trusted", None)  # an npzfile member: its length is known when stored
    if trusted is not None:
        return f.remaining if trusted else None
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


def _check_buffer(buf, typecode, size):
    """TypeError unless ``buf`` (an array, or a memoryview of one) holds items of ``typecode``,
    or of a typecode of the same kind and size ('i' and 'l' on 32-bit ports)."""
    if isinstance(buf, memoryview):
        fmt = getattr(buf, "format", None)
        tc = fmt[-1] if fmt else None
    else:
        tc = array_typecode(buf)
    if tc is None:
        ok = not len(buf) or _itemsize_of(buf) == size
    else:
        ok = tc == typecode or (_kind(tc) == _kind(typecode) and _SIZES.get(tc) == size)
    if not ok:
        raise TypeError("buffer of typecode %r does not match typecode %r" % (tc, typecode))


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
    vals = struct.unpack_from("<%d%s" % (n, _fmt(_kind(typecode), size)), raw, 0)
    for i in range(n):
        out[start + i] = vals[i]


def _readinto_items(f, out, n, typecode, size, k=-1):
    """Fill out[:n] straight from the stream; returns the items filled. ``k`` >= 0: a first
    readinto() of the whole range has already stored k bytes (0: the stream had ended)."""
    readinto = getattr(f, "readinto", None)
    if readinto is None:
        done = 0
        step = max(1, _BLOCK // size)
        while done < n:
            m = min(step, n - done)
            raw = _read_exact(f, m * size)
            _store_bytes(out, done, raw, typecode, size)
            done += len(raw) // size
            if len(raw) < m * size:
                break
        return done
    if _HAS_CAST:
        view = memoryview(out).cast("B")
        hi = n * size
        p = max(k, 0)
        while p < hi and k:
            k = _count(readinto(view[p:hi]) or 0, hi - p)
            if not k:
                break
            p += k
        return p // size
    # MicroPython: the view counts items, so a read that stops inside an item is finished by hand
    mv = memoryview(out)
    i = 0
    while i < n:
        if k < 0:
            k = _count(readinto(mv[i:n]) or 0, (n - i) * size)
        if not k:
            break
        whole, part = divmod(k, size)
        k = -1
        i += whole
        if part:
            rest = _read_exact(f, size - part)
            if len(rest) < size - part:
                break
            _store_bytes(mv, i, bytes(mv[i:i + 1])[:part] + rest, typecode, size)
            i += 1
    return i


# ---- .npy header ----


def _bad(what):
    raise ValueError("malformed .npy header: " + what)


def _parse_header(raw):
    """(descr, fortran_order, shape) of the dict numpy writes, descr as bytes:
    {'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), } and spaces.

    Only what numpy writes is accepted: these three keys, once each, with a string, a bool and a
    tuple of ints; anything else is a damaged (or hostile) header. Every allocation and Python
    call costs MicroPython thousands of instructions, so numpy's own layout is recognised with
    startswith() alone; other spellings (key order, quotes, spaces) take npyextra.parse_dict.
    """
    s = raw.strip()  # numpy pads with spaces and a newline
    if type(s) is not bytes:
        s = bytes(s)  # a zip member's read() gives a bytearray, which cannot be a dict key
    n = len(s)
    if s.startswith(b"{'descr': '") and s.endswith(b"), }"):
        j = s.find(b"'", 11)
        k = j + 20
        if j > 0 and s.startswith(b"', 'fortran_order': ", j):
            fortran = s.startswith(b"True", k)
            if fortran or s.startswith(b"False", k):
                k += 4 if fortran else 5
                if s.startswith(b", 'shape': (", k) and s.find(b")", k) == n - 4:
                    return s[11:j], fortran, _shape(s[k + 12:n - 4])
    try:
        from npyextra import parse_dict  # other layouts: rare, so kept out of this module's RAM
    except ImportError:
        _bad("not numpy's layout, and npyextra (which reads other layouts) is not installed")
    return parse_dict(s)


def _shape(t):
    """The dimensions between the parentheses of a shape: b'3, 4', b'3,' or b''."""
    parts = t.split(b",")
    if len(parts) == 1:
        if parts[0].strip():
            _bad("shape must be a tuple")  # (3) is the int 3
        return ()
    if not parts[-1].strip():
        parts.pop()  # (3,) and (3, 4,)
    if len(parts) > 64:  # numpy's limit (no module constant: each global costs every lookup)
        _bad("more than 64 dimensions")
    dims = []
    for p in parts:
        p = p.strip()
        if p[-1:] in (b"l", b"L"):
            p = p[:-1]  # Python 2 long suffix, still found in old files
        if not p.isdigit() or len(p) > 18:
            _bad("bad dimension %r" % p)
        dims.append(int(p))
    return tuple(dims)


def _parse_descr(descr):
    """(kind, size, struct letter) of a numpy descr such as b'<f4', or ValueError saying why
    not. Messages show it as str(bytes) does, quotes kept: any bytes can be printed."""
    j = _CODES.find(descr[1:]) if len(descr) == 3 else -1
    if descr[1:2] == b"O":
        raise ValueError("object arrays (pickled data) are not supported; "
                         "save numeric arrays with numpy.save(..., allow_pickle=False)")
    if j < 0 or j % 4:
        raise ValueError("unsupported dtype %s (supported: int8-int64, uint8-uint64, float32, "
                         "float64)" % str(descr)[1:])
    size = descr[2] - 48
    order = descr[0]
    if order == 62 and size > 1:  # '>'
        raise ValueError("big-endian dtype %s is not supported; convert with "
                         "arr.astype(arr.dtype.newbyteorder('<')) before saving"
                         % str(descr)[1:])
    if order != 60 and (size > 1 or order not in b"|>="):  # '<'
        _bad("bad byte order in %s" % str(descr)[1:])
    return chr(descr[1]), size, chr(_CODES[j + 2])


def _header_bytes(descr, shape, total=None):
    """A numpy-style version 1.0 header, padded with spaces to a multiple of 64 bytes.

    ``total`` forces the overall length, so a header can be rewritten in place. Version 2.0 is
    never needed: 64 dimensions of 20 digits fit version 1.0's 64 KB many times over.
    """
    if len(shape) == 1:
        s = "(%d,)" % shape[0]
    else:
        s = "(" + ", ".join([str(d) for d in shape]) + ")"
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, s)
    n = 11 + len(text)  # magic, version, length field, text, newline
    pad = total - n if total else -n % 64
    if pad < 0 or n + pad > 0xFFFF:
        raise ValueError("header does not fit in its space")
    return (NPY_MAGIC + b"\x01\x00" + struct.pack("<H", n - 10 + pad)
            + (text + " " * pad + "\n").encode())


class _FileHolder:
    """The file a reader or writer works on: opened here (and closed by close()) when given a
    path, left to its owner when given a file object."""

    def _take_file(self, filelike, mode):
        self._own = isinstance(filelike, str)
        self.file = open(filelike, mode) if self._own else filelike
        if mode == "rb" and isinstance(self.file.read(0), str):
            raise ValueError("expecting a file opened in binary mode")

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

    fortran_order = False  # Fortran-order files are refused

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
        pre = _read_exact(f, 10)  # magic, version, and a version 1.0 header's length
        if not pre:
            raise ValueError("not a .npy file (empty)")
        if pre[:6] != NPY_MAGIC[:len(pre)]:
            raise ValueError("not a .npy file (bad magic)")
        major = pre[6] if len(pre) > 7 else 0
        if len(pre) == 10 and not 1 <= major <= 3:
            raise ValueError("unsupported .npy format version %d.%d" % (major, pre[7]))
        if major > 1:
            pre += _read_exact(f, 2)  # versions 2.0 and 3.0 take 4 bytes for the length
        if len(pre) < (10 if major == 1 else 12):
            raise ValueError("truncated .npy header")
        hlen = struct.unpack_from("<H" if major == 1 else "<I", pre, 8)[0]
        self.data_start = len(pre) + hlen
        if self.data_start > self.header_maxlength:
            raise ValueError("header of %d bytes exceeds header_maxlength=%d"
                             % (self.data_start, self.header_maxlength))
        text = _read_exact(f, hlen)
        if len(text) < hlen:
            raise ValueError("truncated .npy header")
        descr, fortran, shape = _parse_header(text)
        kind, size, self._fcode = _parse_descr(descr)
        if fortran:
            raise ValueError("Fortran-order arrays are not supported; "
                             "save numpy.ascontiguousarray(a) instead")

        if want is None:
            tc = _default_typecode(kind, size)
            if tc is None:
                raise ValueError("dtype %s has no array typecode on this port"
                                 % _dtype_name(kind, size))
        else:
            if want not in _SIZES:
                raise ValueError("typecode %r is not supported by this port's array module"
                                 % (want,))
            wk = _kind(want)
            if wk != kind or (_SIZES[want] != size and wk != "f"):
                raise ValueError("cannot read dtype %s into typecode %r"
                                 % (_dtype_name(kind, size), want))
            tc = want

        self.version = (major, pre[7])
        self.shape = shape
        self.dtype = ("|" if size == 1 else "<") + kind + str(size)
        self.itemsize = size
        self.typecode = tc
        self.items = compute_items(shape)
        self._osize = _SIZES[tc]
        # Same bytes in the file as in the array: read straight into the array's memory
        self._direct = _LITTLE and _kind(tc) == kind and self._osize == size
        self._pos = 0
        self._base = _tell(f)
        need = self.items * size
        left = _bytes_left(f, self._base)
        if left is not None and left < need:
            raise ValueError("truncated .npy data: shape %r needs %d bytes, %d present"
                             % (shape, need, left))
        # With a known length the allocations are bounded by the real file; otherwise by growth
        self._trusted = left is not None
        self._step = 0x3FFFFFFF if self._trusted else 4 * _BLOCK
        self._readinto = getattr(f, "readinto", None)

    @property
    def remaining(self):
        """Items not yet read."""
        return self.items - self._pos

    def _live(self):
        if self.file is None:
            raise ValueError("reader is closed")

    def _fill(self, out, n, k=-1):
        """Items of out[:n] filled from the file (``k`` as for _readinto_items)."""
        if n <= 0:
            return 0
        if self._direct:
            return _readinto_items(self.file, out, n, self.typecode, self.itemsize, k)
        size = self.itemsize
        done = 0
        step = max(1, _BLOCK // size)
        while done < n:
            m = min(step, n - done)
            raw = _read_exact(self.file, m * size)
            k = len(raw) // size
            if k and _NARROW_FLOAT and self._fcode == "d" and size == 8:
                from npyextra import f64_to_f32  # ImportError naming it when not installed

                _store_bytes(out, done, f64_to_f32(raw, k), "f", 4)
                done += k
            elif k:
                vals = struct.unpack_from("<%d%s" % (k, self._fcode), raw, 0)
                for v in vals:
                    out[done] = v
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
        # The common case (one readinto() fills the buffer) stays in this small frame: MicroPython
        # allocates the frame of a function with more than 11 words of locals and stack
        self._live()
        _check_buffer(buf, self.typecode, self._osize)
        n = min(len(buf), self.items - self._pos)
        k = -1
        if self._direct and self._readinto is not None and n:
            k = self._readinto(memoryview(buf)[:n]) or 0
            if k != n * self._osize:  # a whole read is the common case: others are checked
                k = _count(k, n * self._osize)
        got = n if k == n * self._osize else self._fill(buf, n, k)
        self._pos += got
        if got < n:
            self._truncated()
        return n

    def read(self, count=None):
        """A new array with the next ``count`` items (all remaining items by default)."""
        self._live()
        n = self.items - self._pos
        if count is not None and 0 <= count < n:
            n = count
        if not self._direct:
            return self._read_converted(n)
        # The file holds the array's own bytes: one read and one copy. Without a known length
        # the reads go 16 KB at a time, so a lying header costs what the file really holds.
        raw = _read_exact(self.file, n * self._osize, self._step)
        got = len(raw) // self._osize
        self._pos += got
        if got < n:
            self._truncated()
        return array.array(self.typecode, raw)

    def _read_converted(self, n):
        tc, osize = self.typecode, self._osize
        if self._trusted or n * osize <= 4 * _BLOCK:
            arr = array.array(tc, bytes(n * osize))
            got = self._fill(arr, n)
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
            got = self._fill(part, m)
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
        self._live()
        self._goto(offset)
        if not self._direct or not self._trusted:
            while self._pos < self.items:
                yield self.read(chunksize)
            return
        # A file of known length holding the array's own bytes (the usual case): read() inline,
        # its attributes in this generator's locals, so a chunk costs a read and a copy
        f, size, tc, items = self.file, self._osize, self.typecode, self.items
        while self._pos < items:
            n = min(chunksize, items - self._pos)
            raw = f.read(n * size)
            if len(raw) < n * size:
                raw = _read_more(f, n * size, n * size, raw or b"")
                if len(raw) < n * size:
                    self._pos += len(raw) // size
                    self._truncated()
            self._pos += n
            yield array.array(tc, raw)


def _writer_args(shape, typecode):
    size = _SIZES.get(typecode)
    if size is None:
        raise ValueError("typecode %r is not supported (use one of %s)"
                         % (typecode, "".join([t for t in "bBhHiIlLqQfd" if t in _SIZES])))
    if shape is None:
        shape = (None,)
    shape = tuple(shape)
    if len(shape) > 64:  # numpy's limit
        raise ValueError("at most 64 dimensions")
    for i, dim in enumerate(shape):
        if dim is None and i == 0:
            continue
        if type(dim) is not int or dim < 0:
            raise ValueError("shape must be non-negative ints (only the first may be None)")
    return shape, size, _kind(typecode)


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
        self._fcode = _fmt(kind, size)
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
        _check_buffer(arr, self.typecode, self.itemsize)
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


def _save_args(arr, shape):
    """(shape, typecode) for writing all of ``arr``: 1-D unless ``shape`` is given."""
    tc = array_typecode(arr)
    if shape is None:
        shape = (len(arr),)
    if compute_items(shape) != len(arr):
        raise ValueError("shape %r needs %d items, array has %d"
                         % (tuple(shape), compute_items(shape), len(arr)))
    return shape, tc


def save(filelike, arr, shape=None):
    """Write ``arr`` as a .npy file of ``shape`` (1-D by default)."""
    shape, tc = _save_args(arr, shape)
    with Writer(filelike, shape, tc) as w:
        w.write_values(arr)


def __getattr__(name):
    # Built on first use: format_mapping (micropython-npyfile's table, kept for code that reads
    # it), and the .npz half (npzfile.py), which is larger than this one
    if name == "format_mapping":
        m = {}
        for j in range(0, len(_CODES), 4):
            size = _CODES[j + 1] - 48
            tc = _default_typecode(chr(_CODES[j]), size)
            if tc is not None:
                m[_CODES[j:j + 2]] = (tc, size)
        globals()[name] = m
        return m
    if name in ("NpzReader", "NpzWriter", "load_npz", "save_npz", "CAN_COMPRESS"):
        import npzfile
        return getattr(npzfile, name)
    raise AttributeError(name)
