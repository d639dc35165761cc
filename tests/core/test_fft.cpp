// FFT engine against two independent references: numpy.fft (tests/data/fft_refs.txt, written by
// tests/data/gen_signal_refs.py) and a float64 naive DFT computed here with libm.
//
// Tolerance: relative RMS error sqrt(sum |X - ref|^2 / sum |ref|^2) <= 2e-6 for every length up
// to 4096 (float32 has 6e-8 resolution; the engine measures around 1.5e-7 at 4096).
#include "fft.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using microlearn::Fft;
using microlearn::Rfft;
using microlearn::Status;

namespace {

constexpr double kTolerance = 2e-6;

const std::map<std::string, std::vector<double>>& fft_refs() {
    static const auto refs = refdata::load_records("fft_refs.txt");
    return refs;
}

std::vector<double> fft_ref(const std::string& name) {
    auto it = fft_refs().find(name);
    EXPECT_NE(it, fft_refs().end()) << "missing reference " << name;
    return it == fft_refs().end() ? std::vector<double>() : it->second;
}

// Storage of exactly the size asked for, so that AddressSanitizer sees any write past it.
struct FftPlan {
    std::vector<float> storage;
    Fft fft{};
    explicit FftPlan(uint32_t n) : storage(microlearn::fft_storage_bytes(n) / sizeof(float)) {
        EXPECT_EQ(microlearn::fft_storage_bytes(n) % sizeof(float), 0u);
        EXPECT_EQ(microlearn::fft_init(&fft, n, storage.data(), storage.size() * sizeof(float)),
                  Status::Ok);
    }
};

struct RfftPlan {
    std::vector<float> storage;
    Rfft rfft{};
    explicit RfftPlan(uint32_t n) : storage(microlearn::rfft_storage_bytes(n) / sizeof(float)) {
        EXPECT_EQ(microlearn::rfft_init(&rfft, n, storage.data(), storage.size() * sizeof(float)),
                  Status::Ok);
    }
};

// float64 DFT with sign -1 (forward) or +1 (unscaled inverse), angles from exact index k*m mod n.
void dft(const std::vector<double>& xr, const std::vector<double>& xi, int sign,
         std::vector<double>* yr, std::vector<double>* yi) {
    const size_t n = xr.size();
    std::vector<double> c(n), s(n);
    for (size_t k = 0; k < n; ++k) {
        const double a = 2.0 * M_PI * double(k) / double(n);
        c[k] = std::cos(a);
        s[k] = std::sin(a);
    }
    yr->assign(n, 0.0);
    yi->assign(n, 0.0);
    for (size_t k = 0; k < n; ++k) {
        double sr = 0.0, si = 0.0;
        size_t idx = 0; // k * m mod n
        for (size_t m = 0; m < n; ++m) {
            const double wr = c[idx], wi = sign * s[idx];
            sr += xr[m] * wr - xi[m] * wi;
            si += xr[m] * wi + xi[m] * wr;
            idx += k;
            if (idx >= n) {
                idx -= n;
            }
        }
        (*yr)[k] = sr;
        (*yi)[k] = si;
    }
}

template <typename A, typename B>
double rel_rms(const A& ar, const A& ai, const B& br, const B& bi) {
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < br.size(); ++k) {
        const double dr = double(ar[k]) - br[k], di = double(ai[k]) - bi[k];
        num += dr * dr + di * di;
        den += br[k] * br[k] + bi[k] * bi[k];
    }
    return den > 0.0 ? std::sqrt(num / den) : std::sqrt(num);
}

std::vector<uint32_t> all_lengths() {
    std::vector<uint32_t> out;
    for (uint32_t n = 1; n <= microlearn::kFftMaxLength; n *= 2) {
        out.push_back(n);
    }
    return out;
}

enum class Signal { Random, Impulse, Dc, Sinusoid, OffBinSinusoid };

