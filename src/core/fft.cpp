#include "fft.h"

namespace microlearn {

namespace {

// sin(pi/4 * x) = x * Ps(x^2) and cos(pi/4 * x) = Pc(x^2) for x in [0, 1], Taylor polynomials
// evaluated in Q31 fixed point (int64 products), then rounded to float once. Every fixed-point
// step errs by at most 2^-32 and the first omitted terms are below 1e-11 (sin) and 1.2e-10
// (cos), so besides that one final rounding the error is a few hundredths of an ulp. (Float
// Horner evaluation is simpler but reaches 1.6 ulp.) This runs only at init; on Cortex-M0 it
// costs libgcc's 64-bit multiply, no libm and no double.
constexpr int64_t q31(double v) {
    return int64_t(v * 2147483648.0 + (v >= 0 ? 0.5 : -0.5));
}
constexpr int64_t kQ31One = int64_t(1) << 31;
constexpr int64_t kSin1 = q31(0.785398163397448310);  // (pi/4)
constexpr int64_t kSin3 = q31(-0.080745512188280782); // -(pi/4)^3 / 3!
constexpr int64_t kSin5 = q31(0.002490394570192719);  // (pi/4)^5 / 5!
constexpr int64_t kSin7 = q31(-3.6576204182161e-05);  // -(pi/4)^7 / 7!
constexpr int64_t kSin9 = q31(3.13361688966e-07);     // (pi/4)^9 / 9!
constexpr int64_t kSin11 = q31(-1.75724741232e-09);   // -(pi/4)^11 / 11!
constexpr int64_t kCos2 = q31(-0.308425137534042457); // -(pi/4)^2 / 2!
constexpr int64_t kCos4 = q31(0.015854344243815500);  // (pi/4)^4 / 4!
constexpr int64_t kCos6 = q31(-3.2599188692739e-04);  // -(pi/4)^6 / 6!
constexpr int64_t kCos8 = q31(3.590860448591e-06);    // (pi/4)^8 / 8!
constexpr int64_t kCos10 = q31(-2.4611369501e-08);    // -(pi/4)^10 / 10!

// (a * b) / 2^31 rounded to nearest; |a|, |b| <= 2^31 so the product fits in int64.
inline int64_t q31_mul(int64_t a, int64_t b) {
    return (a * b + (int64_t(1) << 30)) >> 31;
}

constexpr float kHalfSqrt2 = 0.707106781186547524f;

// float(v) for v < 2^55, rounded to nearest even exactly as the cast: the top 24 bits are
// rounded in integers and converted exactly, then scaled by a power of two (exact). The cast
// itself calls libgcc's __aeabi_l2f, which on Cortex-M0 is built on double arithmetic (about
// 4 KB of helpers) and on Cortex-M4F is a soft-float routine too. 64-bit targets convert in
// one instruction and keep the cast.
#if UINTPTR_MAX > 0xffffffffu
inline float u64_to_float(uint64_t v) {
    return float(int64_t(v));
}
#else
float u64_to_float(uint64_t v) {
    uint32_t shift = 0;
    while ((v >> shift) >= (uint64_t(1) << 24)) {
        ++shift;
    }
    uint32_t m = static_cast<uint32_t>(v >> shift);
    if (shift > 0) {
        const uint64_t rem = v & ((uint64_t(1) << shift) - 1u);
        const uint64_t half = uint64_t(1) << (shift - 1u);
        if (rem > half || (rem == half && (m & 1u) != 0)) {
            ++m; // may reach 2^24, still exact
        }
    }
    return float(m) * float(uint32_t(1) << shift);
}
#endif

// 2^-e for e <= 126, built from its bits: 1.0f / float(n) without a float division.
inline float exp2_neg(uint32_t e) {
    const uint32_t bits = (127u - e) << 23;
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    return f;
}

inline bool aligned_for_float(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & (alignof(float) - 1u)) == 0;
}

inline uint32_t log2_exact(uint32_t n) {
    uint32_t p = 0;
    while ((1u << p) < n) {
        ++p;
    }
    return p;
}

// Passes of the transform, in order. Radix-4 passes with twiddles ("generic") run over blocks of
// L = n, n/4, ... points down to L = 16 (even log2 n) or L = 32 (odd log2 n); the tail is a
// twiddle-free radix-4 pass over blocks of 4 (even) or a fused 8-point kernel (odd), or for
// n = 2 a single radix-2 butterfly.
inline uint32_t generic_passes(uint32_t log2_n) {
    if (log2_n < 4) {
        return 0;
    }
    return (log2_n % 2u == 0) ? (log2_n - 2u) / 2u : (log2_n - 3u) / 2u;
}

// Floats of twiddles: the n/2 complex roots w^k = (cos, sin)(2*pi*k/n), k = 0..n/2-1, stored as
// interleaved pairs (n floats, 4n bytes), when any pass needs them. Every radix-4 pass reads its
// twiddles from this one table with a stride (n/L for blocks of L points).
size_t twiddle_floats(uint32_t log2_n) {
    return generic_passes(log2_n) > 0 ? (size_t(1) << log2_n) : 0u;
}

// Fills the table. angle(k, &s, &c) must give sin/cos of 2*pi*k/n for k < n/2.
template <typename Angle> void build_twiddles(float* tw, uint32_t log2_n, Angle angle) {
    if (twiddle_floats(log2_n) == 0) {
        return;
    }
    const uint32_t half = (1u << log2_n) / 2u;
    for (uint32_t k = 0; k < half; ++k) {
        angle(k, &tw[2u * k + 1u], &tw[2u * k]);
    }
}

// Butterflies j = jb..je-1 of one block (j = 0 needs no twiddles and is done by the caller).
// w1, w2, w3 point at the (cos, sin) pairs of w^j, w^2j, w^3j for j = jb and advance by d1, d2,
// d3 floats per butterfly; the butterfly multiplies by cos - i*sin. With kMirror, w3 walks the
// table backwards through w^(n-3j) = conj(w^3j) (3j is past the table's end at n/2), so its sine
// enters with the opposite sign. The eight data streams never overlap each other or the table;
// restrict-qualified parameters say so (GCC ignores restrict on local pointers).
template <bool kMirror>
MICROLEARN_HOT inline void radix4_butterflies(float* __restrict r0, float* __restrict r1, float* __restrict r2,
                               float* __restrict r3, float* __restrict i0, float* __restrict i1,
                               float* __restrict i2, float* __restrict i3,
                               const float* __restrict w1, const float* __restrict w2,
                               const float* __restrict w3, ptrdiff_t d1, ptrdiff_t d2,
                               ptrdiff_t d3, size_t jb, size_t je) {
    for (size_t j = jb; j < je; ++j, w1 += d1, w2 += d2, w3 += d3) {
        const float t0r = r0[j] + r2[j], t0i = i0[j] + i2[j];
        const float t2r = r0[j] - r2[j], t2i = i0[j] - i2[j];
        const float t1r = r1[j] + r3[j], t1i = i1[j] + i3[j];
        const float dr = r1[j] - r3[j], di = i1[j] - i3[j];
        r0[j] = t0r + t1r;
        i0[j] = t0i + t1i;
        // (a + ib)(c - is) = (ac + bs) + i(bc - as)
        const float c2 = w2[0], s2 = w2[1];
        const float y2r = t0r - t1r, y2i = t0i - t1i;
        r1[j] = y2r * c2 + y2i * s2;
        i1[j] = y2i * c2 - y2r * s2;
        const float c1 = w1[0], s1 = w1[1];
        const float y1r = t2r + di, y1i = t2i - dr;
        r2[j] = y1r * c1 + y1i * s1;
        i2[j] = y1i * c1 - y1r * s1;
        const float c3 = w3[0], s3 = w3[1];
        const float y3r = t2r - di, y3i = t2i + dr;
        if (kMirror) { // (a + ib)(c + is) = (ac - bs) + i(bc + as)
            r3[j] = y3r * c3 - y3i * s3;
            i3[j] = y3i * c3 + y3r * s3;
        } else {
            r3[j] = y3r * c3 + y3i * s3;
            i3[j] = y3i * c3 - y3r * s3;
        }
    }
}

// One radix-2^2 pass over blocks of L = 4q points: a radix-4 butterfly on (j, j+q, j+2q, j+3q)
// whose outputs go to the positions two radix-2 DIF passes would give them (X0, X2, X1, X3), so
// the final order is the plain bit reversal and odd powers of two need only a radix-2 tail.
// The table holds the roots of unity for length N = n << shift (shift > 0 for the half-length
// transform of Rfft, which shares the table of length n); w_L^(mj) is entry m*j*stride with
// stride = N/L.
MICROLEARN_HOT void radix4_pass(float* re, float* im, uint32_t n, uint32_t q, const float* tw,
                                uint32_t shift) {
    const size_t stride = size_t(n / (4u * q)) << shift;
    // Block by block, the butterflies of each block in order, split where w^3j runs past the
    // table. 3j*stride < N/2 exactly when 3j < 2q, i.e. j < split = ceil(2q/3) (2q/3 is never
    // whole). (Passes over several short blocks ran faster twiddle-outer, loading each twiddle
    // once: about 5% fewer instructions for 600 more bytes of code.)
    const size_t split = (2u * q + 2u) / 3u;
    const ptrdiff_t d1 = ptrdiff_t(2u * stride);
    const float* w3_mirror = tw + 2u * ((size_t(n) << shift) - 3u * split * stride);
    for (uint32_t base = 0; base < n; base += 4u * q) {
        float* r0 = re + base;
        float* r1 = r0 + q;
        float* r2 = r1 + q;
        float* r3 = r2 + q;
        float* i0 = im + base;
        float* i1 = i0 + q;
        float* i2 = i1 + q;
        float* i3 = i2 + q;
        {
            // j = 0: every twiddle is 1.
            const float t0r = r0[0] + r2[0], t0i = i0[0] + i2[0];
            const float t2r = r0[0] - r2[0], t2i = i0[0] - i2[0];
            const float t1r = r1[0] + r3[0], t1i = i1[0] + i3[0];
            const float dr = r1[0] - r3[0], di = i1[0] - i3[0];
            r0[0] = t0r + t1r;
            i0[0] = t0i + t1i;
            r1[0] = t0r - t1r;
            i1[0] = t0i - t1i;
            r2[0] = t2r + di;
            i2[0] = t2i - dr;
            r3[0] = t2r - di;
            i3[0] = t2i + dr;
        }
        radix4_butterflies<false>(r0, r1, r2, r3, i0, i1, i2, i3, tw + d1, tw + 2 * d1,
                                  tw + 3 * d1, d1, 2 * d1, 3 * d1, 1u, split);
        radix4_butterflies<true>(r0, r1, r2, r3, i0, i1, i2, i3, tw + d1 * ptrdiff_t(split),
                                 tw + 2 * d1 * ptrdiff_t(split), w3_mirror, d1, 2 * d1, -3 * d1,
                                 split, q);
    }
}

// Last pass for even log2 n: twiddle-free radix-4 butterflies on consecutive groups of four.
// The stride (always 1) comes in as a run-time value on purpose: with adjacent addresses known,
// GCC's straight-line vectoriser turns this butterfly into shuffles that cost about 40% more
// instructions on x64 than the scalar code.
MICROLEARN_HOT void radix4_tail(float* __restrict re, float* __restrict im, uint32_t n, uint32_t stride) {
    const size_t s1 = stride, s2 = 2u * s1, s3 = 3u * s1;
    float* r = re;
    float* i = im;
    for (uint32_t groups = n / (4u * stride); groups > 0; --groups, r += 4u * s1, i += 4u * s1) {
        const float t0r = r[0] + r[s2], t0i = i[0] + i[s2];
        const float t2r = r[0] - r[s2], t2i = i[0] - i[s2];
        const float t1r = r[s1] + r[s3], t1i = i[s1] + i[s3];
        const float dr = r[s1] - r[s3], di = i[s1] - i[s3];
        r[0] = t0r + t1r;
        i[0] = t0i + t1i;
        r[s1] = t0r - t1r;
        i[s1] = t0i - t1i;
        r[s2] = t2r + di;
        i[s2] = t2i - dr;
        r[s3] = t2r - di;
        i[s3] = t2i + dr;
    }
}

// Last passes for odd log2 n: the radix-4 pass over blocks of 8 (twiddles 1, w8, w8^2 = -i,
// w8^3) and the final radix-2 pass, fused so each group of 8 is loaded and stored once.
MICROLEARN_HOT void radix8_tail(float* __restrict re, float* __restrict im, uint32_t n) {
    for (uint32_t b = 0; b < n; b += 8u) {
        float* r = re + b;
        float* i = im + b;
        // j = 0 of the radix-4 pass: points 0, 2, 4, 6.
        const float a0r = r[0] + r[4], a0i = i[0] + i[4];
        const float a2r = r[0] - r[4], a2i = i[0] - i[4];
        const float a1r = r[2] + r[6], a1i = i[2] + i[6];
        const float adr = r[2] - r[6], adi = i[2] - i[6];
        const float p0r = a0r + a1r, p0i = a0i + a1i;
        const float p2r = a0r - a1r, p2i = a0i - a1i;
        const float p4r = a2r + adi, p4i = a2i - adr;
        const float p6r = a2r - adi, p6i = a2i + adr;
        // j = 1: points 1, 3, 5, 7.
        const float b0r = r[1] + r[5], b0i = i[1] + i[5];
        const float b2r = r[1] - r[5], b2i = i[1] - i[5];
        const float b1r = r[3] + r[7], b1i = i[3] + i[7];
        const float bdr = r[3] - r[7], bdi = i[3] - i[7];
        const float p1r = b0r + b1r, p1i = b0i + b1i;
        // times w8^2 = -i
        const float p3r = b0i - b1i, p3i = b1r - b0r;
        // times w8 = (1 - i)/sqrt2
        const float u5r = b2r + bdi, u5i = b2i - bdr;
        const float p5r = (u5r + u5i) * kHalfSqrt2, p5i = (u5i - u5r) * kHalfSqrt2;
        // times w8^3 = -(1 + i)/sqrt2
        const float u7r = b2r - bdi, u7i = b2i + bdr;
        const float p7r = (u7i - u7r) * kHalfSqrt2, p7i = -(u7r + u7i) * kHalfSqrt2;
        // radix-2 pass on neighbouring pairs.
        r[0] = p0r + p1r;
        i[0] = p0i + p1i;
        r[1] = p0r - p1r;
        i[1] = p0i - p1i;
        r[2] = p2r + p3r;
        i[2] = p2i + p3i;
        r[3] = p2r - p3r;
        i[3] = p2i - p3i;
        r[4] = p4r + p5r;
        i[4] = p4i + p5i;
        r[5] = p4r - p5r;
        i[5] = p4i - p5i;
        r[6] = p6r + p7r;
        i[6] = p6i + p7i;
        r[7] = p6r - p7r;
        i[7] = p6i - p7i;
    }
}

MICROLEARN_HOT inline void swap_pair(float* re, float* im, uint32_t a, uint32_t b) {
    const float tr = re[a];
    re[a] = re[b];
    re[b] = tr;
    const float ti = im[a];
    im[a] = im[b];
    im[b] = ti;
}

// In-place bit-reversal permutation, table-free (J. Arndt, "Matters Computational", revbin
// permute). Only x < n/2 is visited, two at a time: an odd x always pairs with rev(x) >= n/2,
// and for an even x the pair (x, rev x) comes with its mirror (n-1-x, n-1-rev x), so the
// reversed counter is advanced n/4 times instead of n. n >= 4.
MICROLEARN_HOT void bit_reverse(float* re, float* im, uint32_t n) {
    const uint32_t half = n >> 1;
    const uint32_t last = n - 1u;
    uint32_t r = 0; // rev(x - 1) at the top of the loop
    for (uint32_t x = 1; x < half; x += 2u) {
        r += half; // rev(x) for odd x
        swap_pair(re, im, x, r);
        // rev(x + 1): add one at the top end of r, carrying downwards.
        uint32_t bit = half;
        while (!((r ^= bit) & bit)) {
            bit >>= 1;
        }
        if (r > x + 1u) {
            swap_pair(re, im, x + 1u, r);
            swap_pair(re, im, last - (x + 1u), last - r);
        }
    }
}

void transform(const Fft* f, float* re, float* im) {
    const uint32_t n = f->n;
    const uint32_t log2_n = f->log2_n;
    if (n == 1u) {
        return;
    }
    if (n == 2u) {
        const float r0 = re[0], i0 = im[0];
        re[0] = r0 + re[1];
        im[0] = i0 + im[1];
        re[1] = r0 - re[1];
        im[1] = i0 - im[1];
        return;
    }
    uint32_t q = n >> 2;
    for (uint32_t s = 0; s < generic_passes(log2_n); ++s, q >>= 2) {
        radix4_pass(re, im, n, q, f->twiddles, f->table_shift);
    }
    if (log2_n % 2u == 0) {
        radix4_tail(re, im, n, q);
    } else {
        radix8_tail(re, im, n);
    }
    bit_reverse(re, im, n);
}

inline Status check_call(const Fft* f, const float* re, const float* im, uint32_t len) {
    if (f == nullptr || !f->ready) {
        return Status::NotReady;
    }
    if (re == nullptr || im == nullptr) {
        return Status::InvalidArgument;
    }
    if (len != f->n) {
        return Status::SizeMismatch;
    }
    return Status::Ok;
}

// Forward transform of length n (ready instance, arrays checked).
inline void forward(const Fft* f, float* re, float* im) {
    transform(f, re, im);
}

// With swap(a + ib) = b + ia = i*conj(a + ib): DFT(swap(x)) = swap(unscaled IDFT(x)), so the
// inverse is the forward transform with the roles of the two arrays exchanged, then 1/n.
void inverse_unscaled(const Fft* f, float* re, float* im) {
    transform(f, im, re);
}

// (cos, sin)(2*pi*k/8), k = 0..3: the roots for the real transform's separation step at n <= 8,
// where the complex transforms need no table.
const float kRoots8[8] = {1.0f, 0.0f, kHalfSqrt2, kHalfSqrt2, 0.0f, 1.0f, -kHalfSqrt2, kHalfSqrt2};

// The roots (cos, sin)(2*pi*k/n) of length n for Rfft's separation step: root k is at k * *step
// floats from the result. The table of length 2n that the half transform reads (with a stride of
// 2 roots) is that of length n, unless it is absent (n <= 8).
const float* post_roots(const Rfft* r, size_t* step) {
    const uint32_t shift = r->half.table_shift - 1u; // the table is for length n << shift
    if (r->n < 16u) { // n is 2, 4 or 8 here
        *step = 2u * (8u / r->n);
        return kRoots8;
    }
    *step = size_t(2u) << shift;
    return r->half.twiddles;
}

} // namespace

