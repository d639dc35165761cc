"""Host side: generate tap data, then run the device script lock.py with the CPython host modules
and on a MicroPython Unix port when MICROPYTHON and MPY_DIR are set; both must print the same."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import gen_taps  # noqa: E402
from runtimes import run_on_runtimes  # noqa: E402


def main():
    workdir = tempfile.mkdtemp(prefix="microlearn-taps-")
    gen_taps.main(workdir)
    outputs = run_on_runtimes(os.path.join(HERE, "lock.py"), workdir)
    if len(set(outputs.values())) != 1:
        sys.exit("MicroPython and CPython disagree")


if __name__ == "__main__":
    main()
