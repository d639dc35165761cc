# Small valid objects of every native module, and their known answers.
import array
import gc
import io
import sys

from fuzz.engine import Fuzz, forget_pools
from fuzz.values import FOREIGN, SMALL_HEAP

# One tree: x0 < 5.5 -> class 0 else (x1 < -2.5 -> class 1 else class 2)
THREE_CLASS = "f,2\nc,3\nl,0\nl,1\nl,2\nr,0\nn,0,5.5,-1,1\nn,1,-2.5,-2,-3\n"


def mod(name):
    return __import__(name)


def loaded(name):
    return sys.modules.get(name)


def fuzzer(name):
    """A Fuzz for module `name`; None on a small heap where the module could not be loaded (see
    test_fuzz_api.py)."""
    forget_pools()
    gc.collect()
    if SMALL_HEAP and not loaded(name):
        return None
    mod(name)
    return Fuzz(name, 40 if SMALL_HEAP else 1000)


def f32(values):
    return array.array("f", values)


def i16(values):
    return array.array("h", values)


def cnn_model(kind):
    with open("tests/fuzz/seeds/cnn/small_%s.tmdl" % kind, "rb") as f:
        return f.read()


def six():
    return f32([1, 2, 3, 4, 5, 6])


def trees_model():
    m = mod("emlearn_trees").new(2, 10, 4)
    mod("emlearn_trees").load_model(m, io.StringIO(THREE_CLASS))
    return m


def knn():
    m = mod("emlearn_neighbors").new(4, 2, 1)
    m.additem(i16([0, 0]), 1)
    m.additem(i16([10, 10]), 2)
    return m


def knn_bytes():
    f = io.BytesIO()
    knn().save(f)
    return f.getvalue()


def two_clusters():
    return [i16([0, 1, 10, 11]), i16([0, 5])]


def linreg():
    return mod("emlearn_linreg").new(2, 0.1, 0.5, 0.01)


def logreg():
    return mod("emlearn_logreg").new(2, 3)


def iir(name):
    if name == "emlearn_iir":
        return mod(name).new(f32([1.0, 0.0, 0.0, 1.0, -0.5, 0.0, 0.5, 0.5, 0.0, 1.0, 0.0, 0.0]))
    return mod(name).new(i16([8192, 0, 0, 0, 0, 0, 4096, 0, 4096, 0, 0, 0]))


def exhaust(iterator):
    for _ in iterator:
        pass


# Objects of every loaded module's types, for the pools (on a small heap not all are loaded).
for _label, _name, _make in (
        ("trees", "emlearn_trees", trees_model),
        ("fft", "emlearn_fft", lambda: mod("emlearn_fft").FFT(8)),
        ("iir", "emlearn_iir", lambda: iir("emlearn_iir")),
        ("iir_q15", "emlearn_iir_q15", lambda: iir("emlearn_iir_q15")),
        ("neighbors", "emlearn_neighbors", knn),
        ("linreg", "emlearn_linreg", linreg),
        ("logreg", "emlearn_logreg", logreg),
        ("cluster_iter", "emlearn_kmeans",
         lambda: mod("emlearn_kmeans").cluster_iter(i16([0, 1]), i16([0]), bytearray(2), 1))):
    if loaded(_name):
        FOREIGN[_label] = _make


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def known_answers():
    """Fresh objects of every loaded module still compute what they should."""
    if loaded("emlearn_trees"):
        model, out = trees_model(), f32([0, 0, 0])
        for x, want in (([5, 0], 0), ([6, -3], 1), ([6, -2], 2)):
            model.predict(i16(x), out)
            assert argmax(out) == want, ("trees", x, list(out))
    if loaded("emlearn_fft"):
        re, im = f32([1, 0, 0, 0, 0, 0, 0, 0]), f32([0] * 8)
        mod("emlearn_fft").FFT(8).run(re, im)
        assert list(re) == [1.0] * 8 and list(im) == [0.0] * 8, ("fft", list(re), list(im))
    if loaded("emlearn_iir"):
        values = f32([1, 2, 3])
        mod("emlearn_iir").new(f32([1, 0, 0, 1, -0.5, 0])).run(values)  # y = x + y[-1] / 2
        assert list(values) == [1.0, 2.5, 4.25], ("iir", list(values))
    if loaded("emlearn_iir_q15"):
        m, samples = mod("emlearn_iir_q15"), i16([100, -200, 300])
        m.new(i16([16384, 0, 0, 0, 0, 0])).run(samples)  # gain 2
        assert list(samples) == [200, -400, 600], ("iir_q15", list(samples))
        q = m.convert_coefficients([1, 0, 0, 1, 0, 0], 8192)
        assert list(q) == [8192, 0, 0, 0, 0, 0], ("convert_coefficients", list(q))
    if loaded("emlearn_arrayutils"):
        y = array.array("B", [0, 0, 0])
        mod("emlearn_arrayutils").linear_map(i16([0, 50, 100]), y, 0, 100, 0, 200)
        assert list(y) == [0, 100, 200], ("linear_map", list(y))
    if loaded("emlearn_neighbors"):
        k = knn()
        k.additem(i16([-10, 5]), 3)
        assert k.predict(i16([9, 8])) == 2 and k.getresult(0) == (1, 2, 2), "neighbors"
    if loaded("emlearn_kmeans"):
        m, (values, centroids) = mod("emlearn_kmeans"), two_clusters()
        assert list(m.cluster(values, centroids, 1)) == [0, 0, 1, 1], "kmeans"
        assert list(centroids) == [0, 10], ("kmeans", list(centroids))
        assert m.euclidean_argmin(bytearray([0, 0, 9, 9]), bytearray([8, 8])) == (1, 2)
    if loaded("emlearn_linreg"):
        lin = mod("emlearn_linreg").new(2, 0.0, 0.0, 0.1)
        lin.set_weights(f32([2, -1]))
        lin.set_bias(0.5)
        assert lin.predict(f32([3, 1])) == 5.5, "linreg"
    for kind in ("int8", "fp32"):
        if loaded("emlearn_cnn_" + kind):
            net = mod("emlearn_cnn_" + kind).new(cnn_model(kind))
            out = f32([0] * 4)
            net.run(array.array("B", range(0, 240, 4)), out)
            assert net.output_dimensions() == (4,) and argmax(out) == 2, (kind, list(out))
            assert abs(sum(out) - 1.0) < 0.02, (kind, list(out))
    if loaded("emlearn_logreg"):
        log = mod("emlearn_logreg").new(2, 2)
        log.set_weights(f32([2.0, -1.0]))
        log.set_bias(f32([0.5]))
        assert log.predict(f32([1, 1])) == 1 and log.predict(f32([0, 1])) == 0, "logreg"
