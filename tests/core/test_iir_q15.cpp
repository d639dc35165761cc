// Fixed-point biquad cascade. References:
//  - tests/data/iir_q15_refs.txt (tests/data/gen_signal_refs.py): gain-balanced Butterworth
//    low/high/band-pass filters in Q2.13 (two narrow low passes among them), an int16 signal
//    at -6 dBFS, the exact output of the documented arithmetic computed with Python integers,
//    and a float64 model of the same quantised filter (scipy sosfilt);
//  - an int64 model of the documented arithmetic and a float64 model, both written here.
// Expectations: bit-exact against both integer models; SNR >= 60 dB against the float models
// (50 dB for a low pass at 0.01 of Nyquist, whose output on the test signal is at -46 dBFS);
// full-scale inputs saturate and never wrap; constant inputs settle where the exact filter does.
#include "iir_q15.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using microlearn::IirQ15Cascade;
using microlearn::Status;

namespace {

const std::map<std::string, std::vector<double>>& q15_refs() {
    static const auto refs = refdata::load_records("iir_q15_refs.txt");
    return refs;
}

std::vector<double> q15_ref(const std::string& name) {
    auto it = q15_refs().find(name);
    EXPECT_NE(it, q15_refs().end()) << "missing reference " << name;
    return it == q15_refs().end() ? std::vector<double>() : it->second;
}

std::vector<int16_t> to_int16(const std::vector<double>& v) {
    std::vector<int16_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        out[i] = int16_t(v[i]);
    }
    return out;
}

struct Design {
    const char* name;
    size_t stages;
    double min_snr_db; // against the float64 model, on the -6 dBFS test signal
};
// butter_slow (butter(4, 0.01)) passes little of the test signal: its output is 169 LSB RMS,
// so 0.3 LSB of noise is 55 dB; without error feedback the SNR was 1.4 dB (butter_narrow: 50).
const Design kDesigns[] = {{"butter_low", 4, 60.0},
                           {"butter_high", 4, 60.0},
                           {"butter_band", 4, 60.0},
                           {"butter_narrow", 4, 70.0},
                           {"butter_slow", 2, 50.0}};

struct Filter {
    std::vector<int16_t> storage;
    IirQ15Cascade iir{};
    explicit Filter(const std::vector<int16_t>& coeffs)
        : storage(microlearn::iir_q15_storage_bytes(uint32_t(coeffs.size() / 6)) / 2) {
        EXPECT_EQ(microlearn::iir_q15_init(&iir, coeffs.data(), uint32_t(coeffs.size()),
                                           storage.data(), storage.size() * 2),
                  Status::Ok);
    }
    std::vector<int16_t> run(std::vector<int16_t> x) {
        EXPECT_EQ(microlearn::iir_q15_process(&iir, x.data(), uint32_t(x.size())), Status::Ok);
        return x;
    }
};

int64_t floor_div_8192(int64_t v) {
    return v >= 0 ? v / 8192 : -((-v + 8191) / 8192);
}

// The arithmetic of iir_q15.h, written from its comment: the residues' term -a1*e1 + -a2*e2
// rounded to an integer (+ 2^12, floor division by 8192), exact int64 sum, + 2^12, floor
// division by 8192, saturate, residue acc - 8192 q (of q, also when y is clamped); DF1 state of
// saturated int16 values.
// `state` holds 6 values per stage as iir_q15_set_state() takes them (empty: zeros).
std::vector<int16_t> exact_model(const std::vector<int16_t>& coeffs, std::vector<int16_t> x,
                                 const std::vector<int16_t>& state = {}) {
    for (size_t s = 0; s < coeffs.size() / 6; ++s) {
        const int64_t b0 = coeffs[6 * s], b1 = coeffs[6 * s + 2], b2 = coeffs[6 * s + 3];
        const int64_t na1 = coeffs[6 * s + 4], na2 = coeffs[6 * s + 5];
        int64_t x1 = 0, x2 = 0, y1 = 0, y2 = 0, e1 = 0, e2 = 0;
        if (!state.empty()) {
            const int16_t* st = &state[6 * s];
            x1 = st[0], x2 = st[1], y1 = st[2], y2 = st[3], e1 = st[4], e2 = st[5];
        }
        for (int16_t& v : x) {
            const int64_t fraction = floor_div_8192(na1 * e1 + na2 * e2 + 4096);
            const int64_t acc = b0 * v + b1 * x1 + b2 * x2 + na1 * y1 + na2 * y2 + fraction;
            const int64_t q = floor_div_8192(acc + 4096);
            const int64_t y = std::min<int64_t>(32767, std::max<int64_t>(-32768, q));
            x2 = x1;
            x1 = v;
            y2 = y1;
            y1 = y;
            e2 = e1;
            e1 = acc - 8192 * q;
            v = int16_t(y);
        }
    }
    return x;
}

