// Float and double routines for the native modules of cores without a floating-point unit
// (armv6m, rv32imc, xtensawin), and integer division for those without a divide instruction
// (armv6m; xtensawin, compiled for the lx106's instruction set). On xtensawin, whose modules link
// no libgcc (Debian's is built for the call0 ABI), also the 64-bit product and shifts. GCC
// turns each such operation into a call to a libgcc routine, and mpy_ld copies the routines
// called into every module: on rv32imc __addsf3, __subsf3 (a second full copy), __mulsf3,
// __divsf3 and the comparisons are 4.8 kB, often more than the module's own code. This file
// defines those entry points with src/core/softfloat.cpp and src/core/soft_float.h, which are
// smaller and give the same results.
//
// natmod.mk compiles this file with -DNEED_<routine> for each one a module's objects call, so
// that a module gets the routines it calls and no others, and hands it to mpy_ld as an archive
// before libgcc, which then provides only what is still missing (conversions to int, 64-bit
// helpers). Compiled with -fwhole-program: what no entry point here uses is dropped.
#include "soft_float.h"
#include "softfloat.cpp"

#define ENTRY extern "C" __attribute__((externally_visible))

namespace sf = microlearn::softfloat;

// Routines that one libgcc object defines together are defined together here: were the module to
// call one of them and a libgcc object it links (say __aeabi_f2uiz, which calls __aeabi_fcmpge) to
// call another, mpy_ld would take that libgcc object for the other and fail on the name defined
// twice. libgcc 12: _arm_cmpsf2.o holds the five __aeabi_fcmp but fcmpun, _udivsi3.o and
// _divsi3.o a division with its divmod form and generic name; for RISC-V eqsf2.o, lesf2.o and
// gesf2.o hold eq/ne, le/lt and ge/gt.
#if defined(NEED___aeabi_fcmpeq) || defined(NEED___aeabi_fcmplt) ||                                \
    defined(NEED___aeabi_fcmple) || defined(NEED___aeabi_fcmpge) || defined(NEED___aeabi_fcmpgt)
#define NEED_ARM_COMPARISONS 1
#endif
#if defined(NEED___aeabi_uidiv) || defined(NEED___aeabi_uidivmod) || defined(NEED___udivsi3) ||    \
    defined(NEED___umodsi3)
#define NEED_UNSIGNED_DIVISION 1
#endif
#if defined(NEED___aeabi_idiv) || defined(NEED___aeabi_idivmod) || defined(NEED___divsi3) ||       \
    defined(NEED___modsi3)
#define NEED_SIGNED_DIVISION 1
#endif
#if defined(NEED___eqsf2) || defined(NEED___nesf2)
#define NEED_EQUALITY 1
#endif
#if defined(NEED___ltsf2) || defined(NEED___lesf2)
#define NEED_LESS 1
#endif
#if defined(NEED___gtsf2) || defined(NEED___gesf2)
#define NEED_GREATER 1
#endif

// Equality through compare() when an ordered comparison needs it anyway, else the smaller equal().
#if defined(NEED_ARM_COMPARISONS) || defined(NEED___aeabi_fcmpun) || defined(NEED_LESS) ||         \
    defined(NEED_GREATER) || defined(NEED___unordsf2)
static bool equal(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) == 0;
}
#else
static bool equal(uint32_t a, uint32_t b) {
    return sf::equal(a, b);
}
#endif

