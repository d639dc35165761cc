// The int8 convolution's and add layer's output steps: an int32 sum of products (or two inputs)
// back to int8, as TinyMaix computes it in float, and the same result in integer arithmetic for
// cores without an FPU.
//
// TinyMaix (and the reference) requantise each output value of an int8 convolution as
//   q = int8(act(float(acc) * s) * inv + zp)
// with s = weight scale * input scale (per channel, a float), inv = 1 / output scale, act relu or
// relu6 or none, and the conversion truncating toward zero (saturating here, as saturate_int8).
// On a core without an FPU those are five library calls per output value: half the instructions
// of an int8 MNIST network on the Cortex-M0 (benchmarks/qemu).
//
// requant_fixed() gives the same q without float arithmetic, or says it cannot be sure. It takes
// R = act(acc * s) * inv + zp in exact arithmetic: acc * (s * inv) with s * inv held as a 26-bit
// multiplier and a shift (requant_word), 16 bits below the binary point. The float computation
// differs from R by at most 3.6 of those 2^-16 units wherever q is not saturated (three float
// roundings of values below 258 and a sum below 129, each at most 2^-24 relative, and float(acc)
// itself above 2^24); the multiplier's truncation and the shift add at most 2. So when R is more
// than kRequantMargin units (2^-11) from every integer, the float result lies between the same two
// integers and truncates to the same q. Otherwise (about 1 value in 1000, and every R that is an
// integer) the caller computes it in float. The relu6 clamp is decided the same way, on
// acc * s * inv against 6 * inv. add_fixed() below does the same for the add layer.
// tests/core/test_cnn_requant.cpp compares them with the float forms over millions of values.
#pragma once
#include <stdint.h>

#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

enum CnnAct : uint16_t { ActNone = 0, ActRelu = 1, ActRelu6 = 3 };

// float -> int8 as TinyMaix (truncation toward zero), saturating instead of wrapping. The range
// test is on the bits (|v| >= 128, infinities and NaN saturate by their sign): on a core without
// an FPU two float compares would be two library calls.
inline int8_t saturate_int8(float v) {
    const uint32_t bits = float_bits(v);
    if ((bits & 0x7fffffffu) >= 0x43000000u) {
        if ((bits & 0x7fffffffu) > 0x7f800000u) {
            return 0; // NaN (0 * an overflowed scale), whatever its sign bit: as the host model
        }
        return (bits >> 31) != 0 ? int8_t(-128) : int8_t(127);
    }
    return int8_t(int32_t(v));
}

// relu and relu6, also on the bits: negative values (sign bit set) become 0; for a non-negative
// float, v > 6 is bits > bits(6.0f).
inline float activate(float v, uint32_t act) {
    const uint32_t bits = float_bits(v);
    if (act != ActNone && (bits >> 31) != 0) {
        return 0.0f;
    }
    if (act == ActRelu6 && bits > 0x40c00000u) {
        return 6.0f;
    }
    return v;
}

// The float computation, as TinyMaix: inlined whole into the convolution's loop where float is
// hardware (a call there costs the Cortex-M4F 2% of an MNIST run).
__attribute__((always_inline)) inline int8_t requant_float(int32_t acc, float s, float inv,
                                                           float zp, uint32_t act) {
    const float v = activate(float(acc) * s, act) * inv + zp;
    const uint32_t bits = float_bits(v);
    if ((bits & 0x7fffffffu) >= 0x43000000u) {
        return saturate_int8(v);
    }
    return int8_t(int32_t(v));
}

constexpr uint32_t kRequantMargin = 32;      // in units of 2^-16
constexpr uint32_t kRequantLarge = 1u << 25; // |R - zp| >= 512: saturated whatever zp is

// v, a value R in units of 2^-16, truncated toward zero and saturated to int8 into *q, unless v
// lies within margin units of an integer (then false: the float computation may truncate it the
// other way).
inline bool truncate_if_clear(int32_t v, uint32_t margin, int8_t* q) {
    const uint32_t frac = uint32_t(v) & 0xffffu;
    if (frac < margin || frac > 0x10000u - margin) {
        return false;
    }
    int32_t k = v >> 16; // R rounded down (an arithmetic shift), then toward zero
    if (k < 0) {
        ++k;
    }
    *q = int8_t(k < -128 ? -128 : k > 127 ? 127 : k);
    return true;
}