// The same quantised filter in float64, no rounding and no saturation.
std::vector<double> float_model(const std::vector<int16_t>& coeffs, const std::vector<int16_t>& x) {
    std::vector<double> y(x.begin(), x.end());
    for (size_t s = 0; s < coeffs.size() / 6; ++s) {
        const double b0 = coeffs[6 * s] / 8192.0, b1 = coeffs[6 * s + 2] / 8192.0;
        const double b2 = coeffs[6 * s + 3] / 8192.0, na1 = coeffs[6 * s + 4] / 8192.0;
        const double na2 = coeffs[6 * s + 5] / 8192.0;
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (double& v : y) {
            const double out = b0 * v + b1 * x1 + b2 * x2 + na1 * y1 + na2 * y2;
            x2 = x1;
            x1 = v;
            y2 = y1;
            y1 = out;
            v = out;
        }
    }
    return y;
}

double snr_db(const std::vector<int16_t>& got, const std::vector<double>& want) {
    double sig = 0.0, noise = 0.0;
    for (size_t i = 0; i < want.size(); ++i) {
        sig += want[i] * want[i];
        noise += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
    }
    return 10.0 * std::log10(sig / noise);
}

std::vector<int16_t> random_int16(size_t n, uint32_t seed, int32_t lo = -32768,
                                  int32_t hi = 32767) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> dist(lo, hi);
    std::vector<int16_t> x(n);
    for (int16_t& v : x) {
        v = int16_t(dist(rng));
    }
    return x;
}

} // namespace

TEST(IirQ15, BitExactAgainstPythonModelOfTheArithmetic) {
    const std::vector<int16_t> x = to_int16(q15_ref("signal"));
    ASSERT_EQ(x.size(), 1000u);
    for (const Design& d : kDesigns) {
        const char* name = d.name;
        const std::vector<int16_t> coeffs = to_int16(q15_ref(std::string(name) + "_q15"));
        const std::vector<int16_t> want = to_int16(q15_ref(std::string(name) + "_exact"));
        ASSERT_EQ(coeffs.size(), 6 * d.stages) << name;
        Filter f(coeffs);
        EXPECT_EQ(f.run(x), want) << name;
        EXPECT_EQ(exact_model(coeffs, x), want) << name; // the two models agree, too
    }
}

TEST(IirQ15, SnrAgainstFloatModelAtMinus6dBFS) {
    const std::vector<int16_t> x = to_int16(q15_ref("signal"));
    int peak = 0;
    for (int16_t v : x) {
        peak = std::max(peak, std::abs(int(v)));
    }
    ASSERT_NEAR(20.0 * std::log10(peak / 32767.0), -6.0, 0.1); // the test signal is -6 dBFS
    for (const Design& d : kDesigns) {
        const char* name = d.name;
        const std::vector<int16_t> coeffs = to_int16(q15_ref(std::string(name) + "_q15"));
        Filter f(coeffs);
        const std::vector<int16_t> y = f.run(x);
        const double snr_scipy = snr_db(y, q15_ref(std::string(name) + "_model"));
        const double snr_here = snr_db(y, float_model(coeffs, x));
        EXPECT_GE(snr_scipy, d.min_snr_db) << name;
        EXPECT_GE(snr_here, d.min_snr_db) << name;
        std::ostringstream value;
        value << snr_scipy;
        RecordProperty(std::string(name) + "_snr_db", value.str());
    }
}

