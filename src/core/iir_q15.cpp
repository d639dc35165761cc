#include "iir_q15.h"

#include "filter_state.h"
#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

namespace {

constexpr uint32_t kCoeffsPerStage = 5; // b0 b1 b2 -a1 -a2
constexpr uint32_t kStatePerStage = 4;  // x1 x2 y1 y2
constexpr int32_t kRound = int32_t(1) << (kIirQ15FracBits - 1);

// True when the exact sum of the five products plus the rounding term cannot leave int32:
// |c * x| <= |c| * 32768 for every int16 x, so sum |c| * 32768 + 2^12 < 2^31 suffices.
inline bool fits_int32(const int16_t* c) {
    int32_t sum = 0;
    for (uint32_t k = 0; k < kCoeffsPerStage; ++k) {
        sum += c[k] < 0 ? -int32_t(c[k]) : int32_t(c[k]);
    }
    return sum <= 65535;
}

// One section over the whole buffer, stage by stage for the same reason as the float cascade:
// coefficients and state stay in registers. Acc is int32_t or int64_t; each product is formed
// in int32 (|c * x| <= 2^30) and only the sum is widened, which on Cortex-M0 avoids 64-bit
// multiplications. Right shifts of negative values are arithmetic on every compiler this
// project supports (and defined so by C++20).
template <typename Acc>
MICROLEARN_HOT void section_run(const int16_t* c, int16_t* st, int16_t* v, uint32_t len) {
    const int32_t b0 = c[0], b1 = c[1], b2 = c[2], na1 = c[3], na2 = c[4];
    int32_t x1 = st[0], x2 = st[1], y1 = st[2], y2 = st[3];
    for (uint32_t i = 0; i < len; ++i) {
        const int32_t x = v[i];
        const Acc acc =
            Acc(b0 * x) + Acc(b1 * x1) + Acc(b2 * x2) + Acc(na1 * y1) + Acc(na2 * y2) + Acc(kRound);
        const Acc shifted = acc >> kIirQ15FracBits;
        const int32_t y = shifted > 32767 ? 32767 : (shifted < -32768 ? -32768 : int32_t(shifted));
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        v[i] = static_cast<int16_t>(y);
    }
    st[0] = static_cast<int16_t>(x1);
    st[1] = static_cast<int16_t>(x2);
    st[2] = static_cast<int16_t>(y1);
    st[3] = static_cast<int16_t>(y2);
}

inline bool aligned_for_int16(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & (alignof(int16_t) - 1u)) == 0;
}

inline size_t align4(size_t n) {
    return (n + 3u) & ~size_t(3u);
}

// Round half away from zero into int16; false when the value does not fit (or is NaN).
inline bool round_to_int16(float v, int16_t* out) {
    if (!(float_greater(v, -40000.0f) && float_greater(40000.0f, v))) {
        return false;
    }
    int32_t r = static_cast<int32_t>(v); // toward zero
    const float frac = v - float(r);     // exact: |v| < 2^16
    if (float_greater_equal(frac, 0.5f)) {
        ++r;
    } else if (float_greater_equal(-0.5f, frac)) {
        --r;
    }
    if (r < -32768 || r > 32767) {
        return false;
    }
    *out = static_cast<int16_t>(r);
    return true;
}

} // namespace

size_t iir_q15_storage_bytes(uint32_t n_stages) {
    return align4(size_t(n_stages) * (kCoeffsPerStage + kStatePerStage) * sizeof(int16_t));
}

