// The filter object of emlearn_iir and emlearn_iir_q15 for CPython, written once over the
// module's api functions (api::IirFilterApi). Argument conversion only; the contract lives in
// src/api.
#pragma once
#include <memory>
#include <vector>

#include "iir_common.h"
#include "pyglue.h"

namespace pyglue {
namespace iir {

namespace py = pybind11;
using microlearn::api::Error;
using microlearn::api::IirFilterApi;

inline void check(bool ok, const Error& err) {
    if (!ok) {
        raise(err);
    }
}

template <class F> struct Object {
    F filter{};
    std::vector<uint64_t> storage; // 8-aligned for a double state
};

template <class F, const IirFilterApi<F>& A>
std::unique_ptr<Object<F>> create(py::handle coefficients) {
    Buffer c(coefficients, false);
    Error err;
    size_t bytes = 0;
    check(A.storage_size(c.view(), &bytes, &err), err);
    auto self = std::make_unique<Object<F>>();
    self->storage.assign((bytes + 7) / 8, 0u);
    check(A.create(&self->filter, c.view(), self->storage.data(), bytes, &err), err);
    return self;
}

// The filter type `type_name` and new() in m (the module's doc is the module's own).
template <class F, const IirFilterApi<F>& A>
void bind_filter(py::module_& m, const char* type_name) {
    py::class_<Object<F>>(m, type_name)
        .def("run",
             [](Object<F>& self, py::handle values) {
                 Buffer v(values, true);
                 Error err;
                 check(A.run(&self.filter, v.view(), &err), err);
             })
        .def("reset",
             [](Object<F>& self) {
                 Error err;
                 check(A.reset_state(&self.filter, &err), err);
             })
        .def("get_state",
             [](Object<F>& self, py::handle out) {
                 Buffer o(out, true);
                 Error err;
                 check(A.state_get(&self.filter, o.view(), &err), err);
             })
        .def("set_state", [](Object<F>& self, py::handle values) {
            Buffer v(values, false);
            Error err;
            check(A.state_set(&self.filter, v.view(), &err), err);
        });
    m.def("new", &create<F, A>, py::arg("coefficients"), "new(coefficients) -> filter");
}

} // namespace iir
} // namespace pyglue
