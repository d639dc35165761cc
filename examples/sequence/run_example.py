"""Host side: generate tap data, then run the device script lock.py with the CPython host modules
and on a MicroPython Unix port when MICROPYTHON and MPY_DIR are set; both must print the same."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen_taps  # noqa: E402


def run(cmd, workdir, env):
    r = subprocess.run(cmd + [os.path.join(HERE, "lock.py")], cwd=workdir, env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("lock.py failed:\n" + r.stdout + r.stderr)
    print(r.stdout, end="")
    return r.stdout


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-taps-")
    gen_taps.main(workdir)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "build", "host"))
    print("-- CPython")
    outputs = {"CPython": run([sys.executable], workdir, env)}
    micropython, mpy_dir = os.environ.get("MICROPYTHON"), os.environ.get("MPY_DIR")
    if micropython and mpy_dir:
        subprocess.run(["make", "-s", "-C", ROOT, "dist", "ARCHS=x64", "MPY_DIR=" + mpy_dir],
                       check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "dist", "x64_6.3"))
        print("-- MicroPython")
        outputs["MicroPython"] = run([micropython], workdir, env)
        if outputs["MicroPython"] != outputs["CPython"]:
            sys.exit("MicroPython and CPython disagree")
    else:
        print("-- MicroPython: SKIPPED (set MICROPYTHON and MPY_DIR)")


if __name__ == "__main__":
    main()
