// Incremental decimal number scanner for the text formats the core reads (trees CSV).
// Characters are pushed one at a time, so a parser never needs a line buffer. The result is kept
// exact enough to round a threshold up to an integer without floating point: up to nine
// significant digits, a power of ten, and a flag for any non-zero digit that was dropped.
#pragma once
#include "status.h"

namespace microlearn {

struct DecimalScanner {
    uint32_t mantissa;
    int32_t exp10;    // value = mantissa * 10^exp10 (+ dropped digits)
    int32_t exponent; // the written exponent after 'e'
    uint8_t digits;   // significant digits kept in mantissa
    bool negative;
    bool exp_negative;
    bool sticky; // a non-zero digit was dropped
    bool seen_digit;
    bool seen_dot;
    bool seen_exp;
    bool seen_exp_digit;
    bool seen_sign;
    bool seen_exp_sign;
    bool invalid;
};

void decimal_reset(DecimalScanner* d);
// Returns false when c cannot be part of a number.
bool decimal_push(DecimalScanner* d, char c);
// True when a complete, well-formed number was scanned.
bool decimal_complete(const DecimalScanner* d);

// Exact integer value; false when the number is not an integer. Saturates at +-2^30.
bool decimal_to_int(const DecimalScanner* d, int32_t* out);
// Smallest integer >= value, saturated to [-40000, 40000] (enough to tell int16 overflow).
int32_t decimal_ceil_clamped(const DecimalScanner* d);
// The nearest float (ties to even), +-inf beyond float range: exact for numbers of up to nine
// significant digits, which is every float32 printed to round-trip; longer ones are rounded from
// their first nine digits and whether any dropped digit is non-zero. Integer arithmetic only,
// so every core reads the same float.
float decimal_to_float(const DecimalScanner* d);

} // namespace microlearn