void sincos_turn(uint32_t k, uint32_t log2_n, float* sin_out, float* cos_out) {
    if (log2_n > 15u) { // finer than the grid: round the angle down to it instead of shifting
        k = log2_n - 15u < 32u ? k >> (log2_n - 15u) : 0u; // by a negative amount
        log2_n = 15u;
    }
    // Position on the circle in units of 2^-15 turns: octant = top 3 bits, 12 bits within it.
    const uint32_t m = (k << (15u - log2_n)) & 0x7fffu;
    const uint32_t octant = m >> 12;
    uint32_t r = m & 0xfffu;
    if (octant & 1u) {
        r = 4096u - r; // measured back from the next octant boundary
    }
    // x = r / 4096 is exact; x^2 = r^2 / 2^24 is exact in Q31 (r^2 <= 2^24).
    const int64_t x2 = int64_t(r * r) << 7;
    int64_t ps = q31_mul(x2, kSin11) + kSin9;
    ps = q31_mul(x2, ps) + kSin7;
    ps = q31_mul(x2, ps) + kSin5;
    ps = q31_mul(x2, ps) + kSin3;
    ps = q31_mul(x2, ps) + kSin1;
    int64_t pc = q31_mul(x2, kCos10) + kCos8;
    pc = q31_mul(x2, pc) + kCos6;
    pc = q31_mul(x2, pc) + kCos4;
    pc = q31_mul(x2, pc) + kCos2;
    pc = q31_mul(x2, pc) + kQ31One;
    // sin = x * ps: the integer product r * ps (< 2^44) is exact, so small sines keep their full
    // relative precision. int64 -> float is the one rounding; the power-of-two scalings are exact.
    // Both are positive: ps >= kSin1 / 2 and pc >= cos(pi/4) in Q31.
    float s = u64_to_float(uint64_t(int64_t(r) * ps)) * (1.0f / 8796093022208.0f); // 2^-43
    float c = u64_to_float(uint64_t(pc)) * (1.0f / 2147483648.0f);                 // 2^-31
    if (((octant + 1u) >> 1) & 1u) { // octants 1, 2, 5, 6: sin and cos trade places
        const float t = s;
        s = c;
        c = t;
    }
    if (octant >= 4u) {
        s = -s;
    }
    if (octant >= 2u && octant <= 5u) {
        c = -c;
    }
    *sin_out = s;
    *cos_out = c;
}

