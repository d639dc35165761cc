# Device side (MicroPython, or CPython with the host build): classifies recorded accelerometer
# windows with the converted 1-D CNN. Each window is int16 samples, 64 x 3 axes interleaved (what
# a sensor's FIFO gives); linear_map turns it into the network's uint8 input, -4 g..4 g -> 0..255.
# Run in the folder make_models.py wrote. Prints one line per model: "<model> <right> of <count>".
import array

import emlearn_arrayutils
import emlearn_cnn_fp32
import emlearn_cnn_int8
import npyfile

SAMPLES, AXES = 64, 3
RANGE = 4 * 4096  # counts of 4 g
GESTURES = ("rest", "shake", "circle", "tap")


def load(path):
    with open(path, "rb") as f:
        return f.read()  # bytes: the module reads the model in place


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


shape, labels = npyfile.load("test_labels.npy")
counts = [0] * len(GESTURES)
window = array.array("h", [0] * (SAMPLES * AXES))
pixels = array.array("B", [0] * (SAMPLES * AXES))
out = array.array("f", [0.0] * len(GESTURES))
for name, module in (("gesture_fp32.tmdl", emlearn_cnn_fp32), ("gesture_int8.tmdl", emlearn_cnn_int8),
                     ("gesture_tcn_fp32.tmdl", emlearn_cnn_fp32),
                     ("gesture_tcn_int8.tmdl", emlearn_cnn_int8)):
    net = module.new(load(name))
    right = 0
    confusion = [[0] * len(GESTURES) for _ in GESTURES]
    # The windows are read one at a time, as they would arrive from the sensor.
    with npyfile.Reader(open("test_windows.npy", "rb")) as reader:
        for i in range(len(labels)):
            reader.readinto(window)
            emlearn_arrayutils.linear_map(window, pixels, -RANGE, RANGE, 0, 255)
            net.run(pixels, out)
            guess = argmax(out)
            right += guess == labels[i]
            confusion[labels[i]][guess] += 1
    print(name, right, "of", len(labels))
    print("  confusion (rows: true rest, shake, circle, tap):", confusion)
