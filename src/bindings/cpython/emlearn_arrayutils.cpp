// emlearn_arrayutils for CPython: the same module as on MicroPython. Argument conversion only;
// the contract lives in src/api/arrayutils_api.cpp.
#include "arrayutils_api.h"
#include "pyglue.h"

namespace py = pybind11;
using namespace microlearn;

PYBIND11_MODULE(emlearn_arrayutils, m) {
    m.doc() = "Element-wise array helpers: linear_map between any of the typecodes b B h H i I f";
    m.def(
        "linear_map",
        [](py::handle inputs, py::handle outputs, py::handle in_min, py::handle in_max,
           py::handle out_min, py::handle out_max) {
            pyglue::Buffer in(inputs, false), out(outputs, true);
            api::Error err;
            if (!api::linear_map(in.view(), out.view(), pyglue::get_double(in_min),
                                 pyglue::get_double(in_max), pyglue::get_double(out_min),
                                 pyglue::get_double(out_max), &err)) {
                pyglue::raise(err);
            }
        },
        "linear_map(inputs, outputs, in_min, in_max, out_min, out_max): outputs = "
        "clamp((inputs - in_min) * (out_max - out_min) / (in_max - in_min) + out_min), rounded to "
        "nearest and saturated for integer outputs");
}
