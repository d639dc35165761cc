# The machinery of test_fuzz_api.py: pools of hostile values for each argument, and Fuzz, which
# calls a function with them and collects what went wrong.
import array
import gc
import sys

from fuzz.values import (FILE_LIKES, FOREIGN, LARGE, SCALARS, SIZES, TYPECODES, Boom,
                         check_canaries, make)
from harness import lcg

TRACE = "--trace" in getattr(sys, "argv", ())
_print, _stdout = print, sys.stdout  # the trace's own: a test replaces both for a while


_pools = {}


def forget_pools():
    """Drops the pools kept so far (on a small heap they would add up to tens of KB)."""
    _pools.clear()


def pool(n=None, tc="f", exclude=None):
    """Hostile values for an argument whose right value is array(tc) of n elements (n None: not an
    array). exclude(value) drops constants (e.g. iteration counts a call would really run)."""
    key = (n, tc, exclude)
    if key in _pools:
        return _pools[key]
    p = [(label, "const", v, None) for label, v in SCALARS if exclude is None or not exclude(v)]
    right = 2 if n is None else n
    for t in TYPECODES:
        lengths = [0, 1, 2, LARGE] if n is None else [0, 1, n - 1, n, n + 1, LARGE]
        if n is not None and (n * SIZES[tc]) % SIZES[t] == 0:
            lengths.append(n * SIZES[tc] // SIZES[t])  # the right number of bytes
        done = []
        for length in lengths:
            if length >= 0 and length not in done:
                done.append(length)
                p.append(("array('%s',%d)" % (t, length), "array", t, length))
    for t in ("l", "q"):  # not on every port
        try:
            array.array(t, [1])
            p.append(("array('%s',%d)" % (t, right), "array", t, right))
        except Exception:  # noqa: BLE001
            pass
    p.append(("extreme('%s',%d)" % (tc, right), "extreme", tc, right))
    for length in (right, right + 1):
        p.append(("canary('%s',%d)" % (tc, length), "canary", tc, length))
    p.append(("offset('%s',%d)" % (tc, right), "offset", tc, right))
    p.append(("subclass('%s',%d)" % (tc, right), "subclass", tc, right))
    nbytes = right * SIZES[tc]
    for size in (0, 1, nbytes):
        p.append(("bytes(%d)" % size, "bytes", size, None))
        p.append(("bytearray(%d)" % size, "bytearray", size, None))
    p.append(("memoryview(bytes(%d))" % nbytes, "mv", nbytes, True))
    p.append(("memoryview(bytearray(%d))" % nbytes, "mv", nbytes, False))
    for length in (0, right, LARGE):
        p.append(("list(%d)" % length, "list", length, tc))
    p.append(("tuple(%d)" % right, "tuple", right, tc))
    for label, row in (("None", None), ("'abcdef'", "abcdef"), ("[1]", [1])):
        p.append(("rows+" + label, "rows", row, None))
    for label in sorted(FOREIGN):
        p.append((label, "foreign", label, None))
    for label in sorted(FILE_LIKES):
        p.append((label, "file", label, None))
    for i, label in enumerate(("object()", "{}", "len")):
        p.append((label, "other", i, None))
    _pools[key] = p
    return p


def huge_int(v):
    """Iteration counts a call would really run (train() with 2**31 iterations)."""
    return type(v) is int and v > 1000


def prints(v):
    """verbose values that print (train(verbose=2) prints a line per check)."""
    return type(v) in (int, bool) and v >= 1


class Fuzz:
    """Calls functions with hostile arguments and collects failures (the first 20)."""

    def __init__(self, name, random_calls):
        self.name = name
        self.random_calls = random_calls
        self.failures = []
        self.calls = 0

    def call(self, name, fn, args, labels, kw=None, allowed=()):
        """fn(*args, **kw): "ok", or the class name of what it raised. ValueError, TypeError and
        Boom (from the file-likes) are always fine, the classes in allowed too."""
        self.calls += 1
        outcome = "ok"
        try:
            if kw is None:
                fn(*args)
            else:
                fn(*args, **kw)
        except (ValueError, TypeError, Boom) as e:
            outcome = type(e).__name__
        except Exception as e:  # noqa: BLE001  (any other class is a finding)
            outcome = type(e).__name__
            if not isinstance(e, allowed):
                self.fail("%s(%s) raised %s: %s" % (name, ", ".join(labels), outcome, e))
        bad = check_canaries()
        if bad:
            self.fail("%s(%s) %s" % (name, ", ".join(labels), bad))
        if TRACE:
            _print("%s(%s) -> %s" % (name, ", ".join(labels), outcome), file=_stdout)
        return outcome

    def fail(self, message):
        if len(self.failures) < 20:
            self.failures.append(message)

    def function(self, name, fn, good, pools, kw=None, allowed=()):
        """fn(*good()) with each argument replaced by each value of its pool (pools[i]) in turn,
        then with random ones replaced, then with too few and too many arguments. good() makes
        fresh valid arguments (a new model when the call changes it); the valid call must work."""
        n = len(good())
        ok = ["ok%d" % i for i in range(n)]
        if self.call(name, fn, good(), ok, kw) != "ok":
            self.fail("%s: the valid call failed" % name)
        for i in range(n):
            for entry in pools[i]:
                args = good()
                args[i] = make(entry)
                self.call(name, fn, args, ok[:i] + [entry[0]] + ok[i + 1 :], kw, allowed)
        rand = lcg(sum(ord(c) for c in name))  # each function its own (fixed) combinations
        for _ in range(self.random_calls):
            args, labels = good(), list(ok)
            for i in range(n):
                if rand(2):
                    entry = pools[i][rand(len(pools[i]))]
                    args[i], labels[i] = make(entry), entry[0]
            self.call(name, fn, args, labels, kw, allowed)
        for count in range(n + 3):
            if count != n:
                self.call(name, fn, (good() + [1, 1, 1])[:count], ok[:count], kw, allowed)
        args = None
        gc.collect()

    def keywords(self, name, fn, good, names, pool_, allowed=()):
        """Each keyword in names with each value of the pool (a name may repeat a positional
        argument: a TypeError), then an unknown keyword."""
        for k in names:
            for entry in pool_:
                self.call(name, fn, good(), [k + "=" + entry[0]], {k: make(entry)}, allowed)
        self.call(name, fn, good(), ["bogus=1"], {"bogus": 1}, allowed)

    def done(self, check=None):
        gc.collect()
        if check is not None:
            check()
        gc.collect()
        assert not self.failures, "%s: %d failures in %d calls:\n%s" % (
            self.name, len(self.failures), self.calls, "\n".join(self.failures))
