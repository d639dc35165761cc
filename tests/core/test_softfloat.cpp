// softfloat against the host's own arithmetic (SSE on x64: IEEE 754 binary32 and binary64, round
// to nearest even, subnormals kept), bit for bit, in both formats. NaN results are compared as
// "a NaN"; softfloat's choice of NaN is checked on its own (a NaN operand comes back quietened,
// an invalid operation gives the default NaN).
//
// Operands: every pair from a list of edge values (zeros, subnormals, the normal range's ends,
// infinities, NaNs, values one ulp apart), then random bit patterns, random pairs of close
// exponents (cancellation, ties after alignment) and constructed halfway cases.
#include "soft_float.h"
#include "softfloat.h"

#include "float_bits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace sf = microlearn::softfloat;

namespace {

// The format whose bits U holds, and the exponent ranges the random tests draw from.
template <typename U> struct Format;
template <> struct Format<uint32_t> {
    using Float = float;
    using Rng = std::mt19937;
    static constexpr uint32_t kFractionBits = 23;
    static constexpr uint32_t kExponentMax = 0xff;
    // Underflow: a's exponent below 100, b's below 140, "big" from 140; overflow: a's exponent
    // from 200, b's from 100.
    static constexpr uint32_t kUnderA = 100, kUnderB = 140, kOverA = 200, kOverB = 100;
    static uint32_t add(uint32_t a, uint32_t b) { return sf::add(a, b); }
    static uint32_t sub(uint32_t a, uint32_t b) { return sf::sub(a, b); }
    static uint32_t mul(uint32_t a, uint32_t b) { return sf::mul(a, b); }
    static uint32_t div(uint32_t a, uint32_t b) { return sf::div(a, b); }
};
template <> struct Format<uint64_t> {
    using Float = double;
    using Rng = std::mt19937_64;
    static constexpr uint32_t kFractionBits = 52;
    static constexpr uint32_t kExponentMax = 0x7ff;
    static constexpr uint32_t kUnderA = 996, kUnderB = 1036, kOverA = 1600, kOverB = 1000;
    static uint64_t add(uint64_t a, uint64_t b) { return sf::add_double(a, b); }
    static uint64_t sub(uint64_t a, uint64_t b) { return sf::sub_double(a, b); }
    static uint64_t mul(uint64_t a, uint64_t b) { return sf::mul_double(a, b); }
    static uint64_t div(uint64_t a, uint64_t b) { return sf::div_double(a, b); }
};

template <typename U> struct Bits : Format<U> {
    using Float = typename Format<U>::Float;
    static constexpr uint32_t kBits = sizeof(U) * 8;
    static constexpr U kSign = U(1) << (kBits - 1);
    static constexpr U kImplicit = U(1) << Format<U>::kFractionBits;
    static constexpr U kFraction = kImplicit - 1;
    static constexpr U kQuiet = kImplicit >> 1;
    static constexpr U kInf = U(Format<U>::kExponentMax) << Format<U>::kFractionBits;
    static constexpr uint32_t kBias = Format<U>::kExponentMax >> 1;

    static Float value(U u) {
        Float f;
        std::memcpy(&f, &u, sizeof f);
        return f;
    }
    static U bits(Float f) {
        U u;
        std::memcpy(&u, &f, sizeof u);
        return u;
    }
    static bool is_nan(U u) { return (u & ~kSign) > kInf; }
    // A number of the given biased exponent, with random sign and fraction.
    template <typename Rng> static U with_exponent(Rng& rng, uint32_t exponent) {
        return (U(rng()) & (kSign | kFraction)) | (U(exponent) << Format<U>::kFractionBits);
    }
};

enum class Op { Add, Sub, Mul, Div };

template <typename U> U hardware(Op op, U a, U b) {
    using B = Bits<U>;
    // volatile: computed at run time by the host's unit, never folded by the compiler.
    volatile typename B::Float x = B::value(a);
    volatile typename B::Float y = B::value(b);
    switch (op) {
    case Op::Add:
        return B::bits(x + y);
    case Op::Sub:
        return B::bits(x - y);
    case Op::Mul:
        return B::bits(x * y);
    case Op::Div:
        return B::bits(x / y);
    }
    return 0;
}

template <typename U> U software(Op op, U a, U b) {
    switch (op) {
    case Op::Add:
        return Format<U>::add(a, b);
    case Op::Sub:
        return Format<U>::sub(a, b);
    case Op::Mul:
        return Format<U>::mul(a, b);
    case Op::Div:
        return Format<U>::div(a, b);
    }
    return 0;
}

const char* name(Op op) {
    static const char* const names[] = {"add", "sub", "mul", "div"};
    return names[int(op)];
}

// Counts mismatches and reports the first few.
template <typename U> struct Checker {
    int failures = 0;
    long checked = 0;

    void check(Op op, U a, U b) {
        const U want = hardware(op, a, b);
        const U got = software(op, a, b);
        checked++;
        const bool ok = Bits<U>::is_nan(want) ? Bits<U>::is_nan(got) : got == want;
        if (!ok && ++failures <= 10) {
            ADD_FAILURE() << name(op) << "(0x" << std::hex << a << ", 0x" << b << ") = 0x" << got
                          << ", hardware 0x" << want;
        }
    }

    void all_ops(U a, U b) {
        for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div}) {
            check(op, a, b);
        }
    }
};