TEST(IirQ15, BitExactOnRandomFiltersAndFullScaleInputs) {
    // Random coefficients, stable or not: outputs pin at the rails, which exercises saturation;
    // half the stages have sum |c| > 65535 and need the 64-bit accumulator.
    std::mt19937 rng(21);
    for (int trial = 0; trial < 40; ++trial) {
        const size_t stages = 1 + trial % 6;
        std::vector<int16_t> coeffs(6 * stages);
        for (size_t s = 0; s < stages; ++s) {
            const bool big = (trial + s) % 2 == 0;
            std::uniform_int_distribution<int32_t> dist(big ? -32768 : -9000, big ? 32767 : 9000);
            for (size_t k = 0; k < 6; ++k) {
                coeffs[6 * s + k] = k == 1 ? int16_t(0) : int16_t(dist(rng));
            }
        }
        const std::vector<int16_t> x = random_int16(500, uint32_t(trial));
        Filter f(coeffs);
        ASSERT_EQ(f.run(x), exact_model(coeffs, x)) << "trial " << trial;
    }
}

TEST(IirQ15, BitExactFromAnyState) {
    // Every int16 value in every state slot, with coefficients at the limits: the sum stays
    // exact in both accumulators. Residues are at most half an LSB: set_state clamps them to
    // [-4096, 4095].
    std::mt19937 rng(33);
    for (int trial = 0; trial < 40; ++trial) {
        const size_t stages = 1 + trial % 4;
        std::vector<int16_t> coeffs =
            random_int16(6 * stages, uint32_t(100 + trial), trial % 2 ? -32768 : -12000,
                         trial % 2 ? 32767 : 12000);
        for (size_t s = 0; s < stages; ++s) {
            coeffs[6 * s + 1] = 0;
        }
        const std::vector<int16_t> state = random_int16(6 * stages, uint32_t(200 + trial));
        std::vector<int16_t> clamped = state;
        for (size_t s = 0; s < stages; ++s) {
            for (size_t j = 6 * s + 4; j < 6 * s + 6; ++j) {
                clamped[j] = int16_t(std::min(4095, std::max(-4096, int(state[j]))));
            }
        }
        const std::vector<int16_t> x = random_int16(300, uint32_t(300 + trial));
        Filter f(coeffs);
        ASSERT_EQ(microlearn::iir_q15_set_state(&f.iir, state.data(), uint32_t(state.size())),
                  Status::Ok);
        std::vector<int16_t> got(state.size());
        ASSERT_EQ(microlearn::iir_q15_get_state(&f.iir, got.data(), uint32_t(got.size())),
                  Status::Ok);
        ASSERT_EQ(got, clamped);
        ASSERT_EQ(f.run(x), exact_model(coeffs, x, clamped)) << "trial " << trial;
    }
}

