// Size help for cores without a floating-point unit or a divide instruction, where every such
// operation is a libgcc routine linked into the native module.
#pragma once
#include <stdint.h>

namespace microlearn {

// a - b computed as a + (-b): the same bits (IEEE 754 defines subtraction so) and a negation is a
// sign flip, but a module that also adds then links one soft-float routine instead of two (the
// subtraction alone is about 800 bytes on armv6m). The empty asm hides -b from the optimiser, which
// would otherwise fold the expression back into a - b.
template <typename T> inline T subtract_by_adding(T a, T b) {
    T nb = -b;
#if defined(__GNUC__)
    __asm__("" : "+g"(nb));
#endif
    return a + nb;
}

// n / d and its remainder. Cores without a divide instruction (armv6m) would link libgcc's
// __aeabi_uidiv (about 280 bytes) for the few divisions on error and load paths: shift and
// subtract there instead.
#if defined(__arm__) && !defined(__ARM_FEATURE_IDIV)
inline uint32_t divide(uint32_t n, uint32_t d, uint32_t* remainder) {
    uint32_t q = 0;
    for (int32_t b = 31; b >= 0; b--) {
        if ((n >> b) >= d) {
            n -= d << b;
            q |= 1u << b;
        }
    }
    *remainder = n;
    return q;
}
#else
inline uint32_t divide(uint32_t n, uint32_t d, uint32_t* remainder) {
    const uint32_t q = n / d;
    *remainder = n - q * d;
    return q;
}
#endif

} // namespace microlearn
