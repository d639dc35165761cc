# emlearn_linreg contract tests. MicroPython-style: runs unchanged on CPython (host module) and on
# a MicroPython Unix port (the .mpy). Expected values are worked out by hand or come from
# scikit-learn / numpy through tests/data/learn_elasticnet.txt (gen_learning_refs.py).
import array
import sys

import emlearn_linreg
from harness import (close, memory_around, printed_lines, printing_through,
                     raises, run, test)
from refs import read_refs


def f(values):
    return array.array("f", values)


@test
def reference_train_trivial():
    # The reference's own test, kept as it is (2 samples, 4 features: a loose bound). What the
    # training reaches is checked against scikit-learn in train_reaches_sklearn_elasticnet.
    model = emlearn_linreg.new(4, 0.1, 0.5, 0.01)
    X = f([1, 2, 3, 4, 2, 3, 4, 5])
    y = f([10, 15])
    emlearn_linreg.train(model, X, y, max_iterations=100, tolerance=1e-6, verbose=0)
    prediction = model.predict(f([1, 2, 3, 4]))
    assert abs(prediction - 10.0) < 0.80, prediction


@test
def one_step_by_hand():
    # w = b = 0; X = [1, 2], y = [2, 4]: errors -2, -4; gradient mean(err * x) = -5, bias -3
    X, y = f([1, 2]), f([2, 4])
    plain = emlearn_linreg.new(1, 0.0, 0.5, 0.1)
    plain.step(X, y)
    w = f([0])
    plain.get_weights(w)
    assert close(w[0], 0.5, 1e-6) and close(plain.get_bias(), 0.3, 1e-6), (w[0], plain.get_bias())
    lasso = emlearn_linreg.new(1, 1.0, 1.0, 0.1)  # soft threshold alpha * l1_ratio * lr = 0.1
    lasso.step(X, y)
    lasso.get_weights(w)
    assert close(w[0], 0.4, 1e-6), w[0]
    ridge = emlearn_linreg.new(1, 1.0, 0.0, 0.1)  # the L2 pull is alpha * w = 0 at w = 0
    ridge.step(X, y)
    ridge.step(X, y)
    # second step from w=0.5, b=0.3: errors -1.2, -2.7; g = (-1.2 - 5.4)/2 = -3.3; + alpha*w = 0.5
    # w = 0.5 - 0.1 * (-3.3 + 0.5) = 0.78; b = 0.3 - 0.1 * (-1.95) = 0.495
    ridge.get_weights(w)
    assert close(w[0], 0.78, 1e-5) and close(ridge.get_bias(), 0.495, 1e-5), (w[0], ridge.get_bias())


@test
def predict_and_score_mse_by_hand():
    model = emlearn_linreg.new(2, 0.0, 0.0, 0.1)
    model.set_weights(f([2.0, -1.0]))
    model.set_bias(0.5)
    assert close(model.predict(f([3, 4])), 2.5, 1e-6)
    assert model.get_bias() == 0.5 and model.get_n_features() == 2
    # predictions 2.5 and 0.5 against 3.5 and 0.5: errors 1 and 0 -> mse 0.5
    assert close(model.score_mse(f([3, 4, 0, 0]), f([3.5, 0.5])), 0.5, 1e-6)
    w = f([0, 0])
    model.get_weights(w)
    assert list(w) == [2.0, -1.0]


@test
def steps_match_the_reference_formula():
    refs = read_refs("learn_elasticnet.txt", {name: "f" for name in (
        "X", "y", "steps_lr", "step1_weights", "step1_bias", "step25_weights", "step25_bias")})
    X, y = refs["X"].values, refs["y"].values
    n_features = refs["X"].cols
    model = emlearn_linreg.new(n_features, 0.1, 0.5, refs["steps_lr"].scalar())
    w = f([0] * n_features)
    for steps, tag in ((1, "step1"), (24, "step25")):
        for _ in range(steps):
            model.step(X, y)
        model.get_weights(w)
        for got, want in zip(w, refs[tag + "_weights"].values):
            assert close(got, want, 1e-5), (tag, got, want)
        assert close(model.get_bias(), refs[tag + "_bias"].scalar(), 1e-5), tag


@test
def train_reaches_sklearn_elasticnet():
    wanted = {"X": "f", "y": "f"}
    for tag in ("a", "b", "c"):
        for part in ("_params", "_coef", "_intercept"):
            wanted[tag + part] = "f"
    refs = read_refs("learn_elasticnet.txt", wanted)
    X, y = refs["X"].values, refs["y"].values
    n_features = refs["X"].cols
    for tag in ("a", "b", "c"):
        alpha, l1_ratio = refs[tag + "_params"].values
        model = emlearn_linreg.new(n_features, alpha, l1_ratio, 0.3)
        iteration, mse = emlearn_linreg.train(model, X, y, max_iterations=3000, tolerance=1e-9)
        assert iteration < 2999, (tag, iteration)  # converged before the limit
        assert close(mse, model.score_mse(X, y), 1e-6)
        w = f([0] * n_features)
        model.get_weights(w)
        for got, want in zip(w, refs[tag + "_coef"].values):
            if want == 0:
                assert got == 0, (tag, got)  # the soft threshold gives exact zeros
            else:
                assert abs(got - want) <= 0.02 * abs(want), (tag, got, want)
        intercept = refs[tag + "_intercept"].scalar()
        assert abs(model.get_bias() - intercept) <= 0.02 * abs(intercept) + 1e-6


