# emlearn_logreg contract tests (a microlearn module: the reference has none with this API).
# MicroPython-style: runs unchanged on CPython (host module) and on a MicroPython Unix port (the
# .mpy). Expected values are worked out by hand or come from scikit-learn's LogisticRegression
# through tests/data/learn_logreg_*.txt (gen_learning_refs.py).
import array
import gc
import math
import sys

import emlearn_logreg
from harness import (close, long_ints, memory_around, printed_lines,
                     printing_through, raises, run, test)
from refs import read_refs, rows


def f(values):
    return array.array("f", values)


def sklearn_model(name, wanted):
    """The converted scikit-learn model of a reference file, and the file's arrays."""
    refs = read_refs(name, wanted)
    n_vectors, n_features = refs["coef"].rows, refs["coef"].cols
    model = emlearn_logreg.new(n_features, 2 if n_vectors == 1 else n_vectors)
    model.set_weights(refs["coef"].values)
    model.set_bias(refs["intercept"].values)
    return model, refs


@test
def binary_by_hand():
    model = emlearn_logreg.new(2, 2)
    model.set_weights(f([2.0, -1.0]))
    model.set_bias(f([0.5]))
    proba = f([0, 0])
    model.predict_proba(f([1, 1]), proba)  # decision 1.5
    p1 = 1 / (1 + math.exp(-1.5))
    assert close(proba[1], p1, 1e-6) and close(proba[0], 1 - p1, 1e-6), list(proba)
    assert model.predict(f([1, 1])) == 1
    assert model.predict(f([0, 0.5])) == 0  # decision exactly 0: class 0, as scikit-learn
    d = f([0])
    model.decision_function(f([1, 1]), d)
    assert close(d[0], 1.5, 1e-6)
    assert model.get_n_features() == 2 and model.get_n_classes() == 2
    w, b = f([0, 0]), f([0])
    model.get_weights(w)
    model.get_bias(b)
    assert list(w) == [2.0, -1.0] and list(b) == [0.5]


@test
def multinomial_by_hand():
    model = emlearn_logreg.new(1, 3)
    model.set_bias(f([0, math.log(2), 0]))
    proba = f([0, 0, 0])
    model.predict_proba(f([123]), proba)  # zero weights: softmax of the biases
    assert close(proba[0], 0.25, 1e-6) and close(proba[1], 0.5, 1e-6) and close(proba[2], 0.25, 1e-6)
    assert model.predict(f([0])) == 1
    model.set_weights(f([1, 0, -1]))
    assert model.predict(f([10])) == 0 and model.predict(f([-10])) == 2
    model.set_weights(f([0, 0, 0]))
    model.set_bias(f([1, 1, 0]))
    assert model.predict(f([0])) == 0  # equal decision values: the lowest class


@test
def extreme_logits_stay_finite():
    model = emlearn_logreg.new(1, 3)
    model.set_weights(f([1e30, -1e30, 0]))
    proba = f([0, 0, 0])
    model.predict_proba(f([1e8]), proba)
    assert list(proba) == [1.0, 0.0, 0.0], list(proba)
    binary = emlearn_logreg.new(1, 2)
    binary.set_weights(f([1e30]))
    p = f([0, 0])
    binary.predict_proba(f([-1e8]), p)
    assert list(p) == [1.0, 0.0], list(p)


@test
def one_step_by_hand():
    # one sample x = 1, y = 1, w = b = 0: p = 0.5, gradient -0.5 for both; lr = 1
    model = emlearn_logreg.new(1, 2, learning_rate=1.0)
    model.step(f([1]), bytearray([1]))
    w, b = f([0]), f([0])
    model.get_weights(w)
    model.get_bias(b)
    assert close(w[0], 0.5, 1e-6) and close(b[0], 0.5, 1e-6), (w[0], b[0])
    # with l2 = 1 the second step also pulls w: p = sigmoid(1), g = p - 1
    model = emlearn_logreg.new(1, 2, 1.0, 1.0)
    model.step(f([1]), array.array("B", [1]))
    model.step(f([1]), array.array("B", [1]))
    p = 1 / (1 + math.exp(-1.0))
    model.get_weights(w)
    model.get_bias(b)
    assert close(w[0], 0.5 - ((p - 1) + 0.5), 1e-5) and close(b[0], 0.5 - (p - 1), 1e-5)
    # log loss at w = b = 0 is ln 2 per sample
    fresh = emlearn_logreg.new(2, 2)
    assert close(fresh.score_logloss(f([1, 2, 3, 4]), bytes([0, 1])), math.log(2), 1e-6)
    three = emlearn_logreg.new(2, 3)
    assert close(three.score_logloss(f([1, 2]), bytes([2])), math.log(3), 1e-6)


