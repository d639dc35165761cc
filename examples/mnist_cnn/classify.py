# Device side (MicroPython, or CPython with the host build): classifies the test digits with the
# eight converted models and the reference's MNIST CNN with its ten examples. Run in the folder
# make_models.py wrote. Prints one line per model: "<model> <right> of <count>".
import array

import emlearn_cnn_fp32
import emlearn_cnn_int8


def load(path):
    with open(path, "rb") as f:
        return f.read()  # bytes: the module reads the model in place, without a copy


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def score(net, images, labels, size):
    out = array.array("f", [0.0] * 10)
    right = 0
    for i in range(len(labels)):
        net.run(images[i * size:(i + 1) * size], out)
        right += argmax(out) == labels[i]
    return right


images = memoryview(load("digits_test.bin"))
labels = load("digits_labels.bin")
for name, module in (("digits_fp32.tmdl", emlearn_cnn_fp32), ("digits_int8.tmdl", emlearn_cnn_int8),
                     ("digits_cnn_fp32.tmdl", emlearn_cnn_fp32),
                     ("digits_cnn_int8.tmdl", emlearn_cnn_int8),
                     ("digits_resnet_fp32.tmdl", emlearn_cnn_fp32),
                     ("digits_resnet_int8.tmdl", emlearn_cnn_int8),
                     ("digits_lenet_fp32.tmdl", emlearn_cnn_fp32),
                     ("digits_lenet_int8.tmdl", emlearn_cnn_int8)):
    net = module.new(load(name))
    print(name, score(net, images, labels, 64), "of", len(labels))

net = emlearn_cnn_int8.new(load("mnist_cnn_int8.tmdl"))
examples = bytearray()
for n in range(10):
    examples += load("mnist_example_%d.bin" % n)
print("mnist_cnn_int8.tmdl", score(net, memoryview(examples), bytes(range(10)), 784), "of", 10)