bool fft_length_valid(uint32_t n) {
    return n >= 1u && n <= kFftMaxLength && (n & (n - 1u)) == 0;
}

size_t fft_storage_bytes(uint32_t n) {
    if (!fft_length_valid(n)) {
        return 0;
    }
    return twiddle_floats(log2_exact(n)) * sizeof(float);
}

Status fft_init(Fft* f, uint32_t n, void* storage, size_t storage_bytes) {
    if (f == nullptr) {
        return Status::InvalidArgument;
    }
    f->ready = false;
    if (!fft_length_valid(n)) {
        return Status::InvalidArgument;
    }
    const size_t need = fft_storage_bytes(n);
    if (need > 0 && (storage == nullptr || storage_bytes < need)) {
        return Status::SizeMismatch;
    }
    if (need > 0 && !aligned_for_float(storage)) {
        return Status::InvalidArgument;
    }
    f->n = n;
    f->log2_n = static_cast<uint8_t>(log2_exact(n));
    f->twiddles = need > 0 ? static_cast<float*>(storage) : nullptr;
    f->table_shift = 0;
    const uint32_t log2_n = f->log2_n;
    build_twiddles(f->twiddles, log2_n,
                   [=](uint32_t k, float* s, float* c) { sincos_turn(k, log2_n, s, c); });
    f->ready = true;
    return Status::Ok;
}