void make_signal(Signal kind, uint32_t n, std::mt19937* rng, std::vector<float>* re,
                 std::vector<float>* im) {
    std::normal_distribution<float> normal;
    re->assign(n, 0.0f);
    im->assign(n, 0.0f);
    for (uint32_t m = 0; m < n; ++m) {
        const double t = double(m) / double(n);
        switch (kind) {
        case Signal::Random:
            (*re)[m] = normal(*rng);
            (*im)[m] = normal(*rng);
            break;
        case Signal::Impulse:
            if (m == n / 3) {
                (*re)[m] = 1.0f;
                (*im)[m] = -0.5f;
            }
            break;
        case Signal::Dc:
            (*re)[m] = 0.75f;
            (*im)[m] = -2.0f;
            break;
        case Signal::Sinusoid:
            (*re)[m] = float(std::cos(2.0 * M_PI * double(n / 4 + 1) * t));
            (*im)[m] = float(0.5 * std::sin(2.0 * M_PI * 3.0 * t));
            break;
        case Signal::OffBinSinusoid:
            (*re)[m] = float(std::cos(2.0 * M_PI * 2.37 * t + 0.3));
            break;
        }
    }
}

// Every kind of signal up to 1024 points; beyond, the two that exercise every bin, to keep the
// O(n^2) float64 reference affordable under the sanitizers.
std::vector<Signal> signals_for(uint32_t n) {
    if (n <= 1024) {
        return {Signal::Random, Signal::Impulse, Signal::Dc, Signal::Sinusoid,
                Signal::OffBinSinusoid};
    }
    return {Signal::Random, Signal::OffBinSinusoid};
}

std::vector<double> widen(const std::vector<float>& v) {
    return {v.begin(), v.end()};
}

} // namespace

TEST(FftSinCos, WithinHalfAnUlpOfLibm) {
    // One final rounding of a fixed-point value good to ~2^-32: 0.5 ulp plus a hair.
    // log2_n = 15 covers every angle any table of this module uses.
    for (uint32_t log2_n : {3u, 10u, 12u, 15u}) {
        const uint32_t n = 1u << log2_n;
        double worst = 0.0;
        for (uint32_t k = 0; k < n; ++k) {
            float s, c;
            microlearn::sincos_turn(k, log2_n, &s, &c);
            const double a = 2.0 * M_PI * double(k) / double(n);
            const double rs = std::sin(a), rc = std::cos(a);
            for (auto [got, want] : {std::pair<float, double>{s, rs}, {c, rc}}) {
                const float w = float(want);
                const double ulp = double(std::nextafter(std::fabs(w), INFINITY) - std::fabs(w));
                // near zero the reference itself is tiny; measure against an absolute 2^-24
                const double err = std::fabs(double(got) - want) / std::max(ulp, 0x1p-24 * 0x1p-23);
                worst = std::max(worst, err);
            }
        }
        EXPECT_LE(worst, 0.52) << "log2_n " << log2_n;
    }
}

TEST(FftSinCos, ExactAtQuadrantsAndSymmetric) {
    const uint32_t log2_n = 12, n = 1u << log2_n;
    float s, c;
    microlearn::sincos_turn(0, log2_n, &s, &c);
    EXPECT_EQ(s, 0.0f);
    EXPECT_EQ(c, 1.0f);
    microlearn::sincos_turn(n / 4, log2_n, &s, &c);
    EXPECT_EQ(s, 1.0f);
    EXPECT_EQ(c, 0.0f);
    microlearn::sincos_turn(n / 2, log2_n, &s, &c);
    EXPECT_EQ(s, 0.0f);
    EXPECT_EQ(c, -1.0f);
    microlearn::sincos_turn(3 * n / 4, log2_n, &s, &c);
    EXPECT_EQ(s, -1.0f);
    EXPECT_EQ(c, 0.0f);
    microlearn::sincos_turn(n / 8, log2_n, &s, &c);
    EXPECT_EQ(s, c);
    for (uint32_t k = 0; k < n / 4; ++k) {
        float s1, c1, s2, c2, s3, c3;
        microlearn::sincos_turn(k, log2_n, &s1, &c1);
        microlearn::sincos_turn(n / 4 - k, log2_n, &s2, &c2); // pi/2 - a
        microlearn::sincos_turn(n / 2 + k, log2_n, &s3, &c3); // pi + a
        ASSERT_EQ(s1, c2) << k;
        ASSERT_EQ(c1, s2) << k;
        ASSERT_EQ(s1, -s3) << k;
        ASSERT_EQ(c1, -c3) << k;
    }
    // beyond 2^15 steps per turn the angle is rounded down to that grid
    microlearn::sincos_turn(3, 17, &s, &c);
    EXPECT_EQ(s, 0.0f);
    EXPECT_EQ(c, 1.0f);
    microlearn::sincos_turn(1u << 30, 32, &s, &c); // a quarter turn
    EXPECT_EQ(s, 1.0f);
    EXPECT_EQ(c, 0.0f);
    // k wraps modulo n
    float sa, ca, sb, cb;
    microlearn::sincos_turn(5, log2_n, &sa, &ca);
    microlearn::sincos_turn(5 + n, log2_n, &sb, &cb);
    EXPECT_EQ(sa, sb);
    EXPECT_EQ(ca, cb);
}

