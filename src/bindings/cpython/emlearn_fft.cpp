// emlearn_fft for CPython: the same module as on MicroPython. Argument conversion only; the
// contract lives in src/api/fft_api.cpp.
#include <memory>
#include <vector>

#include "fft_api.h"
#include "pyglue.h"

namespace py = pybind11;
using namespace microlearn;

namespace {

struct FftObject {
    api::FftHandle handle;
    std::vector<float> twiddles; // rfft/irfft read this table too
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        pyglue::raise(err);
    }
}

std::unique_ptr<FftObject> fft_new(py::handle n_in) {
    api::Error err;
    const int32_t n = pyglue::get_int32(n_in);
    size_t bytes = 0;
    check(api::fft_storage_size(n, &bytes, &err), err);
    auto self = std::make_unique<FftObject>();
    self->twiddles.assign((bytes + 3) / 4, 0.0f);
    check(api::fft_new(&self->handle, n, self->twiddles.data(), bytes, &err), err);
    return self;
}

} // namespace

PYBIND11_MODULE(emlearn_fft, m) {
    m.doc() = R"(Fast Fourier transforms on array('f') data, with numpy.fft's sign and scaling.

FFT(n)                     n a power of two from 1 to 4096 (ValueError otherwise)
fft.run(real, imag)        forward complex FFT in place (numpy.fft.fft); n values each
fft.ifft(real, imag)       inverse complex FFT in place (numpy.fft.ifft, scaled by 1/n)
fft.rfft(x, real, imag)    real-input FFT (numpy.fft.rfft): x has n values, real and imag
                           receive n/2+1 bins; x is left as is
fft.irfft(real, imag, out) inverse of rfft (numpy.fft.irfft(real + 1j*imag, n)) into out
                           (n values); real and imag are used as work space and overwritten
fft.fill(sin, cos)         load twiddle tables of n/2 values (the reference's API; optional)
fill(fft, n)               the reference's set-up call; optional, restores the exact tables)";
    py::class_<FftObject>(m, "FFT")
        .def(py::init(&fft_new), py::arg("n"))
        .def("run",
             [](FftObject& self, py::handle real, py::handle imag) {
                 pyglue::Buffer r(real, true), i(imag, true);
                 api::Error err;
                 check(api::fft_run(&self.handle, r.view(), i.view(), &err), err);
             })
        .def("rfft",
             [](FftObject& self, py::handle x, py::handle real, py::handle imag) {
                 pyglue::Buffer xb(x, false), r(real, true), i(imag, true);
                 api::Error err;
                 check(api::fft_rfft(&self.handle, xb.view(), r.view(), i.view(), &err), err);
             })
        .def("irfft",
             [](FftObject& self, py::handle real, py::handle imag, py::handle out) {
                 pyglue::Buffer r(real, true), i(imag, true), o(out, true);
                 api::Error err;
                 check(api::fft_irfft(&self.handle, r.view(), i.view(), o.view(), &err), err);
             })
        .def("ifft",
             [](FftObject& self, py::handle real, py::handle imag) {
                 pyglue::Buffer r(real, true), i(imag, true);
                 api::Error err;
                 check(api::fft_ifft(&self.handle, r.view(), i.view(), &err), err);
             })
        .def("fill", [](FftObject& self, py::handle sin, py::handle cos) {
            pyglue::Buffer s(sin, false), c(cos, false);
            api::Error err;
            check(api::fft_fill_tables(&self.handle, s.view(), c.view(), &err), err);
        });
    m.def(
        "fill",
        [](py::handle fft, py::handle n) {
            if (!py::isinstance<FftObject>(fft)) {
                throw py::type_error("expecting an emlearn_fft.FFT");
            }
            api::Error err;
            check(api::fft_fill(&fft.cast<FftObject&>().handle, pyglue::get_int32(n), &err), err);
        },
        "fill(fft, n): the reference's set-up call (optional here)");
}