template <typename U> std::vector<U> magnitudes();
template <> std::vector<uint32_t> magnitudes() {
    return {0x00000000u, 0x00000001u, 0x00000002u, 0x00000003u, 0x0000ffffu, 0x00400000u,
            0x007ffffeu, 0x007fffffu, 0x00800000u, 0x00800001u, 0x00ffffffu, 0x01000000u,
            0x0c000000u, 0x33800000u, 0x33ffffffu, 0x34000000u, 0x3effffffu, 0x3f000000u,
            0x3f7fffffu, 0x3f800000u, 0x3f800001u, 0x3fc00000u, 0x3fffffffu, 0x40000000u,
            0x40490fdbu, 0x4b000000u, 0x4b7fffffu, 0x4b800000u, 0x5f000000u, 0x7effffffu,
            0x7f000000u, 0x7f7ffffeu, 0x7f7fffffu, 0x7f800000u, 0x7f800001u, 0x7fc00000u,
            0x7fffffffu};
}
// The same values in double: 2^-53 and 2^-52 (around half an ulp of 1), 2^52 and 2^63...
template <> std::vector<uint64_t> magnitudes() {
    return {0x0000000000000000u, 0x0000000000000001u, 0x0000000000000002u, 0x0000000000000003u,
            0x000000000000ffffu, 0x0008000000000000u, 0x000ffffffffffffeu, 0x000fffffffffffffu,
            0x0010000000000000u, 0x0010000000000001u, 0x001fffffffffffffu, 0x0020000000000000u,
            0x0180000000000000u, 0x3ca0000000000000u, 0x3cafffffffffffffu, 0x3cb0000000000000u,
            0x3fdfffffffffffffu, 0x3fe0000000000000u, 0x3fefffffffffffffu, 0x3ff0000000000000u,
            0x3ff0000000000001u, 0x3ff8000000000000u, 0x3fffffffffffffffu, 0x4000000000000000u,
            0x400921fb54442d18u, 0x4330000000000000u, 0x433fffffffffffffu, 0x4340000000000000u,
            0x43e0000000000000u, 0x7fdfffffffffffffu, 0x7fe0000000000000u, 0x7feffffffffffffeu,
            0x7fefffffffffffffu, 0x7ff0000000000000u, 0x7ff0000000000001u, 0x7ff8000000000000u,
            0x7fffffffffffffffu};
}

template <typename U> std::vector<U> edge_values() {
    std::vector<U> values;
    for (U m : magnitudes<U>()) {
        values.push_back(m);
        values.push_back(m | Bits<U>::kSign);
    }
    return values;
}

template <typename U> class SoftFloatFormat : public ::testing::Test {};
using Formats = ::testing::Types<uint32_t, uint64_t>;
struct FormatNames {
    template <typename U> static std::string GetName(int) {
        return sizeof(U) == 4 ? "Single" : "Double";
    }
};
TYPED_TEST_SUITE(SoftFloatFormat, Formats, FormatNames);