Status iir_q15_init(IirQ15Cascade* f, const int16_t* coeffs, uint32_t coeffs_len, void* storage,
                    size_t storage_bytes) {
    if (f == nullptr) {
        return Status::InvalidArgument;
    }
    f->ready = false;
    uint32_t rest;
    const uint32_t n_stages = divide(coeffs_len, kIirQ15ValuesPerStage, &rest);
    if (rest != 0 || (coeffs == nullptr && coeffs_len > 0)) {
        return Status::InvalidArgument;
    }
    // Exactly the bytes asked for: the reference reserved one value per stage instead of six
    // and copied all six into it.
    const size_t need = iir_q15_storage_bytes(n_stages);
    if (need > 0 && (storage == nullptr || storage_bytes < need)) {
        return Status::SizeMismatch;
    }
    if (need > 0 && !aligned_for_int16(storage)) {
        return Status::InvalidArgument;
    }
    for (uint32_t s = 0; s < n_stages; ++s) {
        if (coeffs[size_t(s) * kIirQ15ValuesPerStage + 1u] != 0) {
            return Status::InvalidArgument;
        }
    }
    int16_t* c = static_cast<int16_t*>(storage);
    for (uint32_t s = 0; s < n_stages; ++s) {
        const int16_t* in = coeffs + size_t(s) * kIirQ15ValuesPerStage;
        int16_t* out = c + size_t(s) * kCoeffsPerStage;
        out[0] = in[0];
        out[1] = in[2];
        out[2] = in[3];
        out[3] = in[4];
        out[4] = in[5];
    }
    f->coeffs = n_stages > 0 ? c : nullptr;
    f->state = n_stages > 0 ? c + size_t(n_stages) * kCoeffsPerStage : nullptr;
    f->n_stages = n_stages;
    f->ready = true;
    return iir_q15_reset(f);
}

Status iir_q15_process(IirQ15Cascade* f, int16_t* values, uint32_t len) {
    if (f == nullptr || !f->ready) {
        return Status::NotReady;
    }
    if (values == nullptr && len > 0) {
        return Status::InvalidArgument;
    }
    if (len == 0) {
        return Status::Ok;
    }
    for (uint32_t s = 0; s < f->n_stages; ++s) {
        const int16_t* c = f->coeffs + size_t(s) * kCoeffsPerStage;
        int16_t* st = f->state + size_t(s) * kStatePerStage;
        if (fits_int32(c)) {
            section_run<int32_t>(c, st, values, len);
        } else {
            section_run<int64_t>(c, st, values, len);
        }
    }
    return Status::Ok;
}

Status iir_q15_reset(IirQ15Cascade* f) {
    return f == nullptr ? Status::NotReady
                        : filter_state_clear(f->ready, f->state, f->n_stages * kStatePerStage);
}

Status iir_q15_get_state(const IirQ15Cascade* f, int16_t* out, uint32_t len) {
    return f == nullptr ? Status::NotReady
                        : filter_state_copy<int16_t>(f->ready, f->n_stages * kStatePerStage,
                                                     f->state, out, len);
}

Status iir_q15_set_state(IirQ15Cascade* f, const int16_t* in, uint32_t len) {
    return f == nullptr ? Status::NotReady
                        : filter_state_copy<int16_t>(f->ready, f->n_stages * kStatePerStage, in,
                                                     f->state, len);
}

Status iir_q15_convert(const float* sos, uint32_t sos_len, int16_t* out, uint32_t out_len,
                       float scale) {
    if (sos_len % kIirQ15ValuesPerStage != 0 || !float_greater(scale, 0.0f) ||
        ((sos == nullptr || out == nullptr) && sos_len > 0)) {
        return Status::InvalidArgument;
    }
    if (out_len != sos_len) {
        return Status::SizeMismatch;
    }
    for (uint32_t s = 0; s < sos_len / kIirQ15ValuesPerStage; ++s) {
        const float* in = sos + size_t(s) * kIirQ15ValuesPerStage;
        int16_t* o = out + size_t(s) * kIirQ15ValuesPerStage;
        const float a0 = in[3];
        if (float_is_zero(a0) || !float_is_finite(a0)) {
            return Status::InvalidArgument;
        }
        const float k = scale / a0;
        o[1] = 0;
        if (!round_to_int16(in[0] * k, &o[0]) || !round_to_int16(in[1] * k, &o[2]) ||
            !round_to_int16(in[2] * k, &o[3]) || !round_to_int16(-in[4] * k, &o[4]) ||
            !round_to_int16(-in[5] * k, &o[5])) {
            return Status::InvalidArgument;
        }
    }
    return Status::Ok;
}

} // namespace microlearn
