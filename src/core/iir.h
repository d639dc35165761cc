// IIR filter as a cascade of second-order sections (biquads), float. The fixed-point engine is
// in iir_q15.h.
//
// The filter comes the way scipy.signal designs it, and everything lives in caller-owned memory
// (ask for the size, hand over the buffer). Processing is in place, and the state carries over
// between calls, so a signal filtered in chunks gives exactly (bit for bit) the result of one
// call over the whole signal.
//
// Zero-initialise instances you declare (`IirCascade f{};`) so that use before init is reported
// as Status::NotReady instead of reading garbage.
#pragma once
#include "status.h"

namespace microlearn {

// Transposed direct form II (the structure of scipy.signal.sosfilt, so the state
// is the same pair of numbers per section as sosfilt's zi, and zi from scipy can be loaded).
//
// Per section, with coefficients normalised by a0:
//   y  = b0*x + s1
//   s1 = b1*x - a1*y + s2
//   s2 = b2*x - a2*y
// TDF-II was chosen over direct form I for float: half the state, and it is what scipy does.

constexpr uint32_t kSosValuesPerStage = 6; // b0, b1, b2, a0, a1, a2

struct IirCascade {
    float* coeffs; // 5 per stage: b0 b1 b2 a1 a2, already divided by a0
    float* state;  // 2 per stage: s1 s2
    uint32_t n_stages;
    bool ready;
};

// Bytes of storage for n_stages sections: 7 floats per stage.
size_t iir_storage_bytes(uint32_t n_stages);

// sos holds sos_len = 6 * n_stages values in scipy's layout, stage after stage:
// [b0, b1, b2, a0, a1, a2]. Zero stages make an identity filter. The state starts at zero.
// Errors: InvalidArgument when sos_len is not a multiple of 6, a0 == 0, a normalised coefficient
// is not finite, storage is misaligned, or sos is null with sos_len > 0; SizeMismatch for short
// storage.
Status iir_init(IirCascade* f, const float* sos, uint32_t sos_len, void* storage,
                size_t storage_bytes);

// Filters values[0..len) in place. Errors: NotReady, InvalidArgument (null values with len > 0).
Status iir_process(IirCascade* f, float* values, uint32_t len);

// Zeroes the state, as if no sample had been seen.
Status iir_reset(IirCascade* f);

// The state as 2 values per stage, stage after stage: [s1, s2] (scipy's zi[stage]).
// len must be 2 * n_stages, else SizeMismatch.
Status iir_get_state(const IirCascade* f, float* out, uint32_t len);
Status iir_set_state(IirCascade* f, const float* in, uint32_t len);

} // namespace microlearn
