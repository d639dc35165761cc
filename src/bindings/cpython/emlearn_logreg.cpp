// emlearn_logreg for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/logreg_api.cpp.
#include <vector>

#include "logreg_api.h"
#include "pyglue.h"
#include "train_glue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct Logreg {
    api::LogregHandle handle;
    std::vector<float> storage;
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<Logreg> logreg_new(py::handle n_features, py::handle n_classes,
                                   py::handle learning_rate, py::handle l2) {
    api::Error err;
    const int32_t features = pyglue::get_int32(n_features);
    const int32_t classes = pyglue::get_int32(n_classes);
    const size_t bytes = api::logreg_storage_bytes(features, classes, &err);
    check(bytes != 0, err);
    auto self = std::make_unique<Logreg>();
    self->storage.assign(bytes / 4 + 1, 0.0f);
    check(api::logreg_new(&self->handle, features, classes, pyglue::get_float(learning_rate),
                          pyglue::get_float(l2), self->storage.data(), self->storage.size() * 4,
                          &err),
          err);
    return self;
}

py::tuple train(Logreg& self, py::handle X, py::handle y, py::handle max_iterations,
                py::handle tolerance, py::handle check_interval, py::handle divergence_factor,
                py::handle score_limit, py::handle verbose) {
    const api::TrainArgs args = pyglue::train_args(max_iterations, tolerance, check_interval,
                                                   divergence_factor, score_limit, verbose);
    pyglue::Buffer xb(X, false), yb(y, false);
    pyglue::TrainLog log("emlearn_logreg:", "loss");
    api::Error err;
    TrainResult result;
    const bool ok = api::logreg_train(&self.handle, xb.view(), yb.view(), args,
                                      pyglue::TrainLog::on_check, &log, &result, &err);
    log.rethrow();
    check(ok, err);
    return log.finish(args, result);
}

// Methods taking (x, out) and (X, y) share their conversion.
using InOut = bool (*)(api::LogregHandle*, const api::BufferView&, const api::BufferView&,
                       api::Error*);

template <InOut f> void in_out(Logreg& self, py::handle x, py::handle out) {
    pyglue::Buffer xb(x, false), ob(out, true);
    api::Error err;
    check(f(&self.handle, xb.view(), ob.view(), &err), err);
}

template <InOut f> void in_only(Logreg& self, py::handle x) {
    pyglue::Buffer xb(x, false);
    api::Error err;
    check(f(&self.handle, xb.view(), xb.view(), &err), err);
}

bool set_weights(api::LogregHandle* h, const api::BufferView& w, const api::BufferView&,
                 api::Error* err) {
    return api::logreg_set_weights(h, w, err);
}
bool set_bias(api::LogregHandle* h, const api::BufferView& b, const api::BufferView&,
              api::Error* err) {
    return api::logreg_set_bias(h, b, err);
}
} // namespace

PYBIND11_MODULE(emlearn_logreg, m) {
    m.doc() = "Logistic regression (binary and multinomial) with training on the device";
    py::class_<Logreg>(m, "logreg")
        .def("predict",
             [](Logreg& self, py::handle x) {
                 pyglue::Buffer xb(x, false);
                 api::Error err;
                 const int32_t klass = api::logreg_predict(&self.handle, xb.view(), &err);
                 check(klass >= 0, err);
                 return klass;
             })
        .def("predict_proba", &in_out<api::logreg_predict_proba>)
        .def("decision_function", &in_out<api::logreg_decision_function>)
        .def("step",
             [](Logreg& self, py::handle X, py::handle y) {
                 pyglue::Buffer xb(X, false), yb(y, false);
                 api::Error err;
                 check(api::logreg_step(&self.handle, xb.view(), yb.view(), &err), err);
             })
        .def("score_logloss",
             [](Logreg& self, py::handle X, py::handle y) {
                 pyglue::Buffer xb(X, false), yb(y, false);
                 api::Error err;
                 float loss = 0.0f;
                 check(api::logreg_score_logloss(&self.handle, xb.view(), yb.view(), &loss, &err),
                       err);
                 return double(loss);
             })
        .def("get_weights",
             [](Logreg& self, py::handle out) {
                 pyglue::Buffer ob(out, true);
                 api::Error err;
                 check(api::logreg_get_weights(&self.handle, ob.view(), &err), err);
             })
        .def("set_weights", &in_only<set_weights>)
        .def("get_bias",
             [](Logreg& self, py::handle out) {
                 pyglue::Buffer ob(out, true);
                 api::Error err;
                 check(api::logreg_get_bias(&self.handle, ob.view(), &err), err);
             })
        .def("set_bias", &in_only<set_bias>)
        .def("get_n_features", [](Logreg& self) { return self.handle.model.n_features; })
        .def("get_n_classes", [](Logreg& self) { return self.handle.model.n_classes; });
    m.def("new", &logreg_new, py::arg("n_features"), py::arg("n_classes"),
          py::arg("learning_rate") = 0.1, py::arg("l2") = 0.0,
          "new(n_features, n_classes, learning_rate=0.1, l2=0.0) -> model");
    m.def("train", &train, py::arg("model"), py::arg("X_train"), py::arg("y_train"),
          py::arg("max_iterations") = 100, py::arg("tolerance") = 1e-6,
          py::arg("check_interval") = 10, py::arg("divergence_factor") = 10.0,
          py::arg("score_limit") = py::none(), py::arg("verbose") = 0,
          "train(model, X, y, max_iterations=100, tolerance=1e-6, check_interval=10, "
          "divergence_factor=10.0, score_limit=None, verbose=0) -> (iteration, log_loss)");
}
