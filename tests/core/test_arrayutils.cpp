// linear_map against a long double reference written here (x87 extended precision on x64,
// exact for every int32/uint32 input), for all 49 pairs of element types.
//
// Expectations: integer outputs equal the reference rounded half away from zero and saturated,
// except where the exact value lies within the arithmetic's rounding error of a .5 tie
// (float32 path: 4e-7 relative; double path: 4e-16 relative), where either neighbour is
// accepted. Float outputs are within the same relative error. NaN -> 0 for integers.
#include "arrayutils.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using microlearn::ElementType;
using microlearn::LinearMapClamp;
using microlearn::LinearMapFault;
using microlearn::Status;

namespace {

const ElementType kTypes[] = {ElementType::Int8,   ElementType::Uint8, ElementType::Int16,
                              ElementType::Uint16, ElementType::Int32, ElementType::Uint32,
                              ElementType::Float32};

const char* type_name(ElementType t) {
    switch (t) {
    case ElementType::Int8:
        return "int8";
    case ElementType::Uint8:
        return "uint8";
    case ElementType::Int16:
        return "int16";
    case ElementType::Uint16:
        return "uint16";
    case ElementType::Int32:
        return "int32";
    case ElementType::Uint32:
        return "uint32";
    case ElementType::Float32:
        return "float32";
    }
    return "?";
}

bool is_float(ElementType t) {
    return t == ElementType::Float32;
}
bool is_wide(ElementType t) {
    return t == ElementType::Int32 || t == ElementType::Uint32;
}

double type_min(ElementType t) {
    switch (t) {
    case ElementType::Int8:
        return -128;
    case ElementType::Int16:
        return -32768;
    case ElementType::Int32:
        return -2147483648.0;
    case ElementType::Float32:
        return -1.0; // the "natural" range used for float parameters
    default:
        return 0;
    }
}

double type_max(ElementType t) {
    switch (t) {
    case ElementType::Int8:
        return 127;
    case ElementType::Uint8:
        return 255;
    case ElementType::Int16:
        return 32767;
    case ElementType::Uint16:
        return 65535;
    case ElementType::Int32:
        return 2147483647.0;
    case ElementType::Uint32:
        return 4294967295.0;
    case ElementType::Float32:
        return 1.0;
    }
    return 0;
}

// A typed array held as bytes.
struct Array {
    ElementType type;
    std::vector<uint32_t> words; // 4-byte aligned storage
    size_t n;
    Array(ElementType t, size_t count) : type(t), words(count + 1), n(count) {}
    void* data() { return words.data(); }
    void set(size_t i, double v) {
        uint8_t* p = reinterpret_cast<uint8_t*>(words.data());
        switch (type) {
        case ElementType::Int8: {
            const int8_t x = int8_t(v);
            std::memcpy(p + i, &x, 1);
            break;
        }
        case ElementType::Uint8: {
            const uint8_t x = uint8_t(v);
            std::memcpy(p + i, &x, 1);
            break;
        }
        case ElementType::Int16: {
            const int16_t x = int16_t(v);
            std::memcpy(p + 2 * i, &x, 2);
            break;
        }
        case ElementType::Uint16: {
            const uint16_t x = uint16_t(v);
            std::memcpy(p + 2 * i, &x, 2);
            break;
        }
        case ElementType::Int32: {
            const int32_t x = int32_t(v);
            std::memcpy(p + 4 * i, &x, 4);
            break;
        }
        case ElementType::Uint32: {
            const uint32_t x = uint32_t(v);
            std::memcpy(p + 4 * i, &x, 4);
            break;
        }
        case ElementType::Float32: {
            const float x = float(v);
            std::memcpy(p + 4 * i, &x, 4);
            break;
        }
        }
    }
    double get(size_t i) const {
        const uint8_t* p = reinterpret_cast<const uint8_t*>(words.data());
        switch (type) {
        case ElementType::Int8: {
            int8_t x;
            std::memcpy(&x, p + i, 1);
            return x;
        }
        case ElementType::Uint8: {
            uint8_t x;
            std::memcpy(&x, p + i, 1);
            return x;
        }
        case ElementType::Int16: {
            int16_t x;
            std::memcpy(&x, p + 2 * i, 2);
            return x;
        }
        case ElementType::Uint16: {
            uint16_t x;
            std::memcpy(&x, p + 2 * i, 2);
            return x;
        }
        case ElementType::Int32: {
            int32_t x;
            std::memcpy(&x, p + 4 * i, 4);
            return x;
        }
        case ElementType::Uint32: {
            uint32_t x;
            std::memcpy(&x, p + 4 * i, 4);
            return x;
        }
        case ElementType::Float32: {
            float x;
            std::memcpy(&x, p + 4 * i, 4);
            return x;
        }
        }
        return 0;
    }
};

struct Params {
    double in_min, in_max, out_min, out_max;
    LinearMapClamp clamp;
};

// Inputs covering the type: its extremes, 0, +-1 and random values; for floats also values
// beyond the parameter range and the specials.
std::vector<double> inputs_for(ElementType t, std::mt19937* rng) {
    std::vector<double> v = {type_min(t), type_max(t), 0.0, 1.0};
    if (type_min(t) < 0) {
        v.push_back(-1.0);
    }
    if (is_float(t)) {
        const double more[] = {0.5,   -0.5,     2.0,       -3.0,        1e30, -1e30,
                               1e-30, INFINITY, -INFINITY, double(NAN), 0.33, -0.71};
        v.insert(v.end(), std::begin(more), std::end(more));
        std::uniform_real_distribution<double> d(-1.5, 1.5);
        for (int i = 0; i < 200; ++i) {
            v.push_back(double(float(d(*rng))));
        }
    } else {
        std::uniform_real_distribution<double> d(type_min(t), type_max(t));
        for (int i = 0; i < 200; ++i) {
            v.push_back(std::floor(d(*rng)));
        }
    }
    return v;
}

std::vector<Params> params_for(ElementType in, ElementType out) {
    const double a = type_min(in), b = type_max(in), c = type_min(out), d = type_max(out);
    return {
        {a, b, c, d, LinearMapClamp::TypeRange}, // full range to full range
        {a + (b - a) / 4, b - (b - a) / 4, c - (d - c) / 3, d + (d - c) / 3,
         LinearMapClamp::TypeRange},                                    // saturates
        {a, b, d, c, LinearMapClamp::TypeRange},                        // reversed output
        {0.25, 100.75, -3.5, 1000.125, LinearMapClamp::TypeRange},      // fractional
        {a / 2, b / 2, c / 2 + 1, d / 2 - 1, LinearMapClamp::OutRange}, // clamped
        {b, a, d - 3, c + 7, LinearMapClamp::OutRange},                 // both reversed, clamped
    };
}

// What linear_map must produce, and how far a correct implementation may be from it.
struct Expected {
    long double value; // exact before rounding (after the optional clamp)
    double slack;      // arithmetic error bound, in output units
};

Expected reference(double x, const Params& p, bool wide) {
    const long double xl = x, in_min = p.in_min, in_max = p.in_max;
    const long double out_min = p.out_min, out_max = p.out_max;
    long double y = (xl - in_min) * (out_max - out_min) / (in_max - in_min) + out_min;
    if (p.clamp == LinearMapClamp::OutRange && y == y) {
        const long double lo = std::min(out_min, out_max), hi = std::max(out_min, out_max);
        y = y < lo ? lo : (y > hi ? hi : y);
    }
    const double eps = wide ? 4e-16 : 4e-7;
    const double terms =
        std::fabs(double((xl - in_min) * (out_max - out_min) / (in_max - in_min))) +
        std::fabs(p.out_min) + std::fabs(double(y)) +
        std::fabs(p.in_min) * std::fabs((p.out_max - p.out_min) / (p.in_max - p.in_min));
    return {y, eps * terms + 1e-300};
}

void check_value(ElementType out, double got, const Expected& e, const std::string& where) {
    const long double y = e.value;
    if (is_float(out)) {
        if (y != y) {
            EXPECT_TRUE(got != got) << where;
        } else if (std::isinf(double(y)) || std::fabs(double(y)) > 3.4e38) {
            EXPECT_EQ(got, double(float(double(y)))) << where;
        } else {
            EXPECT_NEAR(got, double(y), e.slack + std::fabs(double(y)) * 1.2e-7) << where;
        }
        return;
    }
    if (y != y) {
        EXPECT_EQ(got, 0.0) << where << " NaN must map to 0";
        return;
    }
    const long double lo = type_min(out), hi = type_max(out);
    auto round_sat = [&](long double v) {
        if (v >= hi) {
            return double(hi);
        }
        if (v <= lo) {
            return double(lo);
        }
        return double(std::round(v)); // half away from zero
    };
    const double exact = round_sat(y);
    if (got == exact) {
        return;
    }
    // within rounding error of a tie (or of the saturation bound), either side is acceptable
    const double a = round_sat(y - (long double)e.slack), b = round_sat(y + (long double)e.slack);
    EXPECT_TRUE(got == a || got == b) << where << " got " << got << " want " << exact;
}

} // namespace

