// IEEE 754 single- and double-precision arithmetic in integer code, for the native modules of
// cores without a floating-point unit (Cortex-M0/M0+ as in the RP2040, RV32IMC as in the
// ESP32-C3).
//
// On those cores every float operation is a call into libgcc, and the native module carries its
// own copy of each routine: on armv6m __aeabi_fadd, __aeabi_fmul and __aeabi_fdiv are 2.1 kB, on
// rv32imc __addsf3, __subsf3 (a second full copy), __mulsf3, __divsf3 and the comparisons are
// 4.8 kB, often more than the module's own code. The MicroPython bindings define those entry
// points with these functions instead (src/bindings/micropython/natmod_softfloat.cpp); the engine
// itself never calls them, it writes a + b.
//
// Results are bit for bit what an IEEE 754 binary32 (binary64) unit gives in round-to-nearest-even
// with subnormals (the host's SSE: tests/core/test_softfloat.cpp), with one freedom IEEE 754 leaves
// open: which NaN. A NaN operand comes back quietened (the fraction's top bit set); an invalid
// operation (inf - inf, 0 * inf, 0 / 0, inf / inf) gives 0x7fc00000 (0x7ff8000000000000). No
// exception flags, one rounding mode.
//
// Arguments and results are the numbers' bit patterns.
#pragma once
#include <stdint.h>

namespace microlearn {
namespace softfloat {

uint32_t add(uint32_t a, uint32_t b);
inline uint32_t sub(uint32_t a, uint32_t b) {
    return add(a, b ^ 0x80000000u);
}
uint32_t mul(uint32_t a, uint32_t b);
uint32_t div(uint32_t a, uint32_t b);

// -1, 0 or 1 as a < b, a == b (+0 == -0), a > b; `unordered` when either is a NaN.
int32_t compare(uint32_t a, uint32_t b, int32_t unordered);

// a == b as floats: false for a NaN, true for +0 and -0. Smaller than compare().
inline bool equal(uint32_t a, uint32_t b) {
    return ((a | b) << 1) == 0 || (a == b && (a << 1) <= 0xff000000u);
}

// The float nearest to x (ties to even).
uint32_t from_int(int32_t x);
uint32_t from_uint(uint32_t x);
// The float nearest to the double whose bits are high:low (ties to even): infinity beyond
// float's range, zero or a subnormal below it; a NaN stays a NaN, quietened, with the top of its
// payload, as an IEEE 754 unit converts it.
uint32_t from_double(uint32_t high, uint32_t low);

// Double precision the same way, on the doubles' bits, for the modules that compute in double
// (emlearn_arrayutils): libgcc's __aeabi_dadd, __aeabi_dmul and __aeabi_ddiv are 4.8 kB on armv6m.
uint64_t add_double(uint64_t a, uint64_t b);
inline uint64_t sub_double(uint64_t a, uint64_t b) {
    return add_double(a, b ^ 0x8000000000000000u);
}
uint64_t mul_double(uint64_t a, uint64_t b);
uint64_t div_double(uint64_t a, uint64_t b);

// The double x truncated toward zero. C leaves values outside int32's range undefined; here they
// saturate to INT32_MIN or INT32_MAX (infinities too), and a NaN gives 0.
int32_t int_from_double(uint64_t x);
// The same for a float.
int32_t int_from_float(uint32_t x);

// The double (its bits) equal to the float x, or to the integer x: exact. A NaN stays a NaN,
// quietened, with its payload, as an IEEE 754 unit converts it.
uint64_t to_double(uint32_t x);
uint64_t double_from_int(int32_t x);
uint64_t double_from_uint(uint32_t x);

} // namespace softfloat
} // namespace microlearn
