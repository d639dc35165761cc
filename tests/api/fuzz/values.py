# The hostile argument values of test_fuzz_api.py, made fresh for each call from a pool entry.
import array
import gc
import io

SMALL_HEAP = hasattr(gc, "mem_free") and gc.mem_free() + gc.mem_alloc() < 1000000
LARGE = 100 if SMALL_HEAP else 300  # elements of the "large" arrays


class Boom(Exception):
    """Raised by the misbehaving file-likes: it must come out of the call unchanged."""


BOOM = ["boom"]


class Reader:
    """read(n) returns the chunks in turn (raises Boom for BOOM), then b""."""

    def __init__(self, chunks):
        self.chunks = list(chunks)

    def read(self, n=-1):
        c = self.chunks.pop(0) if self.chunks else b""
        if c is BOOM:
            raise Boom("read")
        return c


class Writer:
    def __init__(self, fail):
        self.fail = fail

    def write(self, data):
        if self.fail:
            raise Boom("write")
        return 12345


class NoRead:
    read = 7  # not callable


FILE_LIKES = {
    "StringIO": lambda: io.StringIO("f,2\nc,x\n"),
    "BytesIO": lambda: io.BytesIO(b"MLKN\x01\x00\x02\x00"),
    "read->None": lambda: Reader([None]),
    "read->int": lambda: Reader([42]),
    "read->str": lambda: Reader(["MLKN"]),
    "read->list": lambda: Reader([[1, 2]]),
    "read->huge": lambda: Reader([bytes(600), bytes(3)]),
    "read->raises": lambda: Reader([BOOM]),
    "write raises": lambda: Writer(True),
    "write ok": lambda: Writer(False),
    "read not callable": NoRead,
}


def big(text):
    """An int the port may not have (MicroPython without long ints): None then."""
    try:
        return eval(text)
    except Exception:  # noqa: BLE001
        return None


SCALARS = [("None", None), ("0", 0), ("1", 1), ("-1", -1), ("True", True), ("2**15", 1 << 15)]
for _t in ("2**31", "-2**31", "2**62", "2**64", "-2**64"):
    if big(_t) is not None:
        SCALARS.append((_t, big(_t)))
SCALARS += [("nan", float("nan")), ("inf", float("inf")), ("-inf", -float("inf")),
            ("-0.0", -0.0), ("0.5", 0.5), ("1e30", 1e30), ("''", ""), ("'abc'", "abc"),
            ("'1'", "1")]

TYPECODES = "bBhHiIfd"
SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "f": 4, "d": 8}
_FLOATS = ("float('nan')", "float('inf')", "-float('inf')", "3e38", "-0.0", "1e-45")
EXTREMES = {"b": ("-128", "127"), "B": ("0", "255"), "h": ("-32768", "32767"),
            "H": ("0", "65535"), "i": ("-2147483648", "2147483647"), "I": ("0", "4294967295"),
            "f": _FLOATS, "d": _FLOATS + ("1e300",)}
CANARY = {"b": 99, "B": 99, "f": 1234.5, "d": 1234.5}


def small_value(tc, i):
    v = i % 7
    return v - 3 if tc in "bhi" else (v - 3) * 0.5 if tc in "fd" else v


def make_array(tc, n, extreme=False):
    if extreme:  # an 'I' of 2**32-1 needs a long int
        values = [v for v in (big(t) for t in EXTREMES[tc]) if v is not None]
        return array.array(tc, [values[i % len(values)] for i in range(n)])
    return array.array(tc, [small_value(tc, i) for i in range(n)])


_canaries = []  # (value, backing array) of the canary slices handed out since the last check


def canary_slice(tc, n):
    """n elements in the middle of an array whose first and last elements are canaries."""
    c = CANARY.get(tc, 12345)
    backing = array.array(tc, [c] * (n + 2))
    _canaries.append((c, backing))
    return memoryview(backing)[1 : n + 1]


def check_canaries():
    bad = None
    for c, backing in _canaries:
        if backing[0] != c or backing[len(backing) - 1] != c:
            bad = "wrote outside a memoryview slice: %r %r" % (backing[0], backing[-1])
    del _canaries[:]
    return bad


class ArraySubclass(array.array):
    pass


FOREIGN = {}  # label -> function making an object of a native module's type (test_fuzz_api)


def make(entry):
    """The value of a pool entry (label, kind, a, b), made fresh for each call."""
    _, kind, a, b = entry
    if kind == "const":
        return a
    if kind == "array":
        return make_array(a, b)
    if kind == "extreme":
        return make_array(a, b, True)
    if kind == "canary":
        return canary_slice(a, b)
    if kind == "offset":  # a slice that starts one element into its array
        return memoryview(make_array(a, b + 1))[1:]
    if kind == "subclass":
        return ArraySubclass(a, [small_value(a, i) for i in range(b)])
    if kind == "bytes":
        return bytes(a)
    if kind == "bytearray":
        return bytearray(a)
    if kind == "mv":
        return memoryview(bytes(a) if b else bytearray(a))
    if kind == "list":
        return [small_value(b, i) for i in range(a)]
    if kind == "tuple":
        return tuple(small_value(b, i) for i in range(a))
    if kind == "rows":
        return [[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], a]
    if kind == "foreign":
        return FOREIGN[a]()
    if kind == "file":
        return FILE_LIKES[a]()
    return (object(), {}, len)[a]
