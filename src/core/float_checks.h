// Checks and comparisons of float values that the engines and api files make (finite? zero?
// a > b?), written once. Without an FPU they work on the float's bits with integers: the float
// form would call a soft-float routine, and a compare routine comes with its siblings (libgcc and
// natmod_softfloat.cpp define the five __aeabi_fcmp* together): a few hundred bytes of an armv6m
// or rv32imc module, and a call in a loop. With an FPU the float instructions are the smaller and
// faster code. Both forms give the same result for every float, NaN included.
#pragma once
#include "status.h"

#include <stdint.h>

// Defined beforehand (0 or 1), it chooses either form: the tests run the integer one on the host.
// By default the integer form wherever float is not hardware (status.h: also the ESP8266).
#if !defined(MICROLEARN_SOFT_FLOAT)
#if MICROLEARN_HARDWARE_FLOAT
#define MICROLEARN_SOFT_FLOAT 0
#else
#define MICROLEARN_SOFT_FLOAT 1
#endif
#endif
// The same for double, which more cores lack (Cortex-M4F, ESP32, RISC-V with F only).
#if !defined(MICROLEARN_SOFT_DOUBLE)
#if MICROLEARN_HARDWARE_DOUBLE
#define MICROLEARN_SOFT_DOUBLE 0
#else
#define MICROLEARN_SOFT_DOUBLE 1
#endif
#endif

namespace microlearn {

inline uint32_t float_bits(float value) {
    uint32_t bits;
    __builtin_memcpy(&bits, &value, sizeof bits);
    return bits;
}

// False for inf and NaN.
inline bool float_is_finite(float value) {
#if MICROLEARN_SOFT_FLOAT
    return (float_bits(value) & 0x7f800000u) != 0x7f800000u;
#else
    return value - value == 0.0f;
#endif
}

// +0.0 and -0.0.
inline bool float_is_zero(float value) {
#if MICROLEARN_SOFT_FLOAT
    return (float_bits(value) << 1) == 0;
#else
    return value == 0.0f;
#endif
}

// NaN of either sign.
inline bool float_is_nan(float value) {
#if MICROLEARN_SOFT_FLOAT
    return (float_bits(value) & 0x7fffffffu) > 0x7f800000u;
#else
    return value != value;
#endif
}

// Whether two floats or doubles, given as bits U (uint32_t or uint64_t; kInf is infinity's bits),
// compare at all (neither is NaN), and if so their bits as ordered integers S: sign and magnitude
// to two's complement (-0 and +0 both 0).
template <typename U, typename S, U kInf>
inline bool bits_ordered(U a, U b, S* a_order, S* b_order) {
    constexpr unsigned kSignShift = sizeof(U) * 8 - 1;
    const S ma = S(a & (~U(0) >> 1)), mb = S(b & (~U(0) >> 1));
    *a_order = (a >> kSignShift) ? -ma : ma;
    *b_order = (b >> kSignShift) ? -mb : mb;
    return ma <= S(kInf) && mb <= S(kInf);
}
constexpr auto float_ordered = bits_ordered<uint32_t, int32_t, 0x7f800000u>;
constexpr auto double_ordered = bits_ordered<uint64_t, int64_t, 0x7ff0000000000000u>;

// a > b as IEEE 754 defines it: false when either is NaN, -0 and +0 equal.
inline bool float_greater(float a, float b) {
#if MICROLEARN_SOFT_FLOAT
    int32_t x, y;
    return float_ordered(float_bits(a), float_bits(b), &x, &y) && x > y;
#else
    return a > b;
#endif
}

// a >= b, the same way.
inline bool float_greater_equal(float a, float b) {
#if MICROLEARN_SOFT_FLOAT
    int32_t x, y;
    return float_ordered(float_bits(a), float_bits(b), &x, &y) && x >= y;
#else
    return a >= b;
#endif
}

// The same for double. Finite is tested on the bits everywhere: no subtraction needed.
inline uint64_t double_bits(double value) {
    uint64_t bits;
    __builtin_memcpy(&bits, &value, sizeof bits);
    return bits;
}

inline bool float_is_finite(double value) {
    return (double_bits(value) >> 52 & 0x7ff) != 0x7ff;
}

inline bool float_is_nan(double value) {
#if MICROLEARN_SOFT_DOUBLE
    return (double_bits(value) & 0x7fffffffffffffffu) > 0x7ff0000000000000u;
#else
    return value != value;
#endif
}

#if MICROLEARN_SOFT_DOUBLE
// -1, 0 or 1 as a < b, a == b, a > b; 2 when either is NaN. One copy for the three relations
// below: 64-bit compares are long code on 32-bit cores.
__attribute__((noinline)) inline int32_t double_order(double a, double b) {
    int64_t x, y;
    if (!double_ordered(double_bits(a), double_bits(b), &x, &y)) {
        return 2;
    }
    return (x > y) - (x < y);
}
#endif

inline bool float_greater(double a, double b) {
#if MICROLEARN_SOFT_DOUBLE
    return double_order(a, b) == 1;
#else
    return a > b;
#endif
}

inline bool float_greater_equal(double a, double b) {
#if MICROLEARN_SOFT_DOUBLE
    return uint32_t(double_order(a, b)) <= 1;
#else
    return a >= b;
#endif
}

// a == b: false when either is NaN, -0 and +0 equal.
inline bool float_equal(double a, double b) {
#if MICROLEARN_SOFT_DOUBLE
    return double_order(a, b) == 0;
#else
    return a == b;
#endif
}

} // namespace microlearn
