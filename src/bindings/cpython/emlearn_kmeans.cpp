// emlearn_kmeans for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/kmeans_api.cpp.
#include <vector>

#include "kmeans_api.h"
#include "pyglue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

py::tuple argmin(py::handle vectors, py::handle point) {
    pyglue::Buffer vb(vectors, false), pb(point, false);
    api::Error err;
    api::KmeansArgmin r;
    check(api::kmeans_euclidean_argmin(vb.view(), pb.view(), &r, &err), err);
    if (r.is_float) {
        return py::make_tuple(r.index, double(r.float_distance));
    }
    return py::make_tuple(r.index, r.distance);
}

// The generator cluster_iter() returns. The buffers are taken again at every step, so an array
// that the caller resized in between is noticed instead of read through a stale pointer.
class ClusterIter {
  public:
    ClusterIter(py::object values, py::object centroids, py::object assignments, int32_t features,
                int32_t max_iter, int32_t stop_changes)
        : values_(std::move(values)), centroids_(std::move(centroids)),
          assignments_(std::move(assignments)), features_(features) {
        pyglue::Buffer vb(values_, false), cb(centroids_, true), ab(assignments_, true);
        api::Error err;
        KmeansProblem problem;
        check(api::kmeans_setup(&problem, vb.view(), cb.view(), ab.view(), features_, &err), err);
        scratch_.assign(api::kmeans_scratch_size(&problem) / 4 + 1, 0u);
        check(api::kmeans_iter_start(&iter_, &problem, max_iter, stop_changes, scratch_.data(),
                                     scratch_.size() * 4, &err),
              err);
    }

    uint32_t next() {
        if (api::kmeans_iter_done(&iter_)) {
            throw py::stop_iteration();
        }
        pyglue::Buffer vb(values_, false), cb(centroids_, true), ab(assignments_, true);
        api::Error err;
        check(api::kmeans_iter_rebind(&iter_, vb.view(), cb.view(), ab.view(), features_, &err),
              err);
        bool produced = false;
        uint32_t changes = 0;
        check(api::kmeans_iter_step(&iter_, &produced, &changes, &err), err);
        if (!produced) {
            throw py::stop_iteration();
        }
        return changes;
    }

  private:
    py::object values_, centroids_, assignments_;
    int32_t features_;
    KmeansIter iter_;
    std::vector<uint32_t> scratch_;
};

// max_iter and stop_changes by position too, as the reference and the MicroPython module.
py::object cluster(py::handle values, py::handle centroids, py::handle features,
                   py::handle max_iter_in, py::handle stop_changes_in) {
    const int32_t n_features = pyglue::get_int32(features);
    int32_t n_samples;
    {
        pyglue::Buffer vb(values, false);
        api::Error err;
        n_samples = api::kmeans_sample_count(vb.view(), n_features, &err);
        check(n_samples >= 0, err);
    }
    const int32_t max_iter = pyglue::get_int32(max_iter_in);
    const int32_t stop_changes = pyglue::get_int32(stop_changes_in);
    // Unassigned (255) to start, as the reference.
    py::object assignments = py::module_::import("array").attr("array")(
        "B", py::bytes(std::string(size_t(n_samples), '\xff')));
    ClusterIter it(py::reinterpret_borrow<py::object>(values),
                   py::reinterpret_borrow<py::object>(centroids), assignments, n_features, max_iter,
                   stop_changes);
    try {
        for (;;) {
            it.next();
        }
    } catch (py::stop_iteration&) {
    }
    return assignments;
}

} // namespace

PYBIND11_MODULE(emlearn_kmeans, m) {
    m.doc() = "k-means clustering over uint8, int16 or float32 vectors";
    py::class_<ClusterIter>(m, "cluster_iterator")
        .def("__iter__", [](py::object self) { return self; })
        .def("__next__", &ClusterIter::next);
    m.def("euclidean_argmin", &argmin, py::arg("vectors"), py::arg("point"),
          "euclidean_argmin(vectors, point) -> (index, squared_distance)");
    m.def(
        "cluster_iter",
        [](py::object values, py::object centroids, py::object assignments, py::handle features,
           py::handle max_iter, py::handle stop_changes) {
            return ClusterIter(std::move(values), std::move(centroids), std::move(assignments),
                               pyglue::get_int32(features), pyglue::get_int32(max_iter),
                               pyglue::get_int32(stop_changes));
        },
        py::arg("values"), py::arg("centroids"), py::arg("assignments"), py::arg("features"),
        py::arg("max_iter") = 10, py::arg("stop_changes") = 0,
        "cluster_iter(values, centroids, assignments, features, max_iter=10, stop_changes=0): "
        "yields the number of changed assignments per iteration");
    m.def("cluster", &cluster, py::arg("values"), py::arg("centroids"), py::arg("features"),
          py::arg("max_iter") = 10, py::arg("stop_changes") = 0,
          "cluster(values, centroids, features, max_iter=10, stop_changes=0) -> array('B')");
}