// The ARM run-time ABI's names (RTABI 4.1.2); floats travel in core registers.
// One copy of add(), inlined here; the subtractions flip a sign and jump to it.
#if defined(NEED___aeabi_fadd) || defined(NEED___aeabi_fsub) || defined(NEED___aeabi_frsub)
ENTRY uint32_t __aeabi_fadd(uint32_t a, uint32_t b) {
    return sf::add(a, b);
}
#endif
#if defined(NEED___aeabi_fsub)
ENTRY uint32_t __aeabi_fsub(uint32_t a, uint32_t b) {
    return __aeabi_fadd(a, b ^ 0x80000000u);
}
#endif
#if defined(NEED___aeabi_frsub)
ENTRY uint32_t __aeabi_frsub(uint32_t a, uint32_t b) {
    return __aeabi_fadd(b, a ^ 0x80000000u);
}
#endif
#if defined(NEED___aeabi_fmul)
ENTRY uint32_t __aeabi_fmul(uint32_t a, uint32_t b) {
    return sf::mul(a, b);
}
#endif
#if defined(NEED___aeabi_fdiv)
ENTRY uint32_t __aeabi_fdiv(uint32_t a, uint32_t b) {
    return sf::div(a, b);
}
#endif
#if defined(NEED___aeabi_i2f)
ENTRY uint32_t __aeabi_i2f(int32_t x) {
    return sf::from_int(x);
}
#endif
#if defined(NEED___aeabi_ui2f)
ENTRY uint32_t __aeabi_ui2f(uint32_t x) {
    return sf::from_uint(x);
}
#endif
// A double travels in two core registers, as the uint64_t of its bits.
#if defined(NEED___aeabi_d2f)
ENTRY uint32_t __aeabi_d2f(uint64_t x) {
    return sf::from_double(uint32_t(x >> 32), uint32_t(x));
}
#endif
#if defined(NEED___aeabi_f2d)
ENTRY uint64_t __aeabi_f2d(uint32_t x) {
    return sf::to_double(x);
}
#endif
#if defined(NEED___aeabi_i2d)
ENTRY uint64_t __aeabi_i2d(int32_t x) {
    return sf::double_from_int(x);
}
#endif
#if defined(NEED___aeabi_ui2d)
ENTRY uint64_t __aeabi_ui2d(uint32_t x) {
    return sf::double_from_uint(x);
}
#endif
#if defined(NEED___aeabi_dadd) || defined(NEED___aeabi_dsub) || defined(NEED___aeabi_drsub)
ENTRY uint64_t __aeabi_dadd(uint64_t a, uint64_t b) {
    return sf::add_double(a, b);
}
#endif
#if defined(NEED___aeabi_dsub)
ENTRY uint64_t __aeabi_dsub(uint64_t a, uint64_t b) {
    return __aeabi_dadd(a, b ^ 0x8000000000000000u);
}
#endif
#if defined(NEED___aeabi_drsub)
ENTRY uint64_t __aeabi_drsub(uint64_t a, uint64_t b) {
    return __aeabi_dadd(b, a ^ 0x8000000000000000u);
}
#endif
#if defined(NEED___aeabi_dmul)
ENTRY uint64_t __aeabi_dmul(uint64_t a, uint64_t b) {
    return sf::mul_double(a, b);
}
#endif
#if defined(NEED___aeabi_ddiv)
ENTRY uint64_t __aeabi_ddiv(uint64_t a, uint64_t b) {
    return sf::div_double(a, b);
}
#endif
#if defined(NEED___aeabi_d2iz)
ENTRY int32_t __aeabi_d2iz(uint64_t x) {
    return sf::int_from_double(x);
}
#endif
// The comparisons return 1 when the relation holds, else 0 (also for a NaN operand).
#if defined(NEED_ARM_COMPARISONS)
ENTRY int32_t __aeabi_fcmpeq(uint32_t a, uint32_t b) {
    return equal(a, b);
}
ENTRY int32_t __aeabi_fcmplt(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) < 0;
}
ENTRY int32_t __aeabi_fcmple(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) <= 0;
}
ENTRY int32_t __aeabi_fcmpge(uint32_t a, uint32_t b) {
    return sf::compare(a, b, -2) >= 0;
}
ENTRY int32_t __aeabi_fcmpgt(uint32_t a, uint32_t b) {
    return sf::compare(a, b, -2) > 0;
}
#endif
#if defined(NEED___aeabi_fcmpun)
ENTRY int32_t __aeabi_fcmpun(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) == 2;
}
#endif

// Integer division (Cortex-M0 has no divide instruction), unsigned and signed, each with its
// divmod form and generic name (see above; libgcc's own __aeabi_ddiv calls __aeabi_uidivmod). The
// divmod forms return the quotient in r0 and the remainder in r1, which is how AAPCS returns a
// 64-bit value. A division by zero returns what divide_by_shifting() gives; C leaves it undefined
// and nothing here calls __aeabi_idiv0.
// xtensawin links no libgcc, so nothing ties the names together there: the divmod forms are
// internal and only the generic names a module calls are defined.
#if defined(__XTENSA__)
#define DIVMOD static inline
#define ARM_DIVISION 0
#else
#define DIVMOD ENTRY
#define ARM_DIVISION 1
#endif
#if defined(NEED_UNSIGNED_DIVISION)
DIVMOD uint64_t __aeabi_uidivmod(uint32_t n, uint32_t d) {
    uint32_t r;
    const uint32_t q = microlearn::divide_by_shifting(n, d, &r);
    return q | (uint64_t(r) << 32);
}
#if ARM_DIVISION
ENTRY uint32_t __aeabi_uidiv(uint32_t n, uint32_t d) {
    return uint32_t(__aeabi_uidivmod(n, d));
}
#endif
#if ARM_DIVISION || defined(NEED___udivsi3)
ENTRY uint32_t __udivsi3(uint32_t n, uint32_t d) {
    return uint32_t(__aeabi_uidivmod(n, d));
}
#endif
#if defined(NEED___umodsi3)
ENTRY uint32_t __umodsi3(uint32_t n, uint32_t d) {
    return uint32_t(__aeabi_uidivmod(n, d) >> 32);
}
#endif
#endif
#if defined(NEED_SIGNED_DIVISION)
DIVMOD uint64_t __aeabi_idivmod(int32_t n, int32_t d) {
    int32_t r;
    const int32_t q = microlearn::divide_signed_by_shifting(n, d, &r);
    return uint32_t(q) | (uint64_t(uint32_t(r)) << 32);
}
#if ARM_DIVISION
ENTRY int32_t __aeabi_idiv(int32_t n, int32_t d) {
    return int32_t(uint32_t(__aeabi_idivmod(n, d)));
}
#endif
#if ARM_DIVISION || defined(NEED___divsi3)
ENTRY int32_t __divsi3(int32_t n, int32_t d) {
    return int32_t(uint32_t(__aeabi_idivmod(n, d)));
}
#endif
#if defined(NEED___modsi3)
ENTRY int32_t __modsi3(int32_t n, int32_t d) {
    return int32_t(uint32_t(__aeabi_idivmod(n, d) >> 32));
}
#endif
#endif

