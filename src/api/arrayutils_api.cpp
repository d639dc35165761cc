#include "arrayutils_api.h"

#include "arrayutils.h"
#include "float_checks.h"

namespace microlearn {
namespace api {

namespace {

bool element_type(char typecode, ElementType* type) {
    // In ElementType order.
    static const char kCodes[] = "bBhHiIf";
    for (uint8_t i = 0; i < 7; ++i) {
        if (kCodes[i] == typecode) {
            *type = static_cast<ElementType>(i);
            return true;
        }
    }
    return false;
}

} // namespace

bool linear_map(const BufferView& inputs, const BufferView& outputs, double in_min, double in_max,
                double out_min, double out_max, Error* err) {
    ElementType in_type, out_type;
    if (!element_type(inputs.typecode, &in_type) || !element_type(outputs.typecode, &out_type)) {
        return raise_value(err, "unsupported array typecode (expecting b, B, h, H, i, I or f)");
    }
    const size_t n = element_count(inputs);
    if (n != element_count(outputs)) {
        fail(err, ErrorType::ValueError)
            .text("length mismatch: inputs ")
            .number(n > 0x7fffffffu ? 0x7fffffff : int32_t(n))
            .text(", outputs ")
            .number(element_count(outputs) > 0x7fffffffu ? 0x7fffffff
                                                         : int32_t(element_count(outputs)));
        return false;
    }
    if (!float_is_finite(in_min) || !float_is_finite(in_max) || !float_is_finite(out_min) ||
        !float_is_finite(out_max)) {
        return raise_value(err, "in_min, in_max, out_min and out_max must be finite");
    }
    if (float_equal(in_min, in_max)) {
        return raise_value(err, "in_min and in_max must differ");
    }
    const uintptr_t a = reinterpret_cast<uintptr_t>(inputs.data);
    const uintptr_t b = reinterpret_cast<uintptr_t>(outputs.data);
    const bool overlapping = n > 0 && a < b + outputs.bytes && b < a + inputs.bytes;
    if (overlapping && !(a == b && outputs.bytes <= inputs.bytes)) {
        return raise_value(err, "outputs overlap inputs (in place needs the very same array)");
    }
    if (a % typecode_size(inputs.typecode) != 0 || b % typecode_size(outputs.typecode) != 0) {
        return raise_value(err, "arrays must be aligned to their element size");
    }
    if (n > 0xffffffffu) {
        return raise_value(err, "array too long");
    }
    // Left for the engine: a scale or parameter that float32 cannot hold on the float path.
    return microlearn::linear_map(inputs.data, in_type, outputs.data, out_type, uint32_t(n), in_min,
                                  in_max, out_min, out_max,
                                  LinearMapClamp::OutRange) == Status::Ok ||
           raise_value(err, "range too large for float32 arithmetic");
}

} // namespace api
} // namespace microlearn
