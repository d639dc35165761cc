#include "arrayutils.h"

#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

namespace {

// One loop per arithmetic (float, double), one element at a time: a switch on the input type to
// load, the affine map, then rounding and saturation that are the same for every integer output
// (limits taken from the parameters) and a store by element width. That keeps the native module
// small: no per-type copies of the loop, and no 64-bit integer conversions.

constexpr double kFloatMax = 3.40282346638528859811704183484516925440e+38;
constexpr double kTwo31 = 2147483648.0;

// Where float is the core's only hardware arithmetic (Cortex-M4F), the 8/16-bit and float cases
// run in float. Elsewhere (x64, soft-float cores) a single double loop serves every case and, for
// those, rounds each operation's result to float: double rounding is innocuous for + and * since
// 53 >= 2 * 24 + 2, so the results are bit-identical to float arithmetic, and one loop (and, on
// soft-float cores, no single-precision helpers) keeps the module small.
#if defined(__ARM_FP) && !(__ARM_FP & 8)
constexpr bool kFloatLoop = true;
#else
constexpr bool kFloatLoop = false;
#endif

// Soft-float cores then link one double routine (add) instead of add and subtract.
inline double sub(double a, double b) {
    return subtract_by_adding(a, b);
}
// Converting a double beyond float's range to float is undefined behaviour, not infinity.
inline bool fits_float(double v) {
    return float_greater_equal(kFloatMax, v) && float_greater_equal(v, -kFloatMax);
}

// Indexed by ElementType.
constexpr uint8_t kSize[] = {1, 1, 2, 2, 4, 4, 4};
constexpr int32_t kIntMin[] = {-128, 0, -32768, 0, -2147483647 - 1, 0};
constexpr uint32_t kIntMax[] = {127, 255, 32767, 65535, 2147483647u, 4294967295u};

template <typename Acc> struct Affine {
    Acc in_min, scale, out_min, lo, hi; // lo/hi: the OutRange clamp
    Acc sat_lo, sat_hi;                 // the integer output's range, exact in Acc
    uint32_t bits_lo, bits_hi;          // the same as stored bits
    bool clamp;
    bool as_float; // double loop: round every result to float (see kFloatLoop)
};

// NaN -> 0, saturation at the range, otherwise round half away from zero. Inside the range
// |y| < 2^32; values at or above 2^31 (uint32 outputs, double only) are shifted down by 2^31 first,
// exactly (Sterbenz), so the truncation always fits int32 and y - trunc(y) is exact.
template <typename Acc> inline uint32_t round_saturate(Acc y, const Affine<Acc>& a) {
    if (float_is_nan(y)) {
        return 0;
    }
    if (float_greater_equal(y, a.sat_hi)) {
        return a.bits_hi;
    }
    if (float_greater_equal(a.sat_lo, y)) {
        return a.bits_lo;
    }
    uint32_t offset = 0;
    if constexpr (sizeof(Acc) == 8) {
        if (float_greater_equal(y, kTwo31)) {
            y = sub(y, kTwo31);
            offset = 0x80000000u;
        }
    }
    const int32_t t = static_cast<int32_t>(y);
    // y - t; -t cannot overflow: t > INT32_MIN inside the range.
    const Acc frac = y + static_cast<Acc>(-t);
    // Unsigned: a uint32 just below 2^31 rounds up past INT32_MAX.
    uint32_t r = static_cast<uint32_t>(t) + offset;
    if (float_greater_equal(frac, Acc(0.5))) {
        ++r;
    } else if (float_greater_equal(Acc(-0.5), frac)) {
        --r;
    }
    return r;
}

// Element by element, each read before its output is written: in-place mapping (out == in, out
// elements no wider) only overwrites input that was already read.
template <typename Acc>
void map_all(const void* in, ElementType in_type, void* out, ElementType out_type, uint32_t n,
             const Affine<Acc>& a) {
    const uint32_t out_size = kSize[static_cast<uint8_t>(out_type)];
    for (uint32_t i = 0; i < n; ++i) {
        Acc x;
        switch (in_type) {
        case ElementType::Int8:
            x = static_cast<Acc>(static_cast<const int8_t*>(in)[i]);
            break;
        case ElementType::Uint8:
            x = static_cast<Acc>(static_cast<const uint8_t*>(in)[i]);
            break;
        case ElementType::Int16:
            x = static_cast<Acc>(static_cast<const int16_t*>(in)[i]);
            break;
        case ElementType::Uint16:
            x = static_cast<Acc>(static_cast<const uint16_t*>(in)[i]);
            break;
        case ElementType::Int32:
            // Acc = float is only used when neither type is a 32-bit integer.
            if constexpr (sizeof(Acc) == 8) {
                x = static_cast<Acc>(static_cast<const int32_t*>(in)[i]);
                break;
            }
            [[fallthrough]];
        case ElementType::Uint32:
            if constexpr (sizeof(Acc) == 8) {
                x = static_cast<Acc>(static_cast<const uint32_t*>(in)[i]);
                break;
            }
            [[fallthrough]];
        default:
            x = static_cast<Acc>(static_cast<const float*>(in)[i]);
            break;
        }
        Acc y;
        if constexpr (sizeof(Acc) == 8) {
            const auto r = [&a](double v) { return a.as_float ? double(float(v)) : v; };
            y = r(r(r(sub(x, a.in_min)) * a.scale) + a.out_min);
        } else {
            y = (x - a.in_min) * a.scale + a.out_min;
        }
        if (a.clamp) {
            // NaN passes through unchanged.
            y = float_greater(a.lo, y) ? a.lo : (float_greater(y, a.hi) ? a.hi : y);
        }
        if (out_type == ElementType::Float32) {
            static_cast<float*>(out)[i] = static_cast<float>(y);
            continue;
        }
        const uint32_t r = round_saturate(y, a);
        if (out_size == 1) {
            static_cast<uint8_t*>(out)[i] = static_cast<uint8_t>(r);
        } else if (out_size == 2) {
            static_cast<uint16_t*>(out)[i] = static_cast<uint16_t>(r);
        } else {
            static_cast<uint32_t*>(out)[i] = r;
        }
    }
}

inline bool is_32bit_int(ElementType t) {
    return t == ElementType::Int32 || t == ElementType::Uint32;
}

} // namespace