@test
def train_returns_the_reference_iteration_and_the_last_score():
    X, y = f([1, 2, 3, 4]), f([2, 4, 6, 8])
    model = emlearn_linreg.new(1, 0.0, 0.0, 0.01)
    iteration, mse = emlearn_linreg.train(model, X, y, max_iterations=7, check_interval=3)
    assert iteration == 6  # the 0-based index of the last step, as the reference
    # checks at iterations 0, 3 and 6: the score measured at the last one is the current model's
    assert close(mse, model.score_mse(X, y), 1e-6), (mse, model.score_mse(X, y))
    iteration, mse = emlearn_linreg.train(emlearn_linreg.new(1, 0.0, 0.0, 0.01), X, y,
                                          max_iterations=1)
    assert iteration == 0 and mse > 0
    # score_limit: stops at the first check at or below it (the reference returned +inf here)
    model = emlearn_linreg.new(1, 0.0, 0.0, 0.01)
    iteration, mse = emlearn_linreg.train(model, X, y, score_limit=1e9)
    assert iteration == 0 and mse == model.score_mse(X, y) and mse < 1e9
    # "at": a limit equal to the first check's score stops there as well
    _, first = emlearn_linreg.train(emlearn_linreg.new(1, 0.0, 0.0, 0.01), X, y, max_iterations=1)
    iteration, mse = emlearn_linreg.train(emlearn_linreg.new(1, 0.0, 0.0, 0.01), X, y,
                                          max_iterations=10, check_interval=1, score_limit=first)
    assert iteration == 0 and mse == first, (iteration, mse, first)
    # convergence needs the change below tolerance after two check intervals
    model = emlearn_linreg.new(1, 0.0, 0.0, 0.05)
    iteration, mse = emlearn_linreg.train(model, X, y, max_iterations=100000, tolerance=1e-3,
                                          check_interval=5)
    assert 10 < iteration < 100000 and iteration % 5 == 0, iteration
    # divergence: a learning rate far too large stops at the first growing check
    model = emlearn_linreg.new(1, 0.0, 0.0, 10.0)
    iteration, mse = emlearn_linreg.train(model, X, y, max_iterations=1000, check_interval=1)
    assert iteration < 5 and (mse > 1e3 or mse != mse), (iteration, mse)
    # positional arguments work as in the reference's Python function
    iteration, _ = emlearn_linreg.train(emlearn_linreg.new(1, 0.0, 0.0, 0.01), X, y, 4, 1e-6, 2,
                                        10.0, None, 0)
    assert iteration == 3


@test
def train_verbose_prints_what_api_md_says():
    X, y = f([1, 2]), f([2, 4])
    model = emlearn_linreg.new(1, 0.0, 0.0, 0.01)
    (iteration, mse), lines = printed_lines(emlearn_linreg.train, model, X, y, max_iterations=3,
                                            check_interval=2, verbose=2)
    # verbose=2: a line at every check (iterations 0 and 2), no reason: it ran to the end
    assert [line.split(" mse=")[0] for line in lines] == [
        "emlearn_linreg: Iteration 0", "emlearn_linreg: Iteration 2"], lines
    assert close(float(lines[-1].split("mse=")[1]), mse, 1e-5), (lines, mse)
    # verbose=1 says why it stopped early, and only that
    _, lines = printed_lines(emlearn_linreg.train, emlearn_linreg.new(1, 0.0, 0.0, 10.0), X, y,
                             max_iterations=1000, check_interval=1, verbose=1)
    assert len(lines) == 1 and lines[0].startswith("emlearn_linreg: Diverged at iteration "), lines
    _, lines = printed_lines(emlearn_linreg.train, emlearn_linreg.new(1, 0.0, 0.0, 0.01), X, y,
                             max_iterations=3, verbose=0)
    assert lines == []


@test
def train_stops_when_print_resizes_the_data():
    # verbose=2 prints between steps, and print can be code that grows X: on MicroPython the array
    # moves its items, which the engine must not read on; CPython refuses the resize.
    X, y = f([1.0] * 64), f([2.0] * 64)
    expected = ValueError if sys.implementation.name == "micropython" else BufferError
    for grown in (X, y):
        model = emlearn_linreg.new(1, 0.0, 0.0, 0.1)
        raises(expected, lambda: printing_through(lambda text: grown.extend(f([1.0] * 8)),
                                                  emlearn_linreg.train, model, X, y,
                                                  max_iterations=50, check_interval=1, verbose=2))


