#include "iir_q15_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

constexpr char kExpecting[] = "expecting int16/h array";

bool check_coefficients(const BufferView& c, Error* err) {
    if (!check_typecode(c, 'h', kExpecting, "coefficients", err)) {
        return false;
    }
    if (element_count(c) % kIirQ15ValuesPerStage != 0) {
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

bool iir_q15_storage_size(const BufferView& coefficients, size_t* bytes, Error* err) {
    if (!check_coefficients(coefficients, err)) {
        return false;
    }
    *bytes = microlearn::iir_q15_storage_bytes(count32(coefficients) / kIirQ15ValuesPerStage);
    return true;
}

bool iir_q15_new(IirQ15Cascade* f, const BufferView& coefficients, void* storage, size_t bytes,
                 Error* err) {
    f->ready = false;
    if (!check_coefficients(coefficients, err)) {
        return false;
    }
    const int16_t* c = static_cast<const int16_t*>(coefficients.data);
    const uint32_t n_values = count32(coefficients);
    for (uint32_t s = 0; s < n_values / kIirQ15ValuesPerStage; ++s) {
        if (c[size_t(s) * kIirQ15ValuesPerStage + 1u] != 0) {
            // Most likely scipy's float layout [b0, b1, b2, a0, a1, a2] scaled by hand.
            return stage_error(s, "the second value must be 0 (layout b0, 0, b1, b2, -a1, -a2)",
                               err);
        }
    }
    return iir_q15_init(f, c, n_values, storage, bytes) == Status::Ok ||
           raise_value(err, "invalid filter coefficients");
}

bool iir_q15_run(IirQ15Cascade* f, const BufferView& values, Error* err) {
    if (!check_typecode(values, 'h', kExpecting, "values", err)) {
        return false;
    }
    return iir_q15_process(f, static_cast<int16_t*>(values.data), count32(values)) == Status::Ok ||
           raise_value(err, "filter not initialised");
}

bool iir_q15_reset_state(IirQ15Cascade* f, Error* err) {
    return iir_q15_reset(f) == Status::Ok || raise_value(err, "filter not initialised");
}

bool iir_q15_state_get(const IirQ15Cascade* f, const BufferView& out, Error* err) {
    if (!check_typecode(out, 'h', kExpecting, "state", err) ||
        !check_length(out, 4u * f->n_stages, "state", err)) {
        return false;
    }
    return iir_q15_get_state(f, static_cast<int16_t*>(out.data), count32(out)) == Status::Ok ||
           raise_value(err, "filter not initialised");
}

bool iir_q15_state_set(IirQ15Cascade* f, const BufferView& values, Error* err) {
    if (!check_typecode(values, 'h', kExpecting, "state", err) ||
        !check_length(values, 4u * f->n_stages, "state", err)) {
        return false;
    }
    return iir_q15_set_state(f, static_cast<const int16_t*>(values.data), count32(values)) ==
               Status::Ok ||
           raise_value(err, "filter not initialised");
}

bool iir_q15_convert_check(size_t n_values, double scale, Error* err) {
    if (n_values % kIirQ15ValuesPerStage != 0) {
        return raise_value(err, "Filter coefficients must be multiple of 6");
    }
    // Also false for NaN. Above 2^16 no coefficient of a stable section (|c| >= 1 somewhere
    // unless the section is all zeros) fits in int16 anyway.
    if (!(scale > 0.0 && scale <= 65536.0)) {
        return raise_value(err, "scale must be > 0 and <= 65536");
    }
    return true;
}

bool iir_q15_convert_stage(const float sos[6], double scale, uint32_t stage, int16_t out[6],
                           Error* err) {
    for (uint32_t k = 0; k < kIirQ15ValuesPerStage; ++k) {
        if (!(sos[k] - sos[k] == 0.0f)) {
            return stage_error(stage, "coefficients must be finite", err);
        }
    }
    if (sos[3] == 0.0f) {
        return stage_error(stage, "a0 must not be 0", err);
    }
    if (iir_q15_convert(sos, kIirQ15ValuesPerStage, out, kIirQ15ValuesPerStage, float(scale)) !=
        Status::Ok) {
        // The message must fit api::Error (93 characters).
        return stage_error(
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
