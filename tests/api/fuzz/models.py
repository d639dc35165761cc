# Hostile arguments for emlearn_trees and emlearn_neighbors, and random sequences of valid and
# invalid calls on one model.
import io

from fuzz.engine import pool as P
from fuzz.fixtures import THREE_CLASS, f32, i16, knn, knn_bytes, mod, trees_model
from harness import lcg


def trees(z):
    m = mod("emlearn_trees")
    T = type(trees_model())
    z.function("trees.new", m.new, lambda: [2, 10, 4], [P(), P(), P()], allowed=(MemoryError,))
    z.function("trees.load_model", m.load_model,
               lambda: [m.new(2, 10, 4), io.StringIO(THREE_CLASS)], [P(), P()],
               allowed=(AttributeError,))
    z.function("trees.load_model(lines)", m.load_model,
               lambda: [m.new(2, 10, 4), THREE_CLASS.split("\n")], [P(), P()])
    z.function("trees.predict", T.predict, lambda: [trees_model(), i16([6, -3]), f32([0] * 3)],
               [P(), P(2, "h"), P(3, "f")])
    z.function("trees.outputs", T.outputs, lambda: [trees_model()], [P()])

    def builder(bits=0):
        b = m.new(2, 4, 4)
        b.setdata(2, 3, bits)
        return b

    z.function("trees.addnode", T.addnode, lambda: [builder(), -1, 1, 0, 5.5], [P()] * 5)
    z.function("trees.addroot", T.addroot, lambda: [builder(), 0], [P(), P()])
    z.function("trees.addleaf", T.addleaf, lambda: [builder(), 1], [P(), P()])
    z.function("trees.addleaf(values)", T.addleaf, lambda: [builder(32), [0.25, 0.5, 0.25]],
               [P(), P(3)])
    z.function("trees.setdata", T.setdata, lambda: [m.new(2, 4, 4), 2, 3], [P()] * 3)
    z.function("trees.setdata(bits)", T.setdata, lambda: [m.new(2, 4, 4), 2, 3, 8], [P()] * 4)
    # Random build sequences, then use: a half-built model is rejected, never followed.
    rand = lcg(7)
    for _ in range(100):
        b = m.new(1 + rand(3), 1 + rand(6), 1 + rand(4))
        for _ in range(rand(12)):
            op, v = rand(5), (rand(7) - 3, rand(70000) - 35000, 2 ** 30)[rand(3)]
            if op == 0:
                z.call("build.setdata", b.setdata, [1 + rand(3), rand(4), (0, 8, 32, v)[rand(4)]],
                       ["random"])
            elif op == 1:
                z.call("build.addnode", b.addnode, [v, rand(5) - 3, rand(3), rand(20) - 10.5],
                       ["random"])
            elif op == 2:
                z.call("build.addroot", b.addroot, [(v, rand(3))[rand(2)]], ["random"])
            elif op == 3:
                z.call("build.addleaf", b.addleaf, [(v, [0.5] * rand(4), 0.25)[rand(3)]],
                       ["random"])
            else:
                z.call("build.predict", b.predict,
                       [i16([rand(200) - 100] * (1 + rand(3))), f32([0] * (1 + rand(4)))],
                       ["random"])
        z.call("build.outputs", b.outputs, [], ["final"])
        z.call("build.predict", b.predict, [i16([1, 2]), f32([0, 0, 0])], ["final"])


def neighbors(z):
    m = mod("emlearn_neighbors")
    K = type(knn())
    z.function("neighbors.new", m.new, lambda: [4, 2, 1], [P(), P(), P()],
               allowed=(MemoryError,))
    z.function("neighbors.predict", K.predict, lambda: [knn(), i16([9, 8])], [P(), P(2, "h")])

    def predicted():
        k = knn()
        k.predict(i16([9, 8]))
        return k

    z.function("neighbors.getresult", K.getresult, lambda: [predicted(), 0], [P(), P()])
    z.function("neighbors.additem", K.additem, lambda: [knn(), i16([5, 5]), 3],
               [P(), P(2, "h"), P()])
    z.function("neighbors.getitem", K.getitem, lambda: [knn(), 1, i16([0, 0])],
               [P(), P(), P(2, "h")])
    z.function("neighbors.replaceitem", K.replaceitem, lambda: [knn(), 1, i16([5, 5]), 3],
               [P(), P(), P(2, "h"), P()])
    z.function("neighbors.removeitem", K.removeitem, lambda: [knn(), 1], [P(), P()])
    z.function("neighbors.clear", K.clear, lambda: [knn()], [P()])
    z.function("neighbors.len", len, lambda: [knn()], [P()])
    z.function("neighbors.save", K.save, lambda: [knn(), io.BytesIO()], [P(), P()],
               allowed=(AttributeError,))
    z.function("neighbors.load", K.load, lambda: [knn(), io.BytesIO(knn_bytes())], [P(), P()],
               allowed=(AttributeError,))
    # Random sequences of valid and invalid calls, checked against the items the model must hold.
    rand = lcg(11)
    for _ in range(20):
        k, items = m.new(6, 2, 2), []
        for _ in range(40):
            op, x, index = rand(8), i16([rand(100) - 50, rand(100) - 50]), rand(8) - 1
            label = (rand(5), 40000, -1)[rand(3)]
            if op == 0:
                if z.call("seq.additem", k.additem, [x, label], ["random"]) == "ok":
                    items.append((list(x), label))
            elif op == 1:
                if z.call("seq.removeitem", k.removeitem, [index], ["random"]) == "ok":
                    items.pop(index)
            elif op == 2:
                if z.call("seq.replaceitem", k.replaceitem, [index, x, label], ["random"]) == "ok":
                    items[index] = (list(x), label)
            elif op == 3:
                z.call("seq.predict", k.predict, [(x, i16([1]))[rand(2)]], ["random"])
            elif op == 4:
                z.call("seq.getresult", k.getresult, [index], ["random"])
            elif op == 5:
                f = io.BytesIO()
                k.save(f)
                data = bytearray(f.getvalue())
                if rand(2):
                    data[rand(len(data))] ^= 1 + rand(255)
                if z.call("seq.load", k.load, [io.BytesIO(bytes(data))], ["random"]) != "ok":
                    items = []  # a failed load leaves the model empty
            elif op == 6:
                k.clear()
                items = []
            else:
                out = i16([0, 0])
                if z.call("seq.getitem", k.getitem, [index, out], ["random"]) == "ok":
                    assert list(out) == items[index][0], (list(out), items[index])
            assert len(k) == len(items), (len(k), items)
        out = i16([0, 0])
        for i, (x, label) in enumerate(items):
            assert k.getitem(i, out) == label and list(out) == x, (i, list(out), x)
