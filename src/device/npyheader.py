"""The .npy header parser for layouts other than numpy's own: npyfile imports it when a header
is not spelled as numpy (and micropython-npyfile, and npyfile's Writer) write it, so that the
common case does not hold this code in RAM. See npyfile's documentation.
"""

from npyfile import _bad, _shape


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
