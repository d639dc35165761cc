"""Runs an example's device script the way a user would: with the CPython build of the modules
(build/host), and on a MicroPython Unix port with the native modules when MICROPYTHON (the binary)
and MPY_DIR (its source tree, to build dist/x64_6.3) are set, in the environment or as NAME=value
arguments. Shared by every run_example.py."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# `run_example.py MICROPYTHON=... MPY_DIR=...`, as `make demo MICROPYTHON=...` takes them: these
# settings given as arguments count as set in the environment (and leave the arguments).
for _arg in sys.argv[1:]:
    _name, _is, _value = _arg.partition("=")
    if _is and _name in ("MICROPYTHON", "MPY_DIR"):
        os.environ[_name] = _value
sys.argv[1:] = [a for a in sys.argv[1:] if a.partition("=")[0] not in ("MICROPYTHON", "MPY_DIR")]
DEVICE_PY = os.path.join(ROOT, "src", "device")


def run_on_runtimes(script, workdir, collect=lambda stdout: stdout):
    """Returns {runtime name: collect(stdout)}; exits with the output when a run fails."""
    runs = [("CPython", [sys.executable],
             {"PYTHONPATH": os.pathsep.join([os.path.join(ROOT, "build", "host"), DEVICE_PY])})]
    micropython, mpy_dir = os.environ.get("MICROPYTHON"), os.environ.get("MPY_DIR")
    # Paths relative to where this was started: make runs in ROOT, MicroPython in workdir.
    if micropython and os.path.exists(micropython):  # not a command found on PATH
        micropython = os.path.abspath(micropython)
    if mpy_dir:
        mpy_dir = os.path.abspath(mpy_dir)
    if micropython and mpy_dir:
        subprocess.run(["make", "-s", "-C", ROOT, "dist", "ARCHS=x64", "MPY_DIR=" + mpy_dir],
                       check=True, stdout=subprocess.DEVNULL)
        runs.append(("MicroPython", [micropython], {"MICROPYPATH": os.pathsep.join(
            [os.path.join(ROOT, "dist", "x64_6.3"), DEVICE_PY])}))
    results = {}
    for name, cmd, env in runs:
        print("--", name)
        r = subprocess.run(cmd + [script], cwd=workdir, env=dict(os.environ, **env),
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("%s failed on %s:\n%s%s" % (os.path.basename(script), name, r.stdout, r.stderr))
        print(r.stdout, end="")
        results[name] = collect(r.stdout)
    if len(runs) == 1:
        print("-- MicroPython: SKIPPED (set MICROPYTHON=<unix port binary> MPY_DIR=<source tree>)")
    return results
