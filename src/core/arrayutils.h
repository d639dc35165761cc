// Element-wise helpers over typed arrays, for the emlearn_arrayutils module.
#pragma once
#include "status.h"

namespace microlearn {

// The element types of MicroPython's array module that the helpers accept (typecodes b B h H
// i I f on ports where 'i' is 32 bits; mapping typecodes to types is the api layer's job, since
// the size of 'i' and 'l' depends on the port).
enum class ElementType : uint8_t { Int8, Uint8, Int16, Uint16, Int32, Uint32, Float32 };

// Bytes per element; 0 for a value outside the enum.
uint32_t element_size(ElementType type);

// How linear_map() limits its results, besides the limits of the output type.
enum class LinearMapClamp : uint8_t {
    TypeRange, // integers saturate at the output type's range; floats are not limited
    OutRange,  // first clamp to [min(out_min, out_max), max(out_min, out_max)], as the
               // reference's map_linear does, then as TypeRange
};

// out[i] = (in[i] - in_min) * (out_max - out_min) / (in_max - in_min) + out_min
// for every pair of element types.
//
// Arithmetic: float32 when neither side is a 32-bit integer type: the parameters are rounded to
// float and the value is computed as (x - in_min) * scale + out_min with scale computed once, in
// double, from the four parameters. float32 holds every 8- and 16-bit integer exactly. When
// either side is Int32 or Uint32, the same formula runs in double, which holds every
// int32/uint32 exactly. On every core: without an FPU, float costs far fewer instructions than
// double (the module then carries both sets of routines). Each operation rounds on its own:
// arrayutils.cpp must be compiled with -ffp-contract=off (modules.mk, CMakeLists.txt), or GCC
// fuses the multiply and the add where the core has a fused multiply-add (Cortex-M4F, M7).
//
// Integer outputs: NaN becomes 0; values at or beyond the type's range saturate to its minimum
// or maximum (infinities included); anything else is rounded to nearest with ties away from zero
// (2.5 -> 3, -2.5 -> -3). The rounding applies to the value as computed in the arithmetic above,
// so a result that lies within rounding error of a .5 tie may go either way.
// Float outputs: NaN stays NaN (also with OutRange), infinities stay infinite unless OutRange
// clamps them.
//
// Memory: in and out hold n elements, aligned to their element size. out may be the very same
// buffer as in when its elements are no wider than in's (in particular the same type: in-place
// mapping); any other overlap is refused.
//
// Errors: InvalidArgument, with the reason in *fault when fault is not null (the api layer's
// messages), checked in this order:
enum class LinearMapFault : uint8_t {
    None,
    BadType,         // an element type or clamp outside its enum
    NotFinite,       // in_min, in_max, out_min or out_max is infinite or NaN
    EmptyInputRange, // in_min == in_max
    RangeTooLarge,   // in_max - in_min, out_max - out_min or the scale beyond double's range, or,
                     // on the float32 path, a parameter or the scale beyond float's
    BadMemory,       // n > 0 and a null array, or one not aligned to its element size
    Overlap,         // out overlaps in otherwise than as allowed above
};
// n == 0 is Ok once the parameters are: the arrays are then not looked at.
Status linear_map(const void* in, ElementType in_type, void* out, ElementType out_type, uint32_t n,
                  double in_min, double in_max, double out_min, double out_max,
                  LinearMapClamp clamp, LinearMapFault* fault = nullptr);

} // namespace microlearn
