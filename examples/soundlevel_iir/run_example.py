"""Host side: prepare the filter and audio, run soundlevel.py on CPython (host modules) and on a
MicroPython Unix port when MICROPYTHON and MPY_DIR are set, and check each second's LAeq against
scipy (float64 sosfilt over the same frames) within 0.1 dB."""
import os
import sys
import tempfile

import numpy
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import prepare  # noqa: E402
from runtimes import run_on_runtimes  # noqa: E402

FRAME = 320


def reference_laeq(workdir):
    sos = numpy.loadtxt(os.path.join(workdir, "a_weighting.csv"), delimiter=",", ndmin=2)
    x = numpy.load(os.path.join(workdir, "audio.npy")).astype(numpy.float64)
    x = (x + 32768) * 2 / 65535 - 1  # the linear_map the device does
    y = scipy.signal.sosfilt(sos, x)
    per_report = prepare.RATE // FRAME * FRAME
    levels = []
    for start in range(0, len(y) - per_report + 1, per_report):
        ms = numpy.mean(y[start : start + per_report] ** 2)
        levels.append(10 * numpy.log10(ms / 0.5))
    return levels


def laeq_per_second(stdout):
    rows = [line.split() for line in stdout.splitlines() if line[:4].strip().isdigit()]
    return [float(row[1]) for row in rows]


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-soundlevel-")
    prepare.main(workdir)
    expected = reference_laeq(workdir)
    results = run_on_runtimes(os.path.join(HERE, "soundlevel.py"), workdir, laeq_per_second)
    print("scipy LAeq per second:", " ".join("%.1f" % v for v in expected))
    for runtime, got in results.items():
        if len(got) != len(expected) or any(abs(a - b) > 0.1 for a, b in zip(got, expected)):
            sys.exit("%s LAeq %s differs from scipy %s" % (runtime, got, expected))
    print("soundlevel OK: %s within 0.1 dB of scipy" % ", ".join(results))


if __name__ == "__main__":
    main()