def check_sklearn_parity(name):
    model, refs = sklearn_model(name, {"coef": "f", "intercept": "f"})
    n_classes = model.get_n_classes()
    n_vectors = 1 if n_classes == 2 else n_classes
    proba, decision = f([0] * n_classes), f([0] * n_vectors)
    n = 0
    for x, want_class, want_proba, want_decision in rows(
            name, ("X", "predict", "predict_proba", "decision_function")):
        x = f(x)
        assert model.predict(x) == int(want_class[0]), (name, n)
        model.predict_proba(x, proba)
        for got, want in zip(proba, want_proba):
            assert abs(got - want) <= 1e-5, (name, n, got, want)
        model.decision_function(x, decision)
        for got, want in zip(decision, want_decision):
            assert abs(got - want) <= 1e-4 * (1 + abs(want)), (name, n, got, want)
        n += 1
    assert n > 100, n


@test
def converted_sklearn_iris_multinomial():
    check_sklearn_parity("learn_logreg_iris.txt")


@test
def converted_sklearn_breast_cancer_binary():
    check_sklearn_parity("learn_logreg_cancer.txt")


def accuracy(model, X, y):
    right = 0
    for i in range(X.rows):
        right += model.predict(X.values[i * X.cols:(i + 1) * X.cols]) == y.values[i]
    return right / X.rows


@test
def training_on_the_device_reaches_sklearn_accuracy():
    # Every third breast_cancer sample: all 569 (23 KB of floats), or every second (11 KB), do not
    # reliably fit a board-sized heap in one piece once it is fragmented (tools/qemu). Nothing is
    # kept between the two sets.
    for name, stride in (("learn_logreg_cancer.txt", 3), ("learn_logreg_iris.txt", 1)):
        gc.collect()
        refs = read_refs(name, {"C": "f", "X": "f", "y": "i", "predict": "i"}, stride)
        X, y = refs["X"], refs["y"]
        n_classes = max(y.values) + 1
        sklearn_accuracy = 0
        for i in range(X.rows):
            sklearn_accuracy += refs["predict"].values[i] == y.values[i]
        sklearn_accuracy /= X.rows
        model = emlearn_logreg.new(X.cols, n_classes, learning_rate=1.0,
                                   l2=1.0 / (refs["C"].scalar() * X.rows))
        labels = array.array("B", y.values)
        iteration, loss = emlearn_logreg.train(model, X.values, labels, max_iterations=2000,
                                               tolerance=1e-7)
        assert loss < 0.5 and loss == model.score_logloss(X.values, labels)
        got = accuracy(model, X, y)
        assert got >= 0.95 * sklearn_accuracy, (name, got, sklearn_accuracy)
        del refs, X, y, labels, model


@test
def train_shape_matches_linreg():
    X, y = f([0, 0, 0, 1, 1, 0, 1, 1]), bytearray([0, 0, 0, 1])  # AND
    model = emlearn_logreg.new(2, 2, learning_rate=0.5)
    iteration, loss = emlearn_logreg.train(model, X, y, max_iterations=7, check_interval=3)
    assert iteration == 6 and close(loss, model.score_logloss(X, y), 1e-6)
    model = emlearn_logreg.new(2, 2, learning_rate=2.0)
    emlearn_logreg.train(model, X, y, 3000, 1e-9, 10, 10.0, None, 0)
    assert [model.predict(f([a, b])) for a, b in ((0, 0), (0, 1), (1, 0), (1, 1))] == [0, 0, 0, 1]
    iteration, _ = emlearn_logreg.train(emlearn_logreg.new(2, 2), X, y, score_limit=10.0)
    assert iteration == 0
    _, lines = printed_lines(emlearn_logreg.train, emlearn_logreg.new(2, 2), X, y,
                             max_iterations=2, check_interval=1, verbose=2)
    assert [line.split(" ")[:3] for line in lines] == [
        ["emlearn_logreg:", "Iteration", "0"], ["emlearn_logreg:", "Iteration", "1"]], lines


@test
def train_stops_when_print_resizes_the_data():
    # As emlearn_linreg.train: print between steps may grow X or y (see test_linreg.py).
    X, y = f([0, 0, 0, 1, 1, 0, 1, 1]), bytearray([0, 0, 0, 1])
    expected = ValueError if sys.implementation.name == "micropython" else BufferError
    for grow in (lambda text: X.extend(f([0, 0])), lambda text: y.extend(bytearray([1]))):
        model = emlearn_logreg.new(2, 2, learning_rate=0.5)
        raises(expected, lambda: printing_through(grow, emlearn_logreg.train, model, X, y,
                                                  max_iterations=50, check_interval=1, verbose=2))


