#include "fft_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

bool bad_length(Error* err) {
    fail(err, ErrorType::ValueError)
        .text("FFT length must be a power of two from 1 to ")
        .number(int32_t(kFftMaxLength));
    return false;
}

bool check_pair(const FftHandle* h, const BufferView& real, const BufferView& imag, Error* err) {
    const uint32_t n = h->fft.n;
    return check_floats(real, n, "real", err) && check_floats(imag, n, "imag", err) &&
           check_distinct(real, imag, "real and imag", err);
}

// The real transform over the object's own table (a few stores; nothing to allocate or keep).
Rfft rfft_of(const FftHandle* h) {
    Rfft r{};
    rfft_init_shared(&r, &h->fft); // cannot fail: the handle is initialised
    return r;
}

} // namespace

bool fft_storage_size(int32_t n, size_t* bytes, Error* err) {
    if (n < 1 || !fft_length_valid(uint32_t(n))) {
        return bad_length(err);
    }
    *bytes = microlearn::fft_storage_bytes(uint32_t(n));
    return true;
}

bool fft_new(FftHandle* h, int32_t n, void* storage, size_t bytes, Error* err) {
    h->fft.ready = false;
    if (n < 1 || fft_init(&h->fft, uint32_t(n), storage, bytes) != Status::Ok) {
        return bad_length(err);
    }
    return true;
}

bool fft_fill_tables(FftHandle* h, const BufferView& sin, const BufferView& cos, Error* err) {
    const uint32_t half = h->fft.n / 2u;
    if (!check_floats(sin, half, "sin", err) || !check_floats(cos, half, "cos", err)) {
        return false;
    }
    return fft_load_tables(&h->fft, static_cast<const float*>(sin.data),
                           static_cast<const float*>(cos.data), half) == Status::Ok ||
           raise_value(err, "invalid FFT tables");
}

bool fft_fill(FftHandle* h, int32_t n, Error* err) {
    if (n != int32_t(h->fft.n)) {
        fail(err, ErrorType::ValueError)
            .text("fill: n must be the FFT length ")
            .number(int32_t(h->fft.n))
            .text(", got ")
            .number(n);
        return false;
    }
    // Recomputes the engine's own twiddles in the same storage.
    return fft_init(&h->fft, h->fft.n, h->fft.twiddles, fft_storage_bytes(h->fft.n)) ==
               Status::Ok ||
           bad_length(err);
}

bool fft_run(FftHandle* h, const BufferView& real, const BufferView& imag, Error* err) {
    if (!check_pair(h, real, imag, err)) {
        return false;
    }
    fft_forward(&h->fft, static_cast<float*>(real.data), static_cast<float*>(imag.data), h->fft.n);
    return true;
}

bool fft_ifft(FftHandle* h, const BufferView& real, const BufferView& imag, Error* err) {
    if (!check_pair(h, real, imag, err)) {
        return false;
    }
    fft_inverse(&h->fft, static_cast<float*>(real.data), static_cast<float*>(imag.data), h->fft.n);
    return true;
}

bool fft_rfft(FftHandle* h, const BufferView& x, const BufferView& real, const BufferView& imag,
              Error* err) {
    const uint32_t n = h->fft.n;
    const uint32_t bins = rfft_bins(n);
    if (!check_floats(x, n, "x", err) || !check_floats(real, bins, "real", err) ||
        !check_floats(imag, bins, "imag", err) ||
        !check_distinct(real, imag, "real and imag", err) ||
        !check_distinct(x, real, "x and real", err) ||
        !check_distinct(x, imag, "x and imag", err)) {
        return false;
    }
    const Rfft r = rfft_of(h);
    rfft_forward(&r, static_cast<const float*>(x.data), n, static_cast<float*>(real.data),
                 static_cast<float*>(imag.data), bins);
    return true;
}

bool fft_irfft(FftHandle* h, const BufferView& real, const BufferView& imag, const BufferView& out,
               Error* err) {
    const uint32_t n = h->fft.n;
    const uint32_t bins = rfft_bins(n);
    if (!check_floats(real, bins, "real", err) || !check_floats(imag, bins, "imag", err) ||
        !check_floats(out, n, "out", err) || !check_distinct(real, imag, "real and imag", err) ||
        !check_distinct(out, real, "out and real", err) ||
        !check_distinct(out, imag, "out and imag", err)) {
        return false;
    }
    const Rfft r = rfft_of(h);
    rfft_inverse(&r, static_cast<float*>(real.data), static_cast<float*>(imag.data), bins,
                 static_cast<float*>(out.data), n);
    return true;
}

} // namespace api
} // namespace microlearn