// The 64-bit product (xtensawin: no libgcc at all, and the ESP8266 core's instruction set has no
// high half of a 32-bit product). Modulo 2^64, as C's unsigned multiplication.
#if defined(NEED___muldi3)
ENTRY uint64_t __muldi3(uint64_t a, uint64_t b) {
    const uint32_t a0 = uint32_t(a), b0 = uint32_t(b);
    const uint32_t cross = a0 * uint32_t(b >> 32) + uint32_t(a >> 32) * b0;
    return microlearn::wide_product(a0, b0) + (uint64_t(cross) << 32);
}
#endif

// 64-bit shifts by a variable count n in [0, 63] (xtensawin), on the two 32-bit halves.
#if defined(NEED___ashldi3)
ENTRY uint64_t __ashldi3(uint64_t a, int32_t n) {
    uint32_t low = uint32_t(a), high = uint32_t(a >> 32);
    if (n & 32) {
        high = low << (n & 31);
        low = 0;
    } else if (n != 0) {
        high = (high << n) | (low >> (32 - n));
        low <<= n;
    }
    return uint64_t(high) << 32 | low;
}
#endif
#if defined(NEED___lshrdi3) || defined(NEED___ashrdi3)
// The arithmetic form copies the sign bit into the vacated bits (fill: 0 or all ones).
inline uint64_t shift_right(uint64_t a, int32_t n, uint32_t fill) {
    uint32_t low = uint32_t(a), high = uint32_t(a >> 32);
    if (n & 32) {
        low = n & 31 ? (high >> (n & 31)) | (fill << (32 - (n & 31))) : high;
        high = fill;
    } else if (n != 0) {
        low = (low >> n) | (high << (32 - n));
        high = (high >> n) | (fill << (32 - n));
    }
    return uint64_t(high) << 32 | low;
}
#endif
#if defined(NEED___lshrdi3)
ENTRY uint64_t __lshrdi3(uint64_t a, int32_t n) {
    return shift_right(a, n, 0);
}
#endif
#if defined(NEED___ashrdi3)
ENTRY int64_t __ashrdi3(int64_t a, int32_t n) {
    return int64_t(shift_right(uint64_t(a), n, a < 0 ? 0xffffffffu : 0));
}
#endif

#if defined(MICROLEARN_XTENSA_FPU)
// xtensawin-fpu (ESP32, ESP32-S3): GCC here has no FPU code for them, but the assembler knows the
// FPU's instructions (natmod.mk), so the most frequent routines run on it: the operands moved
// into f0 and f1, one instruction, the result moved back. IEEE 754 single precision, rounded to
// nearest even (the FPU's default mode, which MicroPython leaves alone): the results of the
// software routines. f0 and f1 are caller-saved in the ABI and unknown to this GCC, which never
// uses them; no clobber is listed (it would not know the names).
#define XTENSA_FPU_BINARY(insn, a, b)                                                              \
    uint32_t r;                                                                                    \
    __asm__("wfr f0, %1\n\twfr f1, %2\n\t" insn " f0, f0, f1\n\trfr %0, f0"                        \
            : "=r"(r)                                                                              \
            : "r"(a), "r"(b));                                                                     \
    return r
// float.s or ufloat.s: an int32 or uint32 to float, rounded to nearest even.
#define XTENSA_FPU_FROM_INT(insn, x)                                                               \
    uint32_t r;                                                                                    \
    __asm__(insn " f0, %1, 0\n\trfr %0, f0" : "=r"(r) : "r"(x));                                   \
    return r
#endif