uint32_t element_size(ElementType type) {
    const uint8_t t = static_cast<uint8_t>(type);
    return t < sizeof(kSize) ? kSize[t] : 0;
}

Status linear_map(const void* in, ElementType in_type, void* out, ElementType out_type, uint32_t n,
                  double in_min, double in_max, double out_min, double out_max,
                  LinearMapClamp clamp) {
    const uint32_t in_size = element_size(in_type);
    const uint32_t out_size = element_size(out_type);
    if (in_size == 0 || out_size == 0 ||
        (clamp != LinearMapClamp::TypeRange && clamp != LinearMapClamp::OutRange)) {
        return Status::InvalidArgument;
    }
    const double in_range = sub(in_max, in_min);
    const double out_range = sub(out_max, out_min);
    if (!float_is_finite(in_min) || !float_is_finite(in_max) || !float_is_finite(out_min) ||
        !float_is_finite(out_max) || !float_is_finite(in_range) || !float_is_finite(out_range) ||
        float_equal(in_range, 0.0)) {
        return Status::InvalidArgument;
    }
    const double scale = out_range / in_range;
    if (!float_is_finite(scale)) {
        return Status::InvalidArgument;
    }
    if (n == 0) {
        return Status::Ok;
    }
    if (in == nullptr || out == nullptr) {
        return Status::InvalidArgument;
    }
    const uintptr_t a = reinterpret_cast<uintptr_t>(in);
    const uintptr_t b = reinterpret_cast<uintptr_t>(out);
    if (a % in_size != 0 || b % out_size != 0) {
        return Status::InvalidArgument;
    }
    const uintptr_t in_bytes = uintptr_t(n) * in_size;
    const uintptr_t out_bytes = uintptr_t(n) * out_size;
    if (a < b + out_bytes && b < a + in_bytes && !(a == b && out_size <= in_size)) {
        return Status::InvalidArgument;
    }
    const bool ascending = float_greater(out_max, out_min);
    const double lo = ascending ? out_min : out_max;
    const double hi = ascending ? out_max : out_min;
    const bool clamp_out = clamp == LinearMapClamp::OutRange;
    // The integer output's range (unused for Float32 outputs).
    const uint8_t o = static_cast<uint8_t>(out_type);
    const bool int_out = out_type != ElementType::Float32;
    const int32_t int_lo = int_out ? kIntMin[o] : 0;
    const uint32_t int_hi = int_out ? kIntMax[o] : 0;
    const double sat_lo = double(int_lo);
    const double sat_hi = double(int_hi);
    const bool wide = is_32bit_int(in_type) || is_32bit_int(out_type);
    if (!wide && (!fits_float(in_min) || !fits_float(scale) || !fits_float(out_min) ||
                  !fits_float(lo) || !fits_float(hi))) {
        return Status::InvalidArgument;
    }
    if (wide || !kFloatLoop) {
        const auto r = [wide](double v) { return wide ? v : double(float(v)); };
        const Affine<double> af{r(in_min), r(scale),         r(out_min), r(lo),     r(hi), sat_lo,
                                sat_hi,    uint32_t(int_lo), int_hi,     clamp_out, !wide};
        map_all(in, in_type, out, out_type, n, af);
        return Status::Ok;
    }
    if constexpr (kFloatLoop) {
        const Affine<float> af{float(in_min), float(scale),  float(out_min), float(lo),
                               float(hi),     float(sat_lo), float(sat_hi),  uint32_t(int_lo),
                               int_hi,        clamp_out,     false};
        map_all(in, in_type, out, out_type, n, af);
    }
    return Status::Ok;
}

} // namespace microlearn