TEST(IirQ15, SectionsAtTheInt32BoundStayExact) {
    // A section sums in int32 when its five coefficients' magnitudes add up to at most 65533,
    // else in int64. At the bound, with the state and input at their extremes and every product
    // of one sign, both paths must give the exact model's output: 65533 in int32, 65534 and
    // 65535 in int64 (65535 in int32 overflows: [0,0,0,0,-32768,-32767] from y = -32768 and
    // residues -4096 gave -32768, 32767 where the exact filter gives 32767, 2).
    for (int32_t sum : {65533, 65534, 65535}) {
        for (int sign = 0; sign < 4; ++sign) {
            const int16_t big = (sign & 1) ? int16_t(32767) : int16_t(-32768);
            const int32_t rest = sum - (big < 0 ? 32768 : 32767);
            const int16_t other = (sign & 2) ? int16_t(rest) : int16_t(-rest);
            // feedback only, and all five coefficients with the sum split between them
            const std::vector<std::vector<int16_t>> designs = {
                {0, 0, 0, 0, big, other},
                {int16_t(sum / 5), 0, int16_t(sum / 5), int16_t(sum / 5), int16_t(-(sum / 5)),
                 int16_t(-(sum - 4 * (sum / 5)))}};
            for (const std::vector<int16_t>& coeffs : designs) {
                for (int extreme = 0; extreme < 4; ++extreme) {
                    const int16_t y = (extreme & 1) ? int16_t(32767) : int16_t(-32768);
                    const int16_t e = (extreme & 2) ? int16_t(4095) : int16_t(-4096);
                    const int16_t v = (extreme & 1) ? int16_t(-32768) : int16_t(32767);
                    const std::vector<int16_t> state = {v, v, y, y, e, e};
                    const std::vector<int16_t> x(5, v);
                    Filter f(coeffs);
                    ASSERT_EQ(microlearn::iir_q15_set_state(&f.iir, state.data(), 6), Status::Ok);
                    ASSERT_EQ(f.run(x), exact_model(coeffs, x, state))
                        << "sum " << sum << " sign " << sign << " extreme " << extreme;
                }
            }
        }
    }
}

TEST(IirQ15, SetStateClampsResiduesAtTheirBounds) {
    const std::vector<int16_t> coeffs = {8192, 0, 0, 0, 0, 0};
    const int16_t given[] = {4096, 4095, -4096, -4097, 32767, -32768};
    const int16_t kept[] = {4095, 4095, -4096, -4096, 4095, -4096};
    for (size_t i = 0; i < 6; ++i) {
        Filter f(coeffs);
        const int16_t state[6] = {1, 2, 3, 4, given[i], given[i]};
        ASSERT_EQ(microlearn::iir_q15_set_state(&f.iir, state, 6), Status::Ok);
        int16_t got[6];
        ASSERT_EQ(microlearn::iir_q15_get_state(&f.iir, got, 6), Status::Ok);
        EXPECT_EQ(std::vector<int16_t>(got, got + 6),
                  (std::vector<int16_t>{1, 2, 3, 4, kept[i], kept[i]}))
            << "residue " << given[i];
    }
}

TEST(IirQ15, ConstantInputSettlesWhereTheExactFilterDoes) {
    // Without error feedback a section holds a constant output where the exact filter moves
    // on (a dead band): butter(4, 0.01) stayed at -943 after a step back to silence. Now, once
    // settled, the output stays within 1.5 LSB of the float model's, at the step's top and
    // after it (within 1.33 LSB over 376 Butterworth, Chebyshev and elliptic designs of orders
    // 2-8 and four levels, microlearn.signal.q15_filter).
    for (const char* name : {"butter_slow", "butter_narrow", "butter_low"}) {
        const std::vector<int16_t> coeffs = to_int16(q15_ref(std::string(name) + "_q15"));
        for (int16_t level : {int16_t(20000), int16_t(-12345), int16_t(3)}) {
            std::vector<int16_t> x(12000, 0);
            std::fill(x.begin(), x.begin() + 6000, level);
            const std::vector<double> model = float_model(coeffs, x);
            Filter f(coeffs);
            const std::vector<int16_t> y = f.run(x);
            for (size_t end : {size_t(6000), size_t(12000)}) {
                for (size_t i = end - 3000; i < end; ++i) {
                    ASSERT_LE(std::fabs(y[i] - model[i]), 1.5)
                        << name << " level " << level << " sample " << i;
                }
            }
        }
    }
}

TEST(IirQ15, RealisticFiltersBitExactOnFullScaleNoise) {
    const std::vector<int16_t> x = random_int16(3000, 99);
    for (const Design& d : kDesigns) {
        const std::string name = d.name;
        const std::vector<int16_t> coeffs = to_int16(q15_ref(name + "_q15"));
        Filter f(coeffs);
        EXPECT_EQ(f.run(x), exact_model(coeffs, x)) << name;
    }
}

