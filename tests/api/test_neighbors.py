# emlearn_neighbors contract tests. MicroPython-style: runs unchanged on CPython (host module) and
# on a MicroPython Unix port (the .mpy). Expected values are worked out by hand or come from
# scikit-learn through tests/data/learn_knn_*.txt (gen_learning_refs.py).
import array
import io
import sys

import emlearn_neighbors
from harness import data_path, lcg, long_ints, memory_around, raises, run, test
from refs import read_refs, rows


def h(values):
    return array.array("h", values)


def model_with(items, k=1, max_items=None, n_features=None):
    n_features = n_features or len(items[0][0])
    model = emlearn_neighbors.new(max_items or max(1, len(items)), n_features, k)
    for x, label in items:
        model.additem(h(x), label)
    return model


# The reference's own test data (tests/test_neighbors.py there).
REFERENCE_DATA = [
    ([-100, -100, -2], 0),
    ([-100, -100, -2], 0),
    ([100, 100, 2], 1),
    ([100, 100, 2], 1),
]


@test
def reference_trivial():
    model = emlearn_neighbors.new(100, 3, 2)
    item = h([0, 0, 0])
    for x, y in REFERENCE_DATA:
        i = model.additem(h(x), y)
        model.getitem(i, item)
        assert item == h(x)
    assert model.predict(h(REFERENCE_DATA[3][0])) == 1
    assert model.predict(h(REFERENCE_DATA[0][0])) == 0


@test
def reference_getresult():
    model = model_with(REFERENCE_DATA, k=1, max_items=100)
    assert model.predict(h(REFERENCE_DATA[1][0])) == 0
    results = [model.getresult(i) for i in range(4)]
    # sqrt(200^2 + 200^2 + 4^2) = 282.87: the integer square root, as the reference
    assert results == [(0, 0, 0), (1, 0, 0), (2, 282, 1), (3, 282, 1)], results


@test
def additem_returns_consecutive_indices_and_getitem_the_label():
    model = emlearn_neighbors.new(3, 2, 1)
    assert [model.additem(h([i, -i]), 10 * i) for i in range(3)] == [0, 1, 2]
    out = h([0, 0])
    assert model.getitem(2, out) == 20 and out == h([2, -2])
    assert len(model) == 3


@test
def labels_cover_int16_and_beyond_ten_classes():
    model = emlearn_neighbors.new(4, 1, 1)
    for x, label in ((0, 0), (100, 255), (200, 32767), (300, -32768)):
        model.additem(h([x]), label)
    assert [model.predict(h([x])) for x in (1, 99, 201, 299)] == [0, 255, 32767, -32768]
    raises(ValueError, model.additem, h([5]), 32768, contains="label")
    raises(ValueError, model.additem, h([5]), -32769, contains="label")


@test
def distance_ties_rank_lower_index_first_and_vote_ties_lowest_label():
    # Four items at distance 5 from the origin, labels 7, 3, 3, 7.
    items = [([3, 4], 7), ([4, 3], 3), ([-3, 4], 3), ([0, -5], 7), ([50, 50], 1)]
    model = model_with(items, k=4)
    assert model.predict(h([0, 0])) == 3  # 2 votes each: the lowest label wins
    assert [model.getresult(i)[0] for i in range(5)] == [0, 1, 2, 3, 4]
    assert [model.getresult(i)[1] for i in range(4)] == [5, 5, 5, 5]
    model = model_with(items, k=1)
    assert model.predict(h([0, 0])) == 7  # nearest: index 0 wins the tie


@test
def exact_distances_across_the_whole_int16_range():
    model = model_with([([-32768] * 8, 1), ([32767] * 8, 2)], k=1)
    assert model.predict(h([32767] * 8)) == 2
    # 8 * 65535^2 = 34358689800 does not fit 32 bits; its integer square root is 185360
    assert model.getresult(1) == (0, 185360, 1), model.getresult(1)


KNN_REFS = {name: "i" for name in ("k", "X_train", "y_train", "X_query", "sklearn_predict",
                                    "ranked_index", "ranked_isqrt", "tie_free", "full_ranking",
                                    "full_ranking_query")}


