// The network object of emlearn_cnn_int8 and emlearn_cnn_fp32 for CPython, written once over the
// model kind. Argument conversion only; the contract lives in src/api/cnn_api.cpp.
#pragma once
#include <cstring>
#include <memory>
#include <vector>

#include "cnn_api.h"
#include "pyglue.h"

namespace pyglue {
namespace cnn {

using microlearn::CnnKind;
using microlearn::CnnModel;

inline void check(bool ok, const Error& err) {
    if (!ok) {
        raise(err);
    }
}

struct Network {
    std::vector<uint64_t> model; // the file's copy, 8-aligned
    std::vector<uint8_t> work;
    CnnModel cnn{};
};

template <CnnKind K> std::unique_ptr<Network> create(py::handle model_in) {
    Buffer b(model_in, false);
    Error err;
    check(microlearn::api::cnn_check_model(b.view(), &err), err);
    auto self = std::make_unique<Network>();
    self->model.assign((b.view().bytes + 7) / 8, 0u);
    if (b.view().bytes > 0) {
        std::memcpy(self->model.data(), b.view().data, b.view().bytes);
    }
    check(microlearn::api::cnn_new(&self->cnn, reinterpret_cast<const uint8_t*>(self->model.data()),
                                   b.view().bytes, K, &err),
          err);
    self->work.assign(microlearn::cnn_work_bytes(&self->cnn), 0u);
    return self;
}

template <CnnKind K> void bind(py::module_& m, const char* type_name) {
    py::class_<Network>(m, type_name, py::module_local())
        .def("run",
             [](Network& self, py::handle input, py::handle output) {
                 Buffer in(input, false), out(output, true);
                 Error err;
                 check(microlearn::api::cnn_run(&self.cnn, in.view(), out.view(), self.work.data(),
                                                self.work.size(), &err),
                       err);
             })
        .def("output_dimensions", [](const Network& self) {
            uint32_t dims[3], n = 0;
            Error err;
            check(microlearn::api::cnn_output_dimensions(&self.cnn, dims, &n, &err), err);
            py::tuple t(n);
            for (uint32_t i = 0; i < n; ++i) {
                t[i] = dims[i];
            }
            return t;
        });
    m.def("new", &create<K>, py::arg("model"), "new(model) -> network");
}

} // namespace cnn
} // namespace pyglue
