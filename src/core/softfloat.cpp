#include "softfloat.h"

#include "soft_float.h"

namespace microlearn {
namespace softfloat {
namespace {

// The two IEEE 754 binary formats, by the unsigned type that holds their bits.
template <typename U> struct Format {
    static constexpr uint32_t kBits = sizeof(U) * 8;
    static constexpr uint32_t kFractionBits = kBits == 32 ? 23 : 52;
    static constexpr uint32_t kExponentMax = kBits == 32 ? 0xff : 0x7ff;
    static constexpr int32_t kBias = int32_t(kExponentMax >> 1);
    // The bits below the significand when its leading one is at the top bit: 8, 11.
    static constexpr uint32_t kRoundBits = kBits - 1 - kFractionBits;
    static constexpr U kSign = U(1) << (kBits - 1);
    static constexpr U kImplicit = U(1) << kFractionBits;
    static constexpr U kFraction = kImplicit - 1;
    static constexpr U kInf = U(kExponentMax) << kFractionBits;
    static constexpr U kQuiet = kImplicit >> 1;
    static constexpr U kDefaultNan = kInf | kQuiet;
};

using Single = Format<uint32_t>;
constexpr uint32_t kSign = Single::kSign;
constexpr uint32_t kInf = Single::kInf;
constexpr uint32_t kQuiet = Single::kQuiet;
constexpr uint32_t kFraction = Single::kFraction;

template <typename U> int32_t exponent_of(U x) {
    return int32_t(uint32_t(x >> Format<U>::kFractionBits) & Format<U>::kExponentMax);
}

// x >> n with every bit shifted out ORed into bit 0 (the sticky bit), for n >= 1.
template <typename U> U shift_right_sticky(U x, uint32_t n) {
    if (n >= Format<U>::kBits) {
        return x != 0;
    }
    return (x >> n) | ((x << (Format<U>::kBits - n)) != 0);
}

// The number of zero bits above the highest one of m != 0. Not inlined where it is a dozen
// instructions: add() stays short on its usual path.
// xtensa: the ESP8266 and ESP32 cores have the NSA option, and GCC emits nsau for __builtin_clz.
#if defined(__ARM_FEATURE_CLZ) || defined(__XTENSA__)
inline uint32_t leading_zeros(uint32_t m) {
    return uint32_t(__builtin_clz(m));
}
#else
// No count-leading-zeros instruction (Cortex-M0, RV32IMC): a binary search, 5 steps where a
// bit-by-bit loop takes up to 31.
__attribute__((noinline)) uint32_t leading_zeros(uint32_t m) {
    uint32_t z = 0;
    if (!(m >> 16)) {
        m <<= 16;
        z += 16;
    }
    if (!(m >> 24)) {
        m <<= 8;
        z += 8;
    }
    if (!(m >> 28)) {
        m <<= 4;
        z += 4;
    }
    if (!(m >> 30)) {
        m <<= 2;
        z += 2;
    }
    return z + (1 - (m >> 31));
}
#endif

uint32_t leading_zeros(uint64_t m) {
    const uint32_t high = uint32_t(m >> 32);
    return high != 0 ? leading_zeros(high) : 32 + leading_zeros(uint32_t(m));
}

// The number sign * m * 2^(e - bias - (bits - 1)), rounded to nearest even. m has its leading one
// at the top bit; the kRoundBits below the result's significand decide the rounding, and a bit
// lost earlier must already be ORed into bit 0. e is the biased exponent the result has unless
// it rounds up to the next power of two: e <= 0 gives a subnormal or zero, e >= the maximum
// infinity. Inlined into add(), the most frequent operation; mul() and div() share one copy.
template <typename U>
inline __attribute__((always_inline)) U round_pack_inline(U sign, int32_t e, U m) {
    using F = Format<U>;
    if (uint32_t(e - 1) >= F::kExponentMax - 1) { // outside 1..max - 1
        if (e > 0) {
            return sign | F::kInf;
        }
        // Aligned as a number of exponent 1: packed with exponent field 0, unless the rounding
        // carries into the implicit bit, which makes it the smallest normal number, as it should.
        m = shift_right_sticky(m, uint32_t(1 - e));
        e = 1;
    }
    // Up when the bits below are above half, or half and the result is odd (to even). A carry
    // out of the fraction increments the exponent: up to infinity if need be.
    constexpr uint32_t kLow = (1u << F::kRoundBits) - 1;
    const uint32_t up =
        ((uint32_t(m) & kLow) + (kLow >> 1) + (uint32_t(m >> F::kRoundBits) & 1)) >> F::kRoundBits;
    return sign | ((U(uint32_t(e - 1)) << F::kFractionBits) + (m >> F::kRoundBits) + up);
}

template <typename U> __attribute__((noinline)) U round_pack(U sign, int32_t e, U m) {
    return round_pack_inline(sign, e, m);
}

// |x| (finite, non-zero): its significand with the leading one at bit kFractionBits, and the
// biased exponent that goes with it (below 1 for subnormals).
template <typename U> U unpack(U x, int32_t* e) {
    using F = Format<U>;
    int32_t exponent = exponent_of(x);
    U m = x & F::kFraction;
    if (exponent != 0) {
        m |= F::kImplicit;
    } else {
        // Subnormal: normalized as if of exponent 1, the exponent going below 1.
        const uint32_t z = leading_zeros(m) - F::kRoundBits;
        exponent = 1 - int32_t(z);
        m <<= z;
    }
    *e = exponent;
    return m;
}

// Cortex-M0 has no 32 x 32 -> 64 multiply: product() below takes four 16-bit products there
// (MICROLEARN_SOFTFLOAT_MUL16 selects them on any core, for tests), as wide_product() does.
#if defined(__ARM_ARCH_6M__) || defined(MICROLEARN_SOFTFLOAT_MUL16)
#define MICROLEARN_SOFTFLOAT_PARTIALS 1
#endif

// The product of two significands with their leading ones at bit kFractionBits: its top bits,
// with the leading one at the top bit or the one below (the product is in [2^(2 kFractionBits),
// 2^(2 kFractionBits + 2))), and in *low the bits below them, from the top (only as many as
// the rounding needs to see: the rest ORed into its lowest bit).
uint32_t product(uint32_t a, uint32_t b, uint32_t* low) {
    // The product is below 2^48: its top 32 bits, and the 16 below them. On Cortex-M0 four 16-bit
    // products whose sum fits in 32 bits (the significands are below 2^24).
#if defined(MICROLEARN_SOFTFLOAT_PARTIALS)
    const uint32_t al = a & 0xffff;
    const uint32_t ah = a >> 16;
    const uint32_t bl = b & 0xffff;
    const uint32_t bh = b >> 16;
    const uint32_t ll = al * bl;
    *low = ll << 16;
    return (ll >> 16) + ah * bl + al * bh + ((ah * bh) << 16);
#else
    const uint64_t p = uint64_t(a) * b;
    *low = uint32_t(p) << 16;
    return uint32_t(p >> 16);
#endif
}

uint64_t product(uint64_t a, uint64_t b, uint64_t* low) {
    // With both leading ones at bit 63 the product is in [2^126, 2^128): its top 64 bits from the
    // four 32 x 32 products, and the bottom 64.
    a <<= 11;
    b <<= 11;
    const uint32_t a0 = uint32_t(a);
    const uint32_t a1 = uint32_t(a >> 32);
    const uint32_t b0 = uint32_t(b);
    const uint32_t b1 = uint32_t(b >> 32);
    const uint64_t p00 = wide_product(a0, b0);
    const uint64_t p01 = wide_product(a0, b1);
    const uint64_t p10 = wide_product(a1, b0);
    const uint64_t mid = (p00 >> 32) + uint32_t(p01) + uint32_t(p10); // below 3 * 2^32
    *low = (mid << 32) | uint32_t(p00);
    return wide_product(a1, b1) + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// m != 0: the float sign * m, rounded.
uint32_t from_magnitude(uint32_t sign, uint32_t m) {
    if (m == 0) {
        return sign;
    }
    const uint32_t z = leading_zeros(m);
    const int32_t e = 127 + 31 - int32_t(z);
    if (z >= 8) { // 24 bits or fewer: exact
        return sign | ((uint32_t(e - 1) << 23) + (m << (z - 8)));
    }
    return round_pack(sign, e, m << z);
}

// The operands of mul() and div(). True with their significands (leading one at bit
// kFractionBits) and exponents in ma, ea, mb, eb when both are finite and non-zero, normal ones
// without a loop (the usual case). Otherwise false with *result set: a NaN operand quietened, or
// what special(|a|, |b|) gives for an infinity or a zero.
template <typename U, typename Special>
inline __attribute__((always_inline)) bool
unpack_operands(U a, U b, U& ma, int32_t& ea, U& mb, int32_t& eb, U* result, Special special) {
    using F = Format<U>;
    ea = exponent_of(a);
    eb = exponent_of(b);
    if (uint32_t(ea - 1) < F::kExponentMax - 1 && uint32_t(eb - 1) < F::kExponentMax - 1) {
        ma = (a & F::kFraction) | F::kImplicit;
        mb = (b & F::kFraction) | F::kImplicit;
        return true;
    }
    const U abs_a = a & ~F::kSign;
    const U abs_b = b & ~F::kSign;
    if (abs_a > F::kInf || abs_b > F::kInf) {
        *result = (abs_a > F::kInf ? a : b) | F::kQuiet;
        return false;
    }
    if (abs_a == F::kInf || abs_b == F::kInf || abs_a == 0 || abs_b == 0) {
        *result = special(abs_a, abs_b);
        return false;
    }
    ma = unpack(a, &ea);
    mb = unpack(b, &eb);
    return true;
}

template <typename U> U add_any(U a, U b) {
    using F = Format<U>;
    if ((a & ~F::kSign) < (b & ~F::kSign)) {
        const U t = a;
        a = b;
        b = t;
    }
    // |a| >= |b|: a NaN, if any, is a (a NaN's magnitude is above infinity's).
    int32_t ea = exponent_of(a);
    int32_t eb = exponent_of(b);
    if (uint32_t(ea) == F::kExponentMax) {
        if (a & F::kFraction) {
            return a | F::kQuiet;
        }
        return (uint32_t(eb) == F::kExponentMax && (a ^ b) == F::kSign) ? F::kDefaultNan
                                                                        : a; // inf - inf
    }
    U ma = a & F::kFraction;
    U mb = b & F::kFraction;
    if (ea != 0) {
        ma |= F::kImplicit;
    } else {
        ea = 1; // subnormal: same scale as exponent 1, without the implicit one
    }
    if (eb != 0) {
        mb |= F::kImplicit;
    } else {
        eb = 1;
    }
    // Spare bits below the significands (7, 10). b's bits that the alignment shifts out become
    // the sticky bit, which keeps the rounding exact for sums and differences alike: a result
    // that has lost bits is odd, so it never sits on a tie or on a representable value.
    ma <<= F::kRoundBits - 1;
    mb <<= F::kRoundBits - 1;
    if (ea != eb) {
        mb = shift_right_sticky(mb, uint32_t(ea - eb));
    }
    U m = ((a ^ b) & F::kSign) ? ma - mb : ma + mb;
    if (m == 0) {
        return a & b & F::kSign; // x - x is +0; -0 + -0 is -0
    }
    int32_t e = ea + 1; // for the leading one at the top bit, one above a's
    if (!(m & F::kSign)) {
        m <<= 1; // the usual case: a sum without carry, a difference of distant exponents
        e--;
        if (!(m & F::kSign)) { // leading bits cancelled
            const uint32_t z = leading_zeros(m);
            m <<= z;
            e -= int32_t(z);
        }
    }
    // Single precision inlines the rounding: the sum is the most frequent operation, and its code
    // is short. Double precision calls the one copy mul() and div() share.
    if constexpr (sizeof(U) == 4) {
        return round_pack_inline(a & F::kSign, e, m);
    } else {
        return round_pack(a & F::kSign, e, m);
    }
}

template <typename U> U mul_any(U a, U b) {
    using F = Format<U>;
    const U sign = (a ^ b) & F::kSign;
    U ma;
    U mb;
    int32_t ea;
    int32_t eb;
    U result;
    if (!unpack_operands(a, b, ma, ea, mb, eb, &result, [sign](U abs_a, U abs_b) {
            if (abs_a == F::kInf || abs_b == F::kInf) {
                return (abs_a == 0 || abs_b == 0) ? F::kDefaultNan : sign | F::kInf; // 0 * inf
            }
            return sign;
        })) {
        return result;
    }
    U low;
    U m = product(ma, mb, &low);
    int32_t e = ea + eb - F::kBias + 1; // for m's leading one at the top bit
    if (!(m & F::kSign)) {
        m = (m << 1) | (low >> (F::kBits - 1));
        low <<= 1;
        e--;
    }
    return round_pack(sign, e, m | (low != 0));
}

// The quotient ma / mb for mb <= ma < 2 mb, in [1, 2): kFractionBits + 3 bits of it (2 more than
// the result's, for the rounding), a bit at a time, then the remainder as the sticky bit, with the
// leading one at the top bit.
template <typename U> U restoring_quotient(U ma, U mb) {
    using F = Format<U>;
    U q = 0;
#pragma GCC unroll 2
    for (uint32_t i = 0; i < F::kFractionBits + 3; i++) {
        q <<= 1;
        if (ma >= mb) {
            ma -= mb;
            q |= 1;
        }
        ma <<= 1;
    }
    return (q << (F::kRoundBits - 2)) | (ma != 0);
}

#if defined(__riscv_div) || defined(MICROLEARN_SOFTFLOAT_HWDIV)
// A 32-bit divide instruction: 8, 8, 8 and 2 bits at a time. Remainders are below mb < 2^24, so
// each one shifted by 8 fits in 32 bits.
uint32_t quotient(uint32_t ma, uint32_t mb) {
    uint32_t n = ma << 7; // ma < 2 mb: 8 bits
    uint32_t q = n / mb;
    uint32_t r = n - q * mb;
    n = r << 8;
    uint32_t d = n / mb;
    q = (q << 8) | d;
    r = n - d * mb;
    n = r << 8;
    d = n / mb;
    q = (q << 8) | d;
    r = n - d * mb;
    n = r << 2;
    d = n / mb;
    q = (q << 2) | d;
    r = n - d * mb;
    return (q << 6) | (r != 0);
}
#else
uint32_t quotient(uint32_t ma, uint32_t mb) {
    return restoring_quotient(ma, mb);
}
#endif
uint64_t quotient(uint64_t ma, uint64_t mb) {
    return restoring_quotient(ma, mb);
}

template <typename U> U div_any(U a, U b) {
    using F = Format<U>;
    const U sign = (a ^ b) & F::kSign;
    U ma;
    U mb;
    int32_t ea;
    int32_t eb;
    U result;
    if (!unpack_operands(a, b, ma, ea, mb, eb, &result, [sign](U abs_a, U abs_b) {
            if (abs_a == F::kInf) {
                return abs_b == F::kInf ? F::kDefaultNan : sign | F::kInf; // inf / inf
            }
            if (abs_b == 0) {
                return abs_a == 0 ? F::kDefaultNan : sign | F::kInf; // 0 / 0
            }
            return sign; // x / inf, 0 / x
        })) {
        return result;
    }
    int32_t e = ea - eb + F::kBias;
    if (ma < mb) {
        ma <<= 1;
        e--;
    }
    return round_pack(sign, e, quotient(ma, mb));
}

} // namespace

uint32_t add(uint32_t a, uint32_t b) {
    return add_any(a, b);
}

uint32_t mul(uint32_t a, uint32_t b) {
    return mul_any(a, b);
}

uint32_t div(uint32_t a, uint32_t b) {
    return div_any(a, b);
}

uint64_t add_double(uint64_t a, uint64_t b) {
    return add_any(a, b);
}

uint64_t mul_double(uint64_t a, uint64_t b) {
    return mul_any(a, b);
}

uint64_t div_double(uint64_t a, uint64_t b) {
    return div_any(a, b);
}

namespace {

// Either format truncated toward zero, saturating (int_from_double in softfloat.h).
template <typename U> int32_t int_from_bits(U x) {
    using F = Format<U>;
    const int32_t e = exponent_of(x) - F::kBias; // |x| in [2^e, 2^(e+1))
    if (e < 0) {
        return 0; // |x| < 1, and subnormals
    }
    if (e >= 31) { // beyond the range, or exactly INT32_MIN; a NaN
        if (uint32_t(exponent_of(x)) == F::kExponentMax && (x & F::kFraction) != 0) {
            return 0;
        }
        return (x & F::kSign) ? -0x7fffffff - 1 : 0x7fffffff;
    }
    // The significand's top 32 bits, leading one at bit 31.
    const uint32_t m = kSign | uint32_t((x << (F::kBits - F::kFractionBits)) >> (F::kBits - 31));
    const uint32_t v = m >> (31 - uint32_t(e));
    return (x & F::kSign) ? -int32_t(v) : int32_t(v);
}

} // namespace

int32_t int_from_double(uint64_t x) {
    return int_from_bits(x);
}

int32_t int_from_float(uint32_t x) {
    return int_from_bits(x);
}

int32_t compare(uint32_t a, uint32_t b, int32_t unordered) {
    const uint32_t abs_a = a & ~kSign;
    const uint32_t abs_b = b & ~kSign;
    if (abs_a > kInf || abs_b > kInf) {
        return unordered;
    }
    if ((abs_a | abs_b) == 0) {
        return 0;
    }
    // Sign and magnitude to two's complement: ordered as the floats are.
    const int32_t ia = (a & kSign) ? -int32_t(abs_a) : int32_t(abs_a);
    const int32_t ib = (b & kSign) ? -int32_t(abs_b) : int32_t(abs_b);
    return (ia > ib) - (ia < ib);
}

uint32_t from_int(int32_t x) {
    return x < 0 ? from_magnitude(kSign, 0u - uint32_t(x)) : from_magnitude(0, uint32_t(x));
}

uint32_t from_uint(uint32_t x) {
    return from_magnitude(0, x);
}

namespace {

// The double sign * 1.fraction * 2^(exponent - 1023), fraction 52 bits as high:low.
uint64_t pack_double(uint32_t sign, uint32_t exponent, uint32_t fraction_high,
                     uint32_t fraction_low) {
    return uint64_t(sign | (exponent << 20) | fraction_high) << 32 | fraction_low;
}

// The double sign * m for m != 0, exact: m's leading one is the implicit bit.
uint64_t double_from_magnitude(uint32_t sign, uint32_t m) {
    const uint32_t z = leading_zeros(m);
    const uint32_t fraction = m << z << 1; // the 31 bits below the leading one, at the top
    return pack_double(sign, 1023u + 31u - z, fraction >> 12, fraction << 20);
}

} // namespace

uint64_t to_double(uint32_t x) {
    const uint32_t sign = x & kSign;
    const uint32_t abs = x & ~kSign;
    if (abs >= kInf) { // infinity, or a NaN quietened with its payload (the fraction's top)
        const uint32_t fraction = abs == kInf ? 0u : (abs | kQuiet) & kFraction;
        return pack_double(sign, 0x7ff, fraction >> 3, fraction << 29);
    }
    if (abs == 0) {
        return uint64_t(sign) << 32;
    }
    int32_t e;
    const uint32_t m = unpack(abs, &e) & kFraction; // subnormals too: normal as doubles
    return pack_double(sign, uint32_t(e + 896), m >> 3, m << 29);
}

uint64_t double_from_int(int32_t x) {
    return x < 0 ? double_from_magnitude(kSign, 0u - uint32_t(x)) : double_from_uint(uint32_t(x));
}

uint64_t double_from_uint(uint32_t x) {
    return x == 0 ? 0u : double_from_magnitude(0, x);
}

uint32_t from_double(uint32_t high, uint32_t low) {
    const uint32_t sign = high & kSign;
    const uint32_t exponent = (high >> 20) & 0x7ff;
    const uint32_t fraction = high & 0xfffff; // the top 20 of the 52 fraction bits
    if (exponent == 0x7ff) {
        return (fraction | low) == 0 ? sign | kInf
                                     : sign | kInf | 0x400000u | (fraction << 3) | (low >> 29);
    }
    if (exponent == 0) {
        return sign; // zero, or a subnormal double: below half of float's smallest subnormal
    }
    // 1.fraction with its leading one at bit 31, the 21 bits shifted out kept as the sticky bit;
    // the double's exponent bias 1023 is float's 127 + 896.
    const uint32_t m = kSign | (fraction << 11) | (low >> 21) | ((low << 11) != 0);
    return round_pack(sign, int32_t(exponent) - 896, m);
}

} // namespace softfloat
} // namespace microlearn
