// Single-precision float routines for the native modules of cores without a floating-point unit
// (armv6m, armv7m, rv32imc). GCC turns each float operation there into a call to a libgcc routine,
// and mpy_ld copies the routines called into every module: on rv32imc __addsf3, __subsf3 (a second
// full copy), __mulsf3, __divsf3 and the comparisons are 4.8 kB, often more than the module's own
// code. This file defines those entry points with src/core/softfloat.cpp, which is smaller and
// gives the same results.
//
// natmod.mk compiles it after the module, with -DNEED_<symbol> for each routine the module's
// object leaves undefined, so that a module gets the routines it calls and no others; mpy_ld then
// takes from libgcc only what is still missing (comparisons and conversions where libgcc's are
// small). Compiled with -fwhole-program: what no entry point here uses is dropped.
#include "softfloat.cpp"

// natmod.mk renames the modules' calls to these routines natmod_<routine>.
#define ENTRY extern "C" __attribute__((externally_visible))

namespace sf = microlearn::softfloat;

// The ARM run-time ABI's names (RTABI 4.1.2); floats travel in core registers.
// One copy of add(), inlined here; the subtractions flip a sign and jump to it.
#if defined(NEED___aeabi_fadd) || defined(NEED___aeabi_fsub) || defined(NEED___aeabi_frsub)
ENTRY uint32_t natmod___aeabi_fadd(uint32_t a, uint32_t b) {
    return sf::add(a, b);
}
#endif
#if defined(NEED___aeabi_fsub)
ENTRY uint32_t natmod___aeabi_fsub(uint32_t a, uint32_t b) {
    return natmod___aeabi_fadd(a, b ^ 0x80000000u);
}
#endif
#if defined(NEED___aeabi_frsub)
ENTRY uint32_t natmod___aeabi_frsub(uint32_t a, uint32_t b) {
    return natmod___aeabi_fadd(b, a ^ 0x80000000u);
}
#endif
#if defined(NEED___aeabi_fmul)
ENTRY uint32_t natmod___aeabi_fmul(uint32_t a, uint32_t b) {
    return sf::mul(a, b);
}
#endif
#if defined(NEED___aeabi_fdiv)
ENTRY uint32_t natmod___aeabi_fdiv(uint32_t a, uint32_t b) {
    return sf::div(a, b);
}
#endif
#if defined(NEED___aeabi_i2f)
ENTRY uint32_t natmod___aeabi_i2f(int32_t x) {
    return sf::from_int(x);
}
#endif
#if defined(NEED___aeabi_ui2f)
ENTRY uint32_t natmod___aeabi_ui2f(uint32_t x) {
    return sf::from_uint(x);
}
#endif
// The comparisons return 1 when the relation holds, else 0 (also for a NaN operand).
#if defined(NEED___aeabi_fcmpeq)
ENTRY int32_t natmod___aeabi_fcmpeq(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) == 0;
}
#endif
#if defined(NEED___aeabi_fcmplt)
ENTRY int32_t natmod___aeabi_fcmplt(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) < 0;
}
#endif
#if defined(NEED___aeabi_fcmple)
ENTRY int32_t natmod___aeabi_fcmple(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) <= 0;
}
#endif
#if defined(NEED___aeabi_fcmpge)
ENTRY int32_t natmod___aeabi_fcmpge(uint32_t a, uint32_t b) {
    return sf::compare(a, b, -2) >= 0;
}
#endif
#if defined(NEED___aeabi_fcmpgt)
ENTRY int32_t natmod___aeabi_fcmpgt(uint32_t a, uint32_t b) {
    return sf::compare(a, b, -2) > 0;
}
#endif
#if defined(NEED___aeabi_fcmpun)
ENTRY int32_t natmod___aeabi_fcmpun(uint32_t a, uint32_t b) {
    return sf::compare(a, b, 2) == 2;
}
#endif

// libgcc's generic names (RISC-V). The comparisons return an int whose sign, or whether it is
// zero, answers; for a NaN operand, one that makes the tested relation false.
#if defined(NEED___addsf3) || defined(NEED___subsf3)
ENTRY uint32_t natmod___addsf3(uint32_t a, uint32_t b) {
    return sf::add(a, b);
}
#endif
#if defined(NEED___subsf3)
ENTRY uint32_t natmod___subsf3(uint32_t a, uint32_t b) {
    return natmod___addsf3(a, b ^ 0x80000000u);
}
#endif
#if defined(NEED___mulsf3)
ENTRY uint32_t natmod___mulsf3(uint32_t a, uint32_t b) {
    return sf::mul(a, b);
}
#endif
#if defined(NEED___divsf3)
ENTRY uint32_t natmod___divsf3(uint32_t a, uint32_t b) {
    return sf::div(a, b);
}
#endif
#if defined(NEED___floatsisf)
ENTRY uint32_t natmod___floatsisf(int32_t x) {
    return sf::from_int(x);
}
#endif
#if defined(NEED___floatunsisf)
ENTRY uint32_t natmod___floatunsisf(uint32_t x) {
    return sf::from_uint(x);
}
#endif
#if defined(NEED___eqsf2)
ENTRY int32_t natmod___eqsf2(uint32_t a, uint32_t b) { // 0: equal
    return sf::compare(a, b, 1);
}
#endif
#if defined(NEED___nesf2)
ENTRY int32_t natmod___nesf2(uint32_t a, uint32_t b) { // not 0: not equal
    return sf::compare(a, b, 1);
}
#endif
#if defined(NEED___ltsf2)
ENTRY int32_t natmod___ltsf2(uint32_t a, uint32_t b) { // < 0: a < b
    return sf::compare(a, b, 1);
}
#endif
#if defined(NEED___lesf2)
ENTRY int32_t natmod___lesf2(uint32_t a, uint32_t b) { // <= 0: a <= b
    return sf::compare(a, b, 1);
}
#endif
#if defined(NEED___gtsf2)
ENTRY int32_t natmod___gtsf2(uint32_t a, uint32_t b) { // > 0: a > b
    return sf::compare(a, b, -1);
}
#endif
#if defined(NEED___gesf2)
ENTRY int32_t natmod___gesf2(uint32_t a, uint32_t b) { // >= 0: a >= b
    return sf::compare(a, b, -1);
}
#endif
#if defined(NEED___unordsf2)
ENTRY int32_t natmod___unordsf2(uint32_t a, uint32_t b) { // not 0: a NaN
    return sf::compare(a, b, 2) == 2;
}
#endif
