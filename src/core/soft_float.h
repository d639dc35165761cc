// Size help for cores without a floating-point unit, where every float/double operation is a libgcc
// routine linked into the native module.
#pragma once

namespace microlearn {

// a - b computed as a + (-b): the same bits (IEEE 754 defines subtraction so) and a negation is a
// sign flip, but a module that also adds then links one soft-float routine instead of two (the
// subtraction alone is about 800 bytes on armv6m). The empty asm hides -b from the optimiser, which
// would otherwise fold the expression back into a - b.
template <typename T> inline T subtract_by_adding(T a, T b) {
    T nb = -b;
#if defined(__GNUC__)
    __asm__("" : "+g"(nb));
#endif
    return a + nb;
}

} // namespace microlearn