Status fft_load_tables(Fft* f, const float* sin_table, const float* cos_table, uint32_t table_len) {
    if (f == nullptr || !f->ready) {
        return Status::NotReady;
    }
    const uint32_t n = f->n;
    const uint32_t half = n / 2u;
    if (table_len != half) {
        return Status::SizeMismatch;
    }
    if (half > 0 && (sin_table == nullptr || cos_table == nullptr)) {
        return Status::InvalidArgument;
    }
    // The table holds exactly these angles, so the caller's values are copied as they are.
    build_twiddles(f->twiddles, f->log2_n, [=](uint32_t k, float* s, float* c) {
        *s = sin_table[k];
        *c = cos_table[k];
    });
    return Status::Ok;
}

Status fft_forward(const Fft* f, float* re, float* im, uint32_t len) {
    const Status st = check_call(f, re, im, len);
    if (st != Status::Ok) {
        return st;
    }
    forward(f, re, im);
    return Status::Ok;
}

Status fft_inverse(const Fft* f, float* re, float* im, uint32_t len) {
    const Status st = check_call(f, re, im, len);
    if (st != Status::Ok) {
        return st;
    }
    inverse_unscaled(f, re, im);
    const uint32_t n = f->n;
    const float scale = exp2_neg(f->log2_n); // 1/n, exact: n is a power of two
    for (uint32_t k = 0; k < n; ++k) {
        re[k] *= scale;
        im[k] *= scale;
    }
    return Status::Ok;
}

