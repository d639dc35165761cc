"""Buffers at an odd byte offset (CPython only: numpy and memoryview.cast() views can start
anywhere; MicroPython's arrays cannot). The engines read elements in place, so every module must
refuse them with the error linear_map gives, never read them (undefined behaviour, and a SIGBUS on
cores that trap unaligned loads). Found under UBSan. Also read-only numpy arrays as outputs,
whose exporter refuses a writable view with an exception of its own."""

import array

import numpy as np
import pytest

pytest.importorskip("emlearn_fft", reason="run `make host` to build the CPython modules")

import emlearn_arrayutils  # noqa: E402
import emlearn_fft  # noqa: E402
import emlearn_iir  # noqa: E402
import emlearn_iir_q15  # noqa: E402
import emlearn_kmeans  # noqa: E402
import emlearn_linreg  # noqa: E402
import emlearn_logreg  # noqa: E402
import emlearn_neighbors  # noqa: E402
import emlearn_trees  # noqa: E402

MESSAGE = "arrays must be aligned to their element size"


def odd(dtype, values):
    """A writable numpy view of `values` that starts one byte into its buffer."""
    values = np.asarray(values, dtype=dtype)
    buf = bytearray(values.nbytes + 1)
    view = np.frombuffer(buf, dtype=dtype, count=values.size, offset=1)
    view[:] = values
    return view


def f(values):
    return array.array("f", values)


def h(values):
    return array.array("h", values)


def trees_model():
    model = emlearn_trees.new(1, 1, 2)
    model.setdata(1, 2)
    model.addleaf(0)
    model.addleaf(1)
    model.addroot(0)
    model.addnode(-1, -2, 0, 5)
    return model


def calls():
    fft = emlearn_fft.FFT(8)
    iir = emlearn_iir.new(f([1, 0, 0, 1, 0, 0]))
    q15 = emlearn_iir_q15.new(h([8192, 0, 0, 0, 0, 0]))
    knn = emlearn_neighbors.new(4, 2, 1)
    knn.additem(h([1, 2]), 0)
    linreg = emlearn_linreg.new(2, 0.0, 0.0, 0.1)
    logreg = emlearn_logreg.new(2, 3)
    yield "fft.run", lambda: fft.run(odd(np.float32, range(8)), f([0] * 8))
    yield "fft.rfft", lambda: fft.rfft(f(range(8)), odd(np.float32, [0] * 5), f([0] * 5))
    yield "iir.new", lambda: emlearn_iir.new(odd(np.float32, [1, 0, 0, 1, 0, 0]))
    yield "iir.run", lambda: iir.run(odd(np.float32, range(8)))
    yield "iir.set_state", lambda: iir.set_state(odd(np.float32, [0, 0]))
    yield "iir_q15.new", lambda: emlearn_iir_q15.new(odd(np.int16, [8192, 0, 0, 0, 0, 0]))
    yield "iir_q15.run", lambda: q15.run(odd(np.int16, range(8)))
    yield "iir_q15.convert_coefficients", lambda: emlearn_iir_q15.convert_coefficients(
        odd(np.float64, [1, 0, 0, 1, 0, 0]))
    yield "kmeans.euclidean_argmin", lambda: emlearn_kmeans.euclidean_argmin(
        odd(np.int16, [0, 0, 5, 5]), h([1, 1]))
    yield "kmeans.cluster", lambda: emlearn_kmeans.cluster(odd(np.float32, [0, 1, 9, 10]),
                                                           f([0, 9]), 1)
    yield "neighbors.additem", lambda: knn.additem(odd(np.int16, [3, 4]), 1)
    yield "neighbors.predict", lambda: knn.predict(odd(np.int16, [3, 4]))
    yield "linreg.predict", lambda: linreg.predict(odd(np.float32, [1, 2]))
    yield "linreg.set_weights", lambda: linreg.set_weights(odd(np.float32, [1, 2]))
    yield "logreg.predict_proba", lambda: logreg.predict_proba(f([1, 2]), odd(np.float32, [0] * 3))
    yield "trees.predict", lambda: trees_model().predict(odd(np.int16, [5]), f([0, 0]))
    yield "arrayutils.linear_map", lambda: emlearn_arrayutils.linear_map(
        odd(np.int16, [1, 2]), f([0, 0]), 0, 10, 0, 1)