@test
def sklearn_parity_iris():
    refs = read_refs("learn_knn_iris.txt", KNN_REFS)
    k = refs["k"].scalar()
    X, y = refs["X_train"], refs["y_train"]
    model = emlearn_neighbors.new(X.rows, X.cols, k)
    for i in range(X.rows):
        assert model.additem(h(X.row(i)), y.values[i]) == i
    queries = refs["X_query"]
    tie_free = refs["tie_free"].values
    ranked, isqrt_d = refs["ranked_index"], refs["ranked_isqrt"]
    predictions = refs["sklearn_predict"].values
    agree = 0
    for q in range(queries.rows):
        label = model.predict(h(queries.row(q)))
        if tie_free[q]:
            assert label == predictions[q], (q, label, predictions[q])
            agree += 1
        for r in range(k):
            index, distance, item_label = model.getresult(r)
            assert index == ranked.row(q)[r] and distance == isqrt_d.row(q)[r], (q, r)
            assert item_label == y.values[index]
    assert agree > 100, agree
    full = refs["full_ranking"]
    for j, q in enumerate(refs["full_ranking_query"].values):
        model.predict(h(queries.row(q)))
        order = [model.getresult(r)[0] for r in range(X.rows)]
        assert order == full.row(j), q


@test
def sklearn_parity_wide_int16_and_256_labels():
    # Streamed row by row (refs.rows): the arrays would not fit a board-sized heap beside the
    # 10 KB model.
    name = "learn_knn_wide.txt"
    k = read_refs(name, {"k": "i"})["k"].scalar()
    model = emlearn_neighbors.new(200, 16, k)
    for x, label in rows(name, ("X_train", "y_train")):
        model.additem(h([int(v) for v in x]), int(label[0]))
    assert len(model) == 200
    checked = 0
    for x, predicted, ranked, isqrt_d, tie_free in rows(
            name, ("X_query", "sklearn_predict", "ranked_index", "ranked_isqrt", "tie_free")):
        label = model.predict(h([int(v) for v in x]))
        if tie_free[0]:
            assert label == predicted[0], checked
        for r in range(k):
            assert model.getresult(r)[:2] == (ranked[r], isqrt_d[r]), (checked, r)
        checked += 1
    assert checked == 40


@test
def removeitem_and_replaceitem_keep_order():
    model = model_with([([0], 0), ([10], 1), ([20], 2), ([30], 3)], k=1, max_items=4)
    model.removeitem(1)
    assert len(model) == 3
    out = h([0])
    assert [model.getitem(i, out) for i in range(3)] == [0, 2, 3]
    assert model.predict(h([11])) == 2  # nearest is now 20 (index 1)
    assert model.getresult(0) == (1, 9, 2)
    model.replaceitem(0, h([12]), 9)
    assert model.predict(h([11])) == 9
    assert model.getitem(0, out) == 9 and out == h([12])
    model.additem(h([40]), 4)  # room again after the removal
    assert len(model) == 4
    model.clear()
    assert len(model) == 0
    raises(ValueError, model.getitem, 0, out, contains="Index out of bounds")


@test
def sizes_one():
    model = emlearn_neighbors.new(1, 1, 1)
    assert model.additem(h([-7]), 3) == 0
    assert model.predict(h([100])) == 3
    assert model.getresult(0) == (0, 107, 3)
    raises(ValueError, model.additem, h([1]), 0, contains="max items")


@test
def capacity_full_is_a_value_error():
    model = emlearn_neighbors.new(2, 2, 1)
    model.additem(h([1, 2]), 0)
    model.additem(h([3, 4]), 1)
    raises(ValueError, model.additem, h([5, 6]), 0, contains="max items")
    assert len(model) == 2


@test
def new_rejects_bad_sizes():
    for args in ((0, 3, 1), (-1, 3, 1), (65536, 3, 1), (10, 0, 1), (10, -2, 1), (10, 65536, 1),
                 (10, 3, 0), (10, 3, -1), (10, 3, 11)):
        raises(ValueError, emlearn_neighbors.new, *args)
    raises(TypeError, emlearn_neighbors.new, "10", 3, 1)
    raises(TypeError, emlearn_neighbors.new, 10, 3.5, 1)
    for n in long_ints():  # saturated, never wrapped
        raises(ValueError, emlearn_neighbors.new, 10, n, 1, contains="n_features")
    if sys.implementation.name == "micropython":  # CPython would really allocate them
        # Models of just under 4 GB: the object header on top wrapped a 32-bit size_t to a few
        # bytes, and the model was written past them (i386: a segfault).
        for args in ((65535, 32765, 21841), (65535, 32765, 16380)):
            raises(MemoryError, emlearn_neighbors.new, *args)


