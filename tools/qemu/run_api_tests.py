#!/usr/bin/env python3
"""Runs tests/api/test_*.py on MicroPython firmware for an emulated ARM, RISC-V or xtensa board under QEMU.

It proves that an ARM, RISC-V or xtensa .mpy loads and behaves on a real MicroPython, not just that it
links. The firmware is MicroPython's own ports/qemu build (built outside this repository, see the
README, "Testing on ARM and RISC-V under QEMU"; for xtensa a copy of that port with an lx106 board,
"Testing the ESP8266 (xtensa) modules under QEMU", for xtensawin one with a windowed-ABI de212
board, "Testing the ESP32 (xtensawin) modules under QEMU"); this script only runs it:

    tools/qemu/run_api_tests.py --firmware .../build-MPS2_AN385/firmware.elf \
        --machine mps2-an385 --natmod-dir dist/armv7m_6.3 [tests/api/test_trees.py ...]
    tools/qemu/run_api_tests.py --qemu qemu-system-riscv32 --machine virt --qemu-args="-bios none" \
        --firmware .../build-VIRT_RV32/firmware.elf --natmod-dir dist/rv32imc_6.3
    tools/qemu/run_api_tests.py --qemu qemu-system-xtensa --machine sim --qemu-args="-cpu lx106" \
        --serial none --l32-check build/qemu/libl32check.so \
        --firmware .../build-SIM_LX106/firmware.elf --natmod-dir dist/xtensa_6.3
    tools/qemu/run_api_tests.py --qemu qemu-system-xtensa --machine sim --qemu-args="-cpu de212" \
        --serial none --firmware .../build-SIM_DE212/firmware.elf --natmod-dir dist/xtensawin_6.3

The board has no filesystem and a heap of about 140 KB, so nothing is copied onto it. A preamble
sent through the raw REPL mounts a small VFS whose files stay on the host:
  /natmod     -> --natmod-dir (the .mpy files; first on sys.path)
  /repo       -> the repository root (the current directory, so open("tests/data/...") works;
                 tests/api and python are on sys.path, as in tests/api/run.py)
Every read is one request on the serial console (an escape byte, a line of text) answered by this
script (a length line, raw bytes), so a test's heap use does not depend on the size of the files it
opens. The emulated UART moves about 30 KB/s: a 100 KB data file takes about 4 s to read.
Everything is read-only except the repository's build folder: there a test may make folders,
write files (hex-encoded requests, answered with an errno) and remove them, as the npyfile
suites do in build/test-npyfile on every runtime.

Each test file runs in a fresh emulator, its source sent through the raw REPL (so tracebacks say
"<stdin>", with the file's own line numbers). It passes when the harness prints "N passed, 0 failed"
and nothing raises. A MemoryError before the harness has run anything is reported as TOO BIG: the
file, or what it imports, does not fit the heap at all. Exit status 1 if any file failed or was
TOO BIG.

The preamble also sets gc.threshold(GC_THRESHOLD): see there.
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
API_DIR = os.path.join(ROOT, "tests", "api")

ESCAPE = 0x18  # starts a request from the target: ESC <op> <args> '\n'
READ_CHUNK = 1024  # bytes per read request: bounds the target's heap use per reply
# The target collects garbage after every GC_THRESHOLD bytes allocated (gc.threshold), not only
# when an allocation fails. Each file request of the VFS below leaves a few small objects behind;
# left to pile up between collections, they push whatever lives long (code compiled on the board,
# module globals) up across the heap: the npyfile suites then could not get 2 KB in one piece
# from a heap with tens of KB free. MicroPython's documentation of gc.threshold names this use:
# collecting early enough to avoid fragmentation.
GC_THRESHOLD = 4096

# Runs on the target before each test. Names start with _ml_ to stay out of the test's way (the
# test runs in the same __main__ globals). Kept small: it is compiled on a 140 KB heap.
PREAMBLE = r"""
import sys, io, os, vfs, gc


def _ml_ask(req):
    sys.stdout.write('\x18' + req + '\n')
    return sys.stdin.buffer.readline()[:-1]


def _ml_fetch(op, key, pos, buf):
    # Reply: a length line, then that many raw bytes (the qemu port's UART reader never treats
    # Ctrl-C specially, so binary data is safe). They go straight into buf.
    n = int(_ml_ask('%%s%%d:%%d:%%s' %% (op, pos, len(buf), key)))
    if n:
        sys.stdin.buffer.readinto(memoryview(buf)[:n])
    return n