TEST(FftForward, MatchesNumpy) {
    for (uint32_t n : {1u, 2u, 4u, 8u, 16u, 32u, 128u, 512u}) {
        const std::string p = "fft_n" + std::to_string(n);
        const auto in_re = fft_ref(p + "_in_re"), in_im = fft_ref(p + "_in_im");
        const auto out_re = fft_ref(p + "_out_re"), out_im = fft_ref(p + "_out_im");
        ASSERT_EQ(in_re.size(), n);
        std::vector<float> re(in_re.begin(), in_re.end()), im(in_im.begin(), in_im.end());
        FftPlan plan(n);
        ASSERT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), n), Status::Ok);
        EXPECT_LE(rel_rms(re, im, out_re, out_im), kTolerance) << "n " << n;
    }
}

TEST(FftForward, MatchesFloat64DftForEveryLength) {
    std::mt19937 rng(42);
    for (uint32_t n : all_lengths()) {
        FftPlan plan(n);
        for (Signal kind : signals_for(n)) {
            std::vector<float> re, im;
            make_signal(kind, n, &rng, &re, &im);
            std::vector<double> wr, wi;
            dft(widen(re), widen(im), -1, &wr, &wi);
            ASSERT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), n), Status::Ok);
            EXPECT_LE(rel_rms(re, im, wr, wi), kTolerance) << "n " << n << " signal " << int(kind);
        }
    }
}

TEST(FftInverse, MatchesFloat64InverseDftAndRoundTrips) {
    std::mt19937 rng(7);
    for (uint32_t n : all_lengths()) {
        FftPlan plan(n);
        std::vector<float> re, im;
        make_signal(Signal::Random, n, &rng, &re, &im);
        const std::vector<float> orig_re = re, orig_im = im;
        std::vector<double> wr, wi;
        dft(widen(re), widen(im), +1, &wr, &wi);
        for (size_t k = 0; k < n; ++k) {
            wr[k] /= n;
            wi[k] /= n;
        }
        std::vector<float> ir = re, ii = im;
        ASSERT_EQ(microlearn::fft_inverse(&plan.fft, ir.data(), ii.data(), n), Status::Ok);
        EXPECT_LE(rel_rms(ir, ii, wr, wi), kTolerance) << "n " << n;

        ASSERT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), n), Status::Ok);
        ASSERT_EQ(microlearn::fft_inverse(&plan.fft, re.data(), im.data(), n), Status::Ok);
        EXPECT_LE(rel_rms(re, im, widen(orig_re), widen(orig_im)), kTolerance) << "n " << n;
    }
}

TEST(FftForward, ImpulseAtZeroGivesExactOnes) {
    for (uint32_t n : all_lengths()) {
        FftPlan plan(n);
        std::vector<float> re(n, 0.0f), im(n, 0.0f);
        re[0] = 1.0f;
        ASSERT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), n), Status::Ok);
        for (uint32_t k = 0; k < n; ++k) {
            ASSERT_EQ(re[k], 1.0f) << n << " " << k;
            ASSERT_EQ(im[k], 0.0f) << n << " " << k;
        }
    }
}

