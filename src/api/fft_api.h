// emlearn_fft: the module contract (SPEC.md) over the FFT engine.
//
// FFT(n) keeps the twiddle table (n/2 complex roots, 4n bytes for n >= 16) in storage the binding
// reserves with the object. The real-input transform (rfft/irfft) reads the same table, so it
// needs no memory of its own.
#pragma once
#include "api.h"
#include "fft.h"

namespace microlearn {
namespace api {

struct FftHandle {
    Fft fft;
};

// FFT(n): checks n and sets *bytes to the twiddle storage to reserve with the object (0 for
// n <= 8). False with err set for a length that is not a power of two from 1 to 4096.
bool fft_storage_size(int32_t n, size_t* bytes, Error* err);
bool fft_new(FftHandle* h, int32_t n, void* storage, size_t bytes, Error* err);

// fft.fill(sin, cos): replaces the twiddles by the caller's tables of n/2 floats each,
// sin[i] = sin(2*pi*i/n), cos[i] = cos(2*pi*i/n), as the reference requires before run().
bool fft_fill_tables(FftHandle* h, const BufferView& sin, const BufferView& cos, Error* err);
// fill(fft, n), the module function: n must be the object's length. Restores the engine's own
// tables (correctly rounded), undoing any fft.fill(sin, cos).
bool fft_fill(FftHandle* h, int32_t n, Error* err);

// fft.run(real, imag): forward complex transform in place, numpy.fft.fft.
bool fft_run(FftHandle* h, const BufferView& real, const BufferView& imag, Error* err);
// fft.ifft(real, imag): inverse complex transform in place, numpy.fft.ifft (scaled by 1/n).
bool fft_ifft(FftHandle* h, const BufferView& real, const BufferView& imag, Error* err);
// fft.rfft(x, real, imag): x has n samples (left as is), real and imag receive n/2+1 bins.
bool fft_rfft(FftHandle* h, const BufferView& x, const BufferView& real, const BufferView& imag,
              Error* err);
// fft.irfft(real, imag, out): numpy.fft.irfft(real + 1j*imag, n) into out (n samples). real
// and imag (n/2+1 values each) are work space and are overwritten.
bool fft_irfft(FftHandle* h, const BufferView& real, const BufferView& imag, const BufferView& out,
               Error* err);

} // namespace api
} // namespace microlearn
