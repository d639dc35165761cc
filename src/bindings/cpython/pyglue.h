// Shared glue for the CPython modules (pybind11): buffers as api::BufferView with the same
// typecodes MicroPython reports, and api::Error raised as the matching Python exception.
#pragma once
#include <pybind11/pybind11.h>

#include <climits>
#include <string>

#include "api.h"

namespace pyglue {

namespace py = pybind11;
using microlearn::api::BufferView;
using microlearn::api::Error;
using microlearn::api::ErrorType;

[[noreturn]] inline void raise(const Error& err) {
    PyObject* type = PyExc_ValueError;
    if (err.type == ErrorType::TypeError) {
        type = PyExc_TypeError;
    } else if (err.type == ErrorType::MemoryError) {
        type = PyExc_MemoryError;
    } else if (err.type == ErrorType::RuntimeError) {
        type = PyExc_RuntimeError;
    } else if (err.type == ErrorType::OSError) {
        type = PyExc_OSError;
    }
    PyErr_SetString(type, std::string(err.message, err.length).c_str());
    throw py::error_already_set();
}

// A contiguous buffer held for the lifetime of this object (array.array, bytes, bytearray,
// memoryview, numpy arrays). The typecode is the struct format without byte-order prefix.
// A str, a read-only buffer where the call writes and a strided view are TypeErrors from the api
// (CPython's own error for the last two is a BufferError; MicroPython's is a TypeError).
class Buffer {
  public:
    Buffer(const py::handle& obj, bool writable) {
        if (PyUnicode_Check(obj.ptr())) {
            fault(microlearn::api::BufferFault::Text);
        }
        const int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0) {
            // Exporters say why with different exceptions (numpy: ValueError "ndarray is not
            // C-contiguous" or "buffer source array is read-only"): the buffer in any layout,
            // read-only, tells. What is not a buffer at all keeps the exporter's own error.
            py::error_already_set first; // takes the exception, restored if it stands
            Py_buffer probe;
            if (PyObject_GetBuffer(obj.ptr(), &probe, PyBUF_FORMAT | PyBUF_STRIDES) != 0) {
                PyErr_Clear();
                throw first;
            }
            const bool contiguous = PyBuffer_IsContiguous(&probe, 'C') != 0;
            const bool read_only = probe.readonly != 0;
            PyBuffer_Release(&probe);
            if (!contiguous) {
                fault(microlearn::api::BufferFault::NotContiguous);
            }
            if (writable && read_only) {
                fault(microlearn::api::BufferFault::ReadOnly);
            }
            throw first;
        }
        const char* format = view_.format ? view_.format : "B";
        while (*format == '@' || *format == '=' || *format == '<') {
            format++;
        }
        // Only single-letter formats are typecodes; anything else ("2h", "q", ...) is rejected
        // by the api's typecode checks.
        typecode_ = (format[0] != '\0' && format[1] == '\0') ? format[0] : '?';
        if (view_.itemsize > 1 && reinterpret_cast<uintptr_t>(view_.buf) % view_.itemsize != 0) {
            PyBuffer_Release(&view_);
            Error err;
            microlearn::api::raise_unaligned(&err);
            raise(err);
        }
    }
    ~Buffer() { PyBuffer_Release(&view_); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;

    BufferView view() const { return BufferView{view_.buf, size_t(view_.len), typecode_}; }

  private:
    [[noreturn]] static void fault(microlearn::api::BufferFault f) {
        Error err;
        microlearn::api::raise_buffer_fault(&err, f);
        raise(err);
    }

    Py_buffer view_{};
    char typecode_ = '?';
};

// An int argument clamped to int32, like the MicroPython binding (the api rejects the range).
inline int32_t get_int32(const py::handle& obj) {
    if (!PyLong_Check(obj.ptr())) {
        throw py::type_error("expecting an int");
    }
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow != 0 || v > INT_MAX) {
        return overflow < 0 ? -INT_MAX : INT_MAX;
    }
    return v < -INT_MAX ? -INT_MAX : int32_t(v);
}

inline double get_double(const py::handle& obj) {
    const double v = PyFloat_AsDouble(obj.ptr());
    if (v == -1.0 && PyErr_Occurred()) {
        throw py::error_already_set();
    }
    return v;
}

inline float get_float(const py::handle& obj) {
    return float(get_double(obj));
}

} // namespace pyglue
