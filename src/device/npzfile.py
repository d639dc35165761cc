"""NumPy .npz archives (zip files of .npy members) to and from array.array, streaming.

The .npz half of npyfile: ``npyfile.NpzReader``, ``npyfile.load_npz`` and the others import this
module on first use (ports without module ``__getattr__`` can import it directly). Both files go
on the device. See npyfile's documentation.
"""

import array
import gc
import struct

from npyfile import (_BLOCK, _HAS_CAST, _FileHolder, _itemsize_of, _nbytes, _read_exact,
                     _save_args, _tell, _typecode_for, _writer_args, Reader, Writer, load)

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

CAN_COMPRESS = (deflate is not None and hasattr(deflate.DeflateIO, "write")) or zlib is not None


_SIG_LOCAL = b"PK\x03\x04"
_SIG_CENTRAL = b"PK\x01\x02"
_SIG_EOCD = b"PK\x05\x06"
_SIG_EOCD64 = b"PK\x06\x06"
_SIG_LOC64 = b"PK\x06\x07"
_SIG_DD = b"PK\x07\x08"
_DOS_DATE = 0x21  # 1980-01-01: fixed, so that archives are reproducible
_MAX_RATIO = 1100  # deflate cannot expand more than 1032:1; beyond that the sizes are lies
# A deflated member of a seekable file is read into RAM at its first read when this many times
# what inflating it takes is free (0: never): DeflateIO then reads bytes from RAM, not the file
_RAM_SHARE = 4

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
        self._fresh = False
        if entry.method == 8:
            if deflate is not None:
                if self._srcpos is not None:
                    src.seek(self._srcpos)
                    # the first read may move the compressed bytes into RAM (_to_ram)
                    self._fresh = _IOBase is not None and type(src).__name__ != "BytesIO"
                if not _is_native_stream(src):
                    src = _Adapter(src)
                self._wbits = _member_wbits(wbits, entry.usize)
                self._inner = deflate.DeflateIO(src, deflate.RAW, self._wbits)
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
        if self._fresh:
            self._fresh = False
            self._to_ram()
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
        if got > nb or got < 0:
            raise ValueError("zip member %r: the stream stored %d bytes where %d were asked for"
                             % (self.name, got, nb))
        self._crc = _crc32(mv if got == nb else bytes(mv)[:got], self._crc)
        self.remaining -= got
        if self.remaining == 0 and self._check and self._crc != self._e.crc:
            raise ValueError("CRC-32 mismatch in zip member %r" % self.name)
        return got

    def _to_ram(self):
        # DeflateIO reads its source a byte per call: from RAM, not the file, when the heap has
        # _RAM_SHARE times what inflating takes (the compressed bytes, the window, the output),
        # so that the extra block is small beside it
        e = self._e
        if not _RAM_SHARE or _RAM_SHARE * (e.csize + (1 << self._wbits) + e.usize) > gc.mem_free():
            return
        self._src.seek(self._srcpos)
        try:  # bytes, which BytesIO reads in place (a bytearray it would copy)
            data = bytes(_read_exact(self._src, e.csize, e.csize))
        except MemoryError:  # no block that large: read from the file
            return
        self._src = _io.BytesIO(data)
        self._srcpos = None
        self._inner = deflate.DeflateIO(self._src, deflate.RAW, self._wbits)

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
            raise ValueError("not a zip archive, or cut short: no end of central directory")
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

    def _next_local(self, why):
        """(entry, header size) of the local header at the position, checked, or (None, 0) at
        the central directory; the stream's end before that is an error. Sizes after the data
        cannot be followed: ``why``."""
        sig = _read_exact(self.file, 4)
        if sig in (_SIG_CENTRAL, _SIG_EOCD, _SIG_EOCD64):
            return None, 0
        if not sig:
            raise ValueError("zip archive cut short: it ends before its central directory")
        e, hsize = self._read_local(sig)
        if e.flags & 8:
            raise ValueError("zip member %r has its sizes after the data; %s" % (e.name, why))
        _check_entry(e)
        return e, hsize

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
        """A stream over the named member ('x' or 'x.npy'), to pass to Reader or load.

        A name stored twice gives its last copy, as numpy and load_npz do; on a non-seekable
        stream, which cannot look ahead, its first.
        """
        if self._base is None:
            for n, member in self.members():
                if n == name or n == _npy_name(name):
                    return member
            raise ValueError("no member %r in the archive (streams are searched forward only)"
                             % name)
        entries = self._load_central()
        for want in (name, _npy_name(name)):
            for i in range(len(entries) - 1, -1, -1):
                if entries[i].name == want:
                    return self._open_entry(entries[i])
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
            e, _ = self._next_local("reading it needs a seekable file")
            if e is None:
                return
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
        shape, tc = _save_args(arr, shape)
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
