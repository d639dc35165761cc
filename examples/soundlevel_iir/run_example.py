"""Host side: prepare the filter and audio, run soundlevel.py on CPython (host modules) and on a
MicroPython Unix port when MICROPYTHON and MPY_DIR are set, and check each second's LAeq against
scipy (float64 sosfilt over the same frames) within 0.1 dB."""
import os
import subprocess
import sys
import tempfile

import numpy
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import prepare  # noqa: E402

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


def run(cmd, workdir, env):
    r = subprocess.run(cmd + [os.path.join(HERE, "soundlevel.py")], cwd=workdir, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("soundlevel.py failed:\n" + r.stdout + r.stderr)
    print(r.stdout, end="")
    rows = [line.split() for line in r.stdout.splitlines() if line[:4].strip().isdigit()]
    return [float(row[1]) for row in rows]


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-soundlevel-")
    prepare.main(workdir)
    expected = reference_laeq(workdir)
    device_path = os.path.join(ROOT, "src", "device")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "build", "host"),
                                                       device_path]))
    print("-- CPython")
    results = {"CPython": run([sys.executable], workdir, env)}
    micropython, mpy_dir = os.environ.get("MICROPYTHON"), os.environ.get("MPY_DIR")
    if micropython and mpy_dir:
        subprocess.run(["make", "-s", "-C", ROOT, "dist", "ARCHS=x64", "MPY_DIR=" + mpy_dir],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, MICROPYPATH=os.pathsep.join([os.path.join(ROOT, "dist", "x64_6.3"),
                                                            device_path]))
        print("-- MicroPython")
        results["MicroPython"] = run([micropython], workdir, env)
    else:
        print("-- MicroPython: SKIPPED (set MICROPYTHON and MPY_DIR)")
    print("scipy LAeq per second:", " ".join("%.1f" % v for v in expected))
    for runtime, got in results.items():
        if len(got) != len(expected) or any(abs(a - b) > 0.1 for a, b in zip(got, expected)):
            sys.exit("%s LAeq %s differs from scipy %s" % (runtime, got, expected))
    print("soundlevel OK: %s within 0.1 dB of scipy" % ", ".join(results))


if __name__ == "__main__":
    main()