TEST(FftLoadTables, ReferenceFillTablesGiveTheSameSpectrum) {
    std::mt19937 rng(3);
    for (uint32_t n : all_lengths()) {
        // what the reference's fill(fft, n) computes in MicroPython: math.sin/cos as float32
        std::vector<float> sin_table(n / 2), cos_table(n / 2);
        for (uint32_t i = 0; i < n / 2; ++i) {
            sin_table[i] = float(std::sin(2.0 * M_PI * i / n));
            cos_table[i] = float(std::cos(2.0 * M_PI * i / n));
        }
        FftPlan plan(n);
        ASSERT_EQ(microlearn::fft_load_tables(&plan.fft, sin_table.data(), cos_table.data(), n / 2),
                  Status::Ok);
        std::vector<float> re, im;
        make_signal(Signal::Random, n, &rng, &re, &im);
        std::vector<double> wr, wi;
        dft(widen(re), widen(im), -1, &wr, &wi);
        ASSERT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), n), Status::Ok);
        EXPECT_LE(rel_rms(re, im, wr, wi), kTolerance) << "n " << n;
    }
}

TEST(FftLoadTables, TablesAreActuallyUsed) {
    for (uint32_t n : all_lengths()) {
        std::vector<float> sin_table(n / 2), cos_table(n / 2);
        uint32_t log2_n = 0;
        while ((1u << log2_n) < n) {
            ++log2_n;
        }
        for (uint32_t i = 0; i < n / 2; ++i) {
            microlearn::sincos_turn(i, log2_n, &sin_table[i], &cos_table[i]);
        }
        std::mt19937 rng(5);
        std::vector<float> re, im;
        make_signal(Signal::Random, n, &rng, &re, &im);
        FftPlan own(n);
        std::vector<float> own_re = re, own_im = im;
        ASSERT_EQ(microlearn::fft_forward(&own.fft, own_re.data(), own_im.data(), n), Status::Ok);
        // the engine's own sin/cos values as tables: the same twiddles, the same bits
        FftPlan loaded(n);
        ASSERT_EQ(
            microlearn::fft_load_tables(&loaded.fft, sin_table.data(), cos_table.data(), n / 2),
            Status::Ok);
        std::vector<float> ld_re = re, ld_im = im;
        ASSERT_EQ(microlearn::fft_forward(&loaded.fft, ld_re.data(), ld_im.data(), n), Status::Ok);
        EXPECT_EQ(ld_re, own_re) << n;
        EXPECT_EQ(ld_im, own_im) << n;
        if (n >= 16) { // shorter lengths need no tables at all
            for (float& v : sin_table) {
                v *= 0.5f;
            }
            ASSERT_EQ(
                microlearn::fft_load_tables(&loaded.fft, sin_table.data(), cos_table.data(), n / 2),
                Status::Ok);
            ld_re = re;
            ld_im = im;
            ASSERT_EQ(microlearn::fft_forward(&loaded.fft, ld_re.data(), ld_im.data(), n),
                      Status::Ok);
            EXPECT_NE(ld_re, own_re) << n;
        }
    }
}

TEST(FftLoadTables, BadTables) {
    FftPlan plan(16);
    std::vector<float> t(8, 0.0f);
    EXPECT_EQ(microlearn::fft_load_tables(&plan.fft, t.data(), t.data(), 7), Status::SizeMismatch);
    EXPECT_EQ(microlearn::fft_load_tables(&plan.fft, t.data(), t.data(), 16), Status::SizeMismatch);
    EXPECT_EQ(microlearn::fft_load_tables(&plan.fft, nullptr, t.data(), 8),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::fft_load_tables(&plan.fft, t.data(), nullptr, 8),
              Status::InvalidArgument);
    Fft fresh{};
    EXPECT_EQ(microlearn::fft_load_tables(&fresh, t.data(), t.data(), 8), Status::NotReady);
    // n = 1 has empty tables
    FftPlan one(1);
    EXPECT_EQ(microlearn::fft_load_tables(&one.fft, nullptr, nullptr, 0), Status::Ok);
}

