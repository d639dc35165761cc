// Size help for cores without a floating-point unit or a divide instruction, where every such
// operation is a libgcc routine linked into the native module.
#pragma once
#include <stdint.h>

namespace microlearn {

// a - b computed as a + (-b): the same bits (IEEE 754 defines subtraction so) and a negation is a
// sign flip, but a module that also adds then links one soft-float routine instead of two. That
// matters for double (libgcc's __aeabi_dsub is about 1.7 kB on armv6m); float subtraction is a
// sign flip in front of the addition in natmod_softfloat.cpp already. The empty asm hides -b from
// the optimiser, which would otherwise fold the expression back into a - b.
template <typename T> inline T subtract_by_adding(T a, T b) {
    T nb = -b;
#if defined(__GNUC__)
    __asm__("" : "+g"(nb));
#endif
    return a + nb;
}

// a * b for a, b < 2^32, all 64 bits. Cortex-M0 and the ESP8266 have no 32 x 32 -> 64 multiply:
// four 16-bit products there instead of libgcc's 64 x 64 __aeabi_lmul or __muldi3
// (MICROLEARN_SOFTFLOAT_MUL16 selects them on any core, for tests).
// Not inlined (a double multiplication calls it four times), except on the windowed ABI (ESP32),
// where a call also rotates the register window: inlined there, the float multiply makes the
// FFT 9% and the IIR filter 15% faster and the modules 16-56 bytes smaller (benchmarks/qemu).
#if defined(__ARM_ARCH_6M__) || defined(__XTENSA__) || defined(MICROLEARN_SOFTFLOAT_MUL16)
#if defined(__XTENSA_WINDOWED_ABI__)
inline uint64_t wide_product(uint32_t a, uint32_t b) {
#else
__attribute__((noinline)) inline uint64_t wide_product(uint32_t a, uint32_t b) {
#endif
    const uint32_t al = a & 0xffff;
    const uint32_t ah = a >> 16;
    const uint32_t bl = b & 0xffff;
    const uint32_t bh = b >> 16;
    const uint32_t ll = al * bl;
    const uint32_t lh = al * bh;
    const uint32_t hl = ah * bl;
    const uint32_t mid = (ll >> 16) + (lh & 0xffff) + (hl & 0xffff); // below 3 * 2^16
    const uint32_t high = ah * bh + (lh >> 16) + (hl >> 16) + (mid >> 16);
    return uint64_t(high) << 32 | (mid << 16) | (ll & 0xffff);
}
#else
inline uint64_t wide_product(uint32_t a, uint32_t b) {
    return uint64_t(a) * b;
}
#endif

// n / d and its remainder by shifting and subtracting, for cores without a divide instruction:
// natmod_softfloat.cpp makes it the armv6m modules' __aeabi_uidiv and __aeabi_idiv (libgcc's are
// 276 and 468 bytes). As many steps as the quotient has bits, twice. n / 0 gives 0xffffffff
// (0 for 0 / 0) and remainder n, where C leaves it undefined.
inline uint32_t divide_by_shifting(uint32_t n, uint32_t d, uint32_t* remainder) {
    uint32_t q = 0;
    if (d != 0) {
        uint32_t bit = 1;
        while (!(d >> 31) && (d << 1) <= n) { // d * bit: the largest such multiple not above n
            d <<= 1;
            bit <<= 1;
        }
        while (bit != 0) {
            if (n >= d) {
                n -= d;
                q |= bit;
            }
            d >>= 1;
            bit >>= 1;
        }
    } else if (n != 0) {
        q = 0xffffffffu;
    }
    *remainder = n;
    return q;
}

// The same for int32_t, as C's / and %: the quotient truncated towards zero, the remainder with
// the sign of n (INT32_MIN / -1 wraps to INT32_MIN, remainder 0).
inline int32_t divide_signed_by_shifting(int32_t n, int32_t d, int32_t* remainder) {
    uint32_t r;
    const uint32_t q = divide_by_shifting(n < 0 ? 0u - uint32_t(n) : uint32_t(n),
                                          d < 0 ? 0u - uint32_t(d) : uint32_t(d), &r);
    *remainder = int32_t(n < 0 ? 0u - r : r);
    return int32_t((n < 0) != (d < 0) ? 0u - q : q);
}

// n / d and its remainder. On cores without a divide instruction (armv6m) a module whose only
// divisions are these few (error and load paths) would link the routine above: a fixed 32-step
// loop in place is smaller there.
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
