// Result codes shared by every engine. The core never throws and never formats text:
// it reports what went wrong with one of these, and the api layer turns it into a message.
#pragma once
#include <stddef.h>
#include <stdint.h>

// Native modules are built for size (-Os); the few inner loops that decide speed ask GCC for -O2
// here instead of making whole files larger. Other compilers optimise them as the file says.
// MICROLEARN_VECTORIZE: -O3, for an integer loop that GCC turns into SIMD code where the target
// has it (x64's SSE2).
#if defined(__GNUC__) && !defined(__clang__)
#define MICROLEARN_HOT __attribute__((optimize("O2")))
#define MICROLEARN_VECTORIZE __attribute__((optimize("O3")))
#else
#define MICROLEARN_HOT
#define MICROLEARN_VECTORIZE
#endif

// Whether the target computes float32 in hardware (an FPU instruction, not a library call): x86,
// Cortex-M4F/M7 (armv7emsp/dp), RISC-V with F, the ESP32's Xtensa; not Cortex-M0/M3, rv32imc or
// the ESP8266. Code that can skip float work on some values chooses by it, and float_checks.h
// whether to compare on the bits; results are the same either way.
#if defined(__x86_64__) || defined(__i386__) || (defined(__ARM_FP) && (__ARM_FP & 4)) ||           \
    (defined(__riscv_flen) && __riscv_flen >= 32) || defined(__aarch64__) ||                       \
    defined(__XTENSA_HARD_FLOAT__)
#define MICROLEARN_HARDWARE_FLOAT 1
#else
#define MICROLEARN_HARDWARE_FLOAT 0
#endif

// The same for float64: x86, x64, AArch64, ARM with a double-precision FPU (armv7emdp,
// Cortex-M7), RISC-V with D, and any other host; not Cortex-M0/M3/M4F, rv32imc, the ESP32 or the
// ESP8266. float_checks.h chooses its double compares by it, iir.h its state.
#if defined(__arm__) || defined(__thumb__) || defined(__riscv) || defined(__XTENSA__)
#if (defined(__ARM_FP) && (__ARM_FP & 8)) || (defined(__riscv_flen) && __riscv_flen >= 64)
#define MICROLEARN_HARDWARE_DOUBLE 1
#else
#define MICROLEARN_HARDWARE_DOUBLE 0
#endif
#else
#define MICROLEARN_HARDWARE_DOUBLE 1
#endif

// Keeps a rarely run function out of a loop that calls it: GCC keeps the loop's variables in
// registers and writes them back on every exit, and an inlined function's early returns are more
// exits, each with its own copy of those stores.
#if defined(__GNUC__)
#define MICROLEARN_NOINLINE __attribute__((noinline))
#else
#define MICROLEARN_NOINLINE
#endif

namespace microlearn {

enum class Status : uint8_t {
    Ok = 0,
    InvalidArgument, // a value outside what the algorithm accepts
    SizeMismatch,    // a buffer of the wrong length
    CapacityFull,    // the fixed capacity reserved at init is used up
    NotReady,        // used before it was initialised or loaded
    Corrupt,         // a model/file whose structure is inconsistent
    Syntax,          // a text or binary format that could not be parsed
    Unsupported,     // valid input that this engine does not implement
};

} // namespace microlearn
