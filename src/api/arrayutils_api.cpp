#include "arrayutils_api.h"

#include "arrayutils.h"

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
    if (n > 0xffffffffu) {
        return raise_value(err, "array too long");
    }
    LinearMapFault fault = LinearMapFault::None;
    if (microlearn::linear_map(inputs.data, in_type, outputs.data, out_type, uint32_t(n), in_min,
                               in_max, out_min, out_max, LinearMapClamp::OutRange,
                               &fault) == Status::Ok) {
        return true;
    }
    // Indexed by LinearMapFault; the typecodes were checked above.
    static constexpr char kTexts[] =
        "\0\0"
        "in_min, in_max, out_min and out_max must be finite\0"
        "in_min and in_max must differ\0"
        "range too large for float32 arithmetic (double with i or I arrays)\0"
        "arrays must be aligned to their element size\0"
        "outputs overlap inputs (in place needs the very same array)";
    return raise_value(err, nth_text(kTexts, uint32_t(fault)));
}

} // namespace api
} // namespace microlearn
