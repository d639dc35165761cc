// emlearn_arrayutils: the module contract (SPEC.md) over the element-wise helpers.
#pragma once
#include "api.h"

namespace microlearn {
namespace api {

// linear_map(inputs, outputs, in_min, in_max, out_min, out_max):
//   outputs[i] = clamp((inputs[i] - in_min) * (out_max - out_min) / (in_max - in_min) + out_min)
// for any pair of typecodes b B h H i I f, clamped to [out_min, out_max] as the reference does
// (to [out_max, out_min] when out_max < out_min), rounded to nearest (ties away from zero) and
// saturated at the type's range for integer outputs. Same length required; in place when
// outputs is inputs. Rounding, saturation and arithmetic: src/core/arrayutils.h.
bool linear_map(const BufferView& inputs, const BufferView& outputs, double in_min, double in_max,
                double out_min, double out_max, Error* err);

} // namespace api
} // namespace microlearn