TEST(ArrayUtils, ElementSizes) {
    EXPECT_EQ(microlearn::element_size(ElementType::Int8), 1u);
    EXPECT_EQ(microlearn::element_size(ElementType::Uint8), 1u);
    EXPECT_EQ(microlearn::element_size(ElementType::Int16), 2u);
    EXPECT_EQ(microlearn::element_size(ElementType::Uint16), 2u);
    EXPECT_EQ(microlearn::element_size(ElementType::Int32), 4u);
    EXPECT_EQ(microlearn::element_size(ElementType::Uint32), 4u);
    EXPECT_EQ(microlearn::element_size(ElementType::Float32), 4u);
    EXPECT_EQ(microlearn::element_size(static_cast<ElementType>(99)), 0u);
}

TEST(ArrayUtils, AllTypePairsMatchExtendedPrecisionReference) {
    std::mt19937 rng(1234);
    for (ElementType in_t : kTypes) {
        for (ElementType out_t : kTypes) {
            const bool wide = is_wide(in_t) || is_wide(out_t);
            const std::vector<double> xs = inputs_for(in_t, &rng);
            Array in(in_t, xs.size());
            for (size_t i = 0; i < xs.size(); ++i) {
                in.set(i, xs[i]);
            }
            for (const Params& p : params_for(in_t, out_t)) {
                Array out(out_t, xs.size());
                ASSERT_EQ(microlearn::linear_map(in.data(), in_t, out.data(), out_t,
                                                 uint32_t(xs.size()), p.in_min, p.in_max, p.out_min,
                                                 p.out_max, p.clamp),
                          Status::Ok);
                for (size_t i = 0; i < xs.size(); ++i) {
                    const std::string where =
                        std::string(type_name(in_t)) + "->" + type_name(out_t) +
                        " x=" + std::to_string(in.get(i)) + " params " + std::to_string(p.in_min) +
                        " " + std::to_string(p.in_max) + " " + std::to_string(p.out_min) + " " +
                        std::to_string(p.out_max);
                    check_value(out_t, out.get(i), reference(in.get(i), p, wide), where);
                }
            }
        }
    }
}

