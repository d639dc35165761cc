# Hostile arguments for emlearn_cnn_int8 and emlearn_cnn_fp32: a small network written by
# microlearn.cnn (tests/fuzz/seeds/cnn: conv same + relu, depthwise x2 + relu6, GAP, dense,
# softmax) on 6x5x2 images, 4 outputs.
import array

from fuzz.engine import pool as P
from fuzz.fixtures import cnn_model, f32, mod


def cnn(z, kind):
    m = mod("emlearn_cnn_" + kind)
    data = cnn_model(kind)
    N = type(m.new(data))
    t = kind + "."
    z.function(t + "new", m.new, lambda: [data], [P(len(data), "B")], allowed=(MemoryError,))
    z.function(t + "run", N.run, lambda: [m.new(data), array.array("B", range(60)), f32([0] * 4)],
               [P(), P(60, "B"), P(4, "f")])
    z.function(t + "output_dimensions", N.output_dimensions, lambda: [m.new(data)], [P()])
    # The other module's model, and every prefix of this one.
    other = cnn_model("fp32" if kind == "int8" else "int8")
    z.call(t + "new(other kind)", m.new, [other], ["other"])
    for n in range(0, len(data), 13):
        z.call(t + "new(truncated)", m.new, [data[:n]], ["truncated"])
