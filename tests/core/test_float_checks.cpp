// float_checks.h against the host's own float comparisons (x64 SSE: IEEE 754). Built into
// core_tests with the form the host uses, and on its own as core_tests_float_checks_soft with
// MICROLEARN_SOFT_FLOAT=1: the integer form of the cores without an FPU (armv6m, rv32imc), which
// must agree with the hardware for every float, NaNs of either sign and both zeros included.
#include "float_checks.h"

#include "float_bits.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

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

} // namespace
