# The types themselves (called, subclassed in Python, methods given another module's object as
# self), and callbacks that change a model in the middle of the call that called them.
import io
import sys

from fuzz.values import FOREIGN, Boom
from fuzz.fixtures import THREE_CLASS, f32, i16, knn, knn_bytes, linreg, logreg, mod, six
from harness import lcg


def types(z):
    """Each type called directly, subclassed in Python (with and without the base's __init__), and
    its methods called on every other module's objects (all loaded, unless the heap is small)."""
    for label in sorted(FOREIGN):
        T = type(FOREIGN[label]())
        for args in ([], [1]):
            z.call(label + ".type", T, args, [str(len(args))])
        methods = [n for n in dir(T) if not n.startswith("_")]
        try:
            class Sub(T):
                pass

            class NoInit(T):
                def __init__(self, *args):
                    pass

            subclasses = ((Sub, "Sub"), (NoInit, "NoInit"))
        except TypeError:  # MicroPython: a type without a constructor is no base
            subclasses = ()
        for cls, sub in subclasses:
            for args in ([], [8], [1], [None]):
                try:
                    s = cls(*args)
                except (TypeError, ValueError):
                    continue
                for method in methods:
                    for extra in ([], [f32([0] * 8), f32([0] * 8)]):
                        z.call("%s(%s).%s" % (sub, label, method), getattr(s, method), extra,
                               [str(len(extra))], allowed=(AttributeError,))
                        z.call("%s.%s(%s)" % (label, method, sub), getattr(T, method),
                               [s] + extra, [str(len(extra))], allowed=(AttributeError,))
        for other in sorted(FOREIGN):
            if other != label:
                o = FOREIGN[other]()
                for method in methods:
                    for extra in ([], [1], [f32([1, 2]), f32([0, 0, 0])]):
                        z.call("%s.%s" % (label, method), getattr(T, method), [o] + extra,
                               [other])
        s = o = None


class Reentrant:
    """A file-like whose read(n) and write(data) first call meddle() (which changes the model
    being loaded or saved), then go on with the chunks."""

    def __init__(self, chunks, end, meddle):
        self.chunks, self.end, self.meddle = chunks, end, meddle

    def read(self, n=-1):
        try:
            self.meddle()
        except (ValueError, TypeError):
            pass
        return self.chunks.pop(0) if self.chunks else self.end

    def write(self, data):
        self.read()
        return len(data)


def chunks(data, size):
    return [data[i : i + size] for i in range(0, len(data), size)]


def load_callbacks(z, name):
    """read() and write() of load_model()/load()/save() that change the model mid-call."""
    m, rand = mod(name), lcg(3)
    for round_ in range(30):
        if name == "emlearn_trees":
            b = m.new(2, 10, 4)
            ops = (lambda: m.load_model(b, io.StringIO(THREE_CLASS)),
                   lambda: b.setdata(1 + rand(3), rand(4), (0, 8, 32)[rand(3)]),
                   lambda: b.addleaf((rand(3), [0.5, 0.5])[rand(2)]),
                   lambda: b.addnode(-1, -2, 0, 1.5), lambda: b.addroot(0),
                   lambda: b.predict(i16([1, 2]), f32([0, 0, 0])))
            f = Reentrant(chunks(THREE_CLASS, 1 + rand(20)), "", lambda: ops[rand(len(ops))]())
            z.call("trees.load_model(meddling)", m.load_model, [b, f], [str(round_)])
            z.call("trees.predict(after)", b.predict, [i16([6, -3]), f32([0, 0, 0])],
                   [str(round_)])
            continue
        k, data = knn(), knn_bytes()
        ops = (k.clear, lambda: k.additem(i16([rand(9), rand(9)]), rand(4)),
               lambda: k.removeitem(0), lambda: k.load(io.BytesIO(data)),
               lambda: k.save(io.BytesIO()), lambda: k.predict(i16([1, 2])))
        f = Reentrant(chunks(data, 1 + rand(12)), b"", lambda: ops[rand(len(ops))]())
        z.call("neighbors.load(meddling)", k.load, [f], [str(round_)])
        z.call("neighbors.save(meddling)", k.save, [f], [str(round_)])
        for i in range(len(k)):
            z.call("neighbors.getitem(after)", k.getitem, [i, i16([0, 0])], [str(round_)])
        z.call("neighbors.predict(after)", k.predict, [i16([1, 2])], [str(round_)])


def print_callbacks(z, name):
    """train(verbose=2) with a print() that raises, or that trains the same model again. A
    MicroPython natmod looks print up in its module's globals, then the builtins; CPython's
    binding writes to sys.stdout."""
    m = mod(name)
    trained = linreg() if name == "emlearn_linreg" else logreg()

    def y():
        return f32([1, 2, 3]) if name == "emlearn_linreg" else bytearray([0, 1, 2])

    def raising(*args):
        raise Boom("print")

    def retraining(*args):
        m.train(trained, six(), y(), max_iterations=2)

    class Stdout:
        def __init__(self, fn):
            self.write = fn

    try:
        import builtins
    except ImportError:
        builtins = None
    saved = print
    for fn, label in ((raising, "raising"), (retraining, "retraining")):
        m.print = fn
        if builtins is not None:
            builtins.print = fn
        stdout = sys.stdout
        try:
            sys.stdout = Stdout(fn)
        except Exception:  # noqa: BLE001  (MicroPython's sys.stdout is fixed)
            stdout = None
        try:
            outcome = z.call(name + ".train(print " + label + ")", m.train,
                             [trained, six(), y()], [label],
                             {"max_iterations": 6, "check_interval": 1, "verbose": 2})
        finally:
            if stdout is not None:
                sys.stdout = stdout
            if builtins is not None:
                builtins.print = saved
            m.print = saved
        if label == "raising" and outcome != "Boom":
            z.fail("%s.train: print raised Boom, train gave %s" % (name, outcome))