def _ml_do(req):
    # A change on the host (create, write, mkdir, remove): the reply is 0 or an errno.
    err = int(_ml_ask(req))
    if err:
        raise OSError(err)


class _MLFile(io.IOBase):
    def __init__(self, key, size, text, write=False):
        self.key = key
        self.size = size
        self.pos = 0
        self.text = text
        if write:
            _ml_do('C' + key)  # create it, or empty it

    def readinto(self, buf):
        mv = memoryview(buf)
        if len(mv) and len(bytes(mv[:1])) > 1:
            # A typed view (array 'h', ...) counts items, not bytes: fill its bytes, as a file does
            raw = bytearray(len(mv) * len(bytes(mv[:1])))
            return io.BytesIO(raw[:self.readinto(raw)]).readinto(mv)
        got = 0
        while got < len(buf) and self.pos < self.size:
            n = _ml_fetch('R', self.key, self.pos, mv[got:got + %(chunk)d])
            if not n:
                break
            got += n
            self.pos += n
        return got

    def _out(self, buf):
        if not self.text:
            return bytes(buf)
        # Complete a UTF-8 sequence cut at the end before decoding.
        i = len(buf) - 1
        while i > 0 and len(buf) - i < 4 and buf[i] & 0xC0 == 0x80:
            i -= 1
        if i >= 0 and buf[i] >= 0xC0:
            need = (2 if buf[i] < 0xE0 else 3 if buf[i] < 0xF0 else 4) - (len(buf) - i)
            if need > 0:
                more = bytearray(need)
                buf += more[:self.readinto(more)]
        return str(buf, 'utf-8')

    def read(self, n=-1):
        left = max(0, self.size - self.pos)
        if n is None or n < 0 or n > left:
            n = left
        buf = bytearray(n)
        return self._out(buf[:self.readinto(buf)] if n else buf)

    def readline(self):
        line = None
        while self.pos < self.size:
            # The host cuts the reply after the first newline, so nothing is read twice.
            n = int(_ml_ask('L%%d:%%d:%%s' %% (self.pos, %(chunk)d, self.key)))
            part = bytearray(n)
            if n:
                sys.stdin.buffer.readinto(part)
            self.pos += n
            line = part if line is None else line + part
            if not n or part[-1] == 10:
                break
        return self._out(line or bytearray())

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, buf):
        data = buf.encode() if isinstance(buf, str) else bytes(buf)
        for i in range(0, len(data), %(chunk)d):
            part = data[i:i + %(chunk)d]
            _ml_do('W%%d:%%s:%%s' %% (self.pos, part.hex(), self.key))
            self.pos += len(part)
        self.size = max(self.size, self.pos)
        return len(data)

    def flush(self):
        pass

    def seek(self, off, whence=0):
        self.pos = max(0, off + (0, self.pos, self.size)[whence])
        return self.pos

    def tell(self):
        return self.pos

    def ioctl(self, req, arg):
        return 0 if req == 4 else -1  # MP_STREAM_CLOSE

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *args):
        pass


class _MLFS:
    def __init__(self, root):
        self.root = root
        self.cwd = ''

    def _key(self, path):
        if not path.startswith('/'):
            path = self.cwd + '/' + path
        return self.root + ':' + path

    def _stat(self, path):
        r = _ml_ask('S' + self._key(path))
        if r == b'-':
            raise OSError(2)  # ENOENT
        mode, size = r.split()
        return int(mode), int(size)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def chdir(self, path):
        if self._stat(path)[0] != 0x4000:
            raise OSError(20)  # ENOTDIR
        self.cwd = path if path.startswith('/') else self.cwd + '/' + path

    def getcwd(self):
        return self.cwd or '/'

    def stat(self, path):
        mode, size = self._stat(path)
        return (mode, 0, 0, 0, 0, 0, size, 0, 0, 0)

    def ilistdir(self, path):
        r = _ml_ask('D' + self._key(path))
        if r == b'-':
            raise OSError(2)
        for item in r.decode().split('/'):
            if item:
                yield (item[1:], 0x4000 if item[0] == 'd' else 0x8000, 0)

    def mkdir(self, path):
        _ml_do('M' + self._key(path))

    def remove(self, path):
        _ml_do('X' + self._key(path))

    def open(self, path, mode):
        if 'a' in mode or '+' in mode:
            raise OSError(22)  # EINVAL: 'r' and 'w' only
        if 'w' in mode:
            return _MLFile(self._key(path), 0, 'b' not in mode, True)
        kind, size = self._stat(path)
        if kind != 0x8000:
            raise OSError(21)  # EISDIR
        return _MLFile(self._key(path), size, 'b' not in mode)


