// Fast Fourier transforms over float data, with the sign and scaling of numpy.fft:
//   forward  X[k] = sum_m x[m] * exp(-2*pi*i*k*m/n)          (no scaling, like numpy.fft.fft)
//   inverse  x[m] = (1/n) * sum_k X[k] * exp(+2*pi*i*k*m/n)  (like numpy.fft.ifft)
// n is a power of two from 1 to kFftMaxLength.
//
// Complex data lives in two float arrays (real parts, imaginary parts) rather than interleaved
// pairs: that is the layout of the MicroPython API (fft.run(real, imag)), and it lets every pass
// walk contiguous memory, which compilers vectorise on hosts that have SIMD.
//
// Algorithm: radix-2^2 decimation in frequency (radix-4 butterflies whose outputs are ordered so
// that the result is in plain bit-reversed order), a fused 8-point kernel for odd powers of two,
// then one bit-reversal permutation. About 2.5 times fewer instructions than textbook radix-2.
//
// Twiddle factors are computed once at init into caller-owned storage (KISS FFT style: ask for
// the size, hand over the memory). They are computed without libm (see sincos_turn), because
// the toolchains' libm cannot be linked into MicroPython native modules. Tables supplied by the
// caller (the reference API's fft.fill(sin, cos)) can replace them with fft_load_tables().
//
// An instance is ready after a successful init. Zero-initialise instances you declare
// (`Fft f{};`) so that use before init is reported as Status::NotReady instead of reading garbage.
#pragma once
#include "status.h"

namespace microlearn {

constexpr uint32_t kFftMaxLength = 4096;

// sin and cos of the angle 2*pi*k / 2^log2_n (k turns of 1/2^log2_n), log2_n <= 15, without
// libm. Exact at multiples of pi/2 (0 and +-1), exactly symmetric between octants, and within
// 0.51 ulp elsewhere (almost always the correctly rounded float): the angle is reduced in
// integers to r/4096 of an octant, and the polynomial runs in fixed point on that exact
// fraction, so the only rounding is the final conversion to float. A larger log2_n rounds the
// angle down to a multiple of 2^-15 turns.
void sincos_turn(uint32_t k, uint32_t log2_n, float* sin_out, float* cos_out);

// True for the transform lengths this module accepts: powers of two from 1 to kFftMaxLength.
bool fft_length_valid(uint32_t n);

struct Fft {
    float* twiddles; // n/2 (cos, sin) pairs in the caller's storage (null when none are needed)
    uint32_t n;
    uint8_t log2_n;
    uint8_t table_shift; // the table holds the roots for length n << table_shift (Rfft's half)
    bool ready;
};

// Bytes of storage fft_init() needs for length n (0 for n <= 8, and for invalid n, which
// fft_init rejects). 4 * n bytes: one table of the n/2 roots (cos, sin)(2*pi*k/n), k < n/2, as
// interleaved pairs, which every radix-4 pass reads with its own stride (the third twiddle,
// w^3j, runs past n/2 and is read back through the symmetry w^(n-m) = conj(w^m)). Same size as
// the reference's n/2 sin + n/2 cos floats.
size_t fft_storage_bytes(uint32_t n);

// Prepares a transform of length n. storage must be 4-byte aligned and at least
// fft_storage_bytes(n) long; it may be null when that is 0. Errors: InvalidArgument for a length
// that is not a power of two in [1, 4096] or misaligned storage, SizeMismatch for short storage.
Status fft_init(Fft* f, uint32_t n, void* storage, size_t storage_bytes);

// Rebuilds the twiddles of an initialised instance from caller tables of n/2 values each:
// sin_table[i] = sin(2*pi*i/n), cos_table[i] = cos(2*pi*i/n) (the reference's fill(sin, cos)).
// The results then carry whatever error those tables have. Errors: NotReady before init,
// SizeMismatch when table_len != n/2, InvalidArgument for null tables (when n/2 > 0).
Status fft_load_tables(Fft* f, const float* sin_table, const float* cos_table, uint32_t table_len);

// In place, len must equal n. Errors: NotReady, InvalidArgument (null arrays), SizeMismatch.
// re and im must not overlap.
Status fft_forward(const Fft* f, float* re, float* im, uint32_t len);
Status fft_inverse(const Fft* f, float* re, float* im, uint32_t len);

// Real-input transform of length n, numpy.fft.rfft layout: n/2+1 bins, X[0] and X[n/2] real.
// It runs one complex transform of length n/2 on the even/odd samples packed as real/imaginary
// parts and then separates the two spectra, so it costs about half of a complex transform.
// Both steps read the twiddle table of a complex transform of length n (the half-length
// transform every other root), so an Rfft needs no memory beyond that table and can share the
// table of an Fft of the same length.
struct Rfft {
    Fft half; // complex transform of length n/2, reading the length-n table with table_shift 1
    uint32_t n;
    bool ready;
};

// Number of complex bins of a length-n real transform: n/2 + 1 (1 for n = 1).
inline uint32_t rfft_bins(uint32_t n) {
    return n / 2u + 1u;
}

// Bytes of storage rfft_init() needs: the table of a length-n complex transform,
// fft_storage_bytes(n) (0 for n <= 8, where a constant table serves).
size_t rfft_storage_bytes(uint32_t n);
// Same errors as fft_init.
Status rfft_init(Rfft* r, uint32_t n, void* storage, size_t storage_bytes);
// A real transform of length f->n over the table of the initialised f, without storage of its
// own. It reads the table on every call, so it sees later fft_load_tables/fft_init on f and must
// not outlive f's storage. Errors: InvalidArgument for a null r, NotReady when f is not ready.
Status rfft_init_shared(Rfft* r, const Fft* f);

// x has n samples; re and im receive rfft_bins(n) values each. x must not overlap re or im.
Status rfft_forward(const Rfft* r, const float* x, uint32_t n, float* re, float* im, uint32_t bins);

// numpy.fft.irfft(X, n): the imaginary parts of X[0] and X[n/2] are ignored, as numpy does.
// re and im (rfft_bins(n) values each) are used as scratch and hold garbage afterwards; keeping
// them would cost another n floats of memory. x receives n samples and must not overlap them.
Status rfft_inverse(const Rfft* r, float* re, float* im, uint32_t bins, float* x, uint32_t n);

} // namespace microlearn