TEST(ArrayUtils, TiesRoundAwayFromZero) {
    for (ElementType out_t : {ElementType::Int16, ElementType::Int32, ElementType::Int8}) {
        const int16_t pos[] = {1, 3, 5, 7};
        const int16_t neg[] = {-1, -3, -5, -7};
        Array out(out_t, 4);
        ASSERT_EQ(microlearn::linear_map(pos, ElementType::Int16, out.data(), out_t, 4, 0, 10, 0, 5,
                                         LinearMapClamp::TypeRange),
                  Status::Ok);
        EXPECT_EQ(out.get(0), 1); // 0.5
        EXPECT_EQ(out.get(1), 2); // 1.5
        EXPECT_EQ(out.get(2), 3); // 2.5
        EXPECT_EQ(out.get(3), 4); // 3.5
        ASSERT_EQ(microlearn::linear_map(neg, ElementType::Int16, out.data(), out_t, 4, -10, 0, -5,
                                         0, LinearMapClamp::TypeRange),
                  Status::Ok);
        EXPECT_EQ(out.get(0), -1); // -0.5
        EXPECT_EQ(out.get(1), -2); // -1.5
        EXPECT_EQ(out.get(2), -3); // -2.5
        EXPECT_EQ(out.get(3), -4); // -3.5
    }
    // just below a tie must not round up (the classic (int)(y + 0.5f) bug)
    const float x[] = {0.49999997f, -0.49999997f, 2.4999998f};
    int16_t out[3];
    ASSERT_EQ(microlearn::linear_map(x, ElementType::Float32, out, ElementType::Int16, 3, 0, 1, 0,
                                     1, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[1], 0);
    EXPECT_EQ(out[2], 2);
}

TEST(ArrayUtils, EndpointsMapExactly) {
    const int16_t in[] = {-32768, 32767, 0};
    int8_t out8[3];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Int16, out8, ElementType::Int8, 3, -32768,
                                     32767, -128, 127, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(out8[0], -128);
    EXPECT_EQ(out8[1], 127);
    EXPECT_EQ(out8[2], 0); // 32768 * 255 / 65535 - 128 = -0.498
    uint16_t outu[3];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Int16, outu, ElementType::Uint16, 3, -32768,
                                     32767, 0, 65535, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(outu[0], 0);
    EXPECT_EQ(outu[1], 65535);
    EXPECT_EQ(outu[2], 32768);
}

TEST(ArrayUtils, SaturatesIntegersAndLeavesFloatsUnclampedByDefault) {
    const float in[] = {-2.0f, 0.0f, 2.0f, INFINITY, -INFINITY, NAN};
    uint8_t out8[6];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Float32, out8, ElementType::Uint8, 6, -1, 1,
                                     0, 255, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(std::vector<int>(out8, out8 + 6), (std::vector<int>{0, 128, 255, 255, 0, 0}));
    int32_t out32[6];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Float32, out32, ElementType::Int32, 6, -1, 1,
                                     -2147483648.0, 2147483647.0, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(out32[0], std::numeric_limits<int32_t>::min());
    EXPECT_EQ(out32[2], std::numeric_limits<int32_t>::max());
    EXPECT_EQ(out32[3], std::numeric_limits<int32_t>::max());
    EXPECT_EQ(out32[4], std::numeric_limits<int32_t>::min());
    EXPECT_EQ(out32[5], 0);
    float outf[6];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Float32, outf, ElementType::Float32, 6, -1, 1,
                                     0, 10, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(outf[0], -5.0f);
    EXPECT_EQ(outf[2], 15.0f);
    EXPECT_EQ(outf[3], INFINITY);
    EXPECT_EQ(outf[4], -INFINITY);
    EXPECT_TRUE(std::isnan(outf[5]));
}

TEST(ArrayUtils, OutRangeClampsLikeTheReference) {
    const int16_t in[] = {-200, 0, 50, 100, 300};
    float out[5];
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Int16, out, ElementType::Float32, 5, 0, 100,
                                     -1, 1, LinearMapClamp::OutRange),
              Status::Ok);
    EXPECT_EQ(std::vector<float>(out, out + 5), (std::vector<float>{-1, -1, 0, 1, 1}));
    // a reversed output range clamps to the same interval
    ASSERT_EQ(microlearn::linear_map(in, ElementType::Int16, out, ElementType::Float32, 5, 0, 100,
                                     1, -1, LinearMapClamp::OutRange),
              Status::Ok);
    EXPECT_EQ(std::vector<float>(out, out + 5), (std::vector<float>{1, 1, 0, -1, -1}));
    const float nan_in[] = {NAN};
    ASSERT_EQ(microlearn::linear_map(nan_in, ElementType::Float32, out, ElementType::Float32, 1, 0,
                                     1, 0, 1, LinearMapClamp::OutRange),
              Status::Ok);
    EXPECT_TRUE(std::isnan(out[0]));
}

