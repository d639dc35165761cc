// What emlearn_iir (float) and emlearn_iir_q15 (int16) share, written once: the module contract
// over an engine described by IirEngine (its element typecode and functions), and IirFilterApi,
// the api functions of one module as a value, for bindings written once over both modules.
#pragma once
#include "api.h"
#include "array_checks.h"
#include "soft_float.h"
#include "status.h"

namespace microlearn {
namespace api {

// Both layouts hold 6 coefficients per stage.
constexpr uint32_t kIirCoefficientsPerStage = 6;

// ValueError("stage <stage>: <what>").
inline bool iir_stage_error(uint32_t stage, const char* what, Error* err) {
    fail(err, ErrorType::ValueError).text("stage ").number(int32_t(stage)).text(": ").text(what);
    return false;
}

// An engine over cascades C of samples S.
template <class C, class S> struct IirEngine {
    char typecode;                   // of the coefficients, values and state arrays
    const char* expecting;           // the wrong-typecode message, e.g. "expecting float array"
    uint32_t state_values_per_stage; // length of get_state/set_state per stage
    size_t (*storage_bytes)(uint32_t n_stages);
    // The module's own checks of one stage of coefficients, before init (to say which and why).
    bool (*check_stage)(const S* coefficients, uint32_t stage, Error* err);
    Status (*init)(C* f, const S* coefficients, uint32_t len, void* storage, size_t bytes);
    Status (*process)(C* f, S* values, uint32_t len);
    Status (*reset)(C* f);
    Status (*get_state)(const C* f, S* out, uint32_t len);
    Status (*set_state)(C* f, const S* in, uint32_t len);
};

// The contract (see iir_api.h) over engine E; E is a constexpr IirEngine, so every call through
// it is a direct call.
template <class C, class S, const IirEngine<C, S>& E> struct IirContract {
    static bool check_typecode_of(const BufferView& b, const char* name, Error* err) {
        return check_typecode(b, E.typecode, E.expecting, name, err);
    }

    // And the number of stages, in *n_stages.
    static bool check_coefficients(const BufferView& c, uint32_t* n_stages, Error* err) {
        if (!check_typecode_of(c, "coefficients", err)) {
            return false;
        }
        uint32_t rest;
        *n_stages = divide(count_as<S>(c), kIirCoefficientsPerStage, &rest);
        if (rest != 0) {
            return raise_value(err, "Filter coefficients must be multiple of 6");
        }
        if (*n_stages == 0) {
            return raise_value(err, "Filter coefficients must hold at least one stage (6 values)");
        }
        return true;
    }

    static bool check_state(const C* f, const BufferView& b, Error* err) {
        return check_typecode_of(b, "state", err) &&
               check_length(count_as<S>(b), E.state_values_per_stage * f->n_stages, "state", err);
    }

    static bool not_ready(Error* err) { return raise_value(err, "filter not initialised"); }

    static bool storage_size(const BufferView& coefficients, size_t* bytes, Error* err) {
        uint32_t n_stages;
        if (!check_coefficients(coefficients, &n_stages, err)) {
            return false;
        }
        *bytes = E.storage_bytes(n_stages);
        return true;
    }

    static bool create(C* f, const BufferView& coefficients, void* storage, size_t bytes,
                       Error* err) {
        f->ready = false;
        uint32_t n_stages;
        if (!check_coefficients(coefficients, &n_stages, err)) {
            return false;
        }
        const S* c = static_cast<const S*>(coefficients.data);
        for (uint32_t s = 0; s < n_stages; ++s) {
            if (!E.check_stage(c + size_t(s) * kIirCoefficientsPerStage, s, err)) {
                return false;
            }
        }
        return E.init(f, c, n_stages * kIirCoefficientsPerStage, storage, bytes) == Status::Ok ||
               raise_value(err, "invalid filter coefficients");
    }

    static bool run(C* f, const BufferView& values, Error* err) {
        if (!check_typecode_of(values, "values", err)) {
            return false;
        }
        return E.process(f, static_cast<S*>(values.data), count_as<S>(values)) == Status::Ok ||
               not_ready(err);
    }

    static bool reset_state(C* f, Error* err) { return E.reset(f) == Status::Ok || not_ready(err); }

    static bool state_get(const C* f, const BufferView& out, Error* err) {
        if (!check_state(f, out, err)) {
            return false;
        }
        return E.get_state(f, static_cast<S*>(out.data), count_as<S>(out)) == Status::Ok ||
               not_ready(err);
    }

    static bool state_set(C* f, const BufferView& values, Error* err) {
        if (!check_state(f, values, err)) {
            return false;
        }
        return E.set_state(f, static_cast<const S*>(values.data), count_as<S>(values)) ==
                   Status::Ok ||
               not_ready(err);
    }
};

// The api functions of one module (iir_api.h, iir_q15_api.h) over filters F.
template <class F> struct IirFilterApi {
    bool (*storage_size)(const BufferView& coefficients, size_t* bytes, Error* err);
    bool (*create)(F* f, const BufferView& coefficients, void* storage, size_t bytes, Error* err);
    bool (*run)(F* f, const BufferView& values, Error* err);
    bool (*reset_state)(F* f, Error* err);
    bool (*state_get)(const F* f, const BufferView& out, Error* err);
    bool (*state_set)(F* f, const BufferView& values, Error* err);
};

} // namespace api
} // namespace microlearn
