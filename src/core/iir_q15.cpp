#include "iir_q15.h"

#include "filter_state.h"
#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

namespace {

constexpr uint32_t kCoeffsPerStage = 5; // b0 b1 b2 -a1 -a2
constexpr uint32_t kStatePerStage = kIirQ15StatePerStage;
constexpr int32_t kRound = int32_t(1) << (kIirQ15FracBits - 1);
constexpr int32_t kFracMask = (int32_t(1) << kIirQ15FracBits) - 1;

inline int32_t magnitude(int32_t v) {
    return v < 0 ? -v : v;
}

// True when the sum formed in section_step, acc + 2^12, cannot leave int32. With S = sum |c|:
// each product of a coefficient and an int16 is at most |c| * 32768 in magnitude, the residues'
// term is (-a1*e1 + -a2*e2 + 2^12) >> 13 with |e| <= 2^12 (set_state() clamps them), at most
// 32768, so |acc + 2^12| <= S * 32768 + 36864 < 2^31 when S <= 65533 (at 65535 it can overflow).
inline bool fits_int32(const int16_t* c) {
    int32_t sum = 0;
    for (uint32_t k = 0; k < kCoeffsPerStage; ++k) {
        sum += magnitude(c[k]);
    }
    return sum <= 65533;
}

// One sample through a section (k and the state as Section below keeps them): returns y and
// sets *r to the residue + 2^12. Acc is int32_t or int64_t; each product is formed in int32
// (|c * x| <= 2^30) and only the sum is widened, which on Cortex-M0 avoids 64-bit
// multiplications. The residues' term is an int32 on every path (at most 2^29 + 2^28 + 2^25 +
// 2^12 before its shift). Right shifts of negative values are arithmetic on every compiler this
// project supports (and defined so by C++20).
template <typename Acc>
__attribute__((always_inline)) inline int32_t section_step(const int32_t* k, int32_t x, int32_t x1,
                                                           int32_t x2, int32_t y1, int32_t y2,
                                                           int32_t r1, int32_t r2, int32_t* r) {
    // acc + 2^12: (-a1*e1 + -a2*e2 + 2^12) >> 13 + 2^12 is (-a1*r1 + -a2*r2 + k[5]) >> 13.
    const Acc t = Acc(k[0] * x) + Acc(k[1] * x1) + Acc(k[2] * x2) + Acc(k[3] * y1) +
                  Acc(k[4] * y2) + Acc((k[3] * r1 + k[4] * r2 + k[5]) >> kIirQ15FracBits);
    const Acc q = t >> kIirQ15FracBits;
    *r = int32_t(t) & kFracMask; // acc - (q << 13) + 2^12
    const int32_t y = static_cast<int16_t>(q);
    return Acc(y) == q ? y : (q < 0 ? -32768 : 32767);
}

// A section's coefficients b0 b1 b2 -a1 -a2, and the constant of the residues' term: with
// r = e + 2^12, -a1*e1 + -a2*e2 + 2^12 (its rounding) + 2^25 (acc's rounding, before the shift)
// is -a1*r1 + -a2*r2 + 2^12 - 2^12 * (-a1 + -a2) + 2^25. Its state, with the residues + 2^12,
// in [0, 2^13).
struct Section {
    int32_t k[6];
    int32_t x1, x2, y1, y2, r1, r2;

    Section(const int16_t* c, const int16_t* st)
        : k{c[0], c[1], c[2],
            c[3], c[4], kRound - kRound * (int32_t(c[3]) + c[4]) + (kRound << kIirQ15FracBits)},
          x1(st[0]), x2(st[1]), y1(st[2]), y2(st[3]), r1(st[4] + kRound), r2(st[5] + kRound) {}

    // One sample, the state moved on.
    template <typename Acc> __attribute__((always_inline)) int32_t step(int32_t x) {
        int32_t r;
        const int32_t y = section_step<Acc>(k, x, x1, x2, y1, y2, r1, r2, &r);
        x2 = x1;
        x1 = x;
        y2 = y1;
        y1 = y;
        r2 = r1;
        r1 = r;
        return y;
    }

    void save(int16_t* st) const {
        st[0] = static_cast<int16_t>(x1);
        st[1] = static_cast<int16_t>(x2);
        st[2] = static_cast<int16_t>(y1);
        st[3] = static_cast<int16_t>(y2);
        st[4] = static_cast<int16_t>(r1 - kRound);
        st[5] = static_cast<int16_t>(r2 - kRound);
    }
};

// The sections whose sums might not fit int32, summed in 64 bits, built for size: sections with
// gains beyond 8 are rare.
void section_run_int64(const int16_t* c, int16_t* st, int16_t* v, uint32_t len) {
    Section s(c, st);
    for (uint32_t i = 0; i < len; ++i) {
        v[i] = static_cast<int16_t>(s.step<int64_t>(v[i]));
    }
    s.save(st);
}

// The sections whose sums fit int32 (all typical designs). A section runs over the whole buffer
// before the next one, as in the float cascade: its coefficients and state stay in registers.
// Two samples a pass, so that the state moves on by renaming registers rather than by copying
// them: fewer instructions than one a pass (Cortex-M0 5%, M7 14%, RV32 16%, x64 17%) for
// 100-160 bytes of code.
MICROLEARN_HOT void section_run_int32(const int16_t* c, int16_t* st, int16_t* v, uint32_t len) {
    Section s(c, st);
    uint32_t i = 0;
    for (; i + 1 < len; i += 2) {
        const int32_t xa = v[i], xb = v[i + 1];
        int32_t ra, rb;
        const int32_t ya = section_step<int32_t>(s.k, xa, s.x1, s.x2, s.y1, s.y2, s.r1, s.r2, &ra);
        const int32_t yb = section_step<int32_t>(s.k, xb, xa, s.x1, ya, s.y1, ra, s.r1, &rb);
        v[i] = static_cast<int16_t>(ya);
        v[i + 1] = static_cast<int16_t>(yb);
        s.x2 = xa;
        s.x1 = xb;
        s.y2 = ya;
        s.y1 = yb;
        s.r2 = ra;
        s.r1 = rb;
    }
    s.save(st);
    if (i < len) { // the odd sample: the same exact sum, by the loop above
        section_run_int64(c, st, v + i, 1);
    }
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
            section_run_int32(c, st, values, len);
        } else {
            section_run_int64(c, st, values, len);
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
    const Status status =
        f == nullptr
            ? Status::NotReady
            : filter_state_copy<int16_t>(f->ready, f->n_stages * kStatePerStage, in, f->state, len);
    if (status == Status::Ok) {
        // A residue is at most half an LSB: larger ones are clamped (which keeps the sums in
        // fits_int32's bound).
        for (uint32_t i = 4; i < len; i += kStatePerStage) {
            for (uint32_t j = i; j < i + 2; ++j) {
                int16_t& e = f->state[j];
                e = e < -kRound ? int16_t(-kRound) : (e >= kRound ? int16_t(kRound - 1) : e);
            }
        }
    }
    return status;
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