// libgcc's generic names (RISC-V). The comparisons return an int whose sign, or whether it is
// zero, answers; for a NaN operand, one that makes the tested relation false.
#if defined(NEED___addsf3) || defined(NEED___subsf3)
ENTRY uint32_t __addsf3(uint32_t a, uint32_t b) {
#if defined(MICROLEARN_XTENSA_FPU)
    XTENSA_FPU_BINARY("add.s", a, b);
#else
    return sf::add(a, b);
#endif
}
#endif
#if defined(NEED___subsf3)
ENTRY uint32_t __subsf3(uint32_t a, uint32_t b) {
#if defined(MICROLEARN_XTENSA_FPU)
    XTENSA_FPU_BINARY("sub.s", a, b);
#else
    return __addsf3(a, b ^ 0x80000000u);
#endif
}
#endif
#if defined(NEED___mulsf3)
ENTRY uint32_t __mulsf3(uint32_t a, uint32_t b) {
#if defined(MICROLEARN_XTENSA_FPU)
    XTENSA_FPU_BINARY("mul.s", a, b);
#else
    return sf::mul(a, b);
#endif
}
#endif
#if defined(NEED___divsf3)
ENTRY uint32_t __divsf3(uint32_t a, uint32_t b) {
    return sf::div(a, b);
}
#endif
#if defined(NEED___floatsisf)
ENTRY uint32_t __floatsisf(int32_t x) {
#if defined(MICROLEARN_XTENSA_FPU)
    XTENSA_FPU_FROM_INT("float.s", x);
#else
    return sf::from_int(x);
#endif
}
#endif
#if defined(NEED___floatunsisf)
ENTRY uint32_t __floatunsisf(uint32_t x) {
#if defined(MICROLEARN_XTENSA_FPU)
    XTENSA_FPU_FROM_INT("ufloat.s", x);
#else
    return sf::from_uint(x);
#endif
}
#endif
#if defined(NEED___truncdfsf2)
ENTRY uint32_t __truncdfsf2(uint64_t x) {
    return sf::from_double(uint32_t(x >> 32), uint32_t(x));
}
#endif
#if defined(NEED___extendsfdf2)
ENTRY uint64_t __extendsfdf2(uint32_t x) {
    return sf::to_double(x);
}
#endif
#if defined(NEED___floatsidf)
ENTRY uint64_t __floatsidf(int32_t x) {
    return sf::double_from_int(x);
}
#endif
#if defined(NEED___floatunsidf)
ENTRY uint64_t __floatunsidf(uint32_t x) {
    return sf::double_from_uint(x);
}
#endif
#if defined(NEED___adddf3) || defined(NEED___subdf3)
ENTRY uint64_t __adddf3(uint64_t a, uint64_t b) {
    return sf::add_double(a, b);
}
#endif
#if defined(NEED___subdf3)
ENTRY uint64_t __subdf3(uint64_t a, uint64_t b) {
    return __adddf3(a, b ^ 0x8000000000000000u);
}
#endif
#if defined(NEED___muldf3)
ENTRY uint64_t __muldf3(uint64_t a, uint64_t b) {
    return sf::mul_double(a, b);
}
#endif
#if defined(NEED___divdf3)
ENTRY uint64_t __divdf3(uint64_t a, uint64_t b) {
    return sf::div_double(a, b);
}
#endif
#if defined(NEED___fixsfsi)
ENTRY int32_t __fixsfsi(uint32_t x) {
    return sf::int_from_float(x);
}
#endif
#if defined(NEED___fixdfsi)
ENTRY int32_t __fixdfsi(uint64_t x) {
    return sf::int_from_double(x);
}
#endif
#if defined(NEED_EQUALITY)
ENTRY int32_t __eqsf2(uint32_t a, uint32_t b) { // 0: equal
    return !equal(a, b);
}
ENTRY int32_t __nesf2(uint32_t a, uint32_t b) { // not 0: not equal
    return !equal(a, b);
}
#endif
#if defined(NEED_LESS)
ENTRY int32_t __ltsf2(uint32_t a, uint32_t b) { // < 0: a < b
    return sf::compare(a, b, 1);
}
ENTRY int32_t __lesf2(uint32_t a, uint32_t b) { // <= 0: a <= b
    return sf::compare(a, b, 1);
}
#endif
#if defined(NEED_GREATER)
ENTRY int32_t __gtsf2(uint32_t a, uint32_t b) { // > 0: a > b
    return sf::compare(a, b, -1);
}
ENTRY int32_t __gesf2(uint32_t a, uint32_t b) { // >= 0: a >= b
    return sf::compare(a, b, -1);
}
#endif
#if defined(NEED___unordsf2)
ENTRY int32_t __unordsf2(uint32_t a, uint32_t b) { // not 0: a NaN
    return sf::compare(a, b, 2) == 2;
}
#endif