// What requant_fixed() needs of the layer: its zero point, activation, and for relu6 the clamp
// 6 * inv in units of 2^-16 (capped at 2^26: beyond 512 it saturates either way) and the value a
// clamped output takes.
struct RequantLayer {
    int32_t zp;
    uint32_t act;
    uint32_t clamp6;
    int8_t q6;
};

inline RequantLayer requant_layer(float inv, int32_t zp, uint32_t act) {
    RequantLayer r{zp, act, 1u << 26, 0};
    if (act == ActRelu6) {
        r.q6 = saturate_int8(6.0f * inv + float(zp));
        // 6 * inv * 2^16 = 6 * significand * 2^(exponent - 150 + 16)
        const uint32_t b = float_bits(inv);
        const uint32_t m = 6u * ((b & 0x7fffffu) | 0x800000u); // below 2^27
        const int32_t shift = int32_t((b >> 23) & 0xffu) - 134;
        if (shift < 0) {
            r.clamp6 = shift <= -32 ? 0u : m >> -shift;
        } else if (shift < 5) {
            r.clamp6 = m << shift;
        }
        if (r.clamp6 > (1u << 26)) {
            r.clamp6 = 1u << 26;
        }
    }
    return r;
}

// A channel's multiplier s * inv (exact: the product of two 24-bit significands) as M * 2^-sh
// with M in [2^25, 2^26), packed as M << 6 | sh, in units of 2^-16: R - zp = acc * M >> sh. 0 when
// requant_fixed() cannot take the channel: s or inv not a positive normal float, s of 2^96 or more
// (float(acc) * s could overflow), s * inv of 512 or more (every non-zero acc saturates) or below
// 2^-53.
inline uint32_t requant_word(float s, float inv) {
    const uint32_t sb = float_bits(s), ib = float_bits(inv);
    const uint32_t es = sb >> 23, ei = ib >> 23; // a sign bit makes these 256 or more
    if (es == 0 || es >= 127 + 96 || ei == 0 || ei >= 255) {
        return 0;
    }
    const uint64_t p = wide_product((sb & 0x7fffffu) | 0x800000u, (ib & 0x7fffffu) | 0x800000u);
    // s * inv = p * 2^(es + ei - 300), p in [2^46, 2^48)
    const uint32_t top = (p >> 47) != 0 ? 1u : 0u;
    const uint32_t m = uint32_t(p >> (21 + top));
    const int32_t sh = 300 - 21 - int32_t(top) - int32_t(es + ei) - 16;
    if (sh < 1 || sh > 62) {
        return 0;
    }
    return m << 6 | uint32_t(sh);
}

// q for the sum acc of a channel whose requant_word() is word; false where the caller must
// compute it in float (word 0, or R too close to an integer or to the relu6 clamp).
inline bool requant_fixed(const RequantLayer& r, uint32_t word, int32_t acc, int8_t* q) {
    if (word == 0) {
        return false;
    }
    if (acc == 0 || (acc < 0 && r.act != ActNone)) { // act(0 or less) * inv + zp: zp exactly
        *q = int8_t(r.zp);
        return true;
    }
    const uint32_t magnitude = acc < 0 ? 0u - uint32_t(acc) : uint32_t(acc);
    const uint64_t p = wide_product(magnitude, word >> 6); // below 2^57
    uint32_t hi = uint32_t(p >> 32), lo = uint32_t(p);
    uint32_t sh = word & 63u;
    if (sh >= 32) {
        lo = hi;
        hi = 0;
        sh -= 32;
    }
    // x = min(p >> sh, kRequantLarge): |R - zp| in units of 2^-16
    uint32_t x = kRequantLarge;
    if ((hi >> sh) == 0) {
        const uint32_t v = sh == 0 ? lo : hi << (32 - sh) | lo >> sh;
        x = v < kRequantLarge ? v : kRequantLarge;
    }
    if (r.act == ActRelu6) { // acc > 0 here
        if (x > r.clamp6 + kRequantMargin) {
            *q = r.q6;
            return true;
        }
        if (x + kRequantMargin >= r.clamp6) {
            return false;
        }
    }
    if (x == kRequantLarge) {
        *q = acc < 0 ? int8_t(-128) : int8_t(127);
        return true;
    }
    // R in 2^-16 units
    return truncate_if_clear(((acc < 0 ? -int32_t(x) : int32_t(x)) + r.zp * 65536), kRequantMargin,
                             q);
}

