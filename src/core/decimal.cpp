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
            if (d->seen_dot) {
                d->exp10--;
            }
        } else {
            // Beyond nine significant digits: keep the magnitude, remember any non-zero digit.
            if (!d->seen_dot) {
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

float decimal_to_float(const DecimalScanner* d) {
    int32_t e = effective_exp10(d);
    float v = float(int32_t(d->mantissa)); // below 10^9: the signed conversion is exact
    if (d->mantissa != 0) {
        // Scale by exact powers of ten (1e10 is the largest one a float holds exactly).
        while (e > 0) {
            const int32_t k = e > 10 ? 10 : e;
            v *= float(k == 10 ? 1e10f : float(int32_t(kPow10[k])));
            e -= k;
            if (e > 40) {
                v *= 1e30f * 1e30f; // overflows to inf on purpose
                break;
            }
        }
        while (e < 0) {
            const int32_t k = e < -10 ? 10 : -e;
            v /= float(k == 10 ? 1e10f : float(int32_t(kPow10[k])));
            e += k;
            if (e < -60) {
                v = 0.0f;
                break;
            }
        }
    }
    return d->negative ? -v : v;
}

} // namespace microlearn
