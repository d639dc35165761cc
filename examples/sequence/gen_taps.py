"""Host side: makes the recorded tap data for the knock-lock example.

Each attempt is 6 taps (5 intervals, milliseconds) on a piezo or accelerometer. The owner's secret
rhythm is "shave and a haircut": long-short-short-long-long. People repeat a rhythm with some tempo
drift (the whole pattern 0.8x-1.25x) and timing jitter (about 7% per interval). Impostors tap other
rhythms, or the right rhythm with one interval badly off.

    python3 gen_taps.py [folder]   -> taps_teach.csv, taps_try.csv  (label,interval1,...,interval5)
"""
import random
import sys

SECRET = [400, 200, 200, 400, 800]
OTHERS = [
    [300, 300, 300, 300, 300],
    [200, 200, 400, 400, 800],
    [600, 200, 200, 200, 600],
    [400, 400, 200, 200, 800],
]


def perform(pattern, rng, jitter=0.07):
    tempo = rng.uniform(0.8, 1.25)
    return [max(40, int(round(v * tempo * rng.gauss(1.0, jitter)))) for v in pattern]


def attempts(rng, n_owner, n_impostor):
    rows = [(1, perform(SECRET, rng)) for _ in range(n_owner)]
    for i in range(n_impostor):
        if i % 3 == 2:  # right rhythm, one interval wrong
            wrong = list(SECRET)
            j = rng.randrange(len(wrong))
            wrong[j] = int(wrong[j] * rng.choice([0.3, 2.5]))
            rows.append((0, perform(wrong, rng)))
        else:
            rows.append((0, perform(OTHERS[i % len(OTHERS)], rng)))
    rng.shuffle(rows)
    return rows


def write(path, rows):
    with open(path, "w") as f:
        for label, intervals in rows:
            f.write(",".join(str(v) for v in [label] + intervals) + "\n")


def main(folder="."):
    rng = random.Random(2026)
    write(folder + "/taps_teach.csv", attempts(rng, 8, 12))
    write(folder + "/taps_try.csv", attempts(rng, 40, 60))
    print("wrote %s/taps_teach.csv and taps_try.csv" % folder)


if __name__ == "__main__":
    main(*sys.argv[1:])