// The add layer's output step, as TinyMaix's add: both inputs dequantised (a and b less their
// zero points: da, db), summed in float, requantised by dividing.
inline int8_t add_float(int32_t da, int32_t db, float s0, float s1, float out_s, float zp) {
    return saturate_int8((float(da) * s0 + float(db) * s1) / out_s + zp);
}

// The same in integer arithmetic, as requant_fixed() for convolutions: R - zp = da * s0 / out_s +
// db * s1 / out_s computed as (da * m0 + db * m1) >> shift in units of 2^-16, m0 and m1 the
// float quotients s0 / out_s and s1 / out_s scaled by one power of two to below 2^22 (each
// product below 2^30). Where the exact R is more than `margin` units from every integer, the
// float computation truncates to the same q. The margin holds, in those units, the float
// computation's error (at most (T + 644) 2^-24 wherever q is not saturated, T = 255 (s0 + s1) /
// out_s: three roundings of terms up to T and of a sum below 257, and the last addition's), the
// quotients' rounding (T 2^-24) and truncation (255 2^-k each), and the shift's: at most 773.
// margin 0: the layer is left to float (a quotient not a positive normal float, one of 2^6 or
// more, or so small that the shift would pass 30 bits; s0 or s1 of 2^119 or more, where
// 255 s0 + 255 s1 could overflow float and the float result be inf or NaN).
struct AddFixed {
    int32_t m0, m1;
    uint32_t shift, margin;
    int32_t zp;
};

inline AddFixed add_fixed_layer(float s0, float s1, float out_s, int32_t zp) {
    AddFixed f{0, 0, 0, 0, zp};
    if ((float_bits(s0) >> 23) >= 127 + 119 || (float_bits(s1) >> 23) >= 127 + 119) {
        return f;
    }
    const uint32_t b0 = float_bits(s0 / out_s), b1 = float_bits(s1 / out_s);
    const uint32_t e0 = b0 >> 23, e1 = b1 >> 23; // a sign bit makes these 256 or more
    if (e0 == 0 || e0 >= 255 || e1 == 0 || e1 >= 255) {
        return f;
    }
    const uint32_t top = e0 > e1 ? e0 : e1;
    const int32_t k = 148 - int32_t(top); // the larger quotient * 2^k is in [2^21, 2^22)
    if (k < 16 || k > 46) {
        return f;
    }
    const uint32_t d0 = top - e0 + 2, d1 = top - e1 + 2;
    f.m0 = d0 >= 32 ? 0 : int32_t(((b0 & 0x7fffffu) | 0x800000u) >> d0);
    f.m1 = d1 >= 32 ? 0 : int32_t(((b1 & 0x7fffffu) | 0x800000u) >> d1);
    f.shift = uint32_t(k) - 16;
    // 2 T 2^-8 (T below 255 (m0 + m1 + 2) 2^-k), 644 2^-8, 2 * 255 * 2^(16 - k), 1 for the shift
    // and 2 to spare
    const uint32_t scaled = 255u * uint32_t(f.m0 + f.m1 + 2), truncated = 510u << 16;
    f.margin =
        (k + 7 < 32 ? scaled >> (k + 7) : 0u) + 1 + 3 + (k < 32 ? truncated >> k : 0u) + 1 + 1 + 2;
    return f;
}

inline bool add_fixed(const AddFixed& f, int32_t da, int32_t db, int8_t* q) {
    if (f.margin == 0) {
        return false;
    }
    if ((da | db) == 0) { // 0 * s0 + 0 * s1 is 0: zp exactly
        *q = int8_t(f.zp);
        return true;
    }
    return truncate_if_clear(((da * f.m0 + db * f.m1) >> f.shift) + f.zp * 65536, f.margin, q);
}

} // namespace microlearn
