// libFuzzer target for npyfile (src/device/npyfile.py), the pure-Python .npy/.npz reader, run in
// an embedded CPython (Debian's libpython3.11).
//
// Every input is read twice: as a .npy (Reader, then all data in chunks) and as a .npz (NpzReader:
// list the members, read each as a .npy in chunks, then the rest of the member so its CRC-32 is
// checked). The last byte picks the chunk size and whether the bytes come from io.BytesIO or from
// a stream that cannot seek, which takes npyfile's other paths (forward-only members(), reads
// without a known length).
//
// npyfile documents that damaged input raises ValueError, or OSError/EOFError from the stream,
// and nothing else: those are the allowed outcomes. Any other exception (TypeError, KeyError,
// IndexError, struct.error, MemoryError, RecursionError, ...) is printed and the target aborts.
// A header claiming a huge array must be refused or streamed, never allocated: Python allocates
// with malloc() here (see below), so libFuzzer's -malloc_limit_mb (= -rss_limit_mb, 2 GB by
// default) reports any single Python allocation beyond it as out-of-memory, and -timeout reports
// a loop that spins.
//
// libpython is not instrumented, so SanitizerCoverage alone would see only this file. A C trace
// function turns the Python line transitions (code object, previous line, line) into libFuzzer
// "extra counters", so the fuzzer is guided by coverage of npyfile's own Python code.
//
// ASan/UBSan (as for the other targets) work with the embedded interpreter once Python allocates
// with malloc() instead of its own arenas (PYMEM_ALLOCATOR_MALLOC): LeakSanitizer does not scan
// pymalloc's mmap()ed arenas, so objects kept alive only from there would be reported as leaks.
// libpython itself is not instrumented, so ASan checks this harness and the allocation sizes only.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef NPYFILE_DIR
#error "NPYFILE_DIR must name the folder holding npyfile.py"
#endif

namespace {

constexpr size_t kCounters = 1 << 16;
// libFuzzer collects features from this section on Linux (FuzzerExtraCounters.cpp) and clears it
// before each input.
__attribute__((used, section("__libfuzzer_extra_counters"))) uint8_t g_counters[kCounters];
uintptr_t g_prev;

int trace(PyObject*, PyFrameObject* frame, int what, PyObject*) {
    if (what != PyTrace_LINE && what != PyTrace_EXCEPTION && what != PyTrace_RETURN) {
        return 0;
    }
    PyCodeObject* code = PyFrame_GetCode(frame);
    const uintptr_t line = uintptr_t(PyFrame_GetLineNumber(frame));
    // module-level code objects live as long as the interpreter, so their address is stable
    const uintptr_t loc = (uintptr_t(code) >> 4) * 0x9E3779B1u ^ (line * 4 + uintptr_t(what)) *
                                                                       0x85EBCA6Bu;
    Py_DECREF(code);
    uint8_t& c = g_counters[(loc ^ g_prev) % kCounters];
    if (c != 255) {
        c++;
    }
    g_prev = loc >> 1;
    return 0;
}

const char kHarness[] = R"PY(
import io
import npyfile

ALLOWED = (ValueError, OSError, EOFError)  # what npyfile documents for damaged input


class Stream:
    """Bytes from a stream that cannot seek, read() and readinto() returning short pieces."""

    def __init__(self, data, piece):
        self._data = memoryview(data)
        self._pos = 0
        self._piece = piece

    def read(self, n=-1):
        if n is None or n < 0:
            n = len(self._data) - self._pos
        n = min(n, self._piece)
        out = bytes(self._data[self._pos:self._pos + n])
        self._pos += len(out)
        return out

