// emlearn_trees for CPython: the same module as on MicroPython, for checking a converted model on
// a PC. Argument conversion only; the contract lives in src/api/trees_api.cpp.
#include <vector>

#include "pyglue.h"
#include "trees_api.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct Trees {
    api::TreesHandle handle; // first member: the allocation callback gets back to Trees from it
    std::vector<uint32_t> storage;
    std::vector<uint32_t> leaves;
};

void* allocate_leaves(api::TreesHandle* h, size_t bytes) {
    Trees* self = reinterpret_cast<Trees*>(h);
    self->leaves.assign((bytes + 3) / 4, 0u);
    return self->leaves.data();
}

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<Trees> trees_new(py::handle trees, py::handle nodes, py::handle leaves) {
    api::Error err;
    const int32_t max_trees = pyglue::get_int32(trees);
    const int32_t max_nodes = pyglue::get_int32(nodes);
    const int32_t max_leaves = pyglue::get_int32(leaves);
    const size_t bytes = api::trees_storage_bytes(max_trees, max_nodes, max_leaves, &err);
    check(bytes != 0, err);
    auto self = std::make_unique<Trees>();
    self->storage.assign((bytes + 3) / 4, 0u);
    check(api::trees_new(&self->handle, max_trees, max_nodes, max_leaves, self->storage.data(),
                         bytes, allocate_leaves, &err),
          err);
    return self;
}

void feed(api::TreesLoader* loader, const py::handle& chunk, bool add_newline) {
    api::Error err;
    std::string text;
    if (PyUnicode_Check(chunk.ptr())) {
        text = chunk.cast<std::string>();
    } else {
        pyglue::Buffer buffer(chunk, false);
        const api::BufferView v = buffer.view();
        text.assign(static_cast<const char*>(v.data), v.bytes);
    }
    if (add_newline && (text.empty() || text.back() != '\n')) {
        text.push_back('\n');
    }
    check(api::trees_load_feed(loader, text.data(), text.size(), &err), err);
}

void load_model(Trees& self, py::handle file) {
    api::TreesLoader loader;
    api::trees_load_begin(&loader, &self.handle);
    if (py::hasattr(file, "read")) {
        py::object read = file.attr("read");
        for (;;) {
            py::object chunk = read(128);
            if (py::len(chunk) == 0) {
                break;
            }
            feed(&loader, chunk, false);
        }
    } else {
        // Any iterable of lines, as the reference's loader takes (a str is its characters: a
        // ValueError naming a line, as on MicroPython).
        PyObject* lines = PyObject_GetIter(file.ptr());
        if (lines == nullptr) {
            PyErr_Clear();
            throw py::type_error("expecting a file or an iterable of lines");
        }
        py::iterator it = py::reinterpret_steal<py::iterator>(lines);
        for (; it != py::iterator::sentinel(); ++it) {
            feed(&loader, *it, true);
        }
    }
    api::Error err;
    check(api::trees_load_end(&loader, &err), err);
}

void addleaf(Trees& self, py::handle leaf) {
    std::vector<float> values;
    if (PyList_Check(leaf.ptr()) || PyTuple_Check(leaf.ptr())) {
        for (py::handle v : leaf) {
            values.push_back(pyglue::get_float(v));
        }
    } else {
        values.push_back(pyglue::get_float(leaf));
    }
    api::Error err;
    check(api::trees_addleaf(&self.handle, values.data(), uint32_t(values.size()), &err), err);
}

} // namespace

PYBIND11_MODULE(emlearn_trees, m) {
    m.doc() = "Tree ensembles (random forest, extra trees, decision tree) over int16 features";
    py::class_<Trees>(m, "emltrees")
        .def("predict",
             [](Trees& self, py::handle x, py::handle out) {
                 pyglue::Buffer xb(x, false), ob(out, true);
                 api::Error err;
                 check(api::trees_predict(&self.handle, xb.view(), ob.view(), &err), err);
             })
        .def("outputs",
             [](Trees& self) {
                 api::Error err;
                 const int32_t n = api::trees_outputs(&self.handle, &err);
                 check(n >= 0, err);
                 return n;
             })
        .def("addnode",
             [](Trees& self, py::handle left, py::handle right, py::handle feature,
                py::handle value) {
                 api::Error err;
                 check(api::trees_addnode(&self.handle, pyglue::get_int32(left),
                                          pyglue::get_int32(right), pyglue::get_int32(feature),
                                          pyglue::get_double(value), &err),
                       err);
             })
        .def("addroot",
             [](Trees& self, py::handle root) {
                 api::Error err;
                 check(api::trees_addroot(&self.handle, pyglue::get_int32(root), &err), err);
             })
        .def("addleaf", &addleaf)
        .def(
            "setdata",
            [](Trees& self, py::handle n_features, py::handle n_classes, py::handle leaf_bits) {
                api::Error err;
                const int32_t bits = leaf_bits.is_none() ? 0 : pyglue::get_int32(leaf_bits);
                check(api::trees_setdata(&self.handle, pyglue::get_int32(n_features),
                                         pyglue::get_int32(n_classes), bits, &err),
                      err);
            },
            py::arg("n_features"), py::arg("n_classes"), py::arg("leaf_bits") = py::none());
    m.def("new", &trees_new, "new(max_trees, max_nodes, max_leaves) -> model");
    m.def("load_model", &load_model, "load_model(model, file): read an emlearn trees CSV");
}
