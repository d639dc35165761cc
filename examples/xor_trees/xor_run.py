# Device side (MicroPython; also runs on CPython with the host modules). It uses only the
# reference emlearn-micropython API, so the same script runs on either library.
import array

import emlearn_trees


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


model = emlearn_trees.new(5, 30, 2)  # max trees, max nodes, max leaves

with open("xor_model.csv", "r") as f:
    emlearn_trees.load_model(model, f)

one = 2**15 - 1  # 1.0 as int16
examples = [
    array.array("h", [0, 0]),
    array.array("h", [one, one]),
    array.array("h", [0, one]),
    array.array("h", [one, 0]),
]

out = array.array("f", range(model.outputs()))
for x in examples:
    model.predict(x, out)
    print(list(x), "->", argmax(out), [round(p, 3) for p in out])