TEST(IirQ15, GainSaturatesInsteadOfWrapping) {
    // y = 3x: b0 = 3.0 in Q2.13
    const std::vector<int16_t> coeffs = {24576, 0, 0, 0, 0, 0};
    const std::vector<int16_t> x = {0,     1000,   10922,  10923,  11000,
                                    32767, -10922, -10923, -32768, -1};
    const std::vector<int16_t> want = {0,     3000,   32766,  32767,  32767,
                                       32767, -32766, -32768, -32768, -3};
    Filter f(coeffs);
    EXPECT_EQ(f.run(x), want);
}

TEST(IirQ15, FullScaleSquareWaveThroughLowpassNeverWraps) {
    // Butterworth overshoot takes the exact output past full scale at every edge.
    const std::vector<int16_t> coeffs = to_int16(q15_ref("butter_low_q15"));
    std::vector<int16_t> x(2000);
    for (size_t i = 0; i < x.size(); ++i) {
        x[i] = (i / 100) % 2 ? int16_t(-32768) : int16_t(32767);
    }
    const std::vector<double> model = float_model(coeffs, x);
    const double over = *std::max_element(model.begin(), model.end());
    ASSERT_GT(over, 32767.0); // the test really overflows
    Filter f(coeffs);
    const std::vector<int16_t> y = f.run(x);
    EXPECT_EQ(y, exact_model(coeffs, x));
    int pinned = 0;
    for (size_t i = 0; i < y.size(); ++i) {
        if (std::fabs(model[i]) > 8000.0) {
            ASSERT_EQ(y[i] > 0, model[i] > 0) << "wrapped at " << i;
        }
        if (model[i] > 32767.0) {
            EXPECT_GE(y[i], 30000) << i;
            pinned += y[i] == 32767;
        }
    }
    EXPECT_GT(pinned, 0);
}

TEST(IirQ15, ChunkedProcessingStateAndReset) {
    const std::vector<int16_t> coeffs = to_int16(q15_ref("butter_band_q15"));
    const std::vector<int16_t> x = random_int16(1200, 5, -16000, 16000);
    Filter whole(coeffs);
    const std::vector<int16_t> want = whole.run(x);

    Filter chunked(coeffs);
    std::vector<int16_t> y = x;
    std::mt19937 rng(8);
    size_t pos = 0;
    while (pos < y.size()) {
        const size_t len = std::min<size_t>(rng() % 50, y.size() - pos);
        ASSERT_EQ(microlearn::iir_q15_process(&chunked.iir, y.data() + pos, uint32_t(len)),
                  Status::Ok);
        pos += len;
    }
    EXPECT_EQ(y, want);

    Filter first(coeffs);
    std::vector<int16_t> head(x.begin(), x.begin() + 700), tail(x.begin() + 700, x.end());
    head = first.run(head);
    std::vector<int16_t> state(4 * 6);
    ASSERT_EQ(microlearn::iir_q15_get_state(&first.iir, state.data(), 24), Status::Ok);
    EXPECT_EQ(state[0], x[699]);                 // x1 of the first section is the last input
    EXPECT_TRUE(state[4] != 0 || state[5] != 0); // residues are kept
    Filter second(coeffs);
    ASSERT_EQ(microlearn::iir_q15_set_state(&second.iir, state.data(), 24), Status::Ok);
    tail = second.run(tail);
    head.insert(head.end(), tail.begin(), tail.end());
    EXPECT_EQ(head, want);

    ASSERT_EQ(microlearn::iir_q15_reset(&whole.iir), Status::Ok);
    ASSERT_EQ(microlearn::iir_q15_get_state(&whole.iir, state.data(), 24), Status::Ok);
    EXPECT_EQ(state, std::vector<int16_t>(24, 0));
    EXPECT_EQ(whole.run(x), want);
}