size_t rfft_storage_bytes(uint32_t n) {
    return fft_storage_bytes(n);
}

Status rfft_init_shared(Rfft* r, const Fft* f) {
    if (r == nullptr) {
        return Status::InvalidArgument;
    }
    r->ready = false;
    if (f == nullptr || !f->ready) {
        return Status::NotReady;
    }
    // The half-length transform reads every other root of f's table: w_{n/2}^k = w_n^(2k).
    r->half.twiddles = f->twiddles;
    r->half.n = f->n > 1u ? f->n / 2u : 1u;
    r->half.log2_n = static_cast<uint8_t>(f->log2_n > 0 ? f->log2_n - 1u : 0u);
    r->half.table_shift = static_cast<uint8_t>(f->table_shift + 1u);
    r->half.ready = true;
    r->n = f->n;
    r->ready = true;
    return Status::Ok;
}

Status rfft_init(Rfft* r, uint32_t n, void* storage, size_t storage_bytes) {
    if (r == nullptr) {
        return Status::InvalidArgument;
    }
    r->ready = false;
    Fft full{};
    const Status st = fft_init(&full, n, storage, storage_bytes);
    if (st != Status::Ok) {
        return st;
    }
    return rfft_init_shared(r, &full);
}

Status rfft_forward(const Rfft* r, const float* x, uint32_t n, float* re, float* im,
                    uint32_t bins) {
    if (r == nullptr || !r->ready) {
        return Status::NotReady;
    }
    if (x == nullptr || re == nullptr || im == nullptr) {
        return Status::InvalidArgument;
    }
    if (n != r->n || bins != rfft_bins(r->n)) {
        return Status::SizeMismatch;
    }
    if (n == 1u) {
        re[0] = x[0];
        im[0] = 0.0f;
        return Status::Ok;
    }
    const uint32_t h = n / 2u;
    // z[m] = x[2m] + i x[2m+1]
    for (uint32_t m = 0; m < h; ++m) {
        re[m] = x[2u * m];
        im[m] = x[2u * m + 1u];
    }
    forward(&r->half, re, im);
    // With Z = DFT_h(z), A = Z[k] and B = conj(Z[h-k]):
    //   E = (A + B)/2 is the spectrum of the even samples, O = -i(A - B)/2 that of the odd ones,
    //   X[k] = E + w^k O and X[h-k] = conj(E - w^k O), with w = exp(-2*pi*i/n).
    const float z0r = re[0], z0i = im[0];
    re[0] = z0r + z0i;
    im[0] = 0.0f;
    re[h] = z0r - z0i;
    im[h] = 0.0f;
    size_t step = 0;
    const float* w = post_roots(r, &step);
    for (uint32_t k = 1; k <= h / 2u; ++k) {
        const uint32_t k2 = h - k;
        const float ar = re[k], ai = im[k];
        const float br = re[k2], bi = -im[k2];
        const float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
        // O = -i(A - B)/2 = ((ai - bi) - i(ar - br)) / 2
        const float orr = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
        // w^k O with w^k = c - is
        w += step;
        const float c = w[0], s = w[1];
        const float wr = orr * c + oi * s, wi = oi * c - orr * s;
        re[k] = er + wr;
        im[k] = ei + wi;
        re[k2] = er - wr;
        im[k2] = -(ei - wi);
    }
    return Status::Ok;
}

