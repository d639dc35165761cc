// softfloat against the host's own single-precision arithmetic (SSE on x64: IEEE 754 binary32,
// round to nearest even, subnormals kept), bit for bit. NaN results are compared as "a NaN";
// softfloat's choice of NaN is checked on its own (a NaN operand comes back quietened, an
// invalid operation gives 0x7fc00000).
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

bool is_nan(uint32_t u) {
    return (u & 0x7fffffffu) > 0x7f800000u;
}

enum class Op { Add, Sub, Mul, Div };

uint32_t hardware(Op op, uint32_t a, uint32_t b) {
    // volatile: computed at run time by the host's unit, never folded by the compiler.
    volatile float x = to_float(a);
    volatile float y = to_float(b);
    switch (op) {
    case Op::Add:
        return to_bits(x + y);
    case Op::Sub:
        return to_bits(x - y);
    case Op::Mul:
        return to_bits(x * y);
    case Op::Div:
        return to_bits(x / y);
    }
    return 0;
}

uint32_t software(Op op, uint32_t a, uint32_t b) {
    switch (op) {
    case Op::Add:
        return sf::add(a, b);
    case Op::Sub:
        return sf::sub(a, b);
    case Op::Mul:
        return sf::mul(a, b);
    case Op::Div:
        return sf::div(a, b);
    }
    return 0;
}

const char* name(Op op) {
    static const char* const names[] = {"add", "sub", "mul", "div"};
    return names[int(op)];
}

// Counts mismatches and reports the first few.
struct Checker {
    int failures = 0;
    long checked = 0;

    void check(Op op, uint32_t a, uint32_t b) {
        const uint32_t want = hardware(op, a, b);
        const uint32_t got = software(op, a, b);
        checked++;
        const bool ok = is_nan(want) ? is_nan(got) : got == want;
        if (!ok && ++failures <= 10) {
            ADD_FAILURE() << name(op) << "(0x" << std::hex << a << ", 0x" << b << ") = 0x" << got
                          << ", hardware 0x" << want;
        }
    }

    void all_ops(uint32_t a, uint32_t b) {
        for (Op op : {Op::Add, Op::Sub, Op::Mul, Op::Div}) {
            check(op, a, b);
        }
    }
};

std::vector<uint32_t> edge_values() {
    const uint32_t magnitudes[] = {
        0x00000000u, 0x00000001u, 0x00000002u, 0x00000003u, 0x0000ffffu, 0x00400000u, 0x007ffffeu,
        0x007fffffu, 0x00800000u, 0x00800001u, 0x00ffffffu, 0x01000000u, 0x0c000000u, 0x33800000u,
        0x33ffffffu, 0x34000000u, 0x3effffffu, 0x3f000000u, 0x3f7fffffu, 0x3f800000u, 0x3f800001u,
        0x3fc00000u, 0x3fffffffu, 0x40000000u, 0x40490fdbu, 0x4b000000u, 0x4b7fffffu, 0x4b800000u,
        0x5f000000u, 0x7effffffu, 0x7f000000u, 0x7f7ffffeu, 0x7f7fffffu, 0x7f800000u, 0x7f800001u,
        0x7fc00000u, 0x7fffffffu,
    };
    std::vector<uint32_t> values;
    for (uint32_t m : magnitudes) {
        values.push_back(m);
        values.push_back(m | 0x80000000u);
    }
    return values;
}

TEST(SoftFloat, EdgeValuePairs) {
    Checker c;
    const std::vector<uint32_t> values = edge_values();
    for (uint32_t a : values) {
        for (uint32_t b : values) {
            c.all_ops(a, b);
        }
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

TEST(SoftFloat, RandomBitPatterns) {
    Checker c;
    std::mt19937 rng(1);
    for (int i = 0; i < 300000; i++) {
        c.all_ops(rng(), rng());
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Exponents a few apart, the rest random: the cases where addition cancels leading bits and
// where the alignment shifts out bits just below the rounding position.
TEST(SoftFloat, CloseExponents) {
    Checker c;
    std::mt19937 rng(2);
    for (int i = 0; i < 300000; i++) {
        const uint32_t a = rng();
        const uint32_t ea = (a >> 23) & 0xff;
        const uint32_t d = rng() % 30;
        const uint32_t eb = ea >= d ? ea - d : 0;
        const uint32_t b = (rng() & 0x807fffffu) | (eb << 23);
        c.all_ops(a, b);
        c.all_ops(b, a);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Small significands (few bits set), so that sums, products and quotients land exactly on or
// one ulp beside halfway cases.
TEST(SoftFloat, HalfwayCases) {
    Checker c;
    std::mt19937 rng(3);
    for (int i = 0; i < 300000; i++) {
        const uint32_t ea = 1 + rng() % 253;
        const uint32_t eb = ea > 30 && ea < 230 ? ea - 30 + rng() % 60 : 1 + rng() % 253;
        const uint32_t fa = (rng() & 1 ? 0x7fffffu : 0x400001u) & ~(rng() & rng());
        const uint32_t fb = 1u << (rng() % 23) | (rng() & 3);
        const uint32_t sign = (rng() & 3) << 30 & 0x80000000u;
        const uint32_t a = (ea << 23) | fa;
        const uint32_t b = sign | (eb << 23) | fb;
        c.all_ops(a, b);
        c.all_ops(b, a);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Results at the bottom of the range: subnormal operands, and products and quotients that
// underflow into the subnormals or to zero, rounding up to the smallest normal or not.
TEST(SoftFloat, Underflow) {
    Checker c;
    std::mt19937 rng(4);
    for (int i = 0; i < 300000; i++) {
        const uint32_t a = (rng() & 0x807fffffu) | ((rng() % 100) << 23);
        const uint32_t b = (rng() & 0x807fffffu) | ((rng() % 140) << 23);
        c.all_ops(a, b);
        const uint32_t big = (rng() & 0x807fffffu) | ((140 + rng() % 115) << 23);
        c.check(Op::Div, a, big);
        c.check(Op::Mul, a | 0x3f000000u, b);
    }
    EXPECT_EQ(c.failures, 0) << "of " << c.checked;
}

// Results at the top: overflow to infinity, or rounding up to it.
TEST(SoftFloat, Overflow) {
    Checker c;
    std::mt19937 rng(5);
    for (int i = 0; i < 300000; i++) {
        const uint32_t a = (rng() & 0x807fffffu) | ((200 + rng() % 55) << 23);
        const uint32_t b = (rng() & 0x807fffffu) | ((100 + rng() % 155) << 23);
        c.all_ops(a, b);
        c.check(Op::Add, a | 0x7f7ff000u, b | 0x7f000000u);
        c.check(Op::Div, a, b & 0x80ffffffu);
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

TEST(SoftFloat, Compare) {
    std::vector<uint32_t> values = edge_values();
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
