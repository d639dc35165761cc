# Device side (MicroPython; also CPython with the host modules): a knock lock that learns on the
# device. The owner teaches it by tapping the rhythm a few times (label 1) and the lock also keeps
# some wrong attempts (label 0); then every new attempt is classified by its nearest neighbours.
# Taps are normalised by the attempt's total length, so playing the rhythm faster or slower
# still opens the lock, while a wrong rhythm does not.
import array

import emlearn_neighbors

N_INTERVALS = 5
K = 3
MAX_DISTANCE = 600  # in the normalised units below: an attempt farther than this stays locked


def features(intervals):
    total = sum(intervals)
    # Each interval as a fraction of the whole attempt, scaled to int16 (1.0 -> 10000).
    return array.array("h", [v * 10000 // total for v in intervals])


def read_attempts(path):
    rows = []
    with open(path) as f:
        for line in f:
            values = [int(v) for v in line.strip().split(",")]
            if values:
                rows.append((values[0], values[1 : 1 + N_INTERVALS]))
    return rows


teach = read_attempts("taps_teach.csv")
model = emlearn_neighbors.new(len(teach), N_INTERVALS, K)
for label, intervals in teach:
    model.additem(features(intervals), label)
print("taught %d attempts (%d by the owner)" % (len(teach), sum(1 for r in teach if r[0] == 1)))

correct = opened_by_impostor = 0
tries = read_attempts("taps_try.csv")
for label, intervals in tries:
    vote = model.predict(features(intervals))
    nearest = model.getresult(0)  # (item index, distance, label) of the closest taught attempt
    opens = vote == 1 and nearest[2] == 1 and nearest[1] <= MAX_DISTANCE
    correct += int(opens == (label == 1))
    opened_by_impostor += int(opens and label == 0)
print("tried %d attempts: %d decided right, %d impostors let in" % (
    len(tries), correct, opened_by_impostor))