    def readinto(self, buf):
        mv = memoryview(buf).cast("B")
        n = min(len(mv), self._piece, len(self._data) - self._pos)
        mv[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n


def source(data, mode):
    return Stream(data, 1 + mode % 97) if mode & 1 else io.BytesIO(data)


def read_npy(f, chunk):
    r = npyfile.Reader(f)
    n = 0
    for part in r.read_data_chunks(chunk):
        if len(part) > chunk:
            raise AssertionError("chunk of %d items, asked for %d" % (len(part), chunk))
        n += len(part)
    if n != r.items or r.remaining != 0:
        raise AssertionError("read %d items of %d" % (n, r.items))


def drain(member):
    while member.remaining > 0:
        if not member.read(min(member.remaining, 4096)):
            raise ValueError("truncated member")


def as_npy(data, mode):
    read_npy(source(data, mode), 1 + (mode * 37) % 1024)


def as_npz(data, mode):
    chunk = 1 + (mode * 37) % 1024
    z = npyfile.NpzReader(source(data, mode))
    if mode & 1:
        for name, member in z.members():
            try:
                read_npy(member, chunk)
            except ALLOWED:
                pass  # a bad member; the walk goes on (or fails) at the next one
    else:
        z.files
        for name in z.namelist():
            try:
                member = z.open(name)
                read_npy(member, chunk)
                drain(member)
            except ALLOWED:
                pass
)PY";

PyObject* g_as_npy;
PyObject* g_as_npz;

[[noreturn]] void fail(const char* what) {
    fprintf(stderr, "fuzz_npyfile: %s\n", what);
    if (PyErr_Occurred()) {
        PyErr_Print();
    }
    fflush(stderr);
    abort();
}

void run(PyObject* fn, PyObject* data, long mode) {
    PyObject* r = PyObject_CallFunction(fn, "Ol", data, mode);
    if (r != nullptr) {
        Py_DECREF(r);
        return;
    }
    if (PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_OSError) ||
        PyErr_ExceptionMatches(PyExc_EOFError)) {
        PyErr_Clear();
        return;
    }
    fail("npyfile raised an exception outside ValueError/OSError/EOFError");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    PyPreConfig pre;
    PyPreConfig_InitIsolatedConfig(&pre);
    pre.allocator = PYMEM_ALLOCATOR_MALLOC;
    if (PyStatus_Exception(Py_PreInitialize(&pre))) {
        fail("Py_PreInitialize failed");
    }
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config); // ignores PYTHONPATH, PYTHONHOME and the like
    config.install_signal_handlers = 0;   // leave SIGINT and friends to libFuzzer
    config.site_import = 0;
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        fail("Py_InitializeFromConfig failed");
    }
    PyObject* path = PySys_GetObject("path"); // borrowed
    PyObject* dir = PyUnicode_FromString(NPYFILE_DIR);
    if (path == nullptr || dir == nullptr || PyList_Insert(path, 0, dir) != 0) {
        fail("cannot put npyfile's folder on sys.path");
    }
    Py_DECREF(dir);
    PyObject* globals = PyDict_New();
    PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
    PyObject* r = PyRun_String(kHarness, Py_file_input, globals, globals);
    if (r == nullptr) {
        fail("cannot import npyfile (" NPYFILE_DIR ")");
    }
    Py_DECREF(r);
    g_as_npy = PyDict_GetItemString(globals, "as_npy");
    g_as_npz = PyDict_GetItemString(globals, "as_npz");
    Py_XINCREF(g_as_npy);
    Py_XINCREF(g_as_npz);
    if (g_as_npy == nullptr || g_as_npz == nullptr) {
        fail("harness functions missing");
    }
    PyEval_SetTrace(trace, nullptr);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    PyObject* bytes = PyBytes_FromStringAndSize(reinterpret_cast<const char*>(data),
                                                Py_ssize_t(size));
    if (bytes == nullptr) {
        fail("PyBytes_FromStringAndSize failed");
    }
    const long mode = size ? data[size - 1] : 0;
    g_prev = 0;
    run(g_as_npy, bytes, mode);
    g_prev = 0;
    run(g_as_npz, bytes, mode);
    Py_DECREF(bytes);
    return 0;
}