@test
def long_ints_are_out_of_range_not_wrapped():
    # MicroPython's modules read a long int truncated to a machine word: getitem(2**64 + 1) was
    # item 1 on a 64-bit port, getitem(2**32) item 0 on a 32-bit one.
    model = model_with([([1, 2], 0), ([3, 4], 1)], k=1, max_items=4)
    out = h([0, 0])
    for n in long_ints():
        raises(ValueError, model.getitem, n, out, contains="Index out of bounds")
        raises(ValueError, model.removeitem, n, contains="Index out of bounds")
        raises(ValueError, model.replaceitem, n, out, 0, contains="Index out of bounds")
        raises(ValueError, model.additem, h([5, 6]), n, contains="label")
        raises(ValueError, model.getresult, n, contains="predict")
    assert len(model) == 2


@test
def typecodes_are_checked_everywhere():
    model = model_with([([1, 2], 0), ([3, 4], 1)], k=1, max_items=4)
    for bad in (array.array("f", [1, 2]), array.array("i", [1, 2]), array.array("H", [1, 2]),
                array.array("b", [1, 2, 3, 4]), bytearray(4), b"\x00\x00\x00\x00"):
        raises(ValueError, model.additem, bad, 0, contains="expecting int16 array")
        raises(ValueError, model.predict, bad, contains="expecting int16 array")
        raises(ValueError, model.replaceitem, 0, bad, 0, contains="expecting int16 array")
    raises(ValueError, model.getitem, 0, array.array("f", [0, 0]), contains="expecting int16 array")
    raises(TypeError, model.additem, [1, 2], 0)
    raises(TypeError, model.predict, None)
    raises(TypeError, model.additem, h([1, 2]), "label")


@test
def lengths_are_checked_everywhere():
    model = model_with([([1, 2], 0), ([3, 4], 1)], k=1, max_items=4)
    for n in (0, 1, 3):
        x = h([0] * n)
        raises(ValueError, model.additem, x, 0, contains="Buffer is wrong size")
        raises(ValueError, model.predict, x, contains="Buffer is wrong size")
        raises(ValueError, model.getitem, 0, x, contains="Buffer is wrong size")
        raises(ValueError, model.replaceitem, 0, x, 0, contains="Buffer is wrong size")
    assert len(model) == 2


@test
def indices_are_checked_everywhere():
    model = model_with([([1, 2], 0), ([3, 4], 1)], k=1, max_items=4)
    out = h([0, 0])
    for i in (-1, 2, 3, 1000, -1000):
        raises(ValueError, model.getitem, i, out, contains="Index out of bounds")
        raises(ValueError, model.removeitem, i, contains="Index out of bounds")
        raises(ValueError, model.replaceitem, i, out, 0, contains="Index out of bounds")
    model.predict(out)
    for i in (-1, 2, 4):
        raises(ValueError, model.getresult, i, contains="Index out of bounds")


@test
def use_before_enough_items():
    model = emlearn_neighbors.new(5, 2, 3)
    raises(ValueError, model.getresult, 0, contains="predict")
    raises(ValueError, model.predict, h([0, 0]), contains="at least k=3")
    model.additem(h([1, 1]), 0)
    model.additem(h([2, 2]), 0)
    raises(ValueError, model.predict, h([0, 0]), contains="model has 2")
    model.additem(h([3, 3]), 1)
    assert model.predict(h([0, 0])) == 0
    model.additem(h([4, 4]), 1)  # a change to the items ends the last prediction's results
    raises(ValueError, model.getresult, 0, contains="predict")
    raises(TypeError, emlearn_neighbors.new(1, 1, 1).__class__.predict, object(), h([0]))


def saved_bytes(model):
    f = io.BytesIO()
    model.save(f)
    return f.getvalue()


# python/microlearn/neighbors.py encode_items([[1, -2, 3], [32767, -32768, 0]], [5, 255])
HOST_FILE = (b"MLKN\x01\x00\x03\x00\x02\x00\x00\x00\x01\x00\xfe\xff\x03\x00\xff\x7f\x00\x80"
             b"\x00\x00\x05\x00\xff\x00\xd4\x40\x46\xaf")


@test
def save_writes_the_documented_bytes():
    model = model_with([([1, -2, 3], 5), ([32767, -32768, 0], 255)], max_items=10)
    assert saved_bytes(model) == HOST_FILE
    assert saved_bytes(emlearn_neighbors.new(3, 2, 1)) == (
        b"MLKN\x01\x00\x02\x00\x00\x00\x00\x00" + b"\x0e\x7e\x23\xf8")