vfs.mount(_MLFS('N'), '/natmod')
vfs.mount(_MLFS('R'), '/repo')
os.chdir('/repo')
sys.path[:] = ['/natmod', '/repo/tests/api', '/repo/python']
gc.collect()
gc.threshold(%(threshold)d)
print('heap free', gc.mem_free())
""" % {"chunk": READ_CHUNK, "threshold": GC_THRESHOLD}


def text(console_bytes):
    return bytes(console_bytes).replace(b"\r\n", b"\n").decode(errors="replace")


class TargetError(Exception):
    """The target did not answer as a MicroPython raw REPL should; `console` is what it printed."""

    def __init__(self, message, console=b""):
        super().__init__(message)
        self.console = text(console)


class Target:
    """One qemu-system-* process; its UART is our stdin/stdout, and we answer file requests."""

    def __init__(self, qemu, machine, firmware, roots, extra_args=(), serial="stdio"):
        self.roots = roots
        self.stderr = tempfile.TemporaryFile()
        cmd = [qemu, "-machine", machine, *extra_args, "-nographic", "-monitor", "null",
               "-semihosting", "-serial", serial, "-kernel", firmware]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, bufsize=0)
        self.console = bytearray()
        self.last_output = time.monotonic()
        self.eof = False
        self.cond = threading.Condition()
        self.write_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.seek(0)
        err = self.stderr.read().decode(errors="replace").strip()
        self.stderr.close()
        return err

    def write(self, data):
        try:
            with self.write_lock:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
        except OSError:  # the emulator has gone: read_until reports it
            pass

    # ---- the reader thread: console bytes, and requests from the preamble's VFS ----

    def _read_loop(self):
        fd = self.proc.stdout.fileno()
        request = None  # bytearray while inside a request line
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            plain = bytearray()
            for byte in data:
                if request is not None:
                    if byte == 0x0A:
                        self._flush_console(plain)
                        plain = bytearray()
                        self.write(self._answer(bytes(request).rstrip(b"\r").decode()))
                        request = None
                    else:
                        request.append(byte)
                elif byte == ESCAPE:
                    request = bytearray()
                else:
                    plain.append(byte)
            self._flush_console(plain)
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def _flush_console(self, data):
        if data:
            with self.cond:
                self.console += data
                self.last_output = time.monotonic()
                self.cond.notify_all()

    def _resolve(self, key):
        root = self.roots[key[0]]
        rel = os.path.normpath("/" + key[2:]).lstrip("/")
        path = os.path.realpath(os.path.join(root, rel))
        if path != root and not path.startswith(root + os.sep):
            return None  # outside the served folder
        return path

    def _writable(self, key):
        """The host path of a key that may change, else None: only the repository's build folder
        and what is below it."""
        path = self._resolve(key)
        build = os.path.join(self.roots["R"], "build")
        if key[0] == "R" and path and (path == build or path.startswith(build + os.sep)):
            return path
        return None

    def _change(self, op, arg):
        """Create (C), write at an offset (W), mkdir (M), remove (X): -> errno, 0 when done."""
        if op == "W":
            off, data, key = arg.split(":", 2)
        else:
            key = arg
        path = self._writable(key)
        if path is None:
            return 30  # EROFS: everything else the board sees is read-only
        try:
            if op == "C":
                open(path, "wb").close()
            elif op == "W":
                with open(path, "r+b") as f:
                    f.seek(int(off))
                    f.write(bytes.fromhex(data))
            elif op == "M":
                os.mkdir(path)
            else:
                os.remove(path)
        except OSError as e:
            return e.errno or 5  # EIO
        except ValueError:  # a malformed request
            return 22  # EINVAL
        return 0

    def _answer(self, req):
        op, arg = req[0], req[1:]
        if op in "CWMX":
            return b"%d\n" % self._change(op, arg)
        try:
            if op == "S":
                path = self._resolve(arg)
                if path and os.path.isdir(path):
                    return b"16384 0\n"
                if path and os.path.isfile(path):
                    return b"32768 %d\n" % os.path.getsize(path)
                return b"-\n"
            if op in "RL":  # read, or read a line: at most n bytes from off
                off, n, key = arg.split(":", 2)
                with open(self._resolve(key), "rb") as f:
                    f.seek(int(off))
                    data = f.read(int(n))
                if op == "L" and b"\n" in data:
                    data = data[: data.index(b"\n") + 1]
                return b"%d\n" % len(data) + data
            if op == "D":
                path = self._resolve(arg)
                if not path or not os.path.isdir(path):
                    return b"-\n"
                items = []
                for name in sorted(os.listdir(path)):
                    kind = "d" if os.path.isdir(os.path.join(path, name)) else "f"
                    items.append(kind + name)
                return ("/".join(items) + "/\n").encode()
        except (OSError, TypeError, ValueError):
            if op in "RL":
                return b"0\n"
        return b"-\n"

    # ---- the raw REPL ----

    def read_until(self, marker, timeout, echo=False):
        """Console bytes up to `marker` (consumed, not returned)."""
        deadline = time.monotonic() + timeout
        shown = 0
        with self.cond:
            while True:
                i = self.console.find(marker)
                end = i if i >= 0 else len(self.console)
                if echo and end > shown:
                    sys.stdout.write(text(self.console[shown:end]))
                    sys.stdout.flush()
                    shown = end
                if i >= 0:
                    out = bytes(self.console[:i])
                    del self.console[: i + len(marker)]
                    return out
                now = time.monotonic()
                if self.eof:
                    # The RISC-V ports' trap handler prints the registers and exits the emulator.
                    if b"MACHINE EXCEPTION CAUGHT:" in self.console:
                        raise TargetError("CPU fault on the target: machine exception",
                                          bytes(self.console))
                    raise TargetError("the emulator exited", bytes(self.console))
                # The port's fault handler prints "HardFault exception caught:" and registers, then
                # hangs: report it once the register dump has been quiet for a moment.
                fault = self.console.find(b" exception caught:")
                if fault >= 0 and now - self.last_output > 0.5:
                    start = self.console.rfind(b"\n", 0, fault) + 1
                    name = bytes(self.console[start:fault]).decode(errors="replace")
                    raise TargetError("CPU fault on the target: " + name, bytes(self.console))
                if now >= deadline:
                    raise TargetError("timed out after %ds" % timeout, bytes(self.console))
                self.cond.wait(min(deadline - now, 0.25))

    def enter_raw_repl(self, timeout):
        self.read_until(b">>> ", timeout)  # the banner and the friendly REPL prompt
        self.write(b"\r\x03\x03\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>", 10)

    def exec_raw(self, code, timeout, echo=False):
        """Runs code in the raw REPL: (stdout, exception text)."""
        self.write(code.encode() + b"\x04")
        self.read_until(b"OK", 30)
        out = self.read_until(b"\x04", timeout, echo)
        err = self.read_until(b"\x04", 30)
        return text(out), text(err)


RESULT_LINE = re.compile(r"(\d+) passed, (\d+) failed")


def run_one(args, test, roots):
    """-> (status, detail), status one of PASS, FAIL, TOO BIG."""
    if not args.l32_check:
        return run_on_target(args, test, roots, [])
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "l32check.log")
        status, detail = run_on_target(
            args, test, roots, ["-plugin", "%s,out=%s" % (os.path.abspath(args.l32_check), log)])
        lines = []
        if os.path.exists(log):
            with open(log) as f:
                lines = [line.strip() for line in f]
        narrow = [line for line in lines if line.startswith("narrow-load")]
        if "l32check: loads are seen" not in lines:
            return "FAIL", "the l32check plugin was never called for a load: nothing was checked"
        if narrow:
            print("\n".join("   " + line for line in narrow[:20]))
            return "FAIL", "%d instruction(s) loaded less than an aligned word from the native " \
                           "code region (%s)" % (len(narrow), narrow[0])
        return status, detail


def run_on_target(args, test, roots, plugin_args):
    with open(test) as f:
        source = f.read()
    target = Target(args.qemu, args.machine, os.path.abspath(args.firmware), roots,
                    shlex.split(args.qemu_args) + plugin_args, args.serial)
    echoed = False
    try:
        target.enter_raw_repl(30)
        out, err = target.exec_raw(PREAMBLE, 60)
        if err:
            return "FAIL", "preamble: " + err.strip()
        heap = out.strip()
        if not args.quiet:
            print("   (%s)" % heap, flush=True)
        start = time.monotonic()
        echoed = True
        out, err = target.exec_raw(source, args.timeout, echo=not args.quiet)
        seconds = time.monotonic() - start
        m = RESULT_LINE.search(out)
        if m and not err and int(m.group(2)) == 0:
            status, detail = "PASS", "%s (%.1fs)" % (m.group(0), seconds)
        elif "MemoryError" in err and not m and "FAIL" not in out:
            status, detail = "TOO BIG", "MemoryError before any test ran (%s)" % heap
        elif m:
            status, detail = "FAIL", m.group(0)
            if "MemoryError" in out + err:
                detail += " (MemoryError; %s at start)" % heap
        else:
            status, detail = "FAIL", (err.strip().splitlines() or ["no result line"])[-1]
        if args.quiet and status != "PASS":
            sys.stdout.write("   (%s)\n%s" % (heap, out))
        if err:
            sys.stdout.write(("" if out.endswith("\n") or not out else "\n") + err)
        return status, detail
    except TargetError as e:
        if e.console.strip() and (args.quiet or not echoed):  # else it is on the screen already
            tail = e.console.strip().splitlines()[-25:]
            print("\n".join(["   console:"] + ["   | " + line for line in tail]))
        return "FAIL", str(e)
    finally:
        qemu_err = target.close()
        if qemu_err and args.verbose:
            print("   qemu:", qemu_err)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmware", required=True, help="MicroPython ports/qemu firmware.elf")
    ap.add_argument("--machine", default="mps2-an385",
                    help="qemu machine: mps2-an385 (Cortex-M3: armv6m, armv7m), "
                         "mps2-an500 (Cortex-M7 + FPU: also armv7emsp, armv7emdp); "
                         "virt with --qemu qemu-system-riscv32 (rv32imc)")
    ap.add_argument("--natmod-dir", required=True, help="folder with the .mpy files")
    ap.add_argument("--qemu", default="qemu-system-arm")
    ap.add_argument("--qemu-args", default="",
                    help='more emulator options, one string: --qemu-args="-bios none" for the '
                         'RISC-V virt machine (no OpenSBI; the firmware is the machine-mode kernel)')
    ap.add_argument("--serial", default="stdio",
                    help='the emulator\'s -serial option: "none" for a firmware whose console is '
                         'semihosting on the emulator\'s own stdin/stdout (xtensa sim)')
    ap.add_argument("--l32-check", metavar="PLUGIN",
                    help="QEMU plugin built from tools/qemu/l32check.c: a file also fails when any "
                         "load from the native code region (0x40100000-0x40200000, where the "
                         "xtensa firmware puts it, as the ESP8266 port puts it in iRAM) is "
                         "narrower than an aligned word, which the ESP8266 cannot do")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per test file")
    ap.add_argument("--quiet", action="store_true",
                    help="only the summary line of each passing file (all output of a failing one)")
    ap.add_argument("--verbose", action="store_true", help="also echo the emulator's stderr")
    ap.add_argument("tests", nargs="*", help="test files (default: tests/api/test_*.py)")
    args = ap.parse_args()

    tests = args.tests or sorted(glob.glob(os.path.join(API_DIR, "test_*.py")))
    natmod = os.path.realpath(args.natmod_dir)
    if not os.path.isdir(natmod) or not glob.glob(os.path.join(natmod, "*.mpy")):
        sys.exit("no .mpy files in %s" % args.natmod_dir)
    roots = {"N": natmod, "R": os.path.realpath(ROOT)}
    runtime = "%s on %s (%s)" % (os.path.relpath(natmod, ROOT), args.machine, args.firmware)

    results = []
    for t in tests:
        name = os.path.relpath(os.path.abspath(t), ROOT)
        print("==", name, "on", runtime, flush=True)
        status, detail = run_one(args, t, roots)
        print("%-7s %s: %s" % (status, name, detail), flush=True)
        results.append((status, name, detail))

    failed = [r for r in results if r[0] == "FAIL"]
    too_big = [r for r in results if r[0] == "TOO BIG"]
    print("qemu api suites (%s): %d passed, %d failed, %d too big for the heap"
          % (runtime, len(results) - len(failed) - len(too_big), len(failed), len(too_big)))
    for status, name, detail in failed + too_big:
        print("  %s %s: %s" % (status, name, detail))
    sys.exit(1 if failed or too_big else 0)


if __name__ == "__main__":
    main()