TEST(FftReal, MatchesNumpy) {
    for (uint32_t n : {1u, 2u, 4u, 8u, 16u, 32u, 128u, 512u}) {
        const std::string p = "rfft_n" + std::to_string(n);
        const auto in = fft_ref(p + "_in"), out_re = fft_ref(p + "_out_re"),
                   out_im = fft_ref(p + "_out_im");
        ASSERT_EQ(in.size(), n);
        ASSERT_EQ(out_re.size(), microlearn::rfft_bins(n));
        std::vector<float> x(in.begin(), in.end());
        std::vector<float> re(microlearn::rfft_bins(n)), im(microlearn::rfft_bins(n));
        RfftPlan plan(n);
        ASSERT_EQ(microlearn::rfft_forward(&plan.rfft, x.data(), n, re.data(), im.data(),
                                           microlearn::rfft_bins(n)),
                  Status::Ok);
        EXPECT_LE(rel_rms(re, im, out_re, out_im), kTolerance) << "n " << n;
    }
}

TEST(FftReal, MatchesFloat64DftAndRoundTripsForEveryLength) {
    std::mt19937 rng(11);
    for (uint32_t n : all_lengths()) {
        RfftPlan plan(n);
        const uint32_t bins = microlearn::rfft_bins(n);
        for (Signal kind : signals_for(n)) {
            std::vector<float> x, unused;
            make_signal(kind, n, &rng, &x, &unused);
            std::vector<double> wr, wi;
            dft(widen(x), std::vector<double>(n, 0.0), -1, &wr, &wi);
            wr.resize(bins);
            wi.resize(bins);
            std::vector<float> re(bins), im(bins);
            ASSERT_EQ(microlearn::rfft_forward(&plan.rfft, x.data(), n, re.data(), im.data(), bins),
                      Status::Ok);
            EXPECT_LE(rel_rms(re, im, wr, wi), kTolerance) << "n " << n << " signal " << int(kind);
            EXPECT_EQ(im[0], 0.0f);
            EXPECT_EQ(im[bins - 1], 0.0f);

            std::vector<float> y(n);
            ASSERT_EQ(microlearn::rfft_inverse(&plan.rfft, re.data(), im.data(), bins, y.data(), n),
                      Status::Ok);
            const std::vector<double> zeros(n, 0.0);
            EXPECT_LE(rel_rms(y, std::vector<float>(n, 0.0f), widen(x), zeros), kTolerance)
                << "n " << n << " signal " << int(kind);
        }
    }
}

TEST(FftReal, InverseIgnoresImaginaryPartsOfDcAndNyquistLikeNumpy) {
    const uint32_t n = 32, bins = microlearn::rfft_bins(n);
    RfftPlan plan(n);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    std::vector<float> re(bins), im(bins);
    for (uint32_t k = 0; k < bins; ++k) {
        re[k] = normal(rng);
        im[k] = normal(rng);
    }
    im[0] = 0.0f;
    im[bins - 1] = 0.0f;
    std::vector<float> re2 = re, im2 = im;
    im2[0] = 5.0f;
    im2[bins - 1] = -7.0f;
    std::vector<float> y(n), y2(n);
    ASSERT_EQ(microlearn::rfft_inverse(&plan.rfft, re.data(), im.data(), bins, y.data(), n),
              Status::Ok);
    ASSERT_EQ(microlearn::rfft_inverse(&plan.rfft, re2.data(), im2.data(), bins, y2.data(), n),
              Status::Ok);
    EXPECT_EQ(y, y2);
}