TYPED_TEST(SoftFloatFormat, EdgeValuePairs) {
    using U = TypeParam;
    Checker<U> c;
    const std::vector<U> values = edge_values<U>();
    for (U a : values) {
        for (U b : values) {
            c.all_ops(a, b);
        }
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

TYPED_TEST(SoftFloatFormat, RandomBitPatterns) {
    using U = TypeParam;
    Checker<U> c;
    typename Format<U>::Rng rng(1);
    for (int i = 0; i < 300000; i++) {
        c.all_ops(U(rng()), U(rng()));
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Exponents a few apart, the rest random: the cases where addition cancels leading bits and
// where the alignment shifts out bits just below the rounding position.
TYPED_TEST(SoftFloatFormat, CloseExponents) {
    using U = TypeParam;
    using B = Bits<U>;
    Checker<U> c;
    typename Format<U>::Rng rng(2);
    for (int i = 0; i < 300000; i++) {
        const U a = U(rng());
        const uint32_t ea = uint32_t(a >> B::kFractionBits) & B::kExponentMax;
        const uint32_t d = uint32_t(rng() % (B::kFractionBits + 7));
        const U b = B::with_exponent(rng, ea >= d ? ea - d : 0);
        c.all_ops(a, b);
        c.all_ops(b, a);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Small significands (few bits set), so that sums, products and quotients land exactly on or
// one ulp beside halfway cases.
TYPED_TEST(SoftFloatFormat, HalfwayCases) {
    using U = TypeParam;
    using B = Bits<U>;
    Checker<U> c;
    typename Format<U>::Rng rng(3);
    for (int i = 0; i < 300000; i++) {
        const uint32_t ea = 1 + uint32_t(rng() % (B::kExponentMax - 2));
        const uint32_t eb = ea > 30 && ea < B::kExponentMax - 25
                                ? ea - 30 + uint32_t(rng() % 60)
                                : 1 + uint32_t(rng() % (B::kExponentMax - 2));
        const U fa = (rng() & 1 ? B::kFraction : B::kQuiet | 1) & ~U(rng() & rng());
        const U fb = U(1) << (rng() % B::kFractionBits) | U(rng() & 3);
        const U sign = (rng() & 2) ? B::kSign : 0;
        const U a = (U(ea) << B::kFractionBits) | fa;
        const U b = sign | (U(eb) << B::kFractionBits) | fb;
        c.all_ops(a, b);
        c.all_ops(b, a);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Results at the bottom of the range: subnormal operands, and products and quotients that
// underflow into the subnormals or to zero, rounding up to the smallest normal or not.
TYPED_TEST(SoftFloatFormat, Underflow) {
    using U = TypeParam;
    using B = Bits<U>;
    Checker<U> c;
    typename Format<U>::Rng rng(4);
    for (int i = 0; i < 300000; i++) {
        const U a = B::with_exponent(rng, uint32_t(rng() % B::kUnderA));
        const U b = B::with_exponent(rng, uint32_t(rng() % B::kUnderB));
        c.all_ops(a, b);
        const U big =
            B::with_exponent(rng, B::kUnderB + uint32_t(rng() % (B::kExponentMax - B::kUnderB)));
        c.check(Op::Div, a, big);
        c.check(Op::Mul, a | (U(B::kBias - 1) << B::kFractionBits), b);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Results at the top: overflow to infinity, or rounding up to it.
TYPED_TEST(SoftFloatFormat, Overflow) {
    using U = TypeParam;
    using B = Bits<U>;
    Checker<U> c;
    typename Format<U>::Rng rng(5);
    const U largest_exponent = U(B::kExponentMax - 1) << B::kFractionBits;
    for (int i = 0; i < 300000; i++) {
        const U a =
            B::with_exponent(rng, B::kOverA + uint32_t(rng() % (B::kExponentMax - B::kOverA)));
        const U b =
            B::with_exponent(rng, B::kOverB + uint32_t(rng() % (B::kExponentMax - B::kOverB)));
        c.all_ops(a, b);
        // The largest exponent and the fraction's top 11 bits set, plus another of that exponent.
        c.check(Op::Add, a | largest_exponent | (B::kFraction & ~(B::kFraction >> 11)),
                b | largest_exponent);
        // Divided by a number of exponent 0 or 1.
        c.check(Op::Div, a, b & (B::kSign | B::kImplicit | B::kFraction));
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

TEST(SoftFloat, NanChoice) {
    const uint32_t inf = 0x7f800000u;
    EXPECT_EQ(sf::add(inf, inf | 0x80000000u), 0x7fc00000u);
    EXPECT_EQ(sf::sub(inf, inf), 0x7fc00000u);
    EXPECT_EQ(sf::mul(0, inf), 0x7fc00000u);
    EXPECT_EQ(sf::div(0, 0x80000000u), 0x7fc00000u);
    EXPECT_EQ(sf::div(inf, inf), 0x7fc00000u);
    // A signalling NaN operand comes back quiet, payload and sign kept.
    EXPECT_EQ(sf::add(0xff800001u, 0x3f800000u), 0xffc00001u);
    EXPECT_EQ(sf::mul(0x3f800000u, 0x7f800123u), 0x7fc00123u);
    EXPECT_EQ(sf::div(0x7fa00000u, 0), 0x7fe00000u);
}

TEST(SoftFloat, DoubleNanChoice) {
    const uint64_t inf = 0x7ff0000000000000u;
    const uint64_t nan = 0x7ff8000000000000u;
    EXPECT_EQ(sf::add_double(inf, inf | 0x8000000000000000u), nan);
    EXPECT_EQ(sf::sub_double(inf, inf), nan);
    EXPECT_EQ(sf::mul_double(0, inf), nan);
    EXPECT_EQ(sf::div_double(0, 0x8000000000000000u), nan);
    EXPECT_EQ(sf::div_double(inf, inf), nan);
    EXPECT_EQ(sf::add_double(0xfff0000000000001u, 0x3ff0000000000000u), 0xfff8000000000001u);
    EXPECT_EQ(sf::mul_double(0x3ff0000000000000u, 0x7ff0000000000123u), 0x7ff8000000000123u);
    EXPECT_EQ(sf::div_double(0x7ff4000000000000u, 0), 0x7ffc000000000000u);
}

// Truncation to int32 against the host's (cvttss2si/cvttsd2si) inside int32's range: the listed
// values and a million with every exponent that leaves an integer part (every shift of the
// significand), both signs; then the saturation and NaN rule outside the range.
template <typename U>
void check_int_from(int32_t (*convert)(U), std::vector<typename Bits<U>::Float> values,
                    uint32_t seed) {
    using B = Bits<U>;
    using Float = typename B::Float;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 1000000; i++) {
        const Float f = B::value(B::with_exponent(rng, B::kBias - 3 + uint32_t(rng() % 34)));
        if (std::fabs(f) < Float(2147483648.0)) {
            values.push_back(f);
        }
    }
    int failures = 0;
    for (Float f : values) {
        volatile Float vf = f;
        const int32_t want = int32_t(vf);
        const int32_t got = convert(B::bits(f));
        if (got != want && ++failures <= 10) {
            ADD_FAILURE() << "int of " << f << " = " << got << ", want " << want;
        }
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(convert(B::bits(Float(2147483648.0))), INT32_MAX);
    EXPECT_EQ(convert(B::bits(Float(sizeof(U) == 4 ? -2147483904.0 : -2147483649.0))), INT32_MIN);
    EXPECT_EQ(convert(B::bits(Float(1e30))), INT32_MAX);
    EXPECT_EQ(convert(B::bits(Float(-1e30))), INT32_MIN);
    EXPECT_EQ(convert(B::bits(Float(INFINITY))), INT32_MAX);
    EXPECT_EQ(convert(B::bits(Float(-INFINITY))), INT32_MIN);
    EXPECT_EQ(convert(B::kInf | B::kQuiet), 0);
    EXPECT_EQ(convert(B::kSign | B::kInf | 1), 0);
}

TEST(SoftFloat, IntFromDouble) {
    check_int_from<uint64_t>(sf::int_from_double,
                             {0.0, -0.0, 0.5, -0.5, 0.999999, -0.999999, 1.0, -1.0, 1.5, -1.5,
                              2147483647.0, 2147483647.75, -2147483648.0, -2147483648.75, 4e-320,
                              -4e-320},
                             12);
}

TEST(SoftFloat, IntFromFloat) {
    check_int_from<uint32_t>(sf::int_from_float,
                             {0.0f, -0.0f, 0.5f, -0.5f, 0.99999994f, 1.0f, -1.0f, 1.5f, -1.5f,
                              2147483520.0f, -2147483648.0f, 1e-40f, -1e-40f, 16777215.0f,
                              -8388607.5f},
                             13);
}

TEST(SoftFloat, Compare) {
    std::vector<uint32_t> values = edge_values<uint32_t>();
    std::mt19937 rng(6);
    for (int i = 0; i < 2000; i++) {
        values.push_back(rng());
    }
    int failures = 0;
    for (uint32_t a : values) {
        for (uint32_t b : values) {
            const float x = to_float(a);
            const float y = to_float(b);
            const int32_t want = std::isnan(x) || std::isnan(y) ? 7 : (x > y) - (x < y);
            if (sf::compare(a, b, 7) != want && ++failures <= 10) {
                ADD_FAILURE() << "compare(0x" << std::hex << a << ", 0x" << b << ")";
            }
            if (sf::equal(a, b) != (x == y) && ++failures <= 10) {
                ADD_FAILURE() << "equal(0x" << std::hex << a << ", 0x" << b << ")";
            }
        }
    }
    EXPECT_EQ(failures, 0);
}

TEST(SoftFloat, FromInteger) {
    std::vector<uint32_t> values = {0u,          1u,          2u,          0x00ffffffu,
                                    0x01000000u, 0x01000001u, 0x01000002u, 0x01000003u,
                                    0x7fffff40u, 0x7fffffc0u, 0x7fffffffu, 0x80000000u,
                                    0x80000001u, 0xffffff7fu, 0xffffff80u, 0xffffffffu};
    std::mt19937 rng(7);
    for (int i = 0; i < 200000; i++) {
        values.push_back(rng() >> (rng() % 32));
    }
    int failures = 0;
    for (uint32_t u : values) {
        volatile uint32_t vu = u;
        volatile int32_t vi = int32_t(u);
        if (sf::from_uint(u) != to_bits(float(vu)) && ++failures <= 10) {
            ADD_FAILURE() << "from_uint(" << u << ")";
        }
        if (sf::from_int(int32_t(u)) != to_bits(float(vi)) && ++failures <= 10) {
            ADD_FAILURE() << "from_int(" << int32_t(u) << ")";
        }
    }
    EXPECT_EQ(failures, 0);
}

// double -> float against the host's conversion (cvtsd2ss), bit for bit, NaNs included: edge
// values, random bit patterns, random doubles within and around float's exponent range, and
// doubles exactly halfway between two floats or one bit of the double either side of that.
TEST(SoftFloat, FromDouble) {
    auto bits_of = [](double d) {
        uint64_t u;
        std::memcpy(&u, &d, 8);
        return u;
    };
    std::vector<uint64_t> values = {
        0x0000000000000000u, 0x0000000000000001u, 0x000fffffffffffffu, 0x0010000000000000u,
        0x3ff0000000000000u, 0x3ff0000010000000u, 0x3ff0000010000001u, 0x3ff0000030000000u,
        0x47efffffe0000000u, 0x47efffffefffffffu, 0x47effffff0000000u, 0x47f0000000000000u,
        0x36a0000000000000u, 0x3690000000000000u, 0x3690000000000001u, 0x36a8000000000000u,
        0x3800000000000000u, 0x380fffffe0000000u, 0x380ffffff0000000u, 0x37ffffffffffffffu,
        0x7fefffffffffffffu, 0x7ff0000000000000u, 0x7ff0000000000001u, 0x7ff8000000000000u,
        0x7ff4000020000000u, 0x7fffffffffffffffu};
    for (size_t i = 0, n = values.size(); i < n; i++) {
        values.push_back(values[i] | 0x8000000000000000u);
    }
    std::mt19937_64 rng(9);
    for (int i = 0; i < 1000000; i++) {
        values.push_back(rng());
        // Exponents from 2^-160 to 2^140: subnormal, normal and overflowing results.
        const uint64_t exponent = 1023 - 160 + rng() % 301;
        values.push_back((rng() & 0x800fffffffffffffu) | (exponent << 52));
    }
    std::mt19937 rng32(10);
    for (int i = 0; i < 300000; i++) {
        const float f = to_float(rng32() & 0x7f7fffffu);
        const float next = to_float(to_bits(f) + 1u);
        const uint64_t half = bits_of((double(f) + double(next)) / 2.0); // exact in double
        // Plus or minus one bit anywhere below the float's last: every bit is a sticky bit.
        const uint64_t below = uint64_t(1) << (rng32() % 29);
        values.push_back(half);
        values.push_back(half + 1u);
        values.push_back(half - 1u);
        values.push_back(half + below);
        values.push_back(half - below);
    }
    int failures = 0;
    for (uint64_t u : values) {
        double d;
        std::memcpy(&d, &u, 8);
        volatile double vd = d;
        const uint32_t want = to_bits(float(vd));
        const uint32_t got = sf::from_double(uint32_t(u >> 32), uint32_t(u));
        if (got != want && ++failures <= 10) {
            ADD_FAILURE() << std::hex << "from_double(" << u << ") = " << got << ", want " << want;
        }
    }
    EXPECT_EQ(failures, 0);
}

// float -> double and int -> double against the host's conversions (cvtss2sd, cvtsi2sd), bit for
// bit: every sign and exponent with edge and random fractions (NaN payloads, subnormals), and
// every power of two with its neighbours plus random integers.
TEST(SoftFloat, ToDouble) {
    auto bits_of = [](double d) {
        uint64_t u;
        std::memcpy(&u, &d, 8);
        return u;
    };
    std::mt19937 rng(11);
    int failures = 0;
    for (uint32_t top = 0; top < 512; top++) { // sign and exponent
        for (int i = 0; i < 2000; i++) {
            const uint32_t edge[] = {0u, 1u, 2u, 0x3fffffu, 0x400000u, 0x400001u, 0x7fffffu};
            const uint32_t fraction = i < 7 ? edge[i] : rng() & 0x7fffffu;
            const uint32_t x = (top << 23) | fraction;
            volatile float f = to_float(x);
            const uint64_t want = bits_of(double(f));
            if (sf::to_double(x) != want && ++failures <= 10) {
                ADD_FAILURE() << std::hex << "to_double(" << x << ") = " << sf::to_double(x)
                              << ", want " << want;
            }
        }
    }
    std::vector<uint32_t> ints;
    for (uint32_t k = 0; k < 32; k++) {
        for (uint32_t d : {0u, 1u, 0xffffffffu}) {
            ints.push_back((1u << k) + d);
        }
    }
    for (int i = 0; i < 500000; i++) {
        ints.push_back(rng() >> (rng() % 32));
    }
    for (uint32_t u : ints) {
        volatile uint32_t vu = u;
        volatile int32_t vi = int32_t(u);
        if (sf::double_from_uint(u) != bits_of(double(vu)) && ++failures <= 10) {
            ADD_FAILURE() << "double_from_uint(" << u << ")";
        }
        if (sf::double_from_int(int32_t(u)) != bits_of(double(vi)) && ++failures <= 10) {
            ADD_FAILURE() << "double_from_int(" << int32_t(u) << ")";
        }
    }
    EXPECT_EQ(failures, 0);
}

// The integer division that armv6m modules use for C's / and % (natmod_softfloat.cpp).
TEST(SoftFloat, DivideByShifting) {
    std::vector<uint32_t> values = {
        0u,     1u,     2u,          3u,          7u,          10u,         255u,       256u,
        65535u, 65536u, 0x7fffffffu, 0x80000000u, 0x80000001u, 0xfffffffeu, 0xffffffffu};
    std::mt19937 rng(8);
    for (int i = 0; i < 3000; i++) {
        values.push_back(rng() >> (rng() % 32));
    }
    int failures = 0;
    for (uint32_t n : values) {
        for (uint32_t d : values) {
            uint32_t r;
            const uint32_t q = microlearn::divide_by_shifting(n, d, &r);
            const bool ok =
                d == 0 ? (q == (n ? 0xffffffffu : 0u) && r == n) : (q == n / d && r == n % d);
            if (!ok && ++failures <= 10) {
                ADD_FAILURE() << n << " / " << d << " gave " << q << " remainder " << r;
            }
            const int32_t sn = int32_t(n);
            const int32_t sd = int32_t(d);
            if (sd == 0 || (sn == INT32_MIN && sd == -1)) {
                continue;
            }
            int32_t sr;
            const int32_t sq = microlearn::divide_signed_by_shifting(sn, sd, &sr);
            if ((sq != sn / sd || sr != sn % sd) && ++failures <= 10) {
                ADD_FAILURE() << sn << " / " << sd << " gave " << sq << " remainder " << sr;
            }
        }
    }
    int32_t r;
    EXPECT_EQ(microlearn::divide_signed_by_shifting(INT32_MIN, -1, &r), INT32_MIN);
    EXPECT_EQ(r, 0);
    EXPECT_EQ(failures, 0);
}

} // namespace
