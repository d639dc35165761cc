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
// Arithmetic: float32 results when neither side is a 32-bit integer type; then the parameters
// are rounded to float and the value is computed as (x - in_min) * scale + out_min with scale
// computed once, in double, from the four parameters. float32 holds every 8- and 16-bit integer
// exactly. When either side is Int32 or Uint32, the same formula runs in double, which holds every
// int32/uint32 exactly. The code has one loop for both: cores with a single-precision FPU
// (Cortex-M4F) run the float32 case in float; elsewhere (x64, and soft-float cores such as
// Cortex-M0, for the smallest module) it runs in double with every result rounded back to float,
// which gives the same bits. On Cortex-M0 that trades some speed (software double instead of
// software float) for about half the module size.
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
// Errors: InvalidArgument for in_max == in_min, a parameter or the scale that is not finite (or
// not representable as a float on the float32 path), a null array with n > 0, misalignment, an
// unknown type or a forbidden overlap.
Status linear_map(const void* in, ElementType in_type, void* out, ElementType out_type, uint32_t n,
                  double in_min, double in_max, double out_min, double out_max,
                  LinearMapClamp clamp);

} // namespace microlearn
