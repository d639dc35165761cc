#include "iir_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

constexpr char kExpecting[] = "expecting float array";

inline bool finite(float v) {
    return v - v == 0.0f; // false for NaN and infinities
}

bool check_coefficients(const BufferView& c, Error* err) {
    if (!check_typecode(c, 'f', kExpecting, "coefficients", err)) {
        return false;
    }
    if (element_count(c) % kSosValuesPerStage != 0) {
        return raise_value(err, "Filter coefficients must be multiple of 6");
    }
    if (element_count(c) == 0) {
        return raise_value(err, "Filter coefficients must hold at least one stage (6 values)");
    }
    return true;
}

bool stage_error(uint32_t stage, const char* what, Error* err) {
    fail(err, ErrorType::ValueError).text("stage ").number(int32_t(stage)).text(": ").text(what);
    return false;
}

} // namespace

bool iir_storage_size(const BufferView& coefficients, size_t* bytes, Error* err) {
    if (!check_coefficients(coefficients, err)) {
        return false;
    }
    *bytes = microlearn::iir_storage_bytes(count32(coefficients) / kSosValuesPerStage);
    return true;
}

bool iir_new(IirCascade* f, const BufferView& coefficients, void* storage, size_t bytes,
             Error* err) {
    f->ready = false;
    if (!check_coefficients(coefficients, err)) {
        return false;
    }
    const float* sos = static_cast<const float*>(coefficients.data);
    const uint32_t n_values = count32(coefficients);
    // The engine refuses the same filters; checked here to say which stage and why.
    for (uint32_t s = 0; s < n_values / kSosValuesPerStage; ++s) {
        const float* stage = sos + size_t(s) * kSosValuesPerStage;
        for (uint32_t k = 0; k < kSosValuesPerStage; ++k) {
            if (!finite(stage[k])) {
                return stage_error(s, "coefficients must be finite", err);
            }
        }
        if (stage[3] == 0.0f) {
            return stage_error(s, "a0 must not be 0", err);
        }
        for (uint32_t k = 0; k < kSosValuesPerStage; ++k) {
            if (!finite(stage[k] / stage[3])) {
                return stage_error(s, "coefficients divided by a0 overflow", err);
            }
        }
    }
    return iir_init(f, sos, n_values, storage, bytes) == Status::Ok ||
           raise_value(err, "invalid filter coefficients");
}

bool iir_run(IirCascade* f, const BufferView& values, Error* err) {
    if (!check_typecode(values, 'f', kExpecting, "values", err)) {
        return false;
    }
    return iir_process(f, static_cast<float*>(values.data), count32(values)) == Status::Ok ||
           raise_value(err, "filter not initialised");
}

bool iir_reset_state(IirCascade* f, Error* err) {
    return iir_reset(f) == Status::Ok || raise_value(err, "filter not initialised");
}

bool iir_state_get(const IirCascade* f, const BufferView& out, Error* err) {
    if (!check_floats(out, 2u * f->n_stages, "state", err)) {
        return false;
    }
    return iir_get_state(f, static_cast<float*>(out.data), count32(out)) == Status::Ok ||
           raise_value(err, "filter not initialised");
}

bool iir_state_set(IirCascade* f, const BufferView& values, Error* err) {
    if (!check_floats(values, 2u * f->n_stages, "state", err)) {
        return false;
    }
    return iir_set_state(f, static_cast<const float*>(values.data), count32(values)) ==
               Status::Ok ||
           raise_value(err, "filter not initialised");
}

} // namespace api
} // namespace microlearn
