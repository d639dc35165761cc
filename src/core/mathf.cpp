#include "mathf.h"

#include "float_checks.h"

namespace microlearn {

namespace {

constexpr float kInf = __builtin_huge_valf();
constexpr float kLog2e = 1.44269504088896341f;
// ln 2 split so that k * kLn2Hi is exact for |k| < 256 (kLn2Hi has 16 significant bits).
constexpr float kLn2Hi = 6.93145751953125e-1f;
constexpr float kLn2Lo = 1.42860676533018704e-6f;
constexpr float kSqrt2 = 1.41421356237309505f;

inline float bits_float(uint32_t b) {
    return __builtin_bit_cast(float, b);
}
// 2^k for k in [-126, 127].
inline float pow2(int32_t k) {
    return bits_float(static_cast<uint32_t>(k + 127) << 23);
}

} // namespace

float approx_expf(float x) {
    if (float_is_nan(x)) {
        return x;
    }
    if (float_greater(x, 88.7228394f)) {
        return kInf;
    }
    if (float_greater(-103.972084f, x)) {
        return 0.0f;
    }
    const float kf = x * kLog2e;
    int32_t k = static_cast<int32_t>(kf + (float_greater(-0.0f, kf) ? -0.5f : 0.5f));
    const float fk = static_cast<float>(k);
    const float r = (x - fk * kLn2Hi) - fk * kLn2Lo; // |r| <= ~0.347
    // Taylor to degree 7: the first omitted term is below 5e-9 relative on |r| <= 0.347.
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    // 2^k splits where a single float exponent cannot hold it (k = 128, or denormal results).
    if (k > 127) {
        p *= 2.0f;
        k -= 1;
    } else if (k < -126) {
        p *= pow2(-64);
        k += 64;
    }
    return p * pow2(k);
}

float approx_logf(float x) {
    if (float_is_nan(x) || float_greater(0.0f, x)) {
        return __builtin_nanf("");
    }
    if (float_is_zero(x)) {
        return -kInf;
    }
    if (float_bits(x) == float_bits(kInf)) {
        return kInf;
    }
    uint32_t bits = float_bits(x);
    int32_t e = static_cast<int32_t>(bits >> 23);
    if (e == 0) { // denormal: scale into the normal range first
        bits = float_bits(x * 8388608.0f);
        e = static_cast<int32_t>(bits >> 23) - 23;
    }
    e -= 127;
    float mant = bits_float((bits & 0x007fffffu) | 0x3f800000u); // [1, 2)
    if (float_greater(mant, kSqrt2)) {
        mant *= 0.5f;
        e += 1;
    }
    // ln m = 2 atanh(s) with s = (m-1)/(m+1), |s| <= 0.1716: the series to s^9 is enough.
    const float s = (mant - 1.0f) / (mant + 1.0f);
    const float s2 = s * s;
    float q = 1.0f / 9.0f;
    q = q * s2 + 1.0f / 7.0f;
    q = q * s2 + 1.0f / 5.0f;
    q = q * s2 + 1.0f / 3.0f;
    const float two_s = 2.0f * s;
    const float ln_m = two_s + two_s * s2 * q;
    const float fe = static_cast<float>(e);
    return fe * kLn2Hi + (ln_m + fe * kLn2Lo);
}

} // namespace microlearn
