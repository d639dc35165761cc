// emlearn_linreg for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/linreg_api.cpp.
#include <vector>

#include "linreg_api.h"
#include "pyglue.h"
#include "train_glue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct Linreg {
    api::LinregHandle handle;
    std::vector<float> storage;
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<Linreg> linreg_new(py::handle n_features, py::handle alpha, py::handle l1_ratio,
                                   py::handle learning_rate) {
    api::Error err;
    const int32_t features = pyglue::get_int32(n_features);
    const size_t bytes = api::linreg_storage_bytes(features, &err);
    check(bytes != 0, err);
    auto self = std::make_unique<Linreg>();
    self->storage.assign(bytes / 4 + 1, 0.0f);
    check(api::linreg_new(&self->handle, features, pyglue::get_float(alpha),
                          pyglue::get_float(l1_ratio), pyglue::get_float(learning_rate),
                          self->storage.data(), self->storage.size() * 4, &err),
          err);
    return self;
}

py::tuple train(Linreg& self, py::handle X, py::handle y, py::handle max_iterations,
                py::handle tolerance, py::handle check_interval, py::handle divergence_factor,
                py::handle score_limit, py::handle verbose) {
    const api::TrainArgs args = pyglue::train_args(max_iterations, tolerance, check_interval,
                                                   divergence_factor, score_limit, verbose);
    pyglue::Buffer xb(X, false), yb(y, false);
    pyglue::TrainLog log("emlearn_linreg:", "mse");
    api::Error err;
    TrainResult result;
    const bool ok = api::linreg_train(&self.handle, xb.view(), yb.view(), args,
                                      pyglue::TrainLog::on_check, &log, &result, &err);
    log.rethrow();
    check(ok, err);
    return log.finish(args, result);
}

} // namespace

PYBIND11_MODULE(emlearn_linreg, m) {
    m.doc() = "Linear regression (ElasticNet) with training on the device";
    py::class_<Linreg>(m, "elasticnet")
        .def("predict",
             [](Linreg& self, py::handle x) {
                 pyglue::Buffer xb(x, false);
                 api::Error err;
                 float out = 0.0f;
                 check(api::linreg_predict(&self.handle, xb.view(), &out, &err), err);
                 return double(out);
             })
        .def("step",
             [](Linreg& self, py::handle X, py::handle y) {
                 pyglue::Buffer xb(X, false), yb(y, false);
                 api::Error err;
                 check(api::linreg_step(&self.handle, xb.view(), yb.view(), &err), err);
             })
        .def("score_mse",
             [](Linreg& self, py::handle X, py::handle y) {
                 pyglue::Buffer xb(X, false), yb(y, false);
                 api::Error err;
                 float mse = 0.0f;
                 check(api::linreg_score_mse(&self.handle, xb.view(), yb.view(), &mse, &err), err);
                 return double(mse);
             })
        .def("get_weights",
             [](Linreg& self, py::handle out) {
                 pyglue::Buffer ob(out, true);
                 api::Error err;
                 check(api::linreg_get_weights(&self.handle, ob.view(), &err), err);
             })
        .def("set_weights",
             [](Linreg& self, py::handle w) {
                 pyglue::Buffer wb(w, false);
                 api::Error err;
                 check(api::linreg_set_weights(&self.handle, wb.view(), &err), err);
             })
        .def("get_bias", [](Linreg& self) { return double(self.handle.model.bias); })
        .def("set_bias",
             [](Linreg& self, py::handle b) { self.handle.model.bias = pyglue::get_float(b); })
        .def("get_n_features", [](Linreg& self) { return self.handle.model.n_features; });
    m.def("new", &linreg_new, "new(n_features, alpha, l1_ratio, learning_rate) -> model");
    m.def("train", &train, py::arg("model"), py::arg("X_train"), py::arg("y_train"),
          py::arg("max_iterations") = 100, py::arg("tolerance") = 1e-6,
          py::arg("check_interval") = 10, py::arg("divergence_factor") = 10.0,
          py::arg("score_limit") = py::none(), py::arg("verbose") = 0,
          "train(model, X, y, max_iterations=100, tolerance=1e-6, check_interval=10, "
          "divergence_factor=10.0, score_limit=None, verbose=0) -> (iteration, mse)");
}
