# A tiny test harness that runs on MicroPython and CPython alike (no unittest on MicroPython).
# Usage in a test file:  from harness import test, run, raises ...  @test def name(): ...  run()
import sys

_tests = []


def test(fn):
    _tests.append(fn)
    return fn


class Skip(Exception):
    """Raised by a test that cannot run on this runtime: reported as skipped, not passed."""


def needs_mem_alloc():
    """Skips the calling test where gc.mem_alloc() is missing (CPython)."""
    import gc

    if not hasattr(gc, "mem_alloc"):
        raise Skip("no gc.mem_alloc() to measure with")


def raises(exc_type, fn, *args, contains=None):
    """Assert that fn(*args) raises exc_type (and that its message contains `contains`)."""
    try:
        fn(*args)
    except exc_type as e:
        if contains is not None and contains not in str(e):
            raise AssertionError("message %r lacks %r" % (str(e), contains))
        return e
    raise AssertionError("%s not raised" % exc_type.__name__)


def close(a, b, tol):
    return abs(a - b) <= tol


def lcg(seed):
    """A deterministic random source that gives the same numbers on every runtime (MicroPython's
    `random` differs by port): next_int(n) is in 0..n-1."""
    state = [seed]

    def next_int(n):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return state[0] % n

    return next_int


def long_ints():
    """Ints beyond 32 bits that the port can make (MicroPython without long ints makes none). A
    native module once read them truncated to a machine word: 2**32 as 0 on a 32-bit port, 2**64
    + 1 as 1 on a 64-bit one."""
    out = []
    for text in ("2**32", "2**32 + 1", "2**62", "2**64 + 1", "-2**64 + 1", "2**100"):
        try:
            out.append(eval(text))
        except Exception:  # noqa: BLE001  (OverflowError, or no long ints at all)
            pass
    return out


def memory_around(use, repeats=5, attempts=3):
    """gc.mem_alloc() before and after `repeats` calls of use(), measured after one warm-up call
    (which may intern strings or grow tables for good); Skip where there is no gc.mem_alloc
    (CPython). Of up to `attempts` measurements, the one that grew least: MicroPython's collector
    is conservative, and a stale word in a live C stack frame can keep one block alive for a
    while (seen once under QEMU: 496 bytes after kmeans' calls, not again in isolation), while a
    leak grows by `repeats` times its size in every measurement."""
    import gc

    needs_mem_alloc()
    best = None
    for _ in range(attempts):
        use()
        gc.collect()
        before = gc.mem_alloc()
        for _ in range(repeats):
            use()
        gc.collect()
        after = gc.mem_alloc()
        if best is None or after - before < best[1] - best[0]:
            best = (before, after)
        if after <= before:
            break
    return best


def printing_through(hook, fn, *args, **kwargs):
    """fn(*args, **kwargs) with what it prints (a train() with verbose=2) given to hook(text)
    first. A MicroPython native module calls the global print of the module that called it (this
    one, here), a line per call; CPython's prints to sys.stdout, in pieces."""
    if sys.implementation.name == "micropython":
        g = globals()

        def hooked(*items):
            hook(" ".join(str(item) for item in items) + "\n")

        g["print"] = hooked
        try:
            return fn(*args, **kwargs)
        finally:
            del g["print"]

    class Out:
        def write(self, text):
            hook(text)
            return len(text)

        def flush(self):
            pass

    saved = sys.stdout
    sys.stdout = Out()
    try:
        return fn(*args, **kwargs)
    finally:
        sys.stdout = saved


def printed_lines(fn, *args, **kwargs):
    """(fn(*args, **kwargs), the lines it printed)."""
    parts = []
    result = printing_through(parts.append, fn, *args, **kwargs)
    return result, "".join(parts).splitlines()


def with_array_keeping_its_init(fn, *args, size=16):
    """fn(*args) with the `array` module replaced by one whose array() keeps every object it is
    built from (a user's array.py on sys.path does this to MicroPython, where it shadows the
    built-in). Then, with 16 new bytearrays of ``size`` bytes allocated, checks that every kept
    bytearray still holds what it held (a freed block given to one of them is zeroed), writes
    through it and checks that none of the 16 changed: a native module that builds its result
    through `array` must not hand it memory it frees. Returns fn's result."""
    import array as real

    kept = []

    class Keeping:
        def array(self, typecode, init=()):
            kept.append((init, bytes(init) if isinstance(init, bytearray) else None))
            return real.array(typecode, init)

    sys.modules["array"] = Keeping()
    try:
        result = fn(*args)
    finally:
        sys.modules["array"] = real
    others = [bytearray(size) for _ in range(16)]
    for obj, snapshot in kept:
        if snapshot is not None:
            assert bytes(obj) == snapshot, "the array's argument was freed and its memory reused"
            for i in range(len(obj)):
                obj[i] = 0x42
    assert all(bytes(o) == bytes(size) for o in others), "freed memory was written"
    return result


def data_path(name):
    # Tests run from the repository root.
    return "tests/data/" + name


def run():
    passed = failed = skipped = 0
    for fn in _tests:
        try:
            fn()
            passed += 1
        except Skip as e:
            skipped += 1
            print("SKIP", fn.__name__, e)
        except Exception as e:  # report every failure, keep going
            failed += 1
            print("FAIL", fn.__name__, type(e).__name__, e)
            if hasattr(sys, "print_exception"):
                sys.print_exception(e)
            else:
                import traceback

                traceback.print_exc()
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    if failed:
        sys.exit(1)
