# emlearn_kmeans contract tests. MicroPython-style: runs unchanged on CPython (host module) and on
# a MicroPython Unix port (the .mpy). Expected values are worked out by hand or come from a numpy
# statement of the reference's algorithm in tests/data/learn_kmeans_blobs.txt.
import array

import emlearn_kmeans
from harness import (close, long_ints, memory_around, raises, run, test,
                     with_array_keeping_its_init)
from refs import read_refs


def make_two_cluster_data(typecode):
    dataset = [0, 0, 0, 10, 5, 2, 200, 50, 100, 255, 255, 255]
    centroids = [0, 0, 0, 200, 200, 200]
    if typecode == "bytearray":
        return bytearray(dataset), bytearray(centroids)
    return array.array(typecode, dataset), array.array(typecode, centroids)


@test
def reference_two_clusters():
    for typecode in ("bytearray", "B", "h", "f"):
        dataset, centroids = make_two_cluster_data(typecode)
        assignments = emlearn_kmeans.cluster(dataset, centroids, features=3)
        assert len(assignments) == len(dataset) // 3
        assert list(assignments) == [0, 0, 1, 1], (typecode, assignments)


@test
def cluster_frees_nothing_that_array_keeps():
    # On MicroPython the assignments are built by `array.array`, which may be Python code that
    # keeps its argument: writing through that must not reach memory given to anything else.
    dataset = bytearray(range(120))  # 60 samples of 2 values
    out = with_array_keeping_its_init(emlearn_kmeans.cluster, dataset,
                                      bytearray([0, 0, 100, 100]), 2, size=60)
    assert list(out) == [0] * 30 + [1] * 30, list(out)


@test
def reference_many_features():
    dataset = array.array("B", (0 for _ in range(10 * 100)))
    centroids = array.array("B", (0 for _ in range(10 * 10)))
    assignments = emlearn_kmeans.cluster(dataset, centroids, features=10, max_iter=2)
    assert len(assignments) == 100
    assert min(assignments) >= 0 and max(assignments) < 10
    assert list(assignments) == [0] * 100  # all tie: the first centroid wins


@test
def cluster_returns_a_B_array_and_updates_centroids_in_place():
    values = array.array("B", [0, 1, 10, 11])
    centroids = array.array("B", [0, 5])
    assignments = emlearn_kmeans.cluster(values, centroids, 1)
    assert isinstance(assignments, array.array) and list(assignments) == [0, 0, 1, 1]
    # Means floored as the reference's `sum // count`: (0+1)//2 = 0, (10+11)//2 = 10
    assert list(centroids) == [0, 10]
    values = array.array("h", [-1, -2, 10, 11])
    centroids = array.array("h", [0, 5])
    emlearn_kmeans.cluster(values, centroids, 1)
    assert list(centroids) == [-2, 10]  # floor (-3 // 2 = -2), as Python's //
    values = array.array("f", [0, 1, 10, 11])
    centroids = array.array("f", [0, 5])
    emlearn_kmeans.cluster(values, centroids, 1)
    assert list(centroids) == [0.5, 10.5]


@test
def euclidean_argmin_known_answers():
    vectors = bytearray([0, 0, 0, 10, 10, 10, 20, 20, 20])
    assert emlearn_kmeans.euclidean_argmin(vectors, bytearray([9, 9, 12])) == (1, 1 + 1 + 4)
    assert emlearn_kmeans.euclidean_argmin(vectors, array.array("B", [255, 255, 255])) == (
        2, 3 * 235 * 235)
    # Ties go to the first index.
    assert emlearn_kmeans.euclidean_argmin(bytearray([4, 6, 9]), bytearray([5])) == (0, 1)
    assert emlearn_kmeans.euclidean_argmin(bytes([7, 7]), bytes([7, 7])) == (0, 0)
    # int16: exact beyond 32 bits (4 * 65535^2)
    big = emlearn_kmeans.euclidean_argmin(array.array("h", [-32768] * 4 + [0] * 4),
                                          array.array("h", [32767] * 4))
    assert big == (1, 4 * 32767 * 32767), big
    assert emlearn_kmeans.euclidean_argmin(array.array("h", [-32768] * 4),
                                           array.array("h", [32767] * 4)) == (0, 4 * 65535 * 65535)
    index, d = emlearn_kmeans.euclidean_argmin(array.array("f", [0.5, 0.5, 3, 4]),
                                               array.array("f", [0, 0]))
    assert index == 0 and close(d, 0.5, 1e-6)