TEST(IirQ15, NeverWritesPastItsStorage) {
    // The reference reserved one int16 per stage for six coefficients and overran it.
    for (uint32_t stages : {1u, 2u, 3u, 4u, 8u}) {
        EXPECT_EQ(microlearn::iir_q15_storage_bytes(stages), (stages * 22u + 3u) / 4u * 4u);
        const std::vector<int16_t> coeffs = random_int16(6 * stages, stages, -8000, 8000);
        std::vector<int16_t> padded = coeffs;
        for (uint32_t s = 0; s < stages; ++s) {
            padded[6 * s + 1] = 0;
        }
        const size_t need = microlearn::iir_q15_storage_bytes(stages) / 2;
        std::vector<int16_t> storage(need + 8, int16_t(0x5a5a));
        IirQ15Cascade f{};
        ASSERT_EQ(microlearn::iir_q15_init(&f, padded.data(), 6 * stages, storage.data(), need * 2),
                  Status::Ok);
        std::vector<int16_t> x = random_int16(64, 3);
        ASSERT_EQ(microlearn::iir_q15_process(&f, x.data(), 64), Status::Ok);
        for (size_t i = need; i < storage.size(); ++i) {
            ASSERT_EQ(storage[i], int16_t(0x5a5a)) << stages;
        }
    }
}

TEST(IirQ15, CoefficientsAreCopied) {
    std::vector<int16_t> coeffs = to_int16(q15_ref("butter_low_q15"));
    const std::vector<int16_t> x = random_int16(100, 4, -10000, 10000);
    Filter a(coeffs);
    const std::vector<int16_t> want = a.run(x);
    Filter b(coeffs);
    std::fill(coeffs.begin(), coeffs.end(), int16_t(0));
    EXPECT_EQ(b.run(x), want);
}

TEST(IirQ15, RejectsBadCoefficientsAndStorage) {
    std::vector<int16_t> storage(64);
    const size_t bytes = storage.size() * 2;
    std::vector<int16_t> coeffs = {8192, 0, 0, 0, 0, 0};
    IirQ15Cascade f{};
    EXPECT_EQ(microlearn::iir_q15_init(&f, coeffs.data(), 5, storage.data(), bytes),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::iir_q15_init(&f, nullptr, 6, storage.data(), bytes),
              Status::InvalidArgument);
    coeffs[1] = 16384; // scipy's layout by mistake: b1 where the padding belongs
    EXPECT_EQ(microlearn::iir_q15_init(&f, coeffs.data(), 6, storage.data(), bytes),
              Status::InvalidArgument);
    coeffs[1] = 0;
    EXPECT_EQ(microlearn::iir_q15_init(&f, coeffs.data(), 6, storage.data(), 19),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::iir_q15_init(&f, coeffs.data(), 6, nullptr, bytes), Status::SizeMismatch);
    EXPECT_EQ(microlearn::iir_q15_init(&f, coeffs.data(), 6,
                                       reinterpret_cast<char*>(storage.data()) + 1, bytes - 2),
              Status::InvalidArgument);
    EXPECT_FALSE(f.ready);
    EXPECT_EQ(microlearn::iir_q15_init(nullptr, coeffs.data(), 6, storage.data(), bytes),
              Status::InvalidArgument);
    // zero stages: identity
    ASSERT_EQ(microlearn::iir_q15_init(&f, nullptr, 0, nullptr, 0), Status::Ok);
    std::vector<int16_t> x = {1, -2, 3};
    ASSERT_EQ(microlearn::iir_q15_process(&f, x.data(), 3), Status::Ok);
    EXPECT_EQ(x, (std::vector<int16_t>{1, -2, 3}));
}

