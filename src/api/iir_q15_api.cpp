#include "iir_q15_api.h"

#include "iir.h"
#include "iir_common.h"

namespace microlearn {
namespace api {

static_assert(kIirQ15ValuesPerStage == kIirCoefficientsPerStage, "");

namespace {

bool check_stage(const int16_t* stage, uint32_t s, Error* err) {
    if (stage[1] != 0) {
        // Most likely scipy's float layout [b0, b1, b2, a0, a1, a2] scaled by hand.
        return iir_stage_error(s, "the second value must be 0 (layout b0, 0, b1, b2, -a1, -a2)",
                               err);
    }
    return true;
}

// Typecode, its error message, state values per stage, then the engine's functions.
// clang-format off
constexpr IirEngine<IirQ15Cascade, int16_t> kEngine = {'h', "expecting int16/h array",
    kIirQ15StatePerStage,
    iir_q15_storage_bytes, check_stage, iir_q15_init, iir_q15_process, iir_q15_reset,
    iir_q15_get_state, iir_q15_set_state};
// clang-format on
using Iir = IirContract<IirQ15Cascade, int16_t, kEngine>;

} // namespace

bool iir_q15_storage_size(const BufferView& coefficients, size_t* bytes, Error* err) {
    return Iir::storage_size(coefficients, bytes, err);
}

bool iir_q15_new(IirQ15Cascade* f, const BufferView& coefficients, void* storage, size_t bytes,
                 Error* err) {
    return Iir::create(f, coefficients, storage, bytes, err);
}

bool iir_q15_run(IirQ15Cascade* f, const BufferView& values, Error* err) {
    return Iir::run(f, values, err);
}

bool iir_q15_reset_state(IirQ15Cascade* f, Error* err) {
    return Iir::reset_state(f, err);
}

bool iir_q15_state_get(const IirQ15Cascade* f, const BufferView& out, Error* err) {
    return Iir::state_get(f, out, err);
}

bool iir_q15_state_set(IirQ15Cascade* f, const BufferView& values, Error* err) {
    return Iir::state_set(f, values, err);
}

bool iir_q15_convert_check(size_t n_values, double scale, uint32_t* n_stages, Error* err) {
    uint32_t rest;
    // Beyond 2^32 - 1 values (a 64-bit host): 2^32 - 1 is no multiple of 6 either.
    const uint32_t n = n_values > 0xffffffffu ? 0xffffffffu : uint32_t(n_values);
    *n_stages = divide(n, kIirQ15ValuesPerStage, &rest);
    if (rest != 0) {
        return raise_value(err, "Filter coefficients must be multiple of 6");
    }
    // Above 2^16 no coefficient of a stable section (|c| >= 1 somewhere unless the section is
    // all zeros) fits in int16 anyway. On the bits: a positive double is ordered as its bits,
    // and every other value (zeros, negatives, NaN) fails; no double compare routine on cores
    // without an FPU.
    uint64_t bits;
    __builtin_memcpy(&bits, &scale, sizeof bits);
    if (bits == 0 || bits > 0x40f0000000000000u) { // 65536.0
        return raise_value(err, "scale must be > 0 and <= 65536");
    }
    return true;
}

bool iir_q15_convert_stage(const float sos[6], double scale, uint32_t stage, int16_t out[6],
                           Error* err) {
    // As the float filter checks its stages; a division by a0 that overflows is reported as
    // outside int16 below.
    const IirStageFault fault = iir_stage_fault(sos);
    if (fault == IirStageFault::NotFinite) {
        return iir_stage_error(stage, "coefficients must be finite", err);
    }
    if (fault == IirStageFault::ZeroA0) {
        return iir_stage_error(stage, "a0 must not be 0", err);
    }
    if (iir_q15_convert(sos, kIirQ15ValuesPerStage, out, kIirQ15ValuesPerStage, float(scale)) !=
        Status::Ok) {
        // The message must fit api::Error (93 characters).
        return iir_stage_error(
            stage, "coefficient / a0 * scale outside int16 (spread the gain or lower scale)", err);
    }
    return true;
}

bool iir_q15_convert_source_error(Error* err) {
    return raise_value(err, "expecting float array ('f' or 'd') or a list of numbers");
}

bool iir_q15_convert_row_error(uint32_t row, Error* err) {
    fail(err, ErrorType::ValueError).text("row ").number(int32_t(row)).text(" must have 6 values");
    return false;
}

} // namespace api
} // namespace microlearn
