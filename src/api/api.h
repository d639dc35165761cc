// What every module's contract shares: buffers as the bindings hand them over, and errors as the
// bindings raise them. The api layer decides every check and writes every message; a binding only
// converts objects into BufferViews and an Error into its runtime's exception.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace microlearn {
namespace api {

// A contiguous buffer with an array.array typecode ('b','B','h','H','i','I','f','d'; bytes and
// bytearray are 'B').
struct BufferView {
    void* data;
    size_t bytes;
    char typecode;
};

size_t typecode_size(char typecode); // 0 for an unknown typecode
// Number of elements; 0 when the typecode is unknown.
inline size_t element_count(const BufferView& b) {
    // Sizes are 1, 2, 4 and 8: a shift, not a division (a library call on cores without one).
    const size_t size = typecode_size(b.typecode);
    return size ? b.bytes >> ((size >> 1) - (size >> 3)) : 0;
}

enum class ErrorType : uint8_t {
    None = 0,
    ValueError,
    TypeError,
    MemoryError,
    RuntimeError,
    OSError
};

struct Error {
    ErrorType type;
    uint8_t length;
    char message[94];
};

// Builds a message in place: fail(err, ValueError).text("line ").number(7).text(": x").
class MessageBuilder {
  public:
    explicit MessageBuilder(Error* error) : error_(error) {}
    MessageBuilder& text(const char* s);
    MessageBuilder& number(int32_t value);

  private:
    Error* error_;
};

MessageBuilder fail(Error* error, ErrorType type);
// The index-th of several '\0'-separated strings: message tables without a pointer per entry
// (each pointer would cost a relocation in a native module).
const char* nth_text(const char* packed, uint32_t index);
// Shorthand for the common case; returns false so callers can `return raise_value(err, "...")`.
bool raise_value(Error* error, const char* message);
bool raise_type(Error* error, const char* message);

// Why a binding cannot take an object as an array argument. Each is a TypeError on both runtimes
// (CPython's own would be a BufferError for the last two; MicroPython reads a str as bytes).
enum class BufferFault : uint8_t {
    Text,          // a str where an array of numbers is expected
    ReadOnly,      // bytes or a read-only memoryview where the call writes
    NotContiguous, // a strided view (CPython)
};
bool raise_buffer_fault(Error* error, BufferFault fault);
// ValueError for a buffer whose address is not a multiple of its element size: the engines read
// elements in place. Only CPython can make one (numpy or memoryview.cast() views at an odd byte
// offset); MicroPython's arrays and their views are always aligned.
bool raise_unaligned(Error* error);

} // namespace api
} // namespace microlearn