TEST(FftReal, AgreesWithComplexTransformOfRealInput) {
    std::mt19937 rng(9);
    for (uint32_t n : all_lengths()) {
        std::vector<float> x, unused;
        make_signal(Signal::Random, n, &rng, &x, &unused);
        std::vector<float> re = x, im(n, 0.0f);
        FftPlan cplan(n);
        ASSERT_EQ(microlearn::fft_forward(&cplan.fft, re.data(), im.data(), n), Status::Ok);
        RfftPlan rplan(n);
        const uint32_t bins = microlearn::rfft_bins(n);
        std::vector<float> rr(bins), ri(bins);
        ASSERT_EQ(microlearn::rfft_forward(&rplan.rfft, x.data(), n, rr.data(), ri.data(), bins),
                  Status::Ok);
        re.resize(bins);
        im.resize(bins);
        EXPECT_LE(rel_rms(rr, ri, widen(re), widen(im)), 2 * kTolerance) << "n " << n;
    }
}

TEST(FftInit, StorageSizes) {
    EXPECT_EQ(microlearn::fft_storage_bytes(1), 0u);
    EXPECT_EQ(microlearn::fft_storage_bytes(8), 0u);
    // one table of n/2 complex roots: n floats, the reference's n/2 sin + n/2 cos
    for (uint32_t n = 16; n <= microlearn::kFftMaxLength; n *= 2) {
        EXPECT_EQ(microlearn::fft_storage_bytes(n), n * sizeof(float)) << n;
        // the real transform reads the same table
        EXPECT_EQ(microlearn::rfft_storage_bytes(n), n * sizeof(float)) << n;
    }
    EXPECT_EQ(microlearn::fft_storage_bytes(3), 0u);
    EXPECT_EQ(microlearn::fft_storage_bytes(8192), 0u);
    EXPECT_EQ(microlearn::rfft_storage_bytes(2), 0u);
    EXPECT_EQ(microlearn::rfft_storage_bytes(8), 0u);
    EXPECT_EQ(microlearn::rfft_bins(1), 1u);
    EXPECT_EQ(microlearn::rfft_bins(256), 129u);
}

TEST(FftInit, RejectsLengthsThatAreNotPowersOfTwoInRange) {
    std::vector<float> storage(2 * 8192);
    for (uint32_t n : {0u, 3u, 5u, 6u, 12u, 100u, 1000u, 4095u, 4097u, 8192u, 0x80000000u}) {
        Fft f{};
        EXPECT_FALSE(microlearn::fft_length_valid(n)) << n;
        EXPECT_EQ(microlearn::fft_init(&f, n, storage.data(), storage.size() * sizeof(float)),
                  Status::InvalidArgument)
            << n;
        EXPECT_FALSE(f.ready);
        Rfft r{};
        EXPECT_EQ(microlearn::rfft_init(&r, n, storage.data(), storage.size() * sizeof(float)),
                  Status::InvalidArgument)
            << n;
    }
    for (uint32_t n : all_lengths()) {
        EXPECT_TRUE(microlearn::fft_length_valid(n)) << n;
    }
}

TEST(FftInit, RejectsShortNullOrMisalignedStorage) {
    const uint32_t n = 256;
    const size_t need = microlearn::fft_storage_bytes(n);
    std::vector<float> storage(need / sizeof(float) + 1);
    Fft f{};
    EXPECT_EQ(microlearn::fft_init(&f, n, storage.data(), need - 1), Status::SizeMismatch);
    EXPECT_EQ(microlearn::fft_init(&f, n, nullptr, need), Status::SizeMismatch);
    EXPECT_EQ(microlearn::fft_init(&f, n, reinterpret_cast<char*>(storage.data()) + 1, need),
              Status::InvalidArgument);
    EXPECT_FALSE(f.ready);
    EXPECT_EQ(microlearn::fft_init(nullptr, n, storage.data(), need), Status::InvalidArgument);
    // lengths that need no tables accept null storage
    for (uint32_t small : {1u, 2u, 4u, 8u}) {
        Fft g{};
        EXPECT_EQ(microlearn::fft_init(&g, small, nullptr, 0), Status::Ok) << small;
    }
    Rfft r{};
    const size_t rneed = microlearn::rfft_storage_bytes(n);
    std::vector<float> rstorage(rneed / sizeof(float));
    EXPECT_EQ(microlearn::rfft_init(&r, n, rstorage.data(), rneed - 4), Status::SizeMismatch);
    EXPECT_EQ(microlearn::rfft_init(&r, n, nullptr, rneed), Status::SizeMismatch);
    EXPECT_FALSE(r.ready);
}