@test
def save_refuses_a_short_write():
    # A write() that stores part of a chunk left a file that load() refuses later, unnoticed.
    model = model_with([([1, -2, 3], 5), ([32767, -32768, 0], 255)], max_items=10)

    class Writing:
        def __init__(self, answer):
            self.answer, self.data = answer, b""

        def write(self, data):
            self.data += bytes(data)
            return self.answer(data)

    raises(OSError, model.save, Writing(lambda data: 1), contains="short write")
    raises(OSError, model.save, Writing(lambda data: -1), contains="short write")
    raises(TypeError, model.save, Writing(lambda data: "30"), contains="expecting an int")
    # None (what many streams return) and a count beyond the chunk are taken as all of it.
    for answer in (lambda data: None, lambda data: len(data), lambda data: 1000):
        f = Writing(answer)
        model.save(f)
        assert f.data == HOST_FILE


@test
def save_refuses_items_added_or_removed_by_write():
    # write() is Python code, and may change the model between chunks: the file would otherwise
    # mix item counts (and read past the labels when the count shrank).
    for change in ("clear", "removeitem", "additem"):
        model = emlearn_neighbors.new(60, 4, 1)
        for i in range(50):
            model.additem(h([i, -i, i, 7]), i % 3)

        class Meddling:
            def write(self, data):
                if change == "clear":
                    model.clear()
                elif change == "removeitem":
                    model.removeitem(0)
                else:
                    model.additem(h([1, 2, 3, 4]), 1)
                return len(data)

        raises(ValueError, model.save, Meddling(), contains="during save()")
    # Replacing an item keeps the count: the file is whole, with the item as it was written.
    model = model_with([([1, -2, 3], 5), ([32767, -32768, 0], 255)], max_items=10)

    class Replacing:
        chunks = []

        def write(self, data):
            Replacing.chunks.append(bytes(data))
            model.replaceitem(0, h([1, -2, 3]), 5)
            return len(data)

    model.save(Replacing())
    assert b"".join(Replacing.chunks) == HOST_FILE


@test
def load_refuses_a_model_changed_by_read():
    # read() is Python code too: the load writes the file's items in place, so an item added
    # meanwhile would be mixed in with them (also one added and removed again: its slot was
    # written). The load fails and leaves the model empty.
    data = saved_bytes(model_with([([1, -2, 3], 5), ([32767, -32768, 0], 255)], max_items=10))

    def add(model):
        model.additem(h([9, 9, 9]), 9)

    def add_and_remove(model):
        model.additem(h([9, 9, 9]), 9)
        model.removeitem(0)

    for change in (add, add_and_remove, lambda model: model.clear()):
        for when in range(5):  # 32 bytes, 10 a read: the fifth read is the end of the file
            model = emlearn_neighbors.new(10, 3, 1)

            class Meddling:
                calls = 0

                def __init__(self):
                    self.f = io.BytesIO(data)

                def read(self, n):
                    if Meddling.calls == when:
                        change(model)
                    Meddling.calls += 1
                    return self.f.read(min(n, 10))

            raises(ValueError, model.load, Meddling(), contains="model changed during load()")
            assert len(model) == 0, when
    model.load(io.BytesIO(data))  # the model is still usable
    assert len(model) == 2
    # A predict() changes no items: one made by read() does not fail the load. (While the load
    # runs the model holds no items, so that predict() has nothing to rank.)
    model = emlearn_neighbors.new(10, 3, 1)
    model.additem(h([0, 0, 0]), 7)
    errors = []

    class Predicting:
        def __init__(self):
            self.f = io.BytesIO(data)

        def read(self, n):
            try:
                model.predict(h([1, -2, 3]))
            except ValueError as e:
                errors.append(str(e))
            return self.f.read(min(n, 10))

    model.load(Predicting())
    assert len(model) == 2 and model.predict(h([1, -2, 3])) == 5
    assert errors and "at least k=1 items" in errors[0], errors


