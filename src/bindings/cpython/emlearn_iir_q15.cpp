// emlearn_iir_q15 for CPython: the same module as on MicroPython. Argument conversion only (the
// filter object in iir_pyglue.h, shared with emlearn_iir); the contract lives in
// src/api/iir_q15_api.cpp.
#include <vector>

#include "iir_pyglue.h"
#include "iir_q15_api.h"

namespace py = pybind11;
using namespace microlearn;
using pyglue::iir::check;

namespace {

// sos as a flat list of floats: a float array ('f' or 'd', any shape, e.g. scipy's (n, 6)
// float64 sos), a flat list/tuple of numbers, or a list/tuple of 6-number rows.
std::vector<float> read_sos(py::handle sos) {
    api::Error err;
    std::vector<float> values;
    if (PyObject_CheckBuffer(sos.ptr())) {
        pyglue::Buffer b(sos, false);
        const api::BufferView v = b.view();
        if (v.typecode == 'f') {
            const float* p = static_cast<const float*>(v.data);
            values.assign(p, p + v.bytes / sizeof(float));
        } else if (v.typecode == 'd') {
            const double* p = static_cast<const double*>(v.data);
            for (size_t i = 0; i < v.bytes / sizeof(double); i++) {
                values.push_back(float(p[i]));
            }
        } else {
            check(api::iir_q15_convert_source_error(&err), err);
        }
        return values;
    }
    if (!PyList_Check(sos.ptr()) && !PyTuple_Check(sos.ptr())) {
        check(api::iir_q15_convert_source_error(&err), err);
    }
    // Read by index, as the MicroPython binding does: a value's __float__ may shorten a list, and
    // an item it removed is a wrong row.
    py::sequence items = py::reinterpret_borrow<py::sequence>(sos);
    const size_t n = py::len(items);
    const bool rows = n > 0 && (PyList_Check(items[0].ptr()) || PyTuple_Check(items[0].ptr()));
    for (size_t i = 0; i < n; i++) {
        const uint32_t row = uint32_t(rows ? i : i / 6);
        if (i >= py::len(items)) {
            check(api::iir_q15_convert_row_error(row, &err), err);
        }
        const py::object item = items[i];
        if (!rows) {
            values.push_back(pyglue::get_float(item));
            continue;
        }
        if ((!PyList_Check(item.ptr()) && !PyTuple_Check(item.ptr())) || py::len(item) != 6) {
            check(api::iir_q15_convert_row_error(row, &err), err);
        }
        const py::sequence stage = py::reinterpret_borrow<py::sequence>(item);
        for (size_t k = 0; k < 6; k++) {
            if (k >= py::len(stage)) {
                check(api::iir_q15_convert_row_error(row, &err), err);
            }
            values.push_back(pyglue::get_float(py::object(stage[k])));
        }
    }
    return values;
}

py::object convert_coefficients(py::handle sos, py::handle scale_in) {
    const double scale =
        scale_in.is_none() ? api::kIirQ15DefaultScale : PyFloat_AsDouble(scale_in.ptr());
    if (PyErr_Occurred()) {
        throw py::error_already_set();
    }
    const std::vector<float> values = read_sos(sos);
    api::Error err;
    uint32_t n_stages;
    check(api::iir_q15_convert_check(values.size(), scale, &n_stages, &err), err);
    std::vector<int16_t> out(values.size());
    for (size_t s = 0; s < n_stages; s++) {
        check(api::iir_q15_convert_stage(&values[s * 6], scale, uint32_t(s), &out[s * 6], &err),
              err);
    }
    py::object array = py::module_::import("array").attr("array")("h");
    array.attr("frombytes")(
        py::bytes(reinterpret_cast<const char*>(out.data()), out.size() * sizeof(int16_t)));
    return array;
}

} // namespace

PYBIND11_MODULE(emlearn_iir_q15, m) {
    m.doc() = R"(IIR filters as cascades of second-order sections on int16 samples, fixed point.

new(coefficients)          array('h'), 6 per stage [b0, 0, b1, b2, -a1, -a2] in Q2.13
                           (value c stands for c / 8192); see docs/iir_q15.md
filter.run(values)         filter array('h') in place; the state carries over between calls;
                           outputs saturate at -32768..32767, never wrap
filter.reset()             zero the state
filter.get_state(out)      6 values per stage into array('h'): [x1, x2, y1, y2, e1, e2]
                           (last inputs, outputs and rounding residues)
filter.set_state(values)   6 values per stage from array('h')
convert_coefficients(c, scale=2**13-1) -> array('h')
                           scipy sos (flat or rows, any a0) to the layout new() takes)";
    pyglue::iir::bind_filter<IirQ15Cascade, api::kIirQ15Api>(m, "emliirq15");
    m.def("convert_coefficients", &convert_coefficients, py::arg("c"),
          py::arg("scale") = py::none(), "convert_coefficients(c, scale=2**13-1) -> array('h')");
}
