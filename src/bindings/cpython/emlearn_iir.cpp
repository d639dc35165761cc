// emlearn_iir for CPython: the same module as on MicroPython. Argument conversion only (in
// iir_pyglue.h, shared with emlearn_iir_q15); the contract lives in src/api/iir_api.cpp.
#include "iir_api.h"
#include "iir_pyglue.h"

using namespace microlearn;

PYBIND11_MODULE(emlearn_iir, m) {
    m.doc() = R"(IIR filters as cascades of second-order sections, float32, in place.

new(coefficients)          array('f'), 6 per stage in scipy.signal's sos layout
                           [b0, b1, b2, a0, a1, a2] (ValueError unless a multiple of 6)
filter.run(values)         filter array('f') in place; the state carries over between calls
filter.reset()             zero the state
filter.get_state(out)      2 values per stage into array('f') (scipy's zi layout)
filter.set_state(values)   2 values per stage from array('f'), e.g. sosfilt_zi(sos) * x0)";
    pyglue::iir::bind_filter<IirCascade, api::kIirApi>(m, "emliir");
}