TEST(Rfft, SharedTableMatchesOwnTablesAndFollowsLoadedTables) {
    for (uint32_t n = 1; n <= microlearn::kFftMaxLength; n *= 2) {
        const uint32_t bins = microlearn::rfft_bins(n);
        std::mt19937 rng(11);
        std::uniform_real_distribution<float> u(-1.0f, 1.0f);
        std::vector<float> x(n);
        for (float& v : x) {
            v = u(rng);
        }
        RfftPlan own(n);
        FftPlan full(n);
        Rfft shared{};
        ASSERT_EQ(microlearn::rfft_init_shared(&shared, &full.fft), Status::Ok) << n;
        std::vector<float> re1(bins), im1(bins), re2(bins), im2(bins);
        ASSERT_EQ(microlearn::rfft_forward(&own.rfft, x.data(), n, re1.data(), im1.data(), bins),
                  Status::Ok);
        ASSERT_EQ(microlearn::rfft_forward(&shared, x.data(), n, re2.data(), im2.data(), bins),
                  Status::Ok);
        EXPECT_EQ(re1, re2) << n;
        EXPECT_EQ(im1, im2) << n;
        std::vector<float> y1(n), y2(n);
        ASSERT_EQ(microlearn::rfft_inverse(&own.rfft, re1.data(), im1.data(), bins, y1.data(), n),
                  Status::Ok);
        ASSERT_EQ(microlearn::rfft_inverse(&shared, re2.data(), im2.data(), bins, y2.data(), n),
                  Status::Ok);
        EXPECT_EQ(y1, y2) << n;
        if (n >= 16) { // a loaded table reaches the shared real transform too
            std::vector<float> zeros(n / 2, 0.0f);
            ASSERT_EQ(microlearn::fft_load_tables(&full.fft, zeros.data(), zeros.data(), n / 2),
                      Status::Ok);
            ASSERT_EQ(microlearn::rfft_forward(&shared, x.data(), n, re2.data(), im2.data(), bins),
                      Status::Ok);
            ASSERT_EQ(microlearn::rfft_forward(&own.rfft, x.data(), n, re1.data(), im1.data(), bins),
                      Status::Ok);
            EXPECT_NE(re1, re2) << n;
        }
    }
    Rfft r{};
    Fft not_ready{};
    EXPECT_EQ(microlearn::rfft_init_shared(&r, &not_ready), Status::NotReady);
    EXPECT_EQ(microlearn::rfft_init_shared(&r, nullptr), Status::NotReady);
    EXPECT_EQ(microlearn::rfft_init_shared(nullptr, &not_ready), Status::InvalidArgument);
    EXPECT_FALSE(r.ready);
}

TEST(FftInit, NeverWritesPastTheStorageItWasGiven) {
    for (uint32_t n : all_lengths()) {
        const size_t need = microlearn::fft_storage_bytes(n) / sizeof(float);
        std::vector<float> storage(need + 16, 12345.0f);
        Fft f{};
        ASSERT_EQ(microlearn::fft_init(&f, n, storage.data(), need * sizeof(float)), Status::Ok);
        for (size_t i = need; i < storage.size(); ++i) {
            ASSERT_EQ(storage[i], 12345.0f) << n;
        }
        const size_t rneed = microlearn::rfft_storage_bytes(n) / sizeof(float);
        std::vector<float> rstorage(rneed + 16, 12345.0f);
        Rfft r{};
        ASSERT_EQ(microlearn::rfft_init(&r, n, rstorage.data(), rneed * sizeof(float)), Status::Ok);
        for (size_t i = rneed; i < rstorage.size(); ++i) {
            ASSERT_EQ(rstorage[i], 12345.0f) << n;
        }
    }
}

