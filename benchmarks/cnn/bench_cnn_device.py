# Runs on MicroPython: a CNN from a .tmdl file, then LOOPS runs on one MNIST image.
#   micropython bench_cnn_device.py KIND LOOPS        KIND: int8 | fp32
# Prints: model_bytes=... us=... label=...
# The model goes in as array('B'): the reference takes nothing else (it asks for a writable
# buffer of typecode B).
import array
import gc
import sys
import time


def main():
    kind, loops = sys.argv[1], int(sys.argv[2])
    module = __import__("emlearn_cnn_" + kind)
    with open("tests/data/mnist_cnn_%s.tmdl" % kind, "rb") as f:
        data = array.array("B", f.read())
    with open("tests/data/mnist_examples/mnist_example_7.bin", "rb") as f:
        image = array.array("B", f.read())
    out = array.array("f", [0.0] * 10)
    gc.collect()
    before = gc.mem_alloc()
    net = module.new(data)
    gc.collect()
    model_bytes = gc.mem_alloc() - before
    run = net.run
    t0 = time.ticks_us()
    for _ in range(loops):
        run(image, out)
    us = time.ticks_diff(time.ticks_us(), t0)
    label = max(range(10), key=lambda i: out[i])
    print("model_bytes=%d us=%.2f label=%d" % (model_bytes, us / max(loops, 1), label))


main()