@test
def outputs_must_not_overlap_the_input():
    model = emlearn_logreg.new(3, 3)
    model.set_weights(f([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    x = f([1, 0, 0])
    for method in (model.decision_function, model.predict_proba):
        raises(ValueError, method, x, x, contains="x and out must be different arrays")
        both = f([1, 0, 0, 0, 0])
        view = memoryview(both)
        raises(ValueError, method, view[0:3], view[2:5], contains="different arrays")
    out = f([0, 0, 0])
    model.decision_function(x, out)
    assert list(out) == [1.0, 4.0, 7.0]


@test
def new_rejects_bad_parameters():
    for args in ((0, 2), (-1, 2), (65536, 2), (2, 1), (2, 0), (2, 257), (2, -2)):
        raises(ValueError, emlearn_logreg.new, *args)
    raises(ValueError, emlearn_logreg.new, 2, 2, 0.0, contains="learning_rate")
    raises(ValueError, lambda: emlearn_logreg.new(2, 2, learning_rate=-1), contains="learning_rate")
    raises(ValueError, lambda: emlearn_logreg.new(2, 2, l2=-0.1), contains="l2")
    raises(ValueError, lambda: emlearn_logreg.new(2, 2, l2=float("nan")), contains="l2")
    raises(ValueError, lambda: emlearn_logreg.new(2, 2, l2=float("inf")), contains="l2 must be finite")
    raises(TypeError, lambda: emlearn_logreg.new(2, 2, bogus=1))
    raises(TypeError, emlearn_logreg.new, 2)
    for n in long_ints():  # saturated, never wrapped (2**32 + 1 features was 1 on a 32-bit port)
        raises(ValueError, emlearn_logreg.new, n, 2, contains="n_features")
        raises(ValueError, emlearn_logreg.new, 2, n, contains="n_classes")
    assert emlearn_logreg.new(1, 256).get_n_classes() == 256


@test
def typecodes_lengths_and_labels_are_checked():
    model = emlearn_logreg.new(2, 3)
    X, y = f([1, 2, 3, 4]), bytearray([0, 2])
    out3 = f([0, 0, 0])
    for bad in (array.array("d", [1, 2]), array.array("h", [1, 2]), bytearray(8)):
        raises(ValueError, model.predict, bad, contains="expecting float32 array")
        raises(ValueError, model.predict_proba, bad, out3, contains="expecting float32 array")
        raises(ValueError, model.step, bad, y, contains="X expecting float32 array")
    raises(ValueError, model.predict_proba, f([1, 2]), array.array("d", [0, 0, 0]),
           contains="expecting float32 array")
    for n in (0, 1, 3):
        raises(ValueError, model.predict, f([0] * n), contains="Feature count mismatch")
        raises(ValueError, model.predict_proba, f([0] * n), out3, contains="Feature count")
    for n in (0, 2, 4):
        raises(ValueError, model.predict_proba, f([1, 2]), f([0] * n), contains="wrong size")
        raises(ValueError, model.get_bias, f([0] * n), contains="wrong size")
        raises(ValueError, model.set_bias, f([0] * n), contains="wrong size")
    raises(ValueError, model.decision_function, f([1, 2]), f([0, 0]), contains="wrong size")
    for n in (0, 2, 5, 7):
        raises(ValueError, model.get_weights, f([0] * n), contains="wrong size")
        raises(ValueError, model.set_weights, f([0] * n), contains="wrong size")
    for bad_y in (array.array("h", [0, 1]), f([0, 1]), array.array("b", [0, 1])):
        raises(ValueError, model.step, X, bad_y, contains="y expecting B array")
    raises(ValueError, model.step, X, bytearray([0, 3]), contains="class >= n_classes")
    raises(ValueError, model.score_logloss, X, bytearray([255, 0]), contains="n_classes")
    raises(ValueError, emlearn_logreg.train, model, X, bytearray([0, 3]), contains="n_classes")
    raises(ValueError, model.step, X, bytearray([0]), contains="dimensions")
    raises(ValueError, model.step, f([1, 2, 3]), bytearray([0]), contains="dimensions")
    raises(ValueError, model.step, f([]), bytearray(), contains="empty")
    raises(ValueError, lambda: emlearn_logreg.train(model, X, y, max_iterations=0),
           contains="max_iterations")
    raises(ValueError, lambda: emlearn_logreg.train(model, X, y, check_interval=-1),
           contains="check_interval")
    raises(TypeError, emlearn_logreg.train, object(), X, y)
    w = f([0] * 6)
    model.get_weights(w)
    assert list(w) == [0.0] * 6  # nothing above changed the model
    binary = emlearn_logreg.new(2, 2)
    raises(ValueError, binary.set_bias, f([0, 0]), contains="wrong size")  # one bias for 2 classes
    raises(ValueError, binary.set_weights, f([0] * 4), contains="wrong size")


@test
def memory_is_returned_after_del():
    X, y = f([0, 0, 0, 1, 1, 0, 1, 1]), bytearray([0, 1, 2, 1])

    def use():
        model = emlearn_logreg.new(2, 3)
        emlearn_logreg.train(model, X, y, max_iterations=20)
        model.predict(f([1, 2]))
        del model

    before, after = memory_around(use, repeats=50)
    assert after <= before + 256, (before, after)


run()