@test
def euclidean_argmin_rejects_bad_input():
    b = bytearray([1, 2, 3, 4])
    for bad in (array.array("i", [1, 2]), array.array("H", [1, 2]), array.array("b", [1, 2])):
        raises(ValueError, emlearn_kmeans.euclidean_argmin, bad, b, contains="expecting B array")
        raises(ValueError, emlearn_kmeans.euclidean_argmin, b, bad, contains="expecting B array")
    raises(ValueError, emlearn_kmeans.euclidean_argmin, array.array("h", [1, 2]),
           array.array("B", [1, 2]), contains="same typecode")
    raises(ValueError, emlearn_kmeans.euclidean_argmin, b, bytearray(3),
           contains="vectors length must be divisible by @point dimensions")
    raises(ValueError, emlearn_kmeans.euclidean_argmin, b, bytearray(),
           contains="point must have 1..65535 values")
    # Squared uint8 distances over more than 65535 values would pass the engine's uint32 sums
    # (70000 values of 255 against 0: 4,551,750,000 came out as 256,782,704, the wrong row won).
    try:
        wide = bytearray(b"\xff" * 65536)
    except MemoryError:  # a board's heap
        wide = None
    if wide is not None:
        raises(ValueError, emlearn_kmeans.euclidean_argmin, wide, wide,
               contains="point must have 1..65535 values")
        del wide
        try:
            rows = bytearray(2 * 65535)
            point = bytearray(b"\xff" * 65535)
        except MemoryError:
            rows = None
        if rows is not None:
            rows[65535:] = bytearray(b"\x80" * 65535)
            assert emlearn_kmeans.euclidean_argmin(rows, point) == (1, 65535 * 127 * 127)
            assert emlearn_kmeans.euclidean_argmin(rows[:65535], point) == (0, 65535 * 255 * 255)
    raises(ValueError, emlearn_kmeans.euclidean_argmin, bytearray(), bytearray(2),
           contains="vectors")
    raises(TypeError, emlearn_kmeans.euclidean_argmin, [1, 2], b)


@test
def cluster_iter_is_an_iterator_yielding_changes():
    values = array.array("B", [0, 1, 10, 11])
    centroids = array.array("B", [0, 5])
    assignments = array.array("B", [255] * 4)
    it = emlearn_kmeans.cluster_iter(values, centroids, assignments, 1)
    assert iter(it) is it
    assert next(it) == 4  # every sample starts unassigned
    assert list(assignments) == [0, 0, 1, 1] and list(centroids) == [0, 5]
    assert next(it) == 0  # after the update: nothing moves, so it stops
    assert list(centroids) == [0, 10]
    raises(StopIteration, next, it)
    raises(StopIteration, next, it)