@pytest.mark.parametrize("name, call", list(calls()), ids=[name for name, _ in calls()])
def test_misaligned_buffers_are_refused(name, call):
    with pytest.raises(ValueError, match=MESSAGE):
        call()


def test_aligned_views_at_an_offset_still_work():
    buf = np.zeros(9, dtype=np.float32)
    view = buf[1:]  # 4 bytes in: aligned for float32
    view[:] = np.arange(8)
    emlearn_fft.FFT(8).run(view, f([0] * 8))
    assert view[0] == pytest.approx(28.0)


def read_only(dtype, n):
    a = np.zeros(n, dtype=dtype)
    a.setflags(write=False)
    return a


def output_calls():
    fft = emlearn_fft.FFT(8)
    iir = emlearn_iir.new(f([1, 0, 0, 1, 0, 0]))
    logreg = emlearn_logreg.new(2, 3)
    yield "fft.run", lambda: fft.run(read_only(np.float32, 8), f([0] * 8))
    yield "iir.run", lambda: iir.run(read_only(np.float32, 8))
    yield "logreg.predict_proba", lambda: logreg.predict_proba(f([1, 2]), read_only(np.float32, 3))
    yield "trees.predict", lambda: trees_model().predict(h([5]), read_only(np.float32, 2))
    yield "arrayutils.linear_map", lambda: emlearn_arrayutils.linear_map(
        h([1, 2]), read_only(np.float32, 2), 0, 10, 0, 1)


@pytest.mark.parametrize("name, call", list(output_calls()),
                         ids=[name for name, _ in output_calls()])
def test_read_only_numpy_outputs_get_the_modules_error(name, call):
    """numpy refuses a writable view of a read-only array with its own ValueError ("buffer
    source array is read-only"); the modules say what bytes and read-only memoryviews get."""
    with pytest.raises(TypeError, match="expecting a writable array, not a read-only buffer"):
        call()


def test_trees_predict_refuses_x_and_out_sharing_memory():
    """predict zeroes out before it reads x: numpy views of one buffer as int16 and float32
    gave -1 instead of 7. MicroPython cannot make such a pair."""
    buf = np.zeros(2, dtype=np.int16)
    buf[0] = 5
    with pytest.raises(ValueError, match="x and out must be different arrays"):
        trees_model().predict(buf[:1], buf.view(np.float32)[:1])


def strided(dtype, n):
    """Every other element of a writable numpy array: numpy refuses a C-contiguous view of it
    with its own ValueError ("ndarray is not C-contiguous")."""
    return np.zeros(2 * n, dtype=dtype)[::2]


def strided_calls():
    fft = emlearn_fft.FFT(8)
    logreg = emlearn_logreg.new(2, 3)
    yield "fft.run input", lambda: fft.run(strided(np.float32, 8), f([0] * 8))
    yield "logreg.predict_proba input", lambda: logreg.predict_proba(strided(np.float32, 2),
                                                                     f([0] * 3))
    yield "logreg.predict_proba output", lambda: logreg.predict_proba(f([1, 2]),
                                                                      strided(np.float32, 3))
    yield "iir.run", lambda: emlearn_iir.new(f([1, 0, 0, 1, 0, 0])).run(strided(np.float32, 8))
    yield "trees.predict output", lambda: trees_model().predict(h([5]), strided(np.float32, 2))
    yield "kmeans.euclidean_argmin", lambda: emlearn_kmeans.euclidean_argmin(
        strided(np.int16, 4), h([1, 1]))
    yield "arrayutils.linear_map", lambda: emlearn_arrayutils.linear_map(
        strided(np.int16, 2), f([0, 0]), 0, 10, 0, 1)


@pytest.mark.parametrize("name, call", list(strided_calls()),
                         ids=[name for name, _ in strided_calls()])
def test_strided_numpy_arrays_get_the_modules_error(name, call):
    """As a strided memoryview of an array.array (and MicroPython): TypeError, the same text."""
    with pytest.raises(TypeError, match="expecting a contiguous array"):
        call()


def test_what_is_no_buffer_keeps_its_own_error():
    with pytest.raises(TypeError):
        emlearn_fft.FFT(8).run([0.0] * 8, f([0] * 8))
    with pytest.raises(TypeError):
        trees_model().predict(h([5]), 7)
