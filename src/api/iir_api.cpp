#include "iir_api.h"

#include "iir_common.h"

namespace microlearn {
namespace api {

static_assert(kSosValuesPerStage == kIirCoefficientsPerStage, "");

namespace {

// The engine refuses the same stages; asked here to say which stage and why.
bool check_stage(const float* stage, uint32_t s, Error* err) {
    switch (iir_stage_fault(stage)) {
    case IirStageFault::None:
        return true;
    case IirStageFault::NotFinite:
        return iir_stage_error(s, "coefficients must be finite", err);
    case IirStageFault::ZeroA0:
        return iir_stage_error(s, "a0 must not be 0", err);
    default:
        return iir_stage_error(s, "coefficients divided by a0 overflow", err);
    }
}

// Typecode, its error message, state values per stage, then the engine's functions.
// clang-format off
constexpr IirEngine<IirCascade, float> kEngine = {'f', "expecting float array", 2,
    iir_storage_bytes, check_stage, iir_init, iir_process, iir_reset, iir_get_state, iir_set_state};
// clang-format on
using Iir = IirContract<IirCascade, float, kEngine>;

} // namespace

bool iir_storage_size(const BufferView& coefficients, size_t* bytes, Error* err) {
    return Iir::storage_size(coefficients, bytes, err);
}

bool iir_new(IirCascade* f, const BufferView& coefficients, void* storage, size_t bytes,
             Error* err) {
    return Iir::create(f, coefficients, storage, bytes, err);
}

bool iir_run(IirCascade* f, const BufferView& values, Error* err) {
    return Iir::run(f, values, err);
}

bool iir_reset_state(IirCascade* f, Error* err) {
    return Iir::reset_state(f, err);
}

bool iir_state_get(const IirCascade* f, const BufferView& out, Error* err) {
    return Iir::state_get(f, out, err);
}

bool iir_state_set(IirCascade* f, const BufferView& values, Error* err) {
    return Iir::state_set(f, values, err);
}

} // namespace api
} // namespace microlearn
