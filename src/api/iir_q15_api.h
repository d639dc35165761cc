// emlearn_iir_q15: the module contract (SPEC.md) over the fixed-point second-order-section
// cascade (arithmetic in src/core/iir_q15.h and docs/iir_q15.md). A filter object holds its
// coefficients and state in storage the binding reserves with it.
#pragma once
#include "api.h"
#include "iir_common.h"
#include "iir_q15.h"

namespace microlearn {
namespace api {

// new(coefficients 'h'), 6 per stage [b0, 0, b1, b2, -a1, -a2] in Q2.13: checks the array and
// sets *bytes to the storage to reserve with the object.
bool iir_q15_storage_size(const BufferView& coefficients, size_t* bytes, Error* err);
bool iir_q15_new(IirQ15Cascade* f, const BufferView& coefficients, void* storage, size_t bytes,
                 Error* err);
// filter.run(values 'h'), in place.
bool iir_q15_run(IirQ15Cascade* f, const BufferView& values, Error* err);
bool iir_q15_reset_state(IirQ15Cascade* f, Error* err);
// 6 int16 per stage: [x1, x2, y1, y2, e1, e2] (the section's last two inputs, outputs and
// rounding residues).
bool iir_q15_state_get(const IirQ15Cascade* f, const BufferView& out, Error* err);
bool iir_q15_state_set(IirQ15Cascade* f, const BufferView& values, Error* err);

// The functions above as one value, for the bindings written once over both IIR modules.
constexpr IirFilterApi<IirQ15Cascade> kIirQ15Api = {iir_q15_storage_size, iir_q15_new,
                                                    iir_q15_run,          iir_q15_reset_state,
                                                    iir_q15_state_get,    iir_q15_state_set};

// convert_coefficients(sos, scale=2**13-1) -> array('h'). The binding reads sos (a flat
// sequence of 6 numbers per stage, a sequence of 6-number rows, or a float array) one stage at a
// time: first convert_check() with the number of values, which gives the number of stages, then
// convert_stage() for each stage with its 6 values [b0, b1, b2, a0, a1, a2], writing 6 int16
// into out.
bool iir_q15_convert_check(size_t n_values, double scale, uint32_t* n_stages, Error* err);
bool iir_q15_convert_stage(const float sos[6], double scale, uint32_t stage, int16_t out[6],
                           Error* err);
// The binding's reading errors: sos is not a float array or list; a row without 6 values.
bool iir_q15_convert_source_error(Error* err);
bool iir_q15_convert_row_error(uint32_t row, Error* err);
// The reference's default scale, 2**13 - 1.
constexpr double kIirQ15DefaultScale = 8191.0;

} // namespace api
} // namespace microlearn