TEST(ArrayUtils, Int32AndUint32AreExact) {
    std::mt19937 rng(77);
    std::vector<int32_t> in(1000);
    for (int32_t& v : in) {
        v = int32_t(rng());
    }
    in[0] = std::numeric_limits<int32_t>::min();
    in[1] = std::numeric_limits<int32_t>::max();
    std::vector<int32_t> same(in.size());
    ASSERT_EQ(microlearn::linear_map(in.data(), ElementType::Int32, same.data(), ElementType::Int32,
                                     uint32_t(in.size()), -2147483648.0, 2147483647.0,
                                     -2147483648.0, 2147483647.0, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(same, in);
    std::vector<uint32_t> shifted(in.size());
    ASSERT_EQ(microlearn::linear_map(in.data(), ElementType::Int32, shifted.data(),
                                     ElementType::Uint32, uint32_t(in.size()), -2147483648.0,
                                     2147483647.0, 0.0, 4294967295.0, LinearMapClamp::TypeRange),
              Status::Ok);
    for (size_t i = 0; i < in.size(); ++i) {
        ASSERT_EQ(shifted[i], uint32_t(in[i]) ^ 0x80000000u) << i;
    }
}

TEST(ArrayUtils, InPlaceSameTypeAndNarrower) {
    std::mt19937 rng(5);
    std::vector<int16_t> data(100);
    for (int16_t& v : data) {
        v = int16_t(rng());
    }
    std::vector<int16_t> expected(data.size());
    ASSERT_EQ(microlearn::linear_map(data.data(), ElementType::Int16, expected.data(),
                                     ElementType::Int16, 100, -32768, 32767, 1000, -1000,
                                     LinearMapClamp::TypeRange),
              Status::Ok);
    std::vector<int16_t> inplace = data;
    ASSERT_EQ(microlearn::linear_map(inplace.data(), ElementType::Int16, inplace.data(),
                                     ElementType::Int16, 100, -32768, 32767, 1000, -1000,
                                     LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(inplace, expected);

    // int16 -> int8 into the same memory: results packed at the front
    std::vector<int8_t> narrow_expected(data.size());
    ASSERT_EQ(microlearn::linear_map(data.data(), ElementType::Int16, narrow_expected.data(),
                                     ElementType::Int8, 100, -32768, 32767, -128, 127,
                                     LinearMapClamp::TypeRange),
              Status::Ok);
    inplace = data;
    ASSERT_EQ(microlearn::linear_map(inplace.data(), ElementType::Int16, inplace.data(),
                                     ElementType::Int8, 100, -32768, 32767, -128, 127,
                                     LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(std::memcmp(inplace.data(), narrow_expected.data(), 100), 0);

    std::vector<float> f(77);
    for (size_t i = 0; i < f.size(); ++i) {
        f[i] = float(i) * 0.25f - 3.0f;
    }
    std::vector<float> f_expected(f.size());
    ASSERT_EQ(microlearn::linear_map(f.data(), ElementType::Float32, f_expected.data(),
                                     ElementType::Float32, 77, -3, 16, 0, 1,
                                     LinearMapClamp::TypeRange),
              Status::Ok);
    ASSERT_EQ(microlearn::linear_map(f.data(), ElementType::Float32, f.data(), ElementType::Float32,
                                     77, -3, 16, 0, 1, LinearMapClamp::TypeRange),
              Status::Ok);
    EXPECT_EQ(f, f_expected);
}

// The fault linear_map reports: None exactly when it returns Ok, else with InvalidArgument.
LinearMapFault fault_of(const void* in, ElementType in_type, void* out, ElementType out_type,
                        uint32_t n, double in_min, double in_max, double out_min, double out_max,
                        LinearMapClamp clamp = LinearMapClamp::TypeRange) {
    LinearMapFault fault = LinearMapFault::None;
    const Status status = microlearn::linear_map(in, in_type, out, out_type, n, in_min, in_max,
                                                 out_min, out_max, clamp, &fault);
    EXPECT_EQ(status, fault == LinearMapFault::None ? Status::Ok : Status::InvalidArgument);
    return fault;
}

TEST(ArrayUtils, RefusesOverlapThatWouldCorruptInput) {
    std::vector<int32_t> words(64);
    int8_t* bytes = reinterpret_cast<int8_t*>(words.data());
    // wider output over the same buffer
    EXPECT_EQ(fault_of(bytes, ElementType::Int8, bytes, ElementType::Int16, 32, 0, 1, 0, 1),
              LinearMapFault::Overlap);
    // shifted by one element
    EXPECT_EQ(fault_of(bytes, ElementType::Int8, bytes + 1, ElementType::Int8, 32, 0, 1, 0, 1),
              LinearMapFault::Overlap);
    int16_t* halves = reinterpret_cast<int16_t*>(words.data());
    EXPECT_EQ(fault_of(halves + 4, ElementType::Int16, halves, ElementType::Int16, 32, 0, 1, 0, 1),
              LinearMapFault::Overlap);
    // adjacent but disjoint is fine
    EXPECT_EQ(fault_of(halves, ElementType::Int16, halves + 32, ElementType::Int16, 32, 0, 1, 0, 1),
              LinearMapFault::None);
}

TEST(ArrayUtils, RejectsBadArguments) {
    std::vector<int32_t> words(16);
    int16_t* in = reinterpret_cast<int16_t*>(words.data());
    float out[8];
    const auto map = [&](double a, double b, double c, double d) {
        return fault_of(in, ElementType::Int16, out, ElementType::Float32, 8, a, b, c, d);
    };
    EXPECT_EQ(map(1, 1, 0, 1), LinearMapFault::EmptyInputRange);
    EXPECT_EQ(map(NAN, 1, 0, 1), LinearMapFault::NotFinite);
    EXPECT_EQ(map(0, INFINITY, 0, 1), LinearMapFault::NotFinite);
    EXPECT_EQ(map(0, 1, -INFINITY, 1), LinearMapFault::NotFinite);
    EXPECT_EQ(map(0, 1, 0, NAN), LinearMapFault::NotFinite);
    EXPECT_EQ(map(NAN, NAN, 0, 1), LinearMapFault::NotFinite);          // not "equal"
    EXPECT_EQ(map(-1e308, 1e308, 0, 1), LinearMapFault::RangeTooLarge); // range overflows
    EXPECT_EQ(map(0, 1, -1e308, 1e308), LinearMapFault::RangeTooLarge);
    EXPECT_EQ(map(0, 1e-300, 0, 1e300), LinearMapFault::RangeTooLarge); // scale overflows
    EXPECT_EQ(map(0, 1, 0, 1e39), LinearMapFault::RangeTooLarge); // beyond float on the float path
    EXPECT_EQ(map(0, 1, 0, 1), LinearMapFault::None);
    // the same parameter is fine on the double path (int32 output saturates)
    int32_t out32[8];
    EXPECT_EQ(fault_of(in, ElementType::Int16, out32, ElementType::Int32, 8, 0, 1, 0, 1e39),
              LinearMapFault::None);
    EXPECT_EQ(fault_of(nullptr, ElementType::Int16, out, ElementType::Float32, 8, 0, 1, 0, 1),
              LinearMapFault::BadMemory);
    EXPECT_EQ(fault_of(in, ElementType::Int16, nullptr, ElementType::Float32, 8, 0, 1, 0, 1),
              LinearMapFault::BadMemory);
    // n == 0: the arrays are not looked at, the parameters are.
    EXPECT_EQ(fault_of(nullptr, ElementType::Int16, nullptr, ElementType::Float32, 0, 0, 1, 0, 1),
              LinearMapFault::None);
    EXPECT_EQ(fault_of(nullptr, ElementType::Int16, nullptr, ElementType::Float32, 0, 1, 1, 0, 1),
              LinearMapFault::EmptyInputRange);
    EXPECT_EQ(
        fault_of(nullptr, ElementType::Int16, nullptr, ElementType::Float32, 0, 0, 1, 0, 1e39),
        LinearMapFault::RangeTooLarge);
    // The parameters before the arrays, in LinearMapFault's order.
    EXPECT_EQ(fault_of(reinterpret_cast<int8_t*>(in) + 1, ElementType::Int16, out,
                       ElementType::Float32, 4, 0, 1, 0, 1e39),
              LinearMapFault::RangeTooLarge);
    EXPECT_EQ(fault_of(in, ElementType::Int16, in, ElementType::Int16, 4, 0, 1, 0, 1e39),
              LinearMapFault::RangeTooLarge);
    EXPECT_EQ(fault_of(reinterpret_cast<int8_t*>(in) + 1, ElementType::Int16, out,
                       ElementType::Float32, 4, 0, 1, 0, 1),
              LinearMapFault::BadMemory); // misaligned int16
    EXPECT_EQ(fault_of(in, ElementType::Int16, reinterpret_cast<int8_t*>(out32) + 2,
                       ElementType::Float32, 4, 0, 1, 0, 1),
              LinearMapFault::BadMemory); // misaligned float
    EXPECT_EQ(fault_of(in, static_cast<ElementType>(42), out, ElementType::Float32, 8, 0, 1, 0, 1),
              LinearMapFault::BadType);
    EXPECT_EQ(fault_of(in, ElementType::Int16, out, static_cast<ElementType>(7), 8, 0, 1, 0, 1),
              LinearMapFault::BadType);
    EXPECT_EQ(fault_of(in, ElementType::Int16, out, ElementType::Float32, 8, 0, 1, 0, 1,
                       static_cast<LinearMapClamp>(9)),
              LinearMapFault::BadType);
    // Without a place for the fault: the status alone.
    EXPECT_EQ(microlearn::linear_map(in, ElementType::Int16, out, ElementType::Float32, 8, 1, 1, 0,
                                     1, LinearMapClamp::TypeRange),
              Status::InvalidArgument);
}