@test
def cluster_iter_with_keywords_max_iter_and_stop_changes():
    values = array.array("B", [0, 1, 10, 11, 50, 52])
    for max_iter, expected in ((0, []), (1, [6]), (2, [6, 1]), (10, [6, 1, 0])):
        centroids = array.array("B", [0, 20])
        assignments = bytearray([255] * 6)
        changes = list(emlearn_kmeans.cluster_iter(values=values, centroids=centroids,
                                                   assignments=assignments, features=1,
                                                   max_iter=max_iter))
        assert changes == expected, (max_iter, changes)
    # max_iter reached: the last iteration's update still happens (the generator resumes)
    centroids = array.array("B", [0, 20])
    list(emlearn_kmeans.cluster_iter(values, centroids, bytearray([255] * 6), 1, max_iter=1))
    # 10 is as near to 0 as to 20: the first centroid wins. (0+1+10)//3, (11+50+52)//3
    assert list(centroids) == [3, 37], list(centroids)
    # stop_changes: stops after the first iteration that changes no more than that, without
    # moving the centroids again
    centroids = array.array("B", [0, 20])
    changes = list(emlearn_kmeans.cluster_iter(values, centroids, bytearray([255] * 6), 1,
                                               stop_changes=6))
    assert changes == [6] and list(centroids) == [0, 20]
    # assignments starting at 0 (not 255): only the samples that really move count
    assert list(emlearn_kmeans.cluster_iter(values, array.array("B", [0, 20]), bytearray(6), 1,
                                            5, 1)) == [3, 1]
    assert list(emlearn_kmeans.cluster(values, array.array("B", [0, 20]), 1,
                                       max_iter=0)) == [255] * 6


def check_blobs(name, typecode, rounding, exact_centroids):
    tag = name + "_" + rounding
    value_type = "f" if typecode == "f" else "i"
    refs = read_refs("learn_kmeans_blobs.txt", {
        name + "_values": value_type, name + "_init": value_type, tag + "_changes": "i",
        tag + "_centroids": value_type, tag + "_assignments": "i"})
    values = array.array(typecode, refs[name + "_values"].values)
    centroids = array.array(typecode, refs[name + "_init"].values)
    assignments = array.array("B", [255] * refs[name + "_values"].rows)
    changes = list(emlearn_kmeans.cluster_iter(values, centroids, assignments, 3, max_iter=20))
    assert changes == refs[tag + "_changes"].list(), (tag, changes)
    assert list(assignments) == refs[tag + "_assignments"].list(), tag
    for got, want in zip(centroids, refs[tag + "_centroids"].values):
        if exact_centroids:
            assert got == want, (tag, list(centroids))
        else:
            assert close(got, want, 1e-3 * (1 + abs(want))), (tag, got, want)
    again = array.array(typecode, refs[name + "_init"].values)
    assert list(emlearn_kmeans.cluster(values, again, 3, max_iter=20)) == list(assignments)
    assert list(again) == list(centroids)
    if name == "u8":
        # The first three iterations of the longer run.
        short = list(emlearn_kmeans.cluster_iter(values, array.array(typecode, refs[name + "_init"].values),
                                                 bytearray([255] * len(assignments)), 3, 3))
        assert short == changes[:3]


@test
def blobs_match_the_reference_algorithm():
    check_blobs("u8", "B", "floor", True)
    check_blobs("i16", "h", "floor", True)
    check_blobs("f32", "f", "nearest", False)  # float means: no rounding


