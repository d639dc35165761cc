# Runs on MicroPython: one of the learning modules' calls, LOOPS times.
#   micropython bench_learning_device.py CASE LOOPS
# CASE: kmeans_argmin, kmeans_cluster, linreg_predict, linreg_step, logreg_predict_proba,
# logreg_step. Prints: us=... checksum=... (or missing=<what> when the module lacks the function,
# as the reference's kmeans built with MicroPython 1.29 lacks cluster).
import array
import gc
import sys
import time

PIXELS = 1000  # kmeans: RGB pixels (uint8), 8 clusters, 5 iterations per cluster() call
CLUSTERS = 8
ROWS = 100  # linreg / logreg: rows of the training batch
FEATURES = 8


def lcg(seed):
    state = [seed]

    def next_value(modulo):
        state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
        return (state[0] >> 8) % modulo

    return next_value


def kmeans_argmin(loops):
    import emlearn_kmeans

    rand = lcg(3)
    centroids = bytearray(rand(256) for _ in range(16 * 3))
    points = [bytearray(rand(256) for _ in range(3)) for _ in range(16)]
    argmin = emlearn_kmeans.euclidean_argmin
    t0 = time.ticks_us()
    for i in range(loops):
        argmin(centroids, points[i & 15])
    us = time.ticks_diff(time.ticks_us(), t0)
    checksum = 0
    for p in points:
        index, distance = argmin(centroids, p)
        checksum = (checksum * 31 + index * 1000003 + distance) & 0xFFFFFFF
    return us, checksum


def kmeans_cluster(loops):
    import emlearn_kmeans

    if not hasattr(emlearn_kmeans, "cluster"):
        return None, "emlearn_kmeans.cluster"
    rand = lcg(5)
    # Pixels around 8 colours, so the clusters mean something and 5 iterations keep changing
    # assignments (the run never stops early: both libraries do the same work).
    colours = [[rand(256) for _ in range(3)] for _ in range(CLUSTERS)]
    values = bytearray(PIXELS * 3)
    for i in range(PIXELS):
        colour = colours[rand(CLUSTERS)]
        for j in range(3):
            values[i * 3 + j] = min(255, max(0, colour[j] + rand(81) - 40))
    start = bytes(values[: CLUSTERS * 3])  # the first 8 pixels as the initial centroids
    centroids = bytearray(start)
    cluster = emlearn_kmeans.cluster
    gc.collect()
    t0 = time.ticks_us()
    for _ in range(loops):
        centroids[:] = start
        cluster(values, centroids, 3, max_iter=5, stop_changes=0)
    us = time.ticks_diff(time.ticks_us(), t0)
    centroids[:] = start
    assignments = cluster(values, centroids, 3, max_iter=5, stop_changes=0)
    checksum = 0
    for a in assignments:
        checksum = (checksum * 3 + a) & 0xFFFFFFF
    for c in centroids:
        checksum = (checksum * 7 + c) & 0xFFFFFFF
    return us, checksum


def regression_batch(rand):
    weights = [rand(2001) / 1000 - 1 for _ in range(FEATURES)]
    X = array.array("f", (rand(2001) / 1000 - 1 for _ in range(ROWS * FEATURES)))
    y = array.array("f", [0.0] * ROWS)
    for i in range(ROWS):
        y[i] = sum(weights[j] * X[i * FEATURES + j] for j in range(FEATURES)) + 0.5
    return X, y


def time_steps(step, X, y, loops):
    """µs for `loops` gradient steps over the batch (the loop is here, not in a closure: every
    instruction outside step() counts against both libraries)."""
    t0 = time.ticks_us()
    for _ in range(loops):
        step(X, y)
    return time.ticks_diff(time.ticks_us(), t0)


def trained(model, X, y):
    for _ in range(20):
        model.step(X, y)
    return model


def weights_checksum(model, count):
    w = array.array("f", [0.0] * count)
    model.get_weights(w)
    # Rounded to 1e-4: the two libraries may sum in another order.
    return ",".join("%.4f" % v for v in w)


def linreg_model():
    import emlearn_linreg

    return emlearn_linreg.new(FEATURES, 0.01, 0.5, 0.1)  # alpha, l1_ratio, learning rate


def linreg_predict(loops):
    X, y = regression_batch(lcg(9))
    model = trained(linreg_model(), X, y)
    rows = [X[i * FEATURES:(i + 1) * FEATURES] for i in range(16)]
    predict = model.predict
    t0 = time.ticks_us()
    for i in range(loops):
        predict(rows[i & 15])
    us = time.ticks_diff(time.ticks_us(), t0)
    return us, ",".join("%.4f" % predict(r) for r in rows[:4])


def linreg_step(loops):
    X, y = regression_batch(lcg(9))
    us = time_steps(linreg_model().step, X, y, loops)
    return us, weights_checksum(trained(linreg_model(), X, y), FEATURES)


def logreg_batch(rand):
    X = array.array("f", (rand(2001) / 1000 - 1 for _ in range(ROWS * FEATURES)))
    y = bytearray(ROWS)
    for i in range(ROWS):
        s = X[i * FEATURES] + X[i * FEATURES + 1]
        y[i] = 0 if s < -0.3 else (1 if s < 0.3 else 2)
    return X, y


def logreg_predict_proba(loops):
    import emlearn_logreg

    X, y = logreg_batch(lcg(11))
    model = trained(emlearn_logreg.new(FEATURES, 3, 0.5), X, y)
    rows = [X[i * FEATURES:(i + 1) * FEATURES] for i in range(16)]
    out = array.array("f", [0.0] * 3)
    proba = model.predict_proba
    t0 = time.ticks_us()
    for i in range(loops):
        proba(rows[i & 15], out)
    us = time.ticks_diff(time.ticks_us(), t0)
    return us, weights_checksum(model, 3 * FEATURES)


def logreg_step(loops):
    import emlearn_logreg

    model = emlearn_logreg.new(FEATURES, 3, 0.5)
    X, y = logreg_batch(lcg(11))
    us = time_steps(model.step, X, y, loops)
    return us, weights_checksum(model, 3 * FEATURES)


CASES = {f.__name__: f for f in (kmeans_argmin, kmeans_cluster, linreg_predict, linreg_step,
                                 logreg_predict_proba, logreg_step)}


def main():
    case, loops = sys.argv[1], int(sys.argv[2])
    us, checksum = CASES[case](loops)
    if us is None:
        print("missing=%s" % checksum)
    else:
        print("us=%.2f checksum=%s" % (us / max(loops, 1), checksum))


main()