TEST(IirQ15, ReportsUninitialisedUseAndBadArrays) {
    IirQ15Cascade fresh{};
    std::vector<int16_t> x(4), state(24);
    EXPECT_EQ(microlearn::iir_q15_process(&fresh, x.data(), 4), Status::NotReady);
    EXPECT_EQ(microlearn::iir_q15_process(nullptr, x.data(), 4), Status::NotReady);
    EXPECT_EQ(microlearn::iir_q15_reset(&fresh), Status::NotReady);
    EXPECT_EQ(microlearn::iir_q15_get_state(&fresh, state.data(), 24), Status::NotReady);
    EXPECT_EQ(microlearn::iir_q15_set_state(&fresh, state.data(), 24), Status::NotReady);
    Filter f(to_int16(q15_ref("butter_low_q15")));
    EXPECT_EQ(microlearn::iir_q15_process(&f.iir, nullptr, 4), Status::InvalidArgument);
    EXPECT_EQ(microlearn::iir_q15_process(&f.iir, x.data(), 0), Status::Ok);
    EXPECT_EQ(microlearn::iir_q15_get_state(&f.iir, state.data(), 16), Status::SizeMismatch);
    EXPECT_EQ(microlearn::iir_q15_set_state(&f.iir, state.data(), 23), Status::SizeMismatch);
    EXPECT_EQ(microlearn::iir_q15_set_state(&f.iir, nullptr, 24), Status::InvalidArgument);
}

TEST(IirQ15Convert, MatchesGeneratorQuantisation) {
    for (const Design& d : kDesigns) {
        const char* name = d.name;
        const std::vector<double> sos64 = q15_ref(std::string(name) + "_sos");
        const std::vector<float> sos(sos64.begin(), sos64.end());
        const std::vector<int16_t> want = to_int16(q15_ref(std::string(name) + "_q15"));
        std::vector<int16_t> out(sos.size(), int16_t(-1));
        ASSERT_EQ(microlearn::iir_q15_convert(sos.data(), uint32_t(sos.size()), out.data(),
                                              uint32_t(out.size()), 8192.0f),
                  Status::Ok);
        EXPECT_EQ(out, want) << name;
    }
}

TEST(IirQ15Convert, RoundsHalfAwayFromZeroNormalisesAndChecksRange) {
    const float t = 1.0f / 8192.0f;
    // b0 b1 b2 a0 a1 a2 -> [b0, 0, b1, b2, -a1, -a2]
    const std::vector<float> sos = {1.5f * t, -1.5f * t, 2.5f * t, 1.0f, -3.99987793f, 4.0f};
    std::vector<int16_t> out(6);
    ASSERT_EQ(microlearn::iir_q15_convert(sos.data(), 6, out.data(), 6, 8192.0f), Status::Ok);
    EXPECT_EQ(out, (std::vector<int16_t>{2, 0, -2, 3, 32767, -32768}));

    std::vector<float> halved = sos;
    for (float& v : halved) {
        v *= 0.5f; // a0 = 0.5: the same filter
    }
    ASSERT_EQ(microlearn::iir_q15_convert(halved.data(), 6, out.data(), 6, 8192.0f), Status::Ok);
    EXPECT_EQ(out, (std::vector<int16_t>{2, 0, -2, 3, 32767, -32768}));

    const std::vector<float> unity = {1.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
    ASSERT_EQ(microlearn::iir_q15_convert(unity.data(), 6, out.data(), 6, 8191.0f), Status::Ok);
    EXPECT_EQ(out[0], 8191); // the reference's default scale

    std::vector<float> bad = unity;
    bad[0] = 4.0f; // 32768 does not fit
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f),
              Status::InvalidArgument);
    bad = unity;
    bad[4] = 4.0f; // -a1 = -4.0 -> -32768 fits
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f), Status::Ok);
    bad[4] = -4.0f; // -a1 = 4.0 does not
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f),
              Status::InvalidArgument);
    bad = unity;
    bad[3] = 0.0f;
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f),
              Status::InvalidArgument);
    bad = unity;
    bad[2] = NAN;
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f),
              Status::InvalidArgument);
    bad = unity;
    bad[3] = INFINITY;
    EXPECT_EQ(microlearn::iir_q15_convert(bad.data(), 6, out.data(), 6, 8192.0f),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::iir_q15_convert(unity.data(), 5, out.data(), 5, 8192.0f),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::iir_q15_convert(unity.data(), 6, out.data(), 5, 8192.0f),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::iir_q15_convert(unity.data(), 6, out.data(), 6, 0.0f),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::iir_q15_convert(unity.data(), 6, nullptr, 6, 8192.0f),
              Status::InvalidArgument);
}
