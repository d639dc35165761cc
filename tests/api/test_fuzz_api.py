# Hostile-argument fuzzing of every function and method of every native module (the machinery and
# the calls are in tests/api/fuzz/). Each function gets valid arguments with one, then several,
# replaced by values from a pool: None, big and negative ints, nan/inf, str, bytes, bytearray,
# lists, tuples, memoryviews (offset slices too), array.array of every typecode with lengths 0, 1,
# right - 1, right, right + 1 and large, objects of the modules' own types, misbehaving file-likes;
# then wrong argument counts, objects in the wrong state, aliased arrays, Python subclasses of the
# types, and callbacks that change the model in the middle of a call. Each call must succeed or
# raise ValueError/TypeError (AttributeError for a file without read/write, MemoryError for a size
# the heap cannot hold) and write nothing past a memoryview slice (canaries around it). After each
# module, fresh objects must still give known answers, and gc.collect() must work.
#
# `micropython tests/api/test_fuzz_api.py --trace` prints "<call>(<arguments>) -> <outcome>" for
# every call (deterministic: harness.lcg): diff with CPython's to find calls whose exception class
# differs between the runtimes. Known differences that are not the modules': save() into
# io.StringIO (MicroPython's takes bytes) and a method called on an instance of a Python subclass
# through the type (MicroPython's native modules check the exact type).
import gc
import sys

# On a board with a small heap (QEMU: 140 KB) a native module's code stays on the heap once
# imported, in one block: import the modules first, before the suite's own code fragments the
# heap, as many as leave room for that code; the tests of the others are skipped there.
MODULES = ("emlearn_trees", "emlearn_neighbors", "emlearn_fft", "emlearn_iir", "emlearn_iir_q15",
           "emlearn_arrayutils", "emlearn_kmeans", "emlearn_linreg", "emlearn_logreg",
           "emlearn_cnn_int8", "emlearn_cnn_fp32")
for _name in MODULES:
    if hasattr(gc, "mem_free") and gc.mem_free() < 80000:
        break
    __import__(_name)

from fuzz.fixtures import fuzzer, known_answers  # noqa: E402
from harness import run, test  # noqa: E402


def fuzz(part, function, module, *args):
    """Runs fuzz.<part>.<function>(z, *args) for `module`. The part is compiled now and dropped
    afterwards: a 140 KB heap cannot hold the whole suite's code at once."""
    z = fuzzer(module)
    if z is None:
        print("skipped %s.%s: %s does not fit this heap beside the others" % (part, function,
                                                                            module))
        return
    __import__("fuzz." + part)
    getattr(sys.modules["fuzz." + part], function)(z, *args)
    del sys.modules["fuzz." + part]
    delattr(sys.modules["fuzz"], part)
    z.done(known_answers)
    gc.collect()


@test
def fuzz_trees():
    fuzz("models", "trees", "emlearn_trees")


@test
def fuzz_neighbors():
    fuzz("models", "neighbors", "emlearn_neighbors")


@test
def fuzz_fft():
    fuzz("signal", "fft", "emlearn_fft")


@test
def fuzz_iir():
    fuzz("signal", "iir_", "emlearn_iir")


@test
def fuzz_iir_q15():
    fuzz("signal", "iir_q15", "emlearn_iir_q15")


@test
def fuzz_arrayutils():
    fuzz("signal", "arrayutils", "emlearn_arrayutils")


@test
def fuzz_kmeans():
    fuzz("training", "kmeans", "emlearn_kmeans")


@test
def fuzz_linreg():
    fuzz("training", "linreg_", "emlearn_linreg")


@test
def fuzz_logreg():
    fuzz("training", "logreg_", "emlearn_logreg")


@test
def fuzz_cnn_int8():
    fuzz("networks", "cnn", "emlearn_cnn_int8", "int8")


@test
def fuzz_cnn_fp32():
    fuzz("networks", "cnn", "emlearn_cnn_fp32", "fp32")


@test
def types_constructors_subclasses_foreign_self():
    fuzz("objects", "types", "emlearn_trees")


@test
def callbacks_that_change_the_model():
    for module in ("emlearn_trees", "emlearn_neighbors"):
        fuzz("objects", "load_callbacks", module, module)
    for module in ("emlearn_linreg", "emlearn_logreg"):
        fuzz("objects", "print_callbacks", module, module)


run()