TEST(FftRun, ReportsUninitialisedUseAndBadArrays) {
    std::vector<float> re(16), im(16), x(16);
    Fft fresh{};
    EXPECT_EQ(microlearn::fft_forward(&fresh, re.data(), im.data(), 16), Status::NotReady);
    EXPECT_EQ(microlearn::fft_inverse(&fresh, re.data(), im.data(), 16), Status::NotReady);
    EXPECT_EQ(microlearn::fft_forward(nullptr, re.data(), im.data(), 16), Status::NotReady);
    // a failed init leaves the instance unusable, even if it was ready before
    FftPlan plan(16);
    ASSERT_TRUE(plan.fft.ready);
    EXPECT_EQ(microlearn::fft_init(&plan.fft, 17, plan.storage.data(), 0), Status::InvalidArgument);
    EXPECT_EQ(microlearn::fft_forward(&plan.fft, re.data(), im.data(), 16), Status::NotReady);

    FftPlan good(16);
    EXPECT_EQ(microlearn::fft_forward(&good.fft, nullptr, im.data(), 16), Status::InvalidArgument);
    EXPECT_EQ(microlearn::fft_forward(&good.fft, re.data(), nullptr, 16), Status::InvalidArgument);
    EXPECT_EQ(microlearn::fft_forward(&good.fft, re.data(), im.data(), 8), Status::SizeMismatch);
    EXPECT_EQ(microlearn::fft_inverse(&good.fft, re.data(), im.data(), 32), Status::SizeMismatch);

    Rfft rfresh{};
    std::vector<float> br(9), bi(9);
    EXPECT_EQ(microlearn::rfft_forward(&rfresh, x.data(), 16, br.data(), bi.data(), 9),
              Status::NotReady);
    EXPECT_EQ(microlearn::rfft_inverse(&rfresh, br.data(), bi.data(), 9, x.data(), 16),
              Status::NotReady);
    RfftPlan rplan(16);
    EXPECT_EQ(microlearn::rfft_forward(&rplan.rfft, x.data(), 16, br.data(), bi.data(), 8),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::rfft_forward(&rplan.rfft, x.data(), 15, br.data(), bi.data(), 9),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::rfft_forward(&rplan.rfft, nullptr, 16, br.data(), bi.data(), 9),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::rfft_inverse(&rplan.rfft, br.data(), bi.data(), 10, x.data(), 16),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::rfft_inverse(&rplan.rfft, br.data(), nullptr, 9, x.data(), 16),
              Status::InvalidArgument);
}

TEST(FftRun, LengthOneAndTwo) {
    FftPlan one(1);
    float re = 3.5f, im = -1.0f;
    ASSERT_EQ(microlearn::fft_forward(&one.fft, &re, &im, 1), Status::Ok);
    EXPECT_EQ(re, 3.5f);
    EXPECT_EQ(im, -1.0f);
    ASSERT_EQ(microlearn::fft_inverse(&one.fft, &re, &im, 1), Status::Ok);
    EXPECT_EQ(re, 3.5f);

    FftPlan two(2);
    float r2[2] = {1.0f, 2.0f}, i2[2] = {0.5f, -0.5f};
    ASSERT_EQ(microlearn::fft_forward(&two.fft, r2, i2, 2), Status::Ok);
    EXPECT_EQ(r2[0], 3.0f);
    EXPECT_EQ(r2[1], -1.0f);
    EXPECT_EQ(i2[0], 0.0f);
    EXPECT_EQ(i2[1], 1.0f);

    RfftPlan rone(1);
    float x = 2.25f, br = 0.0f, bi = 9.0f;
    ASSERT_EQ(microlearn::rfft_forward(&rone.rfft, &x, 1, &br, &bi, 1), Status::Ok);
    EXPECT_EQ(br, 2.25f);
    EXPECT_EQ(bi, 0.0f);
    float y = 0.0f;
    ASSERT_EQ(microlearn::rfft_inverse(&rone.rfft, &br, &bi, 1, &y, 1), Status::Ok);
    EXPECT_EQ(y, 2.25f);
}
