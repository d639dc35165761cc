# Device side (MicroPython; also CPython with the host build): recognises activities from 3-axis
# accelerometer data with a RandomForest. The samples come from the test recordings in
# har_test.npz, HOP samples at a time as from a sensor's FIFO; every HOP samples the last WINDOW
# samples are turned into features (features.py) and classified with emlearn_trees.
#
# Run in the folder make_data.py and train.py wrote. Prints one line per recording (its true
# activity and the predicted class of each window as digits), the confusion matrix, the accuracy,
# a checksum of all feature vectors, and where time.ticks_us exists, the time per window.
import array
import gc
import time

import emlearn_trees
import npyfile

from features import AXES, HOP, N_FEATURES, WINDOW, Features

ACTIVITIES = ("lying", "still", "walking", "stairs", "running")
MODEL = "har_model.csv"


def capacity(path):
    """(trees, nodes, leaves) of a model file: the r, n and l lines, counted in one pass."""
    counts = {"r": 0, "n": 0, "l": 0}
    with open(path) as f:
        for line in f:
            kind = line[:2]
            if kind in ("r,", "n,", "l,"):
                counts[kind[0]] += 1
    return counts["r"], counts["n"], counts["l"]


def argmax(values):
    best = 0
    for i in range(1, len(values)):
        if values[i] > values[best]:
            best = i
    return best


def main():
    ticks = getattr(time, "ticks_us", None)
    mem_alloc = getattr(gc, "mem_alloc", None)
    gc.collect()
    before = mem_alloc() if mem_alloc else 0
    model = emlearn_trees.new(*capacity(MODEL))
    with open(MODEL) as f:
        emlearn_trees.load_model(model, f)
    gc.collect()
    if mem_alloc:
        print("memory: the model takes %d bytes of heap" % (mem_alloc() - before))

    extractor = Features()
    proba = array.array("f", bytes(4 * model.outputs()))
    window = array.array("h", bytes(2 * WINDOW * AXES))
    view = memoryview(window)
    older, newer = view[:(WINDOW - HOP) * AXES], view[HOP * AXES:]
    confusion = [[0] * len(ACTIVITIES) for _ in ACTIVITIES]
    checksum = 0
    spent_features = spent_predict = 0
    with npyfile.NpzReader("har_test.npz") as archive:
        labels = archive.load("labels")[1]
        reader = archive.reader("samples")
        recordings, length, axes = reader.shape
        assert axes == AXES and length % HOP == 0 and WINDOW == 2 * HOP
        for r in range(recordings):
            label = labels[r]
            guesses = []
            for hop in range(length // HOP):
                older[:] = newer  # slide the window by HOP samples
                reader.readinto(newer)  # the next HOP samples from the "FIFO"
                if hop == 0:
                    continue  # a recording's first window is complete after two hops
                t0 = ticks() if ticks else 0
                x = extractor.compute(window)
                t1 = ticks() if ticks else 0
                model.predict(x, proba)
                guess = argmax(proba)
                if ticks:
                    t2 = ticks()
                    spent_features += time.ticks_diff(t1, t0)
                    spent_predict += time.ticks_diff(t2, t1)
                for i in range(N_FEATURES):
                    checksum = (checksum * 31 + (x[i] & 0xFFFF)) & 0xFFFFFF
                confusion[label][guess] += 1
                guesses.append(str(guess))
            print("rec %2d %-8s %s" % (r, ACTIVITIES[label], "".join(guesses)))

    total = sum(sum(row) for row in confusion)
    right = sum(confusion[i][i] for i in range(len(ACTIVITIES)))
    print("confusion (rows: true, columns: predicted %s):" % " ".join(ACTIVITIES))
    for i, row in enumerate(confusion):
        print("  %-8s %s  recall %.3f" % (ACTIVITIES[i], " ".join("%4d" % v for v in row),
                                          row[i] / max(1, sum(row))))
    print("accuracy %.3f (%d of %d windows)" % (right / total, right, total))
    print("features checksum %06x" % checksum)
    if ticks:
        print("time per window: features %d us, predict %d us" % (
            spent_features // total, spent_predict // total))


main()
