// Checks of array arguments shared by the signal-processing modules (fft, iir, iir_q15). The
// messages begin with the reference's own words ("expecting float array", "wrong array length"),
// so that code matching on them keeps working, and then name the argument and the sizes.
#pragma once
#include "api.h"

namespace microlearn {
namespace api {

// The typecode is `typecode`, else err = ValueError("<expecting> for <name>").
inline bool check_typecode(const BufferView& b, char typecode, const char* expecting,
                           const char* name, Error* err) {
    if (b.typecode == typecode) {
        return true;
    }
    fail(err, ErrorType::ValueError).text(expecting).text(" for ").text(name);
    return false;
}

// Exactly `length` elements, else err = ValueError("<before><name><after>expected N, got M").
inline bool check_count(const BufferView& b, uint32_t length, const char* before, const char* name,
                        const char* after, Error* err) {
    const size_t got = element_count(b);
    if (got == length) {
        return true;
    }
    fail(err, ErrorType::ValueError)
        .text(before)
        .text(name)
        .text(after)
        .text("expected ")
        .number(int32_t(length))
        .text(", got ")
        .number(got > 0x7fffffffu ? 0x7fffffff : int32_t(got));
    return false;
}

// Exactly `length` elements, else err = ValueError("wrong array length for <name>: expected N,
// got M").
inline bool check_length(const BufferView& b, uint32_t length, const char* name, Error* err) {
    return check_count(b, length, "wrong array length for ", name, ": ", err);
}

inline bool check_floats(const BufferView& b, uint32_t length, const char* name, Error* err) {
    return check_typecode(b, 'f', "expecting float array", name, err) &&
           check_length(b, length, name, err);
}

// Whether two buffers share any byte (the engines need distinct input and output arrays).
inline bool overlap(const BufferView& a, const BufferView& b) {
    const uintptr_t pa = reinterpret_cast<uintptr_t>(a.data);
    const uintptr_t pb = reinterpret_cast<uintptr_t>(b.data);
    return a.bytes > 0 && b.bytes > 0 && pa < pb + b.bytes && pb < pa + a.bytes;
}

inline bool check_distinct(const BufferView& a, const BufferView& b, const char* names,
                           Error* err) {
    if (!overlap(a, b)) {
        return true;
    }
    fail(err, ErrorType::ValueError).text(names).text(" must be different arrays");
    return false;
}

// Element counts fit the engines' uint32_t lengths.
inline uint32_t count32(const BufferView& b) {
    const size_t n = element_count(b);
    return n > 0xffffffffu ? 0xffffffffu : uint32_t(n);
}

} // namespace api
} // namespace microlearn
