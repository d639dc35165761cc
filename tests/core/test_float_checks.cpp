// float_checks.h against the host's own float comparisons (x64 SSE: IEEE 754). Built into
// core_tests with the form the host uses, and on its own as core_tests_float_checks_soft with
// MICROLEARN_SOFT_FLOAT=1 and MICROLEARN_SOFT_DOUBLE=1: the integer form of the cores without an
// FPU (armv6m, rv32imc; for double also the Cortex-M4F), which must agree with the hardware for
// every float and double, NaNs of either sign and both zeros included.
#include "float_checks.h"

#include "float_bits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

using microlearn::float_equal;
using microlearn::float_greater;
using microlearn::float_greater_equal;
using microlearn::float_is_finite;
using microlearn::float_is_nan;
using microlearn::float_is_zero;

// Zeros, subnormals, the normal range's ends, values one ulp apart, infinities and NaNs (quiet,
// signalling, with payloads), each with both signs.
std::vector<uint32_t> edge_values() {
    const uint32_t magnitudes[] = {0x00000000u, 0x00000001u, 0x00000002u, 0x007fffffu, 0x00800000u,
                                   0x00800001u, 0x3f7fffffu, 0x3f800000u, 0x3f800001u, 0x40c00000u,
                                   0x42b17218u, 0x7f7ffffeu, 0x7f7fffffu, 0x7f800000u, 0x7f800001u,
                                   0x7fbfffffu, 0x7fc00000u, 0x7fc00001u, 0x7fffffffu};
    std::vector<uint32_t> v;
    for (uint32_t m : magnitudes) {
        v.push_back(m);
        v.push_back(m | 0x80000000u);
    }
    return v;
}

void expect_same(uint32_t a_bits, uint32_t b_bits) {
    // volatile: the host's compare at run time, never folded by the compiler.
    volatile float a = to_float(a_bits);
    volatile float b = to_float(b_bits);
    const float x = a, y = b;
    ASSERT_EQ(float_greater(x, y), x > y) << std::hex << a_bits << " > " << b_bits;
    ASSERT_EQ(float_greater_equal(x, y), x >= y) << std::hex << a_bits << " >= " << b_bits;
    ASSERT_EQ(float_is_nan(x), x != x) << std::hex << a_bits;
    ASSERT_EQ(float_is_finite(x), x - x == 0.0f) << std::hex << a_bits;
    ASSERT_EQ(float_is_zero(x), x == 0.0f) << std::hex << a_bits;
}

TEST(FloatChecks, EveryPairOfEdgeValues) {
    const std::vector<uint32_t> edges = edge_values();
    for (uint32_t a : edges) {
        for (uint32_t b : edges) {
            expect_same(a, b);
        }
    }
}

TEST(FloatChecks, RandomBitPatterns) {
    std::mt19937 rng(20261127);
    for (int i = 0; i < 2000000; ++i) {
        expect_same(rng(), rng());
    }
}

// Values of equal or nearby magnitude, where only the low bits or the sign decide.
TEST(FloatChecks, NeighbouringValues) {
    std::mt19937 rng(7);
    for (int i = 0; i < 1000000; ++i) {
        const uint32_t a = rng();
        const uint32_t delta = rng() % 5;
        const uint32_t b = (rng() & 1) ? a + delta : (a - delta) ^ (rng() & 0x80000000u);
        expect_same(a, b);
    }
}

// The double overloads, the same way.
std::vector<uint64_t> double_edge_values() {
    const uint64_t magnitudes[] = {
        0x0000000000000000u, 0x0000000000000001u, 0x000fffffffffffffu, 0x0010000000000000u,
        0x3fefffffffffffffu, 0x3ff0000000000000u, 0x3ff0000000000001u, 0x41dfffffffc00000u,
        0x41e0000000000000u, 0x47efffffe0000000u, 0x7fefffffffffffffu, 0x7ff0000000000000u,
        0x7ff0000000000001u, 0x7ff7ffffffffffffu, 0x7ff8000000000000u, 0x7fffffffffffffffu};
    std::vector<uint64_t> v;
    for (uint64_t m : magnitudes) {
        v.push_back(m);
        v.push_back(m | 0x8000000000000000u);
    }
    return v;
}

double to_double(uint64_t u) {
    double d;
    std::memcpy(&d, &u, 8);
    return d;
}

void expect_same_double(uint64_t a_bits, uint64_t b_bits) {
    volatile double a = to_double(a_bits);
    volatile double b = to_double(b_bits);
    const double x = a, y = b;
    ASSERT_EQ(float_greater(x, y), x > y) << std::hex << a_bits << " > " << b_bits;
    ASSERT_EQ(float_greater_equal(x, y), x >= y) << std::hex << a_bits << " >= " << b_bits;
    ASSERT_EQ(float_equal(x, y), x == y) << std::hex << a_bits << " == " << b_bits;
    ASSERT_EQ(float_is_nan(x), x != x) << std::hex << a_bits;
    ASSERT_EQ(float_is_finite(x), x - x == 0.0) << std::hex << a_bits;
}

TEST(FloatChecks, DoubleEdgeValuePairs) {
    const std::vector<uint64_t> edges = double_edge_values();
    for (uint64_t a : edges) {
        for (uint64_t b : edges) {
            expect_same_double(a, b);
        }
    }
}

TEST(FloatChecks, DoubleRandomAndNeighbouring) {
    std::mt19937_64 rng(20261128);
    for (int i = 0; i < 1000000; ++i) {
        const uint64_t a = rng();
        expect_same_double(a, rng());
        const uint64_t delta = rng() % 5;
        expect_same_double(a,
                           (rng() & 1) ? a + delta : (a - delta) ^ (rng() & (uint64_t(1) << 63)));
    }
}

} // namespace
