// emlearn_neighbors for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/neighbors_api.cpp.
#include <vector>

#include "neighbors_api.h"
#include "pyglue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct Neighbors {
    api::NeighborsHandle handle;
    std::vector<uint64_t> storage;
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<Neighbors> neighbors_new(py::handle items, py::handle features, py::handle k) {
    api::Error err;
    const int32_t max_items = pyglue::get_int32(items);
    const int32_t n_features = pyglue::get_int32(features);
    const int32_t n_neighbors = pyglue::get_int32(k);
    const size_t bytes = api::neighbors_storage_bytes(max_items, n_features, n_neighbors, &err);
    check(bytes != 0, err);
    auto self = std::make_unique<Neighbors>();
    self->storage.assign((bytes + 7) / 8, 0u);
    check(api::neighbors_new(&self->handle, max_items, n_features, n_neighbors,
                             self->storage.data(), bytes, &err),
          err);
    return self;
}

int32_t additem(Neighbors& self, py::handle x, py::handle label) {
    pyglue::Buffer xb(x, false);
    api::Error err;
    const int32_t index =
        api::neighbors_additem(&self.handle, xb.view(), pyglue::get_int32(label), &err);
    check(index >= 0, err);
    return index;
}

int32_t getitem(Neighbors& self, py::handle index, py::handle out) {
    const int32_t i = pyglue::get_int32(index);
    pyglue::Buffer ob(out, true);
    api::Error err;
    int32_t label = 0;
    check(api::neighbors_getitem(&self.handle, i, ob.view(), &label, &err), err);
    return label;
}

py::tuple getresult(Neighbors& self, py::handle rank) {
    api::Error err;
    NeighborsResult r;
    check(api::neighbors_getresult(&self.handle, pyglue::get_int32(rank), &r, &err), err);
    return py::make_tuple(r.index, r.distance, r.label);
}

void save(Neighbors& self, py::handle file) {
    api::Error err;
    NeighborsFileWriter writer;
    check(api::neighbors_save_begin(&writer, &self.handle, &err), err);
    py::object write = file.attr("write");
    uint8_t chunk[256];
    for (;;) {
        size_t n;
        check(api::neighbors_save_next(&writer, chunk, sizeof chunk, &n, &err), err);
        if (n == 0) {
            break;
        }
        py::object wrote = write(py::bytes(reinterpret_cast<const char*>(chunk), n));
        check(api::neighbors_save_wrote(n, wrote.is_none() ? int64_t(n) : pyglue::get_int32(wrote),
                                        &err),
              err);
    }
}

void load(Neighbors& self, py::handle file) {
    api::Error err;
    NeighborsFileReader reader;
    check(api::neighbors_load_begin(&reader, &self.handle, &err), err);
    py::object read = file.attr("read");
    for (;;) {
        py::object chunk = read(256);
        if (PyUnicode_Check(chunk.ptr())) {
            api::neighbors_load_text_error(&err);
            pyglue::raise(err);
        }
        pyglue::Buffer buffer(chunk, false);
        const api::BufferView v = buffer.view();
        if (v.bytes == 0) {
            break;
        }
        check(api::neighbors_load_feed(&reader, v.data, v.bytes, &err), err);
    }
    check(api::neighbors_load_end(&reader, &err), err);
}

} // namespace

PYBIND11_MODULE(emlearn_neighbors, m) {
    m.doc() = "k-nearest neighbours over int16 items, with on-device learning";
    py::class_<Neighbors>(m, "emlneighbors")
        .def("predict",
             [](Neighbors& self, py::handle x) {
                 pyglue::Buffer xb(x, false);
                 api::Error err;
                 int32_t label = 0;
                 check(api::neighbors_predict(&self.handle, xb.view(), &label, &err), err);
                 return label;
             })
        .def("additem", &additem)
        .def("getitem", &getitem)
        .def("getresult", &getresult)
        .def("replaceitem",
             [](Neighbors& self, py::handle index, py::handle x, py::handle label) {
                 const int32_t i = pyglue::get_int32(index);
                 pyglue::Buffer xb(x, false);
                 api::Error err;
                 check(api::neighbors_replaceitem(&self.handle, i, xb.view(),
                                                  pyglue::get_int32(label), &err),
                       err);
             })
        .def("removeitem",
             [](Neighbors& self, py::handle index) {
                 api::Error err;
                 check(api::neighbors_removeitem(&self.handle, pyglue::get_int32(index), &err),
                       err);
             })
        .def("clear", [](Neighbors& self) { neighbors_clear(&self.handle.model); })
        .def("__len__", [](Neighbors& self) { return self.handle.model.n_items; })
        .def("save", &save)
        .def("load", &load);
    m.def("new", &neighbors_new, "new(max_items, n_features, k) -> model");
}