@test
def new_rejects_bad_parameters():
    for args in ((0, 0.1, 0.5, 0.01), (-1, 0.1, 0.5, 0.01), (65536, 0.1, 0.5, 0.01),
                 (2, -0.1, 0.5, 0.01), (2, 0.1, 1.5, 0.01), (2, 0.1, -0.5, 0.01),
                 (2, 0.1, 0.5, 0.0), (2, 0.1, 0.5, -1.0), (2, float("nan"), 0.5, 0.01),
                 (2, 0.1, 0.5, float("inf"))):
        raises(ValueError, emlearn_linreg.new, *args)
    inf = float("inf")
    raises(ValueError, emlearn_linreg.new, 2, inf, 0.5, 0.01, contains="alpha must be finite")
    raises(ValueError, emlearn_linreg.new, 2, 0.1, 0.5, inf, contains="learning_rate must be finite")
    raises(TypeError, emlearn_linreg.new, 2, 0.1, 0.5)
    raises(TypeError, emlearn_linreg.new, "2", 0.1, 0.5, 0.01)

    class Int:  # an int by __int__ only: refused as CPython's own int arguments refuse it
        def __int__(self):
            return 2

    for not_int in (Int(), 2.0):
        raises(TypeError, emlearn_linreg.new, not_int, 0.1, 0.5, 0.01, contains="expecting an int")
    one = emlearn_linreg.new(1, 0, 0, 1)  # ints are accepted for the floats
    assert one.get_n_features() == 1 and one.predict(f([5])) == 0.0  # starts at zero


@test
def typecodes_and_lengths_are_checked():
    model = emlearn_linreg.new(2, 0.1, 0.5, 0.01)
    X, y = f([1, 2, 3, 4]), f([1, 2])
    for bad in (array.array("d", [1, 2]), array.array("h", [1, 2]), bytearray(8)):
        raises(ValueError, model.predict, bad, contains="expecting float32 array")
        raises(ValueError, model.get_weights, bad, contains="expecting float32 array")
        raises(ValueError, model.set_weights, bad, contains="expecting float32 array")
        raises(ValueError, model.step, bad, y, contains="X expecting float32 array")
        raises(ValueError, model.step, X, bad, contains="y expecting float32 array")
        raises(ValueError, model.score_mse, bad, y, contains="X expecting float32 array")
        raises(ValueError, emlearn_linreg.train, model, X, bad, contains="y expecting float32")
    for n in (0, 1, 3):
        raises(ValueError, model.predict, f([0] * n), contains="Feature count mismatch")
        raises(ValueError, model.get_weights, f([0] * n), contains="Buffer is wrong size")
        raises(ValueError, model.set_weights, f([0] * n), contains="Weight array size mismatch")
    for X_bad, y_bad in ((f([1, 2, 3]), y), (X, f([1])), (X, f([1, 2, 3]))):
        raises(ValueError, model.step, X_bad, y_bad, contains="X and y dimensions don't match")
        raises(ValueError, model.score_mse, X_bad, y_bad, contains="dimensions")
        raises(ValueError, emlearn_linreg.train, model, X_bad, y_bad, contains="dimensions")
    raises(ValueError, model.step, f([]), f([]), contains="empty")
    raises(ValueError, model.score_mse, f([]), f([]), contains="empty")
    raises(ValueError, emlearn_linreg.train, model, f([]), f([]), contains="empty")
    raises(TypeError, model.predict, [1.0, 2.0])
    raises(TypeError, model.set_bias, "x")
    w = f([0, 0])
    model.get_weights(w)
    assert list(w) == [0.0, 0.0]  # nothing above changed the model


@test
def train_rejects_bad_options():
    model = emlearn_linreg.new(1, 0.0, 0.0, 0.01)
    X, y = f([1, 2]), f([2, 4])
    raises(ValueError, emlearn_linreg.train, model, X, y, 0, contains="max_iterations")
    raises(ValueError, lambda: emlearn_linreg.train(model, X, y, check_interval=0),
           contains="check_interval")
    raises(TypeError, lambda: emlearn_linreg.train(model, X, y, bogus=1))
    raises(TypeError, lambda: emlearn_linreg.train(model, X))
    raises(TypeError, emlearn_linreg.train, object(), X, y)
    raises(TypeError, lambda: emlearn_linreg.train(model, X, y, max_iterations="10"))


@test
def memory_is_returned_after_del():
    X, y = f([1, 2, 3, 4, 5, 6]), f([1, 2, 3])

    def use():
        model = emlearn_linreg.new(2, 0.1, 0.5, 0.01)
        emlearn_linreg.train(model, X, y, max_iterations=20)
        model.predict(f([1, 2]))
        del model

    before, after = memory_around(use, repeats=50)
    assert after <= before + 256, (before, after)


run()
