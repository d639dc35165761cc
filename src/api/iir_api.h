// emlearn_iir: the module contract (SPEC.md) over the float second-order-section cascade. A
// filter object holds its coefficients and state in storage the binding reserves with it.
#pragma once
#include "api.h"
#include "iir.h"
#include "iir_common.h"

namespace microlearn {
namespace api {

// new(coefficients 'f'), 6 per stage in scipy's sos layout [b0, b1, b2, a0, a1, a2]: checks the
// array and sets *bytes to the storage to reserve with the object.
bool iir_storage_size(const BufferView& coefficients, size_t* bytes, Error* err);
bool iir_new(IirCascade* f, const BufferView& coefficients, void* storage, size_t bytes,
             Error* err);
// filter.run(values 'f'), in place.
bool iir_run(IirCascade* f, const BufferView& values, Error* err);
bool iir_reset_state(IirCascade* f, Error* err);
// 2 floats per stage, scipy's zi layout: [s1, s2] of stage 0, then of stage 1, ... Where the
// engine keeps its state in double (iir.h), get_state rounds it to float.
bool iir_state_get(const IirCascade* f, const BufferView& out, Error* err);
bool iir_state_set(IirCascade* f, const BufferView& values, Error* err);

// The functions above as one value, for the bindings written once over both IIR modules.
constexpr IirFilterApi<IirCascade> kIirApi = {iir_storage_size, iir_new,       iir_run,
                                              iir_reset_state,  iir_state_get, iir_state_set};

} // namespace api
} // namespace microlearn
