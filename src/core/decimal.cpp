#include "decimal.h"

#include "soft_float.h"

namespace microlearn {

namespace {

constexpr uint32_t kPow10[10] = {1u,      10u,      100u,      1000u,      10000u,
                                 100000u, 1000000u, 10000000u, 100000000u, 1000000000u};
constexpr int32_t kSaturate = 1 << 30;

// Integer part and whether a fractional part remains, for |value|; saturates at kSaturate.
void split(const DecimalScanner* d, uint32_t* integer, bool* fraction) {
    const int32_t e = d->exp10;
    uint32_t m = d->mantissa;
    if (m == 0) {
        *integer = 0;
        *fraction = d->sticky;
        return;
    }
    if (e >= 0) {
        for (int32_t i = 0; i < e; i++) {
            if (m >= uint32_t(kSaturate) / 10u) {
                *integer = kSaturate;
                *fraction = false;
                return;
            }
            m *= 10u;
        }
        *integer = m;
        *fraction = d->sticky;
        return;
    }
    if (e < -9) {
        *integer = 0;
        *fraction = true;
        return;
    }
    const uint32_t p = kPow10[-e];
    uint32_t remainder;
    const uint32_t q = divide(m, p, &remainder);
    *integer = q > uint32_t(kSaturate) ? uint32_t(kSaturate) : q;
    *fraction = remainder != 0 || d->sticky;
}

} // namespace

void decimal_reset(DecimalScanner* d) {
    d->mantissa = 0;
    d->exp10 = 0;
    d->exponent = 0;
    d->digits = 0;
    d->negative = false;
    d->exp_negative = false;
    d->sticky = false;
    d->seen_digit = false;
    d->seen_dot = false;
    d->seen_exp = false;
    d->seen_exp_digit = false;
    d->seen_sign = false;
    d->seen_exp_sign = false;
    d->invalid = false;
}

bool decimal_push(DecimalScanner* d, char c) {
    if (c >= '0' && c <= '9') {
        const uint32_t v = uint32_t(c - '0');
        if (d->seen_exp) {
            d->seen_exp_digit = true;
            if (d->exponent < 100000) {
                d->exponent = d->exponent * 10 + int32_t(v);
            }
            return true;
        }
        d->seen_digit = true;
        if (d->digits < 9) {
            if (d->mantissa != 0 || v != 0) {
                d->mantissa = d->mantissa * 10u + v;
                d->digits++;
            }
            // Saturated: 2^31 digits (a 2 GB field) wrapped it (signed overflow). At +-2^30,
            // no written exponent (below 10^6) brings the value back into float's range.
            if (d->seen_dot && d->exp10 > -(1 << 30)) {
                d->exp10--;
            }
        } else {
            // Beyond nine significant digits: keep the magnitude, remember any non-zero digit.
            if (!d->seen_dot && d->exp10 < (1 << 30)) {
                d->exp10++;
            }
            d->sticky = d->sticky || v != 0;
        }
        return true;
    }
    switch (c) {
    case '-':
    case '+':
        if (d->seen_exp) {
            if (d->seen_exp_digit || d->seen_exp_sign) {
                break;
            }
            d->seen_exp_sign = true;
            d->exp_negative = c == '-';
            return true;
        }
        if (d->seen_sign || d->seen_digit || d->seen_dot) {
            break;
        }
        d->seen_sign = true;
        d->negative = c == '-';
        return true;
    case '.':
        if (d->seen_dot || d->seen_exp) {
            break;
        }
        d->seen_dot = true;
        return true;
    case 'e':
    case 'E':
        if (d->seen_exp || !d->seen_digit) {
            break;
        }
        d->seen_exp = true;
        return true;
    default:
        break;
    }
    d->invalid = true;
    return false;
}

bool decimal_complete(const DecimalScanner* d) {
    return !d->invalid && d->seen_digit && (!d->seen_exp || d->seen_exp_digit);
}

static int32_t effective_exp10(const DecimalScanner* d) {
    const int32_t e = d->exp_negative ? -d->exponent : d->exponent;
    return d->exp10 + e;
}

bool decimal_to_int(const DecimalScanner* d, int32_t* out) {
    DecimalScanner t = *d;
    t.exp10 = effective_exp10(d);
    uint32_t integer;
    bool fraction;
    split(&t, &integer, &fraction);
    if (fraction) {
        return false;
    }
    *out = d->negative ? -int32_t(integer) : int32_t(integer);
    return true;
}

int32_t decimal_ceil_clamped(const DecimalScanner* d) {
    DecimalScanner t = *d;
    t.exp10 = effective_exp10(d);
    uint32_t integer;
    bool fraction;
    split(&t, &integer, &fraction);
    int32_t v = integer > 40000u ? 40000 : int32_t(integer);
    if (d->negative) {
        return -v; // ceil of a negative value drops its fraction
    }
    return fraction && v < 40000 ? v + 1 : v;
}

namespace {

// Unsigned integers of up to 192 bits, exact: decimal_to_float() divides two of them. 16-bit limbs
// held in 32-bit words, least significant first, so that a limb times ten plus a carry, or a
// difference with its borrow, fits a word on every core (no 64-bit arithmetic, no library call).
constexpr int kLimbs = 12;
struct Wide {
    uint32_t limb[kLimbs];
};

void wide_set(Wide* w, uint32_t value) {
    w->limb[0] = value & 0xffffu;
    w->limb[1] = value >> 16;
    for (int i = 2; i < kLimbs; i++) {
        w->limb[i] = 0;
    }
}

void wide_multiply(Wide* w, uint32_t factor) { // factor 2 or 10; the values stay below 2^190
    uint32_t carry = 0;
    for (uint32_t& limb : w->limb) {
        const uint32_t t = limb * factor + carry;
        limb = t & 0xffffu;
        carry = t >> 16;
    }
}

bool wide_less(const Wide* a, const Wide* b) {
    for (int i = kLimbs - 1; i >= 0; i--) {
        if (a->limb[i] != b->limb[i]) {
            return a->limb[i] < b->limb[i];
        }
    }
    return false;
}

void wide_subtract(Wide* a, const Wide* b) { // a >= b
    uint32_t borrow = 0;
    for (int i = 0; i < kLimbs; i++) {
        const uint32_t t = a->limb[i] + 0x10000u - b->limb[i] - borrow;
        a->limb[i] = t & 0xffffu;
        borrow = 1u - (t >> 16);
    }
}

bool wide_zero(const Wide* w) {
    uint32_t any = 0;
    for (uint32_t limb : w->limb) {
        any |= limb;
    }
    return any == 0;
}

// The bits of the float nearest mantissa * 10^e10 (ties to even; a dropped non-zero digit counts
// as more), with mantissa in 1..10^9 - 1. Long division of exact integers: a / b with
// a = mantissa * 10^max(e10, 0) and b = 10^max(-e10, 0), scaled by powers of two into [1, 2).
uint32_t float_bits_of(uint32_t mantissa, int32_t e10, bool dropped) {
    if (e10 > 38) {
        return 0x7f800000u; // at least 10^39
    }
    if (e10 < -54) {
        return 0; // below 10^-46, under half the smallest subnormal (2^-150)
    }
    Wide a, b;
    wide_set(&a, mantissa);
    wide_set(&b, 1);
    for (; e10 > 0; e10--) {
        wide_multiply(&a, 10);
    }
    for (; e10 < 0; e10++) {
        wide_multiply(&b, 10);
    }
    int32_t e2 = 0; // a / b = (a' / b') * 2^e2, with b' <= a' < 2 * b' after both loops
    while (!wide_less(&a, &b)) {
        wide_multiply(&b, 2);
        e2++;
    }
    while (wide_less(&a, &b)) {
        wide_multiply(&a, 2);
        e2--;
    }
    if (e2 > 127) {
        return 0x7f800000u;
    }
    // Significand bits: 24 for a normal float (the leading one included), fewer below 2^-126.
    const int32_t n = e2 >= -126 ? 24 : 24 - (-126 - e2);
    if (n < 0) {
        return 0; // below 2^-150
    }
    uint32_t q = 0;
    for (int32_t i = 0; i < n; i++) {
        q <<= 1;
        if (!wide_less(&a, &b)) {
            wide_subtract(&a, &b);
            q |= 1u;
        }
        wide_multiply(&a, 2);
    }
    const bool half = !wide_less(&a, &b);
    if (half) {
        wide_subtract(&a, &b);
    }
    // A normal float's leading one lands in the exponent field: (e2 + 126) + 1 is the biased
    // exponent. Rounding up carries into the exponent, up to infinity, as the format is laid out.
    uint32_t bits = n == 24 ? (uint32_t(e2 + 126) << 23) + q : q;
    if (half && (dropped || !wide_zero(&a) || (bits & 1u) != 0)) {
        bits++;
    }
    return bits;
}

} // namespace

float decimal_to_float(const DecimalScanner* d) {
    uint32_t bits =
        d->mantissa == 0 ? 0 : float_bits_of(d->mantissa, effective_exp10(d), d->sticky);
    if (d->negative) {
        bits |= 0x80000000u;
    }
    float value;
    __builtin_memcpy(&value, &bits, sizeof value);
    return value;
}

} // namespace microlearn
