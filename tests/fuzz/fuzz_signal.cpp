// libFuzzer target for the signal-processing modules through their api layer: filter
// coefficients (float and q15), convert_coefficients, FFT lengths and tables, and linear_map with
// fuzzer-chosen typecodes and parameters. Whatever the input, nothing may crash, read or write
// out of bounds (AddressSanitizer, with storage of exactly the size asked for) or hang; NaN and
// infinity are allowed in float outputs. Accepted objects must then process data.
//
// Input: byte 0 picks the target, the rest is its data (see each case).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "arrayutils_api.h"
#include "fft_api.h"
#include "fuzz_reader.h"
#include "iir_api.h"
#include "iir_q15_api.h"

using namespace microlearn;
using microlearn::api::BufferView;

namespace {

using Reader = FuzzReader;

template <typename T> BufferView view(std::vector<T>& v, char typecode) {
    return BufferView{v.data(), v.size() * sizeof(T), typecode};
}

// Storage of exactly `bytes` bytes, 4-byte aligned; a vector of uint32_t would round the size up.
struct Storage {
    std::vector<uint8_t> bytes;
    explicit Storage(size_t n) : bytes(n + 4) {}
    void* data() {
        uintptr_t p = reinterpret_cast<uintptr_t>(bytes.data());
        return bytes.data() + ((4 - (p & 3)) & 3);
    }
};

void fuzz_iir(Reader& r) {
    const size_t n_values = r.byte() % 61; // up to 10 stages, and lengths that are not multiples
    std::vector<float> coefficients = r.values<float>(n_values);
    api::Error err;
    size_t bytes = 0;
    if (!api::iir_storage_size(view(coefficients, 'f'), &bytes, &err)) {
        return;
    }
    std::vector<double> storage((bytes + 7) / sizeof(double)); // aligned for a double state
    IirCascade f{};
    if (!api::iir_new(&f, view(coefficients, 'f'), storage.data(), bytes, &err)) {
        return;
    }
    std::vector<float> state(2u * f.n_stages);
    while (r.left() > 0) {
        std::vector<float> chunk = r.values<float>(r.byte() % 40);
        api::iir_run(&f, view(chunk, 'f'), &err);
        api::iir_state_get(&f, view(state, 'f'), &err);
        if (r.byte() % 8 == 0) {
            api::iir_state_set(&f, view(chunk, 'f'), &err); // usually the wrong length
            api::iir_reset_state(&f, &err);
        }
    }
}

void fuzz_iir_q15(Reader& r) {
    const size_t n_values = r.byte() % 61;
    const bool zero_padding = r.byte() & 1; // else the padding check usually rejects
    std::vector<int16_t> coefficients = r.values<int16_t>(n_values);
    for (size_t i = 1; zero_padding && i < coefficients.size(); i += 6) {
        coefficients[i] = 0;
    }
    api::Error err;
    size_t bytes = 0;
    if (!api::iir_q15_storage_size(view(coefficients, 'h'), &bytes, &err)) {
        return;
    }
    Storage storage(bytes);
    IirQ15Cascade f{};
    if (!api::iir_q15_new(&f, view(coefficients, 'h'), storage.data(), bytes, &err)) {
        return;
    }
    std::vector<int16_t> state(size_t(kIirQ15StatePerStage) * f.n_stages);
    while (r.left() > 0) {
        std::vector<int16_t> chunk = r.values<int16_t>(r.byte() % 40);
        api::iir_q15_run(&f, view(chunk, 'h'), &err);
        api::iir_q15_state_get(&f, view(state, 'h'), &err);
        const uint8_t what = r.byte() % 8;
        if (what == 0) {
            api::iir_q15_state_set(&f, view(state, 'h'), &err);
            api::iir_q15_reset_state(&f, &err);
        } else if (what == 1) {
            // Any int16 state, residues far beyond what the engine leaves: the sums must stay
            // exact (UBSan reports a signed overflow in the 32-bit accumulator).
            std::vector<int16_t> any = r.values<int16_t>(state.size());
            api::iir_q15_state_set(&f, view(any, 'h'), &err);
        }
    }
}

void fuzz_convert(Reader& r) {
    const double scale = r.value<double>();
    const size_t n_values = r.byte() % 61;
    std::vector<float> sos = r.values<float>(n_values);
    api::Error err;
    uint32_t n_stages = 0;
    if (!api::iir_q15_convert_check(sos.size(), scale, &n_stages, &err) || sos.empty()) {
        return;
    }
    if (size_t(n_stages) * 6 != sos.size()) {
        __builtin_trap(); // the stage count the bindings loop over
    }
    std::vector<int16_t> q(sos.size());
    for (size_t s = 0; s < n_stages; s++) {
        if (!api::iir_q15_convert_stage(&sos[s * 6], scale, uint32_t(s), &q[s * 6], &err)) {
            return;
        }
    }
    // Converted coefficients always load.
    size_t bytes = 0;
    if (!api::iir_q15_storage_size(view(q, 'h'), &bytes, &err)) {
        __builtin_trap();
    }
    Storage storage(bytes);
    IirQ15Cascade f{};
    if (!api::iir_q15_new(&f, view(q, 'h'), storage.data(), bytes, &err)) {
        __builtin_trap();
    }
    std::vector<int16_t> x = {32767, -32768, 0, 1, -1, 32767, 32767, -32768};
    api::iir_q15_run(&f, view(x, 'h'), &err);
}

struct FftFuzz {
    api::FftHandle handle;
};

void fuzz_fft(Reader& r) {
    // Any int32 length; valid ones (powers of two to 4096) are likely from small values.
    const uint8_t kind = r.byte();
    int32_t n = kind & 0x80 ? r.value<int32_t>() : int32_t(1) << (r.byte() % 14);
    api::Error err;
    size_t bytes = 0;
    if (!api::fft_storage_size(n, &bytes, &err)) {
        return;
    }
    Storage storage(bytes);
    FftFuzz fft;
    if (!api::fft_new(&fft.handle, n, storage.data(), bytes, &err)) {
        __builtin_trap(); // a checked length must construct
    }
    const size_t un = size_t(n), bins = un / 2 + 1;
    while (r.left() > 0) {
        // Lengths near the right ones, so that both the checks and the transforms run.
        const uint8_t op = r.byte();
        const size_t delta = (op >> 4) % 3; // 0: right length, else off by one
        const size_t len = delta == 0 ? un : (delta == 1 ? un + 1 : (un > 0 ? un - 1 : 0));
        const size_t blen = delta == 0 ? bins : bins + 1;
        std::vector<float> a = r.values<float>(len), b = r.values<float>(len);
        std::vector<float> re(blen), im(blen);
        switch (op % 6) {
        case 0:
            api::fft_run(&fft.handle, view(a, 'f'), view(b, 'f'), &err);
            break;
        case 1:
            api::fft_ifft(&fft.handle, view(a, 'f'), view(b, 'f'), &err);
            break;
        case 2:
            api::fft_rfft(&fft.handle, view(a, 'f'), view(re, 'f'), view(im, 'f'), &err);
            break;
        case 3:
            for (size_t i = 0; i < blen && i < a.size(); i++) {
                re[i] = a[i];
                im[i] = b[i];
            }
            api::fft_irfft(&fft.handle, view(re, 'f'), view(im, 'f'), view(b, 'f'), &err);
            break;
        case 4: {
            std::vector<float> s(a.begin(), a.begin() + len / 2), c(b.begin(), b.begin() + len / 2);
            api::fft_fill_tables(&fft.handle, view(s, 'f'), view(c, 'f'), &err);
            break;
        }
        default:
            api::fft_fill(&fft.handle, int32_t(len), &err);
            break;
        }
    }
}

void fuzz_linear_map(Reader& r) {
    static const char kTypecodes[] = "bBhHiIfdq";
    const char in_tc = kTypecodes[r.byte() % 9];
    const char out_tc = kTypecodes[r.byte() % 9];
    const uint8_t mode = r.byte();
    double params[4];
    for (double& p : params) {
        p = mode & 1 ? r.value<double>() : double(r.value<int16_t>());
    }
    const size_t in_size = api::typecode_size(in_tc), out_size = api::typecode_size(out_tc);
    const size_t n = r.left() / 8;
    std::vector<uint64_t> in((n * in_size + 7) / 8 + 1), out((n * out_size + 7) / 8 + 1);
    memcpy(in.data(), r.data + r.pos, r.left() < in.size() * 8 ? r.left() : in.size() * 8);
    BufferView iv{in.data(), n * in_size, in_tc};
    BufferView ov{out.data(), (n + (mode >> 1) % 2) * out_size, out_tc}; // sometimes 1 longer
    if (ov.bytes > out.size() * 8) {
        ov.bytes = n * out_size;
    }
    api::Error err;
    api::linear_map(iv, ov, params[0], params[1], params[2], params[3], &err);
    if (mode & 4) { // in place, and overlapping by one element
        api::linear_map(iv, BufferView{in.data(), n * in_size, in_tc}, params[0], params[1],
                        params[2], params[3], &err);
        if (n > 1 && in_size > 0) {
            api::linear_map(BufferView{in.data(), (n - 1) * in_size, in_tc},
                            BufferView{reinterpret_cast<uint8_t*>(in.data()) + in_size,
                                       (n - 1) * in_size, in_tc},
                            params[0], params[1], params[2], params[3], &err);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) {
        return 0;
    }
    Reader r{data + 1, size - 1};
    switch (data[0] % 5) {
    case 0:
        fuzz_iir(r);
        break;
    case 1:
        fuzz_iir_q15(r);
        break;
    case 2:
        fuzz_convert(r);
        break;
    case 3:
        fuzz_fft(r);
        break;
    default:
        fuzz_linear_map(r);
        break;
    }
    return 0;
}
