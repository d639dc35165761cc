// emlearn_iir for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/iir_api.cpp.
#include <memory>
#include <vector>

#include "iir_api.h"
#include "pyglue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct IirObject {
    IirCascade filter{};
    std::vector<uint32_t> storage;
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<IirObject> iir_new(py::handle coefficients) {
    pyglue::Buffer c(coefficients, false);
    api::Error err;
    size_t bytes = 0;
    check(api::iir_storage_size(c.view(), &bytes, &err), err);
    auto self = std::make_unique<IirObject>();
    self->storage.assign((bytes + 3) / 4, 0u);
    check(api::iir_new(&self->filter, c.view(), self->storage.data(), bytes, &err), err);
    return self;
}

} // namespace

PYBIND11_MODULE(emlearn_iir, m) {
    m.doc() = R"(IIR filters as cascades of second-order sections, float32, in place.

new(coefficients)          array('f'), 6 per stage in scipy.signal's sos layout
                           [b0, b1, b2, a0, a1, a2] (ValueError unless a multiple of 6)
filter.run(values)         filter array('f') in place; the state carries over between calls
filter.reset()             zero the state
filter.get_state(out)      2 values per stage into array('f') (scipy's zi layout)
filter.set_state(values)   2 values per stage from array('f'), e.g. sosfilt_zi(sos) * x0)";
    py::class_<IirObject>(m, "emliir")
        .def("run",
             [](IirObject& self, py::handle values) {
                 pyglue::Buffer v(values, true);
                 api::Error err;
                 check(api::iir_run(&self.filter, v.view(), &err), err);
             })
        .def("reset",
             [](IirObject& self) {
                 api::Error err;
                 check(api::iir_reset_state(&self.filter, &err), err);
             })
        .def("get_state",
             [](IirObject& self, py::handle out) {
                 pyglue::Buffer o(out, true);
                 api::Error err;
                 check(api::iir_state_get(&self.filter, o.view(), &err), err);
             })
        .def("set_state", [](IirObject& self, py::handle values) {
            pyglue::Buffer v(values, false);
            api::Error err;
            check(api::iir_state_set(&self.filter, v.view(), &err), err);
        });
    m.def("new", &iir_new, py::arg("coefficients"), "new(coefficients) -> filter");
}
