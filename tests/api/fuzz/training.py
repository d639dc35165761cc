# Hostile arguments for emlearn_kmeans, emlearn_linreg and emlearn_logreg (train() included).
import array

from fuzz.engine import huge_int, prints
from fuzz.engine import pool as P
from fuzz.fixtures import exhaust, f32, i16, linreg, logreg, mod, six, two_clusters
from harness import lcg


def kmeans(z):
    m = mod("emlearn_kmeans")
    z.function("kmeans.euclidean_argmin", m.euclidean_argmin,
               lambda: [i16([0, 0, 9, 9]), i16([8, 8])], [P(4, "h"), P(2, "h")])
    for kw in (None, {"max_iter": 3, "stop_changes": 0}):
        z.function("kmeans.cluster", m.cluster, lambda: two_clusters() + [1],
                   [P(4, "h"), P(2, "h"), P()], kw)
    z.function("kmeans.cluster(options)", m.cluster, lambda: two_clusters() + [1, 5, 0],
               [P(4, "h"), P(2, "h"), P(), P(), P()])
    z.keywords("kmeans.cluster", m.cluster, lambda: two_clusters() + [1],
               ["max_iter", "stop_changes", "features"], P())

    def iterate(*args, **kw):
        exhaust(m.cluster_iter(*args, **kw))

    z.function("kmeans.cluster_iter", iterate, lambda: two_clusters() + [bytearray(4), 1],
               [P(4, "h"), P(2, "h"), P(4, "B"), P()])
    z.function("kmeans.cluster_iter(options)", iterate,
               lambda: two_clusters() + [bytearray(4), 1, 5, 0],
               [P(4, "h"), P(2, "h"), P(4, "B"), P(), P(), P()])
    z.keywords("kmeans.cluster_iter", iterate, lambda: two_clusters() + [bytearray(4), 1],
               ["max_iter", "stop_changes"], P())
    # Arrays that grow or change between two steps; one array as several arguments.
    rand = lcg(5)
    for round_ in range(40):
        values, centroids = two_clusters()
        assignments = bytearray(4)
        it = m.cluster_iter(values, centroids, assignments, 1, 20)
        for _ in range(6):
            op = rand(5)
            if op == 0:
                values.append(3)
            elif op == 1:
                centroids.append(7)
            elif op == 2:
                assignments.append(0)
            elif op == 3:
                values[rand(len(values))] = rand(60000) - 30000
            else:
                assignments[rand(len(assignments))] = rand(256)  # a cluster that does not exist
            z.call("kmeans.step", next, [it], [str(round_)], allowed=(StopIteration,))
    for tc in ("B", "h", "f"):
        for n in (1, 2, 4):
            data, b = array.array(tc, [i % 5 for i in range(n)]), bytearray(n)
            for args in ([data, data, b, 1], [b, b, b, 1], [data, data, b, 2],
                         [memoryview(b)[1:], memoryview(b)[:1], memoryview(b)[: n - 1], 1]):
                z.call("kmeans.cluster_iter(aliased)", iterate, args, [tc, str(n)])


def _train(z, name, train, model, y, y_tc):
    iters, quiet = P(exclude=huge_int), P(exclude=prints)
    z.function(name, train, lambda: [model(), six(), y()], [P(), P(6), P(3, y_tc)])
    z.function(name + "(options)", train, lambda: [model(), six(), y(), 5, 1e-6, 2, 10.0, None, 0],
               [P(), P(6), P(3, y_tc), iters, P(), iters, P(), P(), quiet])
    for k in ("max_iterations", "tolerance", "check_interval", "divergence_factor",
              "score_limit", "verbose"):
        p = iters if k in ("max_iterations", "check_interval") else quiet if k == "verbose" else P()
        z.keywords(name, train, lambda: [model(), six(), y()], [k], p)


def linreg_(z):
    m = mod("emlearn_linreg")
    L = type(linreg())
    z.function("linreg.new", m.new, lambda: [2, 0.1, 0.5, 0.01], [P()] * 4,
               allowed=(MemoryError,))
    z.function("linreg.predict", L.predict, lambda: [linreg(), f32([1, 2])], [P(), P(2)])
    for method in ("step", "score_mse"):
        z.function("linreg." + method, getattr(L, method),
                   lambda: [linreg(), six(), f32([1, 2, 3])], [P(), P(6), P(3)])
    for method in ("get_weights", "set_weights"):
        z.function("linreg." + method, getattr(L, method), lambda: [linreg(), f32([0, 0])],
                   [P(), P(2)])
    z.function("linreg.set_bias", L.set_bias, lambda: [linreg(), 0.5], [P(), P()])
    for method in ("get_bias", "get_n_features"):
        z.function("linreg." + method, getattr(L, method), lambda: [linreg()], [P()])
    _train(z, "linreg.train", m.train, linreg, lambda: f32([1, 2, 3]), "f")


def logreg_(z):
    m = mod("emlearn_logreg")
    G = type(logreg())
    z.function("logreg.new", m.new, lambda: [2, 3], [P(), P()], allowed=(MemoryError,))
    z.function("logreg.new(rates)", m.new, lambda: [2, 3, 0.1, 0.0], [P()] * 4,
               allowed=(MemoryError,))
    z.keywords("logreg.new", m.new, lambda: [2, 3], ["learning_rate", "l2"], P(),
               allowed=(MemoryError,))
    z.function("logreg.predict", G.predict, lambda: [logreg(), f32([1, 2])], [P(), P(2)])
    for method in ("predict_proba", "decision_function"):
        z.function("logreg." + method, getattr(G, method),
                   lambda: [logreg(), f32([1, 2]), f32([0, 0, 0])], [P(), P(2), P(3)])
    for method in ("step", "score_logloss"):
        z.function("logreg." + method, getattr(G, method),
                   lambda: [logreg(), six(), bytearray([0, 1, 2])], [P(), P(6), P(3, "B")])
    for method, n in (("get_weights", 6), ("set_weights", 6), ("get_bias", 3), ("set_bias", 3)):
        z.function("logreg." + method, getattr(G, method), lambda: [logreg(), f32([0] * n)],
                   [P(), P(n)])
    for method in ("get_n_features", "get_n_classes"):
        z.function("logreg." + method, getattr(G, method), lambda: [logreg()], [P()])
    _train(z, "logreg.train", m.train, logreg, lambda: bytearray([0, 1, 2]), "B")
    x = f32([1, 2, 3])
    z.call("logreg.predict_proba(aliased)", logreg().predict_proba, [memoryview(x)[:2], x], ["x"])
