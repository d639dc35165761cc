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

// Element counts fit the engines' uint32_t lengths.
inline uint32_t clamp32(size_t n) {
    return n > 0xffffffffu ? 0xffffffffu : uint32_t(n);
}

// Elements of a buffer whose typecode was checked to be T's: a division by a constant, without
// the generic typecode table.
template <typename T> uint32_t count_as(const BufferView& b) {
    return clamp32(b.bytes / sizeof(T));
}

// `got` elements are exactly `length`, else err = ValueError("<before><name><after>expected N,
// got M").
inline bool check_count(size_t got, uint32_t length, const char* before, const char* name,
                        const char* after, Error* err) {
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

// `got` elements are exactly `length`, else err = ValueError("wrong array length for <name>:
// expected N, got M").
inline bool check_length(size_t got, uint32_t length, const char* name, Error* err) {
    return check_count(got, length, "wrong array length for ", name, ": ", err);
}

inline bool check_floats(const BufferView& b, uint32_t length, const char* name, Error* err) {
    return check_typecode(b, 'f', "expecting float array", name, err) &&
           check_length(count_as<float>(b), length, name, err);
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

} // namespace api
} // namespace microlearn