@test
def load_round_trip_and_file():
    model = emlearn_neighbors.new(60, 4, 3)
    for i in range(60):
        model.additem(h([i * 500 - 15000, (i * i) % 3000, -i, i % 5]), i % 6)
    data = saved_bytes(model)
    copy = emlearn_neighbors.new(80, 4, 3)
    copy.additem(h([1, 1, 1, 1]), 99)  # replaced by load
    copy.load(io.BytesIO(data))
    assert len(copy) == 60 and saved_bytes(copy) == data
    for q in range(0, 30000, 997):
        x = h([q - 15000, q % 3000, -q % 60, q % 5])
        assert copy.predict(x) == model.predict(x)
        assert copy.getresult(2) == model.getresult(2)
    path = "/tmp/microlearn_test_neighbors.mlkn"
    try:
        f = open(path, "wb")
    except OSError:
        f = None  # a board without a writable filesystem (tools/qemu)
    if f is not None:
        with f:
            model.save(f)
        fresh = emlearn_neighbors.new(60, 4, 3)
        with open(path, "rb") as f:
            fresh.load(f)
        assert saved_bytes(fresh) == data
    small = emlearn_neighbors.new(10, 3, 1)
    small.load(io.BytesIO(HOST_FILE))
    out = h([0, 0, 0])
    assert small.getitem(1, out) == 255 and out == h([32767, -32768, 0])


def patched(data, at, value):
    b = bytearray(data)
    b[at] = value
    return bytes(b)


@test
def load_rejects_every_damage_and_leaves_the_model_empty():
    cases = [
        (patched(HOST_FILE, 0, ord("X")), "not a k-NN item set file"),
        (patched(HOST_FILE, 4, 2), "unsupported item set version 2"),
        (patched(HOST_FILE, 5, 1), "version"),
        (patched(HOST_FILE, 6, 4), "file has 4 features, model has 3"),
        (patched(HOST_FILE, 8, 11), "file has 11 items, model holds at most 10"),
        (patched(HOST_FILE, 11, 0xFF), "model holds at most 10"),
        (patched(HOST_FILE, 15, 0x7F), "checksum"),
        (patched(HOST_FILE, 26, 0), "checksum"),
        (patched(HOST_FILE, len(HOST_FILE) - 1, 0), "checksum"),
        (HOST_FILE + b"\x00", "data after its end"),
        (b"", "truncated"),
    ]
    for cut in range(1, len(HOST_FILE)):
        cases.append((HOST_FILE[:cut], "truncated" if cut >= 12 else ""))
    for data, message in cases:
        model = model_with([([9, 9, 9], 1)], max_items=10)
        raises(ValueError, model.load, io.BytesIO(data), contains=message)
        assert len(model) == 0, data
        raises(ValueError, model.predict, h([0, 0, 0]))
        model.load(io.BytesIO(HOST_FILE))  # still usable
        assert len(model) == 2
    raises(AttributeError, emlearn_neighbors.new(1, 1, 1).load, 42)
    # A file opened in text mode: read() gives str (MicroPython read it as bytes, ValueError).
    raises(TypeError, emlearn_neighbors.new(1, 1, 1).load, io.StringIO("MLKN"),
           contains="binary mode")
    raises(AttributeError, emlearn_neighbors.new(1, 1, 1).save, 42)


@test
def random_corruption_is_always_detected():
    model = model_with([([i, -i, i * i], i % 3) for i in range(20)], max_items=20)
    data = saved_bytes(model)
    rand = lcg(42)
    for _ in range(300):
        b = bytearray(data)
        for _ in range(1 + rand(3)):
            at = rand(len(b))
            b[at] = (b[at] + 1 + rand(255)) & 0xFF
        target = emlearn_neighbors.new(20, 3, 1)
        raises(ValueError, target.load, io.BytesIO(bytes(b)))
        assert len(target) == 0


@test
def loads_a_file_written_on_the_host():
    model = emlearn_neighbors.new(30, 4, 5)
    with open(data_path("knn_items.mlkn"), "rb") as f:
        model.load(f)
    refs = read_refs("learn_knn_iris.txt", {"X_train": "i", "y_train": "i"})
    # knn_items.mlkn holds the first 30 training items of learn_knn_iris.txt
    X, y = refs["X_train"], refs["y_train"]
    out = h([0] * 4)
    assert len(model) == 30
    for i in range(30):
        assert model.getitem(i, out) == y.values[i] and list(out) == X.row(i)


@test
def memory_is_returned_after_del():

    def use_model():
        model = emlearn_neighbors.new(100, 8, 5)
        for i in range(100):
            model.additem(h([i] * 8), i % 4)
        model.predict(h([3] * 8))
        model.getresult(50)
        f = io.BytesIO()
        model.save(f)
        model.load(io.BytesIO(f.getvalue()))
        del model

    # One model holds about 5 KB; the conservative GC may keep a block or two alive through stale
    # stack words, so allow less than one model's worth of noise, but no growth per use.
    before, after = memory_around(use_model, repeats=50)
    assert after <= before + 256, (before, after)


run()
