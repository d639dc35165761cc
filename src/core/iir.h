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
#include "float_checks.h"
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

// The state (s1, s2) and the arithmetic of a section are in double wherever the CPU does double
// in hardware: x86, x64, ARM with a double-precision FPU (armv7emdp, Cortex-M7), RISC-V with the
// D extension, and the host. In float32 the rounding of the state is fed back through the poles,
// and for a narrow-band filter of high order it grows far above float32's own step (an 8-section
// Chebyshev I low pass at 0.2: 1.8e-4 relative RMS error in float32, as scipy's own sosfilt gives
// in float32; 3.7e-6 with a double state). Samples and coefficients stay float32, and so do the
// values passed from one pair of sections to the next. Without double hardware (Cortex-M0/M3/M4,
// ESP32, ESP8266, rv32imc) a double operation is a library call, and the state is float: define
// MICROLEARN_IIR_STATE_DOUBLE to 0 or 1 to choose either way.
#if !defined(MICROLEARN_IIR_STATE_DOUBLE)
#define MICROLEARN_IIR_STATE_DOUBLE MICROLEARN_HARDWARE_DOUBLE // status.h
#endif

#if MICROLEARN_IIR_STATE_DOUBLE
using IirState = double;
#else
using IirState = float;
#endif

struct IirCascade {
    IirState* state; // 2 per stage: s1 s2
    float* coeffs;   // 5 per stage: b0 b1 b2 a1 a2, already divided by a0
    uint32_t n_stages;
    bool ready;
};

// Bytes of storage for n_stages sections: 2 IirState and 5 floats per stage. The storage must
// be aligned for IirState (8 bytes where the state is double).
size_t iir_storage_bytes(uint32_t n_stages);

// Why one stage [b0, b1, b2, a0, a1, a2] of sos coefficients cannot be used, checked in this
// order: a coefficient that is not finite, a0 == 0, a coefficient divided by a0 that overflows.
// Inline: emlearn_iir_q15 checks its float input stages the same way.
enum class IirStageFault : uint8_t { None, NotFinite, ZeroA0, Overflow };
inline IirStageFault iir_stage_fault(const float* stage) {
    for (uint32_t k = 0; k < kSosValuesPerStage; ++k) {
        if (!float_is_finite(stage[k])) {
            return IirStageFault::NotFinite;
        }
    }
    if (float_is_zero(stage[3])) {
        return IirStageFault::ZeroA0;
    }
    for (uint32_t k = 0; k < kSosValuesPerStage; ++k) {
        if (!float_is_finite(stage[k] / stage[3])) {
            return IirStageFault::Overflow;
        }
    }
    return IirStageFault::None;
}

// sos holds sos_len = 6 * n_stages values in scipy's layout, stage after stage:
// [b0, b1, b2, a0, a1, a2]. Zero stages make an identity filter. The state starts at zero.
// Errors: InvalidArgument when sos_len is not a multiple of 6, a stage has a fault (above), storage
// is not aligned for IirState, or sos is null with sos_len > 0; SizeMismatch for short storage.
Status iir_init(IirCascade* f, const float* sos, uint32_t sos_len, void* storage,
                size_t storage_bytes);

// Filters values[0..len) in place. Errors: NotReady, InvalidArgument (null values with len > 0).
Status iir_process(IirCascade* f, float* values, uint32_t len);

// Zeroes the state, as if no sample had been seen.
Status iir_reset(IirCascade* f);

// The state as 2 values per stage, stage after stage: [s1, s2] (scipy's zi[stage]).
// len must be 2 * n_stages, else SizeMismatch. In float, a double state is rounded on the way
// out; in double it is exact both ways, so a saved state replays bit for bit.
Status iir_get_state(const IirCascade* f, float* out, uint32_t len);
Status iir_set_state(IirCascade* f, const float* in, uint32_t len);
Status iir_get_state_f64(const IirCascade* f, double* out, uint32_t len);
Status iir_set_state_f64(IirCascade* f, const double* in, uint32_t len);

} // namespace microlearn
