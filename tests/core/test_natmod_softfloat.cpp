// The entry points of src/bindings/micropython/natmod_softfloat.cpp (the libgcc routines that
// armv6m, rv32imc and xtensawin modules get from microlearn) compiled on the host, with the NEED_
// macros the build sets from a module's undefined symbols: each one's calling convention against
// the host's own float and integer arithmetic. The arithmetic itself is test_softfloat.cpp's.
//
// Built three times (CMakeLists.txt): with every NEED_ macro, the same with the 16-bit partial
// products of the Cortex-M0 and xtensa (MICROLEARN_SOFTFLOAT_MUL16), and with only the RISC-V
// equality pair, which then uses softfloat::equal() instead of compare().
#include "natmod_softfloat.cpp"

#include "float_bits.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>
#include <vector>

namespace {

std::vector<uint32_t> operands() {
    std::vector<uint32_t> v;
    for (uint32_t m : {0x00000000u, 0x00000001u, 0x00800000u, 0x3f800000u, 0x3fc00000u, 0x7f7fffffu,
                       0x7f800000u, 0x7fc00000u, 0x7f800001u}) {
        v.push_back(m);
        v.push_back(m | 0x80000000u);
    }
    return v;
}

#if defined(NEED___eqsf2)
TEST(NatmodSoftFloat, RiscvEquality) {
    for (uint32_t a : operands()) {
        for (uint32_t b : operands()) {
            const bool eq = to_float(a) == to_float(b);
            EXPECT_EQ(__eqsf2(a, b) == 0, eq) << std::hex << a << " " << b;
            EXPECT_EQ(__nesf2(a, b) != 0, !eq) << std::hex << a << " " << b;
        }
    }
}
#endif

#if defined(NEED___ltsf2)
TEST(NatmodSoftFloat, RiscvOrder) {
    for (uint32_t a : operands()) {
        for (uint32_t b : operands()) {
            const float x = to_float(a);
            const float y = to_float(b);
            EXPECT_EQ(__ltsf2(a, b) < 0, x < y) << std::hex << a << " " << b;
            EXPECT_EQ(__lesf2(a, b) <= 0, x <= y) << std::hex << a << " " << b;
            EXPECT_EQ(__gtsf2(a, b) > 0, x > y) << std::hex << a << " " << b;
            EXPECT_EQ(__gesf2(a, b) >= 0, x >= y) << std::hex << a << " " << b;
            EXPECT_EQ(__unordsf2(a, b) != 0, x != x || y != y) << std::hex << a << " " << b;
        }
    }
}

TEST(NatmodSoftFloat, RiscvDoubleToFloat) {
    EXPECT_EQ(__truncdfsf2(0x3ff8000000000000u), to_bits(1.5f));
    EXPECT_EQ(__truncdfsf2(0xc000000000000000u), to_bits(-2.0f));
    EXPECT_EQ(__truncdfsf2(0x3fd5555555555555u), to_bits(float(1.0 / 3.0)));
    EXPECT_EQ(__extendsfdf2(to_bits(1.5f)), 0x3ff8000000000000u);
    EXPECT_EQ(__floatsidf(-2), 0xc000000000000000u);
    EXPECT_EQ(__floatunsidf(0xffffffffu), 0x41efffffffe00000u);
    EXPECT_EQ(__adddf3(0x3ff0000000000000u, 0x4008000000000000u), 0x4010000000000000u);
    EXPECT_EQ(__subdf3(0x3ff0000000000000u, 0x4008000000000000u), 0xc000000000000000u);
    EXPECT_EQ(__muldf3(0x4008000000000000u, 0x4008000000000000u), 0x4022000000000000u);
    EXPECT_EQ(__divdf3(0x3ff0000000000000u, 0x4008000000000000u), 0x3fd5555555555555u);
    EXPECT_EQ(__fixdfsi(0xc00c000000000000u), -3);
}

// xtensawin modules link no libgcc: float to int, the 64-bit product and shifts are ours there too.
TEST(NatmodSoftFloat, XtensaWindowed) {
    EXPECT_EQ(__fixsfsi(to_bits(-3.75f)), -3);
    EXPECT_EQ(__fixsfsi(to_bits(2147483520.0f)), 2147483520);
    EXPECT_EQ(__fixsfsi(to_bits(3e9f)), INT_MAX);
    std::mt19937_64 rng(5);
    std::vector<uint64_t> values = {
        0, 1, 0xffffffffu, 0x100000000u, ~uint64_t(0), uint64_t(1) << 63};
    for (int i = 0; i < 1000; i++) {
        values.push_back(rng() >> (rng() % 64));
    }
    for (uint64_t a : values) {
        for (int32_t n = 0; n < 64; n++) {
            EXPECT_EQ(__ashldi3(a, n), a << n) << std::hex << a << " " << n;
            EXPECT_EQ(__lshrdi3(a, n), a >> n) << std::hex << a << " " << n;
            EXPECT_EQ(__ashrdi3(int64_t(a), n), int64_t(a) >> n) << std::hex << a << " " << n;
        }
        for (uint64_t b : values) {
            if (__muldi3(a, b) != a * b) {
                ADD_FAILURE() << std::hex << a << " * " << b;
                return;
            }
        }
    }
}

TEST(NatmodSoftFloat, RiscvArithmetic) {
    for (uint32_t a : operands()) {
        for (uint32_t b : operands()) {
            volatile float x = to_float(a);
            volatile float y = to_float(b);
            const float want[] = {x + y, x - y, x * y, x / y};
            const uint32_t got[] = {__addsf3(a, b), __subsf3(a, b), __mulsf3(a, b), __divsf3(a, b)};
            for (int k = 0; k < 4; k++) {
                EXPECT_TRUE(want[k] != want[k] ? to_float(got[k]) != to_float(got[k])
                                               : got[k] == to_bits(want[k]))
                    << k << " " << std::hex << a << " " << b;
            }
        }
    }
    for (int32_t i : {0, 1, -1, 16777217, INT_MIN, INT_MAX}) {
        EXPECT_EQ(__floatsisf(i), to_bits(float(i)));
        EXPECT_EQ(__floatunsisf(uint32_t(i)), to_bits(float(uint32_t(i))));
    }
}
#endif

#if defined(NEED___aeabi_fcmpeq)
TEST(NatmodSoftFloat, ArmComparisons) {
    for (uint32_t a : operands()) {
        for (uint32_t b : operands()) {
            const float x = to_float(a);
            const float y = to_float(b);
            EXPECT_EQ(__aeabi_fcmpeq(a, b), x == y) << std::hex << a << " " << b;
            EXPECT_EQ(__aeabi_fcmplt(a, b), x < y) << std::hex << a << " " << b;
            EXPECT_EQ(__aeabi_fcmple(a, b), x <= y) << std::hex << a << " " << b;
            EXPECT_EQ(__aeabi_fcmpge(a, b), x >= y) << std::hex << a << " " << b;
            EXPECT_EQ(__aeabi_fcmpgt(a, b), x > y) << std::hex << a << " " << b;
            EXPECT_EQ(__aeabi_fcmpun(a, b), x != x || y != y) << std::hex << a << " " << b;
        }
    }
}

TEST(NatmodSoftFloat, ArmArithmetic) {
    const uint32_t one = to_bits(1.0f);
    const uint32_t three = to_bits(3.0f);
    EXPECT_EQ(__aeabi_fadd(one, three), to_bits(4.0f));
    EXPECT_EQ(__aeabi_fsub(one, three), to_bits(-2.0f)); // a - b
    EXPECT_EQ(__aeabi_frsub(one, three), to_bits(2.0f)); // b - a
    EXPECT_EQ(__aeabi_fmul(three, three), to_bits(9.0f));
    EXPECT_EQ(__aeabi_fdiv(one, three), to_bits(1.0f / 3.0f));
    EXPECT_EQ(__aeabi_i2f(-7), to_bits(-7.0f));
    EXPECT_EQ(__aeabi_ui2f(0xffffffffu), to_bits(4294967296.0f));
    // A double's bits in one 64-bit argument, high word above: the pair of core registers.
    EXPECT_EQ(__aeabi_d2f(0x3ff8000000000000u), to_bits(1.5f));
    EXPECT_EQ(__aeabi_d2f(0xc000000000000000u), to_bits(-2.0f));
    EXPECT_EQ(__aeabi_d2f(0x3fd5555555555555u), to_bits(float(1.0 / 3.0)));
    EXPECT_EQ(__aeabi_f2d(to_bits(1.5f)), 0x3ff8000000000000u);
    EXPECT_EQ(__aeabi_i2d(-2), 0xc000000000000000u);
    EXPECT_EQ(__aeabi_ui2d(0xffffffffu), 0x41efffffffe00000u);
    // Doubles in and out as uint64_t: two pairs of core registers in, one out.
    const uint64_t d_one = 0x3ff0000000000000u;                     // 1.0
    const uint64_t d_three = 0x4008000000000000u;                   // 3.0
    EXPECT_EQ(__aeabi_dadd(d_one, d_three), 0x4010000000000000u);   // 4.0
    EXPECT_EQ(__aeabi_dsub(d_one, d_three), 0xc000000000000000u);   // a - b = -2.0
    EXPECT_EQ(__aeabi_drsub(d_one, d_three), 0x4000000000000000u);  // b - a = 2.0
    EXPECT_EQ(__aeabi_dmul(d_three, d_three), 0x4022000000000000u); // 9.0
    EXPECT_EQ(__aeabi_ddiv(d_one, d_three), 0x3fd5555555555555u);   // 1.0 / 3.0
    EXPECT_EQ(__aeabi_d2iz(0xc00c000000000000u), -3);               // -3.5 truncated
}

// The divmod forms: quotient in the low word (r0), remainder in the high one (r1).
TEST(NatmodSoftFloat, ArmDivision) {
    for (uint32_t n : {0u, 1u, 7u, 100u, 0x80000000u, 0xffffffffu}) {
        for (uint32_t d : {1u, 3u, 10u, 0x10000u, 0xffffffffu}) {
            const uint64_t qr = __aeabi_uidivmod(n, d);
            EXPECT_EQ(uint32_t(qr), n / d);
            EXPECT_EQ(uint32_t(qr >> 32), n % d);
            EXPECT_EQ(__aeabi_uidiv(n, d), n / d);
            EXPECT_EQ(__udivsi3(n, d), n / d);
            EXPECT_EQ(__umodsi3(n, d), n % d);
        }
    }
    for (int32_t n : {0, 7, -7, 100, -100, INT_MAX, INT_MIN}) {
        for (int32_t d : {1, -1, 3, -3, 10, -10, INT_MAX}) {
            if (n == INT_MIN && d == -1) { // overflows in C; the two's complement answer
                EXPECT_EQ(__divsi3(n, d), INT_MIN);
                EXPECT_EQ(__modsi3(n, d), 0);
                continue;
            }
            const uint64_t qr = __aeabi_idivmod(n, d);
            EXPECT_EQ(int32_t(uint32_t(qr)), n / d) << n << " / " << d;
            EXPECT_EQ(int32_t(uint32_t(qr >> 32)), n % d) << n << " % " << d;
            EXPECT_EQ(__aeabi_idiv(n, d), n / d);
            EXPECT_EQ(__divsi3(n, d), n / d);
            EXPECT_EQ(__modsi3(n, d), n % d) << n << " % " << d;
        }
    }
}
#endif

} // namespace
