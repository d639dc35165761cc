#include "arrayutils.h"

#include "float_checks.h"
#include "soft_float.h"

namespace microlearn {

namespace {

// One loop per arithmetic (float for 8/16-bit and float arrays, double when one is 32-bit
// integers), one element at a time: a switch on the input type to load, the affine map and one
// clamp (which also keeps integer results within the output type), then rounding the same for
// every integer output and a store by element width. That keeps the native module small: no
// per-type copies of the loop, and no 64-bit integer conversions. Only int16 <-> float, the
// reference's pairs, have loops of their own where float is hardware (map_pair).

constexpr double kFloatMax = 3.40282346638528859811704183484516925440e+38;
constexpr double kTwo31 = 2147483648.0;
constexpr double kInfinity = __builtin_inf();

// a - b through the addition routine where double is software (the parameters, the rounding).
// The loops' x - in_min, which GCC folds back into a subtraction whatever the source says, calls
// __aeabi_dsub: with microlearn's routines (natmod_softfloat.cpp) a sign flip and that addition.
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
    Acc in_min, scale, out_min;
    // Every result is clamped to [lo, hi] (NaN passes): for float outputs the OutRange clamp, or
    // infinities; for integer outputs that clamp and the type's range together, or the type's
    // range alone. Within it, integer results need no saturation, only rounding.
    Acc lo, hi;
};

// A clamped result (NaN, or within the integer output's range) rounded: NaN -> 0, otherwise half
// away from zero. In double: below 2^32 in magnitude; values at or above 2^31 (uint32 outputs) are
// shifted down by 2^31 first, exactly (Sterbenz), so the truncation always fits int32 and
// y - trunc(y) is exact.
inline uint32_t round_clamped(double y) {
    if (float_is_nan(y)) {
        return 0;
    }
    uint32_t offset = 0;
    if (float_greater_equal(y, kTwo31)) {
        y = sub(y, kTwo31);
        offset = 0x80000000u;
    }
    const int32_t t = static_cast<int32_t>(y);
    const double frac = sub(y, static_cast<double>(t)); // exact
    // Unsigned: a uint32 just below 2^31 rounds up past INT32_MAX.
    uint32_t r = static_cast<uint32_t>(t) + offset;
    if (float_greater_equal(frac, 0.5)) {
        ++r;
    } else if (float_greater_equal(-0.5, frac)) {
        --r;
    }
    return r;
}

// In float (8- and 16-bit outputs): NaN -> 0, otherwise y plus the float just below 0.5 with y's
// sign, truncated. That is round half away from zero, exactly, for every float below 2^31 in
// magnitude (checked for all of them against the form above), with one addition and one
// conversion.
inline uint32_t round_clamped(float y) {
    if (float_is_nan(y)) {
        return 0;
    }
    constexpr float kBelowHalf = 0.49999997f; // 0.5 - 2^-25
    return static_cast<uint32_t>(static_cast<int32_t>(y + __builtin_copysignf(kBelowHalf, y)));
}

// The two pairs the reference module has (int16 <-> float, audio and sensor samples), without
// the per-element dispatch of map_all(), built -O2: the same arithmetic and results, about a
// third fewer instructions per element where float is hardware (x64, Cortex-M4F). Element by
// element, as map_all().
template <typename In, typename Out>
MICROLEARN_HOT void map_pair(const In* in, Out* out, uint32_t n, const Affine<float>& a) {
    const Affine<float> k = a; // in registers: the stores to out could alias a
    for (uint32_t i = 0; i < n; ++i) {
        float y = (static_cast<float>(in[i]) - k.in_min) * k.scale + k.out_min;
        y = float_greater(k.lo, y) ? k.lo : (float_greater(y, k.hi) ? k.hi : y); // NaN passes
        if constexpr (sizeof(Out) == 4) {
            out[i] = y;
        } else {
            out[i] = static_cast<Out>(round_clamped(y));
        }
    }
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
        Acc y = (x - a.in_min) * a.scale + a.out_min;
        y = float_greater(a.lo, y) ? a.lo : (float_greater(y, a.hi) ? a.hi : y); // NaN passes
        if (out_type == ElementType::Float32) {
            static_cast<float*>(out)[i] = static_cast<float>(y);
            continue;
        }
        const uint32_t r = round_clamped(y);
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
                  LinearMapClamp clamp, LinearMapFault* fault) {
    const auto refuse = [fault](LinearMapFault why) {
        if (fault != nullptr) {
            *fault = why;
        }
        return Status::InvalidArgument;
    };
    const uint32_t in_size = element_size(in_type);
    const uint32_t out_size = element_size(out_type);
    if (in_size == 0 || out_size == 0 ||
        (clamp != LinearMapClamp::TypeRange && clamp != LinearMapClamp::OutRange)) {
        return refuse(LinearMapFault::BadType);
    }
    if (!float_is_finite(in_min) || !float_is_finite(in_max) || !float_is_finite(out_min) ||
        !float_is_finite(out_max)) {
        return refuse(LinearMapFault::NotFinite);
    }
    const double in_range = sub(in_max, in_min);
    const double out_range = sub(out_max, out_min);
    if (float_equal(in_range, 0.0)) {
        return refuse(LinearMapFault::EmptyInputRange);
    }
    const double scale = out_range / in_range;
    const bool ascending = float_greater(out_max, out_min);
    const double lo = ascending ? out_min : out_max;
    const double hi = ascending ? out_max : out_min;
    const bool wide = is_32bit_int(in_type) || is_32bit_int(out_type);
    if (!float_is_finite(in_range) || !float_is_finite(out_range) || !float_is_finite(scale) ||
        (!wide && (!fits_float(in_min) || !fits_float(scale) || !fits_float(out_min) ||
                   !fits_float(lo) || !fits_float(hi)))) {
        return refuse(LinearMapFault::RangeTooLarge);
    }
    if (n == 0) {
        return Status::Ok;
    }
    const uintptr_t a = reinterpret_cast<uintptr_t>(in);
    const uintptr_t b = reinterpret_cast<uintptr_t>(out);
    if (in == nullptr || out == nullptr || (a & (in_size - 1)) != 0 ||
        (b & (out_size - 1)) != 0) { // sizes are powers of two
        return refuse(LinearMapFault::BadMemory);
    }
    const uintptr_t in_bytes = uintptr_t(n) * in_size;
    const uintptr_t out_bytes = uintptr_t(n) * out_size;
    if (a < b + out_bytes && b < a + in_bytes && !(a == b && out_size <= in_size)) {
        return refuse(LinearMapFault::Overlap);
    }
    // The bounds of every result (Affine): the OutRange clamp or infinities, then for integer
    // outputs within the type's range. Both ends are then in [sat_lo, sat_hi]: a clamp range
    // beyond the type's gives its nearer end, as clamping first and saturating after does.
    const bool clamp_out = clamp == LinearMapClamp::OutRange;
    const uint8_t o = static_cast<uint8_t>(out_type);
    double lo_all = clamp_out ? lo : -kInfinity;
    double hi_all = clamp_out ? hi : kInfinity;
    if (out_type != ElementType::Float32) {
        const double sat_lo = double(kIntMin[o]);
        const double sat_hi = double(kIntMax[o]);
        lo_all = float_greater(sat_lo, lo_all) ? sat_lo : lo_all;
        lo_all = float_greater(lo_all, sat_hi) ? sat_hi : lo_all;
        hi_all = float_greater(hi_all, sat_hi) ? sat_hi : hi_all;
        hi_all = float_greater(sat_lo, hi_all) ? sat_lo : hi_all;
    }
    if (wide) {
        map_all(in, in_type, out, out_type, n,
                Affine<double>{in_min, scale, out_min, lo_all, hi_all});
    } else {
        const Affine<float> af{float(in_min), float(scale), float(out_min), float(lo_all),
                               float(hi_all)};
        // Without an FPU the float routines' calls dominate, and map_all() costs less room.
        if (!MICROLEARN_SOFT_FLOAT && in_type == ElementType::Int16 &&
            out_type == ElementType::Float32) {
            map_pair(static_cast<const int16_t*>(in), static_cast<float*>(out), n, af);
        } else if (!MICROLEARN_SOFT_FLOAT && in_type == ElementType::Float32 &&
                   out_type == ElementType::Int16) {
            map_pair(static_cast<const float*>(in), static_cast<int16_t*>(out), n, af);
        } else {
            map_all(in, in_type, out, out_type, n, af);
        }
    }
    return Status::Ok;
}

} // namespace microlearn
