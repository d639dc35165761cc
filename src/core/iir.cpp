#include "iir.h"

#include "filter_state.h"
#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

namespace {

constexpr uint32_t kCoeffsPerStage = 5;
constexpr uint32_t kStatePerStage = 2;

// Two sections per sweep where the FPU does the arithmetic (iir_process() says why not elsewhere).
#define MICROLEARN_IIR_SECTION_PAIRS (MICROLEARN_HARDWARE_FLOAT || MICROLEARN_IIR_STATE_DOUBLE)

inline bool aligned_for_state(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & (alignof(IirState) - 1u)) == 0;
}

// One section over the whole buffer. Running the cascade stage by stage (rather than sample by
// sample through every stage) keeps the coefficients and state in registers for the whole inner
// loop; each sample still sees exactly the same operations in the same order, so chunked calls
// stay bit-identical to one call. Arithmetic in IirState; the output is rounded to float.
#if defined(MICROLEARN_XTENSA_FPU)
// xtensawin-fpu (ESP32, ESP32-S3): the same section on the FPU by inline assembly (the compiler
// here has no FPU code; docs/natmod.md), coefficients and state in f3-f9, with fused multiply-adds
// (one rounding per step, as on an ARM core with an FPU): y = s1 + b0 x, s1 = s2 + b1 x - a1 y,
// s2 = b2 x - a2 y.
static_assert(sizeof(IirState) == sizeof(float), "xtensawin keeps a float state");
MICROLEARN_NOINLINE void section_run(const float* c, IirState* st, float* v, uint32_t len) {
    __asm__ volatile("lsi f3, %3, 0\n\t"
                     "lsi f4, %3, 4\n\t"
                     "lsi f5, %3, 8\n\t"
                     "lsi f6, %3, 12\n\t"
                     "lsi f7, %3, 16\n\t"
                     "lsi f8, %2, 0\n\t"
                     "lsi f9, %2, 4\n\t"
                     "beqz %1, 2f\n"
                     "1:\n\t"
                     "lsi f0, %0, 0\n\t"
                     "mov.s f1, f8\n\t"
                     "madd.s f1, f3, f0\n\t"
                     "mov.s f8, f9\n\t"
                     "madd.s f8, f4, f0\n\t"
                     "msub.s f8, f6, f1\n\t"
                     "mul.s f9, f5, f0\n\t"
                     "msub.s f9, f7, f1\n\t"
                     "ssi f1, %0, 0\n\t"
                     "addi %0, %0, 4\n\t"
                     "addi %1, %1, -1\n\t"
                     "bnez %1, 1b\n"
                     "2:\n\t"
                     "ssi f8, %2, 0\n\t"
                     "ssi f9, %2, 4"
                     : "+r"(v), "+r"(len)
                     : "r"(st), "r"(c)
                     : "memory");
}
#else
MICROLEARN_HOT void section_run(const float* c, IirState* st, float* v, uint32_t len) {
    const IirState b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
    IirState s1 = st[0], s2 = st[1];
    for (uint32_t i = 0; i < len; ++i) {
        const IirState x = v[i];
        const IirState y = b0 * x + s1;
        s1 = (b1 * x - a1 * y) + s2;
        s2 = b2 * x - a2 * y;
        v[i] = float(y);
    }
    st[0] = s1;
    st[1] = s2;
}
#endif

// Two consecutive sections in one sweep: the same arithmetic as two section_run() calls (so the
// same bits), but each sample is loaded and stored once instead of twice, and the second
// section's work overlaps the first one's dependency chain. About 15% fewer instructions. The
// value between the two sections is not rounded to float (one rounding per pair).
#if MICROLEARN_IIR_SECTION_PAIRS
MICROLEARN_HOT void section_pair_run(const float* c, IirState* st, float* v, uint32_t len) {
    const IirState b0 = c[0], b1 = c[1], b2 = c[2], a1 = c[3], a2 = c[4];
    const IirState d0 = c[5], d1 = c[6], d2 = c[7], e1 = c[8], e2 = c[9];
    IirState s1 = st[0], s2 = st[1], t1 = st[2], t2 = st[3];
    for (uint32_t i = 0; i < len; ++i) {
        const IirState x = v[i];
        const IirState y = b0 * x + s1;
        s1 = (b1 * x - a1 * y) + s2;
        s2 = b2 * x - a2 * y;
        const IirState z = d0 * y + t1;
        t1 = (d1 * y - e1 * z) + t2;
        t2 = d2 * y - e2 * z;
        v[i] = float(z);
    }
    st[0] = s1;
    st[1] = s2;
    st[2] = t1;
    st[3] = t2;
}
#endif

} // namespace

