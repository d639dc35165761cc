#include "softfloat.h"

namespace microlearn {
namespace softfloat {
namespace {

constexpr uint32_t kSign = 0x80000000u;
constexpr uint32_t kInf = 0x7f800000u;
constexpr uint32_t kQuiet = 0x00400000u;
constexpr uint32_t kDefaultNan = kInf | kQuiet;
constexpr uint32_t kFraction = 0x007fffffu;
constexpr uint32_t kImplicit = 0x00800000u;

// x >> n with every bit shifted out ORed into bit 0 (the sticky bit), for n >= 1.
uint32_t shift_right_sticky(uint32_t x, uint32_t n) {
    if (n >= 32) {
        return x != 0;
    }
    return (x >> n) | ((x << (32 - n)) != 0);
}

// The number of zero bits above the highest one of m != 0. Not inlined where it is a dozen
// instructions: add() stays short on its usual path.
#if defined(__ARM_FEATURE_CLZ)
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

// The float sign * m * 2^(e - 127 - 31), rounded to nearest even. m has its leading one at bit 31;
// the 8 bits below the result's 24 decide the rounding, and a bit lost earlier must already be
// ORed into bit 0. e is the biased exponent the result has unless it rounds up to the next
// power of two: e <= 0 gives a subnormal or zero, e >= 255 infinity.
// Inlined into add(), the most frequent operation; mul() and div() share one copy.
inline __attribute__((always_inline)) uint32_t round_pack_inline(uint32_t sign, int32_t e,
                                                                 uint32_t m) {
    if (uint32_t(e - 1) >= 254) { // outside 1..254
        if (e > 0) {
            return sign | kInf;
        }
        // Aligned as a number of exponent 1: packed with exponent field 0, unless the rounding
        // carries into bit 23, which makes it the smallest normal number, as it should.
        m = shift_right_sticky(m, uint32_t(1 - e));
        e = 1;
    }
    // Up when the 8 bits below are above half, or half and the result is odd (to even). A carry
    // out of the fraction increments the exponent: up to infinity if need be.
    const uint32_t up = ((m & 0xff) + 0x7f + ((m >> 8) & 1)) >> 8;
    return sign | ((uint32_t(e - 1) << 23) + (m >> 8) + up);
}

__attribute__((noinline)) uint32_t round_pack(uint32_t sign, int32_t e, uint32_t m) {
    return round_pack_inline(sign, e, m);
}

// |x| (finite, non-zero): its significand with the leading one at bit 23, and the biased
// exponent that goes with it (below 1 for subnormals).
uint32_t unpack(uint32_t x, int32_t* e) {
    int32_t exponent = int32_t((x >> 23) & 0xff);
    uint32_t m = x & kFraction;
    if (exponent != 0) {
        m |= kImplicit;
    } else {
        // Subnormal: normalized as if of exponent 1, the exponent going below 1.
        const uint32_t z = leading_zeros(m) - 8;
        exponent = 1 - int32_t(z);
        m <<= z;
    }
    *e = exponent;
    return m;
}

// a * b >> 16 for significands below 2^24 (the product is below 2^48), and in *low the 16 bits
// shifted out. Cortex-M0 has no 32 x 32 -> 64 multiply: four 16-bit products there instead of
// libgcc's 64 x 64 __aeabi_lmul (MICROLEARN_SOFTFLOAT_MUL16 selects them on any core, for tests).
uint32_t multiply_significands(uint32_t a, uint32_t b, uint32_t* low) {
#if defined(__ARM_ARCH_6M__) || defined(MICROLEARN_SOFTFLOAT_MUL16)
    const uint32_t al = a & 0xffff;
    const uint32_t ah = a >> 16;
    const uint32_t bl = b & 0xffff;
    const uint32_t bh = b >> 16;
    const uint32_t ll = al * bl;
    *low = ll & 0xffff;
    return (ll >> 16) + ah * bl + al * bh + ((ah * bh) << 16);
#else
    const uint64_t p = uint64_t(a) * b;
    *low = uint32_t(p) & 0xffff;
    return uint32_t(p >> 16);
#endif
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

// The operands of mul() and div(). True with their significands (leading one at bit 23) and
// exponents in ma, ea, mb, eb when both are finite and non-zero, normal ones without a loop (the
// usual case). Otherwise false with *result set: a NaN operand quietened, or what special(|a|, |b|)
// gives for an infinity or a zero.
template <typename Special>
inline __attribute__((always_inline)) bool unpack_operands(uint32_t a, uint32_t b, uint32_t& ma,
                                                           int32_t& ea, uint32_t& mb, int32_t& eb,
                                                           uint32_t* result, Special special) {
    ea = int32_t((a >> 23) & 0xff);
    eb = int32_t((b >> 23) & 0xff);
    if (uint32_t(ea - 1) < 254 && uint32_t(eb - 1) < 254) {
        ma = (a & kFraction) | kImplicit;
        mb = (b & kFraction) | kImplicit;
        return true;
    }
    const uint32_t abs_a = a & ~kSign;
    const uint32_t abs_b = b & ~kSign;
    if (abs_a > kInf || abs_b > kInf) {
        *result = (abs_a > kInf ? a : b) | kQuiet;
        return false;
    }
    if (abs_a == kInf || abs_b == kInf || abs_a == 0 || abs_b == 0) {
        *result = special(abs_a, abs_b);
        return false;
    }
    ma = unpack(a, &ea);
    mb = unpack(b, &eb);
    return true;
}

} // namespace

uint32_t add(uint32_t a, uint32_t b) {
    if ((a & ~kSign) < (b & ~kSign)) {
        const uint32_t t = a;
        a = b;
        b = t;
    }
    // |a| >= |b|: a NaN, if any, is a (a NaN's magnitude is above infinity's).
    int32_t ea = int32_t((a >> 23) & 0xff);
    int32_t eb = int32_t((b >> 23) & 0xff);
    if (ea == 0xff) {
        if (a & kFraction) {
            return a | kQuiet;
        }
        return (eb == 0xff && (a ^ b) == kSign) ? kDefaultNan : a; // inf - inf
    }
    uint32_t ma = a & kFraction;
    uint32_t mb = b & kFraction;
    if (ea != 0) {
        ma |= kImplicit;
    } else {
        ea = 1; // subnormal: same scale as exponent 1, without the implicit one
    }
    if (eb != 0) {
        mb |= kImplicit;
    } else {
        eb = 1;
    }
    // Seven spare bits below the significands. b's bits that the alignment shifts out become the
    // sticky bit, which keeps the rounding exact for sums and differences alike: a result that
    // has lost bits is odd, so it never sits on a tie or on a representable value.
    ma <<= 7;
    mb <<= 7;
    if (ea != eb) {
        mb = shift_right_sticky(mb, uint32_t(ea - eb));
    }
    uint32_t m = ((a ^ b) & kSign) ? ma - mb : ma + mb;
    if (m == 0) {
        return a & b & kSign; // x - x is +0; -0 + -0 is -0
    }
    int32_t e = ea + 1; // for the leading one at bit 31, one above a's
    if (!(m & kSign)) {
        m <<= 1; // the usual case: a sum without carry, a difference of distant exponents
        e--;
        if (!(m & kSign)) { // leading bits cancelled
            const uint32_t z = leading_zeros(m);
            m <<= z;
            e -= int32_t(z);
        }
    }
    return round_pack_inline(a & kSign, e, m);
}

uint32_t mul(uint32_t a, uint32_t b) {
    const uint32_t sign = (a ^ b) & kSign;
    uint32_t ma;
    uint32_t mb;
    int32_t ea;
    int32_t eb;
    uint32_t result;
    if (!unpack_operands(a, b, ma, ea, mb, eb, &result, [sign](uint32_t abs_a, uint32_t abs_b) {
            if (abs_a == kInf || abs_b == kInf) {
                return (abs_a == 0 || abs_b == 0) ? kDefaultNan : sign | kInf; // 0 * inf
            }
            return sign;
        })) {
        return result;
    }
    uint32_t low;
    uint32_t m = multiply_significands(ma, mb, &low); // the product is in [2^46, 2^48)
    int32_t e = ea + eb - 126;                        // for its leading one at bit 47
    if (!(m & kSign)) {
        m = (m << 1) | (low >> 15);
        low &= 0x7fff;
        e--;
    }
    return round_pack(sign, e, m | (low != 0));
}

uint32_t div(uint32_t a, uint32_t b) {
    const uint32_t sign = (a ^ b) & kSign;
    uint32_t ma;
    uint32_t mb;
    int32_t ea;
    int32_t eb;
    uint32_t result;
    if (!unpack_operands(a, b, ma, ea, mb, eb, &result, [sign](uint32_t abs_a, uint32_t abs_b) {
            if (abs_a == kInf) {
                return abs_b == kInf ? kDefaultNan : sign | kInf; // inf / inf
            }
            if (abs_b == 0) {
                return abs_a == 0 ? kDefaultNan : sign | kInf; // 0 / 0
            }
            return sign; // x / inf, 0 / x
        })) {
        return result;
    }
    int32_t e = ea - eb + 127;
    if (ma < mb) {
        ma <<= 1;
        e--;
    }
    // mb <= ma < 2 mb: the quotient is in [1, 2). 26 bits of it (24 for the result, 2 more for
    // the rounding), then the remainder as the sticky bit.
#if defined(__riscv_div) || defined(MICROLEARN_SOFTFLOAT_HWDIV)
    // A 32-bit divide instruction: 8, 8, 8 and 2 bits at a time. Remainders are below
    // mb < 2^24, so each one shifted by 8 fits in 32 bits.
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
    return round_pack(sign, e, (q << 6) | (r != 0));
#else
    // Restoring division, a bit at a time.
    uint32_t q = 0;
#pragma GCC unroll 2
    for (int i = 0; i < 26; i++) {
        q <<= 1;
        if (ma >= mb) {
            ma -= mb;
            q |= 1;
        }
        ma <<= 1;
    }
    return round_pack(sign, e, (q << 6) | (ma != 0));
#endif
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
