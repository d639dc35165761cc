#include "api.h"

#include "soft_float.h"

namespace microlearn {
namespace api {

size_t typecode_size(char typecode) {
    switch (typecode) {
    case 'b':
    case 'B':
        return 1;
    case 'h':
    case 'H':
        return 2;
    case 'i':
    case 'I':
    case 'f':
        return 4;
    case 'd':
        return 8;
    default:
        return 0;
    }
}

MessageBuilder& MessageBuilder::text(const char* s) {
    while (*s && error_->length + 1u < sizeof(error_->message)) {
        error_->message[error_->length++] = *s++;
    }
    error_->message[error_->length] = '\0';
    return *this;
}

MessageBuilder& MessageBuilder::number(int32_t value) {
    char digits[12];
    int n = 0;
    uint32_t v = value < 0 ? 0u - uint32_t(value) : uint32_t(value);
    do {
        uint32_t digit;
        v = divide(v, 10u, &digit);
        digits[n++] = char('0' + digit);
    } while (v != 0);
    if (value < 0) {
        digits[n++] = '-';
    }
    char text_form[12];
    for (int i = 0; i < n; i++) {
        text_form[i] = digits[n - 1 - i];
    }
    text_form[n] = '\0';
    return text(text_form);
}

MessageBuilder fail(Error* error, ErrorType type) {
    error->type = type;
    error->length = 0;
    error->message[0] = '\0';
    return MessageBuilder(error);
}

const char* nth_text(const char* packed, uint32_t index) {
    for (; index > 0; index--) {
        while (*packed++ != '\0') {
        }
    }
    return packed;
}

bool raise_value(Error* error, const char* message) {
    fail(error, ErrorType::ValueError).text(message);
    return false;
}

bool raise_type(Error* error, const char* message) {
    fail(error, ErrorType::TypeError).text(message);
    return false;
}

namespace {

// In BufferFault order.
constexpr char kBufferFaultTexts[] = "expecting an array, not str\0"
                                     "expecting a writable array, not a read-only buffer\0"
                                     "expecting a contiguous array";

} // namespace

bool raise_buffer_fault(Error* error, BufferFault fault) {
    return raise_type(error, nth_text(kBufferFaultTexts, uint32_t(fault)));
}

bool raise_unaligned(Error* error) {
    return raise_value(error, "arrays must be aligned to their element size");
}

} // namespace api
} // namespace microlearn