Status rfft_inverse(const Rfft* r, float* re, float* im, uint32_t bins, float* x, uint32_t n) {
    if (r == nullptr || !r->ready) {
        return Status::NotReady;
    }
    if (x == nullptr || re == nullptr || im == nullptr) {
        return Status::InvalidArgument;
    }
    if (n != r->n || bins != rfft_bins(r->n)) {
        return Status::SizeMismatch;
    }
    if (n == 1u) {
        x[0] = re[0];
        return Status::Ok;
    }
    const uint32_t h = n / 2u;
    // Undo the separation, keeping a factor 2 that the final 1/n absorbs:
    //   2E = X[k] + conj(X[h-k]), 2O = conj(w^k) (X[k] - conj(X[h-k])), 2Z[k] = 2E + i 2O,
    //   2Z[h-k] = conj(2E - i 2O).
    const float x0 = re[0], xh = re[h];
    re[0] = x0 + xh;
    im[0] = x0 - xh;
    size_t step = 0;
    const float* w = post_roots(r, &step);
    for (uint32_t k = 1; k <= h / 2u; ++k) {
        const uint32_t k2 = h - k;
        const float ar = re[k], ai = im[k];
        const float br = re[k2], bi = -im[k2];
        const float er = ar + br, ei = ai + bi;
        const float dr = ar - br, di = ai - bi;
        // conj(w^k) = c + is
        w += step;
        const float c = w[0], s = w[1];
        const float orr = dr * c - di * s, oi = dr * s + di * c;
        // 2E + i 2O
        re[k] = er - oi;
        im[k] = ei + orr;
        // conj(2E - i 2O) = conj((er + oi) + i(ei - orr))
        re[k2] = er + oi;
        im[k2] = -(ei - orr);
    }
    inverse_unscaled(&r->half, re, im);
    const float scale = exp2_neg(r->half.log2_n + 1u); // 1/n
    for (uint32_t m = 0; m < h; ++m) {
        x[2u * m] = re[m] * scale;
        x[2u * m + 1u] = im[m] * scale;
    }
    return Status::Ok;
}

} // namespace microlearn