size_t iir_storage_bytes(uint32_t n_stages) {
    return size_t(n_stages) * (kCoeffsPerStage * sizeof(float) + kStatePerStage * sizeof(IirState));
}

Status iir_init(IirCascade* f, const float* sos, uint32_t sos_len, void* storage,
                size_t storage_bytes) {
    if (f == nullptr) {
        return Status::InvalidArgument;
    }
    f->ready = false;
    uint32_t rest;
    const uint32_t n_stages = divide(sos_len, kSosValuesPerStage, &rest);
    if (rest != 0 || (sos == nullptr && sos_len > 0)) {
        return Status::InvalidArgument;
    }
    const size_t need = iir_storage_bytes(n_stages);
    if (need > 0 && (storage == nullptr || storage_bytes < need)) {
        return Status::SizeMismatch;
    }
    if (need > 0 && !aligned_for_state(storage)) {
        return Status::InvalidArgument;
    }
    // The state first: it has the wider alignment.
    IirState* state = static_cast<IirState*>(storage);
    float* coeffs = reinterpret_cast<float*>(state + size_t(n_stages) * kStatePerStage);
    // Validate everything before writing, so a rejected filter leaves the caller's memory as is.
    for (uint32_t s = 0; s < n_stages; ++s) {
        if (iir_stage_fault(sos + size_t(s) * kSosValuesPerStage) != IirStageFault::None) {
            return Status::InvalidArgument;
        }
    }
    for (uint32_t s = 0; s < n_stages; ++s) {
        const float* in = sos + size_t(s) * kSosValuesPerStage;
        float* out = coeffs + size_t(s) * kCoeffsPerStage;
        for (uint32_t k = 0; k < kSosValuesPerStage; ++k) { // all but a0 itself
            if (k != 3) {
                *out++ = in[k] / in[3];
            }
        }
    }
    f->coeffs = n_stages > 0 ? coeffs : nullptr;
    f->state = n_stages > 0 ? state : nullptr;
    f->n_stages = n_stages;
    f->ready = true;
    return iir_reset(f);
}

Status iir_process(IirCascade* f, float* values, uint32_t len) {
    if (f == nullptr || !f->ready) {
        return Status::NotReady;
    }
    if (values == nullptr && len > 0) {
        return Status::InvalidArgument;
    }
    if (len == 0) {
        return Status::Ok;
    }
    uint32_t s = 0;
    // Without an FPU every operation is a library call, and the pair's saved loads and stores
    // are lost in them (Cortex-M0 and rv32imc under QEMU: 0.3% more instructions without it):
    // one section's loop alone makes the module 260 bytes smaller, with the same bits (the
    // state is float there).
#if MICROLEARN_IIR_SECTION_PAIRS
    for (; s + 1u < f->n_stages; s += 2u) {
        section_pair_run(f->coeffs + size_t(s) * kCoeffsPerStage,
                         f->state + size_t(s) * kStatePerStage, values, len);
    }
#endif
    for (; s < f->n_stages; ++s) {
        section_run(f->coeffs + size_t(s) * kCoeffsPerStage, f->state + size_t(s) * kStatePerStage,
                    values, len);
    }
    return Status::Ok;
}

Status iir_reset(IirCascade* f) {
    return f == nullptr ? Status::NotReady
                        : filter_state_clear(f->ready, f->state, f->n_stages * kStatePerStage);
}

Status iir_get_state(const IirCascade* f, float* out, uint32_t len) {
    return f == nullptr ? Status::NotReady
                        : filter_state_copy(f->ready, f->n_stages * kStatePerStage,
                                            static_cast<const IirState*>(f->state), out, len);
}

Status iir_set_state(IirCascade* f, const float* in, uint32_t len) {
    return f == nullptr
               ? Status::NotReady
               : filter_state_copy(f->ready, f->n_stages * kStatePerStage, in, f->state, len);
}

Status iir_get_state_f64(const IirCascade* f, double* out, uint32_t len) {
    return f == nullptr ? Status::NotReady
                        : filter_state_copy(f->ready, f->n_stages * kStatePerStage,
                                            static_cast<const IirState*>(f->state), out, len);
}

Status iir_set_state_f64(IirCascade* f, const double* in, uint32_t len) {
    return f == nullptr
               ? Status::NotReady
               : filter_state_copy(f->ready, f->n_stages * kStatePerStage, in, f->state, len);
}

} // namespace microlearn