@test
def cluster_rejects_bad_input():
    v = array.array("B", [1, 2, 3, 4])
    c = array.array("B", [1, 2])
    a = bytearray(2)
    it = emlearn_kmeans.cluster_iter
    raises(ValueError, it, array.array("i", [1, 2]), c, a, 2, contains="expecting B array")
    raises(ValueError, it, v, array.array("h", [1, 2]), a, 2, contains="same typecode")
    raises(ValueError, it, v, c, array.array("h", [0, 0]), 2, contains="assignments")
    raises(ValueError, it, v, c, bytearray(3), 2, contains="one entry per sample (2)")
    raises(ValueError, it, v, c, bytearray(1), 2, contains="one entry per sample")
    for features in (0, -1, 65536):
        raises(ValueError, it, v, c, a, features, contains="features must be")
    raises(ValueError, it, v, c, a, 3, contains="values length must be divisible by features")
    raises(ValueError, it, v, array.array("B", [1, 2, 3]), a, 2, contains="centroids length")
    raises(ValueError, it, v, array.array("B"), a, 2, contains="number of centroids must be 1..255")
    raises(ValueError, it, v, array.array("B", [0] * 512), a, 2, contains="number of centroids")
    raises(ValueError, it, array.array("B"), c, bytearray(), 2, contains="number of samples")
    raises(ValueError, it, v, c, a, 2, 10, -1, contains="stop_changes")
    raises(TypeError, it, v, c, a)
    raises(TypeError, lambda: it(v, c, a, 2, bogus=1))
    raises(TypeError, lambda: emlearn_kmeans.cluster(v, c, 2, bogus=1))
    raises(TypeError, lambda: emlearn_kmeans.cluster(v, c, 2, features=2))
    raises(TypeError, emlearn_kmeans.cluster, v, c)
    raises(ValueError, emlearn_kmeans.cluster, v, c, 3, contains="divisible")
    raises(TypeError, emlearn_kmeans.cluster, [1, 2], c, 2)
    for n in long_ints():  # saturated, never wrapped (features 2**64 + 1 was 1)
        raises(ValueError, emlearn_kmeans.cluster, v, c, n, contains="features must be")
    # sizes 1: one sample, one centroid, one feature
    one = array.array("B", [9])
    assert list(emlearn_kmeans.cluster(array.array("B", [200]), one, 1)) == [0]
    assert list(one) == [200]


@test
def cluster_takes_max_iter_and_stop_changes_by_position():
    # As the reference's cluster(values, centroids, features, max_iter=10, stop_changes=0): CPython's
    # module took them by keyword only.
    results = []
    for call in (lambda v, c: emlearn_kmeans.cluster(v, c, 1, 1, 0),
                 lambda v, c: emlearn_kmeans.cluster(v, c, 1, max_iter=1, stop_changes=0)):
        centroids = array.array("h", [0, 100])
        results.append((list(call(array.array("h", [0, 2, 40, 200]), centroids)), list(centroids)))
    assert results[0] == results[1] == ([0, 0, 0, 1], [14, 200]), results


@test
def arrays_resized_between_steps_are_noticed():
    values = array.array("B", [0, 1, 10, 11, 50, 52])
    centroids = array.array("B", [0, 20])
    it = emlearn_kmeans.cluster_iter(values, centroids, bytearray([255] * 6), 1)
    next(it)
    values.append(7)
    raises(ValueError, next, it, contains="changed size")
    raises(StopIteration, next, it)


@test
def arrays_must_not_share_memory():
    # The engine writes centroids and assignments while it reads values.
    it = emlearn_kmeans.cluster_iter
    data = bytearray([0, 1, 10, 11, 50, 52, 0, 20])
    view = memoryview(data)
    values, centroids = view[0:6], view[6:8]
    raises(ValueError, it, values, view[4:6], bytearray(6), 1, contains="must be different arrays")
    raises(ValueError, it, values, centroids, view[2:8], 1, contains="must be different arrays")
    raises(ValueError, it, view[0:2], centroids, view[6:8], 1, contains="must be different arrays")
    # Views of one buffer that do not overlap are fine: the same as separate arrays.
    assigned = bytearray([255] * 6)
    for _ in it(values, centroids, assigned, 1):
        pass
    separate = array.array("B", [0, 20])
    want = emlearn_kmeans.cluster(array.array("B", [0, 1, 10, 11, 50, 52]), separate, 1)
    assert list(assigned) == list(want) and list(data[6:8]) == list(separate)


@test
def memory_is_returned_after_del():

    def use():
        values = array.array("B", range(200))
        centroids = array.array("B", [0, 0, 100, 200])
        emlearn_kmeans.cluster(values, centroids, 2)
        it = emlearn_kmeans.cluster_iter(values, centroids, bytearray(100), 2)
        for _ in it:
            pass
        emlearn_kmeans.euclidean_argmin(centroids, array.array("B", [5, 5]))
        del it

    before, after = memory_around(use, repeats=50)
    assert after <= before + 256, (before, after)


run()
