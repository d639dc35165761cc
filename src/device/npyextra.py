"""The parts of npyfile that few programs need, imported on first use so that the others do not
hold them in RAM: the parser for .npy headers laid out otherwise than numpy (and
micropython-npyfile, and npyfile's Writer) write them, and exact float64 -> float32 narrowing on
ports whose floats are narrower than float32 (MicroPython's ESP8266 port: 30-bit floats). See
npyfile's documentation.
"""

import array
import struct

from npyfile import _bad, _shape, _typecode_for


def _string(t):
    """The bytes of a quoted token such as 'descr', or None when t is not exactly one string."""
    t = t.strip()
    q = t[:1]
    if len(t) < 2 or (q != b"'" and q != b'"') or t.find(q, 1) != len(t) - 1 or b"\\" in t:
        return None
    return t[1:-1]


def parse_dict(s):
    """(descr, fortran_order, shape) of a header dict spelled otherwise than numpy spells it (key
    order, quotes, spaces), with the same strictness, or ValueError."""
    # The work is done by bytes methods (split, strip, find): Python code walking the header
    # byte by byte costs MicroPython about ten times more. Commas and colons cannot occur inside
    # a valid key or value, except the commas of the shape, which is cut out first. A byte that
    # is not ASCII fails one of the checks.
    if s[:1] != b"{" or s[-1:] != b"}":
        _bad("not a dict")
    o = s.find(b"(")
    c = s.find(b")", o + 1)
    tup = s[o + 1:c] if o > 0 and c > 0 else None
    if tup is not None:
        s = s[:o] + b"@" + s[c + 1:]  # the shape's place; '@' cannot occur in a valid header
    items = s[1:-1].split(b",")
    if not items[-1].strip() and len(items) > 1:
        items.pop()  # numpy's trailing comma
    d = {}
    for item in items:
        kv = item.split(b":")
        key = _string(kv[0])
        if len(kv) != 2 or key is None:
            _bad("expected 'key': value, got %r" % item)
        if key in d:
            _bad("duplicate key %r" % key)
        v = kv[1].strip()
        if key == b"descr":
            if v[:1] == b"[":
                raise ValueError("structured dtypes (record arrays) are not supported")
            v = _string(v)
            if v is None:
                _bad("descr must be a string")
        elif key == b"fortran_order":
            if v != b"True" and v != b"False":
                _bad("fortran_order must be True or False")
            v = v == b"True"
        elif key == b"shape":
            if v != b"@" or tup is None:
                _bad("shape must be a tuple")
            v = _shape(tup)
        else:
            _bad("unexpected key %r" % key)
        d[key] = v
    if len(d) != 3:
        _bad("keys must be descr, fortran_order and shape")
    return d[b"descr"], d[b"fortran_order"], d[b"shape"]


def _f32_bits(lo, hi):
    """The float32 bits nearest the float64 of these two little-endian words (ties to even,
    overflow to infinity, subnormals kept, NaN stays NaN): integer arithmetic only, every value
    below 2**30 until the sign is put back."""
    e = (hi >> 20) & 0x7FF
    mant = ((hi & 0xFFFFF) << 3) | (lo >> 29)  # the top 23 bits of the 52
    rest = lo & 0x1FFFFFFF  # the 29 below them
    if e == 0x7FF:
        bits = 0x7F800000 | (0x400000 if (hi & 0xFFFFF) | lo else 0)
    elif e == 0:
        bits = 0  # float64 subnormals are far below float32's smallest
    else:
        x = e - 896  # the float32 exponent field: e - 1023 + 127
        if x >= 0xFF:
            bits = 0x7F800000
        elif x > 0:
            if rest > 0x10000000 or (rest == 0x10000000 and mant & 1):
                mant += 1  # a carry into the exponent is the right result, up to infinity
            bits = (x << 23) + mant
        elif x > -24:
            sig = 0x800000 | mant  # subnormal: shift the 24-bit significand right
            s = 1 - x
            keep = sig >> s
            dropped = sig & ((1 << s) - 1)
            half = 1 << (s - 1)
            if dropped > half or (dropped == half and (rest or keep & 1)):
                keep += 1
            bits = keep
        else:
            bits = 0
    return bits | 0x80000000 if hi & 0x80000000 else bits


def f64_to_f32(raw, n):
    """The float32 bytes of the first n little-endian float64 items of ``raw``."""
    w = struct.unpack_from("<%dI" % (2 * n), raw, 0)
    out = array.array(_typecode_for("u", 4), bytes(4 * n))
    for i in range(n):
        out[i] = _f32_bits(w[2 * i], w[2 * i + 1])
    return bytes(out)
