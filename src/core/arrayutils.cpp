#include "arrayutils.h"

namespace microlearn {

namespace {

// Values pass through a small buffer of Acc: input type -> Acc (with the affine map), then
// Acc -> output type. That needs 7 + 7 loops per arithmetic instead of 49 input/output pairs,
// which matters for the code size of a MicroPython native module.
constexpr uint32_t kBlock = 32;

constexpr double kFloatMax = 3.40282346638528859811704183484516925440e+38;

// False for inf and NaN.
inline bool is_finite(double v) {
    return v - v == 0.0;
}
// Converting a double beyond float's range to float is undefined behaviour, not infinity.
inline bool fits_float(double v) {
    return v <= kFloatMax && v >= -kFloatMax;
}

template <typename T> constexpr bool kIsFloat = false;
template <> constexpr bool kIsFloat<float> = true;

template <typename Acc> struct Affine {
    Acc in_min, scale, out_min, lo, hi;
    bool clamp;
};

template <typename T> struct IntRange;
template <> struct IntRange<int8_t> {
    using Wide = int32_t;
    static constexpr int32_t min = -128, max = 127;
};
template <> struct IntRange<uint8_t> {
    using Wide = int32_t;
    static constexpr int32_t min = 0, max = 255;
};
template <> struct IntRange<int16_t> {
    using Wide = int32_t;
    static constexpr int32_t min = -32768, max = 32767;
};
template <> struct IntRange<uint16_t> {
    using Wide = int32_t;
    static constexpr int32_t min = 0, max = 65535;
};
template <> struct IntRange<int32_t> {
    using Wide = int64_t;
    static constexpr int64_t min = -2147483647 - 1, max = 2147483647;
};
template <> struct IntRange<uint32_t> {
    using Wide = int64_t;
    static constexpr int64_t min = 0, max = 4294967295;
};

// NaN -> 0, saturation at the range (exact bounds: only 8/16-bit outputs use float, and double
// holds the 32-bit bounds), otherwise round half away from zero. Inside the range |y| < 2^32,
// so the truncation is defined and y - trunc(y) is exact.
template <typename Out, typename Acc> inline Out round_saturate(Acc y) {
    using R = IntRange<Out>;
    using Wide = typename R::Wide;
    if (!(y == y)) {
        return 0;
    }
    if (y >= Acc(R::max)) {
        return static_cast<Out>(R::max);
    }
    if (y <= Acc(R::min)) {
        return static_cast<Out>(R::min);
    }
    Wide t = static_cast<Wide>(y);
    const Acc frac = y - static_cast<Acc>(t);
    if (frac >= Acc(0.5)) {
        ++t;
    } else if (frac <= Acc(-0.5)) {
        --t;
    }
    return static_cast<Out>(t);
}

template <typename In, typename Acc>
void load_block(const void* in, uint32_t start, uint32_t count, const Affine<Acc>& a, Acc* buf) {
    const In* p = static_cast<const In*>(in) + start;
    for (uint32_t i = 0; i < count; ++i) {
        Acc y = (static_cast<Acc>(p[i]) - a.in_min) * a.scale + a.out_min;
        if (a.clamp) {
            y = y < a.lo ? a.lo : (y > a.hi ? a.hi : y); // NaN passes through unchanged
        }
        buf[i] = y;
    }
}

template <typename Out, typename Acc>
void store_block(const Acc* buf, uint32_t count, void* out, uint32_t start) {
    Out* p = static_cast<Out*>(out) + start;
    for (uint32_t i = 0; i < count; ++i) {
        if constexpr (kIsFloat<Out>) {
            p[i] = static_cast<float>(buf[i]);
        } else {
            p[i] = round_saturate<Out>(buf[i]);
        }
    }
}

inline bool is_32bit_int(ElementType t) {
    return t == ElementType::Int32 || t == ElementType::Uint32;
}

// Acc = float is only used when neither type is a 32-bit integer, so those cases are compiled
// for double alone.
template <typename Acc>
void load_any(ElementType type, const void* in, uint32_t start, uint32_t count,
              const Affine<Acc>& a, Acc* buf) {
    switch (type) {
    case ElementType::Int8:
        return load_block<int8_t>(in, start, count, a, buf);
    case ElementType::Uint8:
        return load_block<uint8_t>(in, start, count, a, buf);
    case ElementType::Int16:
        return load_block<int16_t>(in, start, count, a, buf);
    case ElementType::Uint16:
        return load_block<uint16_t>(in, start, count, a, buf);
    case ElementType::Float32:
        return load_block<float>(in, start, count, a, buf);
    case ElementType::Int32:
    case ElementType::Uint32:
        if constexpr (sizeof(Acc) == 8) {
            if (type == ElementType::Int32) {
                return load_block<int32_t>(in, start, count, a, buf);
            }
            return load_block<uint32_t>(in, start, count, a, buf);
        }
        return;
    }
}

template <typename Acc>
void store_any(ElementType type, const Acc* buf, uint32_t count, void* out, uint32_t start) {
    switch (type) {
    case ElementType::Int8:
        return store_block<int8_t>(buf, count, out, start);
    case ElementType::Uint8:
        return store_block<uint8_t>(buf, count, out, start);
    case ElementType::Int16:
        return store_block<int16_t>(buf, count, out, start);
    case ElementType::Uint16:
        return store_block<uint16_t>(buf, count, out, start);
    case ElementType::Float32:
        return store_block<float>(buf, count, out, start);
    case ElementType::Int32:
    case ElementType::Uint32:
        if constexpr (sizeof(Acc) == 8) {
            if (type == ElementType::Int32) {
                return store_block<int32_t>(buf, count, out, start);
            }
            return store_block<uint32_t>(buf, count, out, start);
        }
        return;
    }
}

// Blocks go front to back and each block is read completely before it is written, which is what
// makes in-place mapping (out == in, out elements no wider) safe.
template <typename Acc>
void map_all(const void* in, ElementType in_type, void* out, ElementType out_type, uint32_t n,
             const Affine<Acc>& a) {
    if constexpr (kIsFloat<Acc>) {
        if (out_type == ElementType::Float32) {
            // Nothing to convert: map straight into the output (safe in place, element by
            // element), which also keeps compilers from turning a copy loop into memcpy.
            load_any(in_type, in, 0, n, a, static_cast<float*>(out));
            return;
        }
    }
    Acc buf[kBlock];
    for (uint32_t start = 0; start < n; start += kBlock) {
        const uint32_t count = (n - start) < kBlock ? (n - start) : kBlock;
        load_any(in_type, in, start, count, a, buf);
        store_any(out_type, buf, count, out, start);
    }
}

} // namespace

uint32_t element_size(ElementType type) {
    switch (type) {
    case ElementType::Int8:
    case ElementType::Uint8:
        return 1;
    case ElementType::Int16:
    case ElementType::Uint16:
        return 2;
    case ElementType::Int32:
    case ElementType::Uint32:
    case ElementType::Float32:
        return 4;
    }
    return 0;
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
    const double in_range = in_max - in_min;
    const double out_range = out_max - out_min;
    if (!is_finite(in_min) || !is_finite(in_max) || !is_finite(out_min) || !is_finite(out_max) ||
        !is_finite(in_range) || !is_finite(out_range) || in_range == 0.0) {
        return Status::InvalidArgument;
    }
    const double scale = out_range / in_range;
    if (!is_finite(scale)) {
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
    const double lo = out_min < out_max ? out_min : out_max;
    const double hi = out_min < out_max ? out_max : out_min;
    const bool clamp_out = clamp == LinearMapClamp::OutRange;
    if (is_32bit_int(in_type) || is_32bit_int(out_type)) {
        const Affine<double> af{in_min, scale, out_min, lo, hi, clamp_out};
        map_all(in, in_type, out, out_type, n, af);
        return Status::Ok;
    }
    if (!fits_float(in_min) || !fits_float(scale) || !fits_float(out_min) || !fits_float(lo) ||
        !fits_float(hi)) {
        return Status::InvalidArgument;
    }
    const Affine<float> af{float(in_min), float(scale), float(out_min),
                           float(lo),     float(hi),    clamp_out};
    map_all(in, in_type, out, out_type, n, af);
    return Status::Ok;
}

} // namespace microlearn
