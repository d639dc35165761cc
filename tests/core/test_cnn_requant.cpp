// The int8 convolution's integer requantisation (cnn_requant.h) against TinyMaix's float
// computation, written here on its own: wherever requant_fixed() gives a value it must be the
// float one, and it must decline rarely.
#include "cnn_requant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

using namespace microlearn;

namespace {

// float -> int8 toward zero, saturating (TinyMaix wraps), NaN to 0.
int8_t truncate_saturating(float r) {
    if (std::isnan(r)) {
        return 0;
    }
    if (r >= 128.0f) {
        return 127;
    }
    if (r <= -128.0f) {
        return -128;
    }
    return int8_t(int32_t(r));
}

// TinyMaix's output step (tm_layers.c, conv2d, int8): float(sum) * scale, relu or relu6, times
// 1 / out_s plus the zero point, truncated; saturated here where TinyMaix wraps.
int8_t float_requant(int32_t acc, float s, float inv, int32_t zp, uint32_t act) {
    float v = float(acc) * s;
    if (act != 0 && v < 0.0f) {
        v = 0.0f;
    }
    if (act == 3 && v > 6.0f) {
        v = 6.0f;
    }
    return truncate_saturating(v * inv + float(zp));
}

// Sums requant_fixed() gave a value for, and declined: for being near an integer or the relu6
// clamp (declined), or for the channel's scales (requant_word() 0: unheld).
struct Counts {
    uint64_t taken = 0, declined = 0, unheld = 0;
};

// Checks one sum.
void check(int32_t acc, float s, float inv, int32_t zp, uint32_t act, Counts* counts) {
    const RequantLayer layer = requant_layer(inv, zp, act);
    const uint32_t word = requant_word(s, inv);
    int8_t q = 0;
    if (!requant_fixed(layer, word, acc, &q)) {
        ++(word == 0 ? counts->unheld : counts->declined);
        return;
    }
    ++counts->taken;
    ASSERT_EQ(int(q), int(float_requant(acc, s, inv, zp, act)))
        << "acc " << acc << " s " << s << " inv " << inv << " zp " << zp << " act " << act;
}

// The sums within `spread` of `at`, where they fit in int32.
void check_around(double at, int spread, float s, float inv, int32_t zp, uint32_t act,
                  Counts* counts) {
    if (std::fabs(at) > 2e9) {
        return;
    }
    for (int d = -spread; d <= spread; ++d) {
        check(int32_t(std::llround(at)) + d, s, inv, zp, act, counts);
    }
}

const uint32_t kActs[] = {ActNone, ActRelu, ActRelu6};

float log_uniform(std::mt19937& rng, float lo_exp, float hi_exp) {
    std::uniform_real_distribution<float> e(lo_exp, hi_exp);
    return std::exp2(e(rng));
}

} // namespace

// Scales as quantised networks have them (s * inv from 2^-16 to 2^4), sums that land on every
// output value and far beyond, every zero point and activation.
TEST(CnnRequant, RandomSumsGiveTheFloatResult) {
    std::mt19937 rng(1);
    Counts counts;
    for (int config = 0; config < 3000; ++config) {
        const float s = log_uniform(rng, -24, 2);
        const float inv = log_uniform(rng, -4, 12);
        const int32_t zp = int32_t(rng() % 256) - 128;
        const uint32_t act = kActs[rng() % 3];
        const double m = double(s) * double(inv);
        // sums over the unsaturated range and a little beyond, then anywhere in int32
        const double reach = std::min(300.0 / m, 2147483647.0);
        std::uniform_real_distribution<double> near(-reach, reach);
        for (int i = 0; i < 600; ++i) {
            check(int32_t(near(rng)), s, inv, zp, act, &counts);
        }
        for (int i = 0; i < 100; ++i) {
            check(int32_t(rng()), s, inv, zp, act, &counts);
        }
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    // It must be the common path: the margin (2^-11 on each side of an integer) is narrow, and
    // the exact integers it declines (acc = 0 and relu's clamp at zp are taken) are few. The
    // channels left to float are those with s * inv of 512 or more (3% of these).
    EXPECT_LT(counts.declined * 200, counts.taken) << counts.declined << " of " << counts.taken;
    EXPECT_LT(counts.unheld * 20, counts.taken) << counts.unheld << " of " << counts.taken;
}

// Sums whose real result lies within a few units of an integer: where the margin decides.
TEST(CnnRequant, SumsNextToEveryOutputValue) {
    std::mt19937 rng(2);
    Counts counts;
    for (int config = 0; config < 400; ++config) {
        const float s = log_uniform(rng, -20, 0);
        const float inv = log_uniform(rng, 0, 10);
        const double m = double(s) * double(inv);
        if (m > 8.0 || m < 1e-7) {
            continue;
        }
        const int32_t zp = int32_t(rng() % 256) - 128;
        const uint32_t act = kActs[rng() % 3];
        for (int k = -131; k <= 131; ++k) {
            check_around(double(k - zp) / m, 3, s, inv, zp, act, &counts);
        }
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    EXPECT_GT(counts.taken, counts.declined);
}

// relu6: sums next to the clamp (acc * s = 6) and the clamped value itself.
TEST(CnnRequant, Relu6NextToTheClamp) {
    std::mt19937 rng(3);
    Counts counts;
    for (int config = 0; config < 2000; ++config) {
        const float s = log_uniform(rng, -20, 2);
        const float inv = log_uniform(rng, -6, 8);
        const int32_t zp = int32_t(rng() % 256) - 128;
        check_around(6.0 / double(s), 40, s, inv, zp, ActRelu6, &counts);
        if (::testing::Test::HasFatalFailure()) {
            return;
        }
    }
    EXPECT_GT(counts.taken, counts.declined);
}

// Every sum in [-2^20, 2^20] for a few layers like the MNIST network's.
TEST(CnnRequant, EverySumOfSomeLayers) {
    const struct {
        float s, inv;
        int32_t zp;
        uint32_t act;
    } layers[] = {{0.0037f / 255.0f, 1.0f / 0.0134f, -128, ActRelu},
                  {0.0061f * 0.0134f, 1.0f / 0.0162f, -128, ActRelu},
                  {0.0123f * 0.0162f, 1.0f / 0.0428f, -128, ActNone},
                  {3.1e-5f, 41.7f, 17, ActRelu6},
                  {1.0f / 1024.0f, 1.0f, 0, ActNone}}; // R exactly k / 1024: many integers
    for (const auto& l : layers) {
        Counts counts;
        for (int32_t acc = -(1 << 20); acc <= (1 << 20); ++acc) {
            check(acc, l.s, l.inv, l.zp, l.act, &counts);
            if (::testing::Test::HasFatalFailure()) {
                return;
            }
        }
        EXPECT_GT(counts.taken, 100 * counts.declined) << l.s;
    }
}

// The extremes of the sum and of the scales; channels the integer path must leave to float.
TEST(CnnRequant, ExtremesAndDeclinedChannels) {
    Counts counts;
    const int32_t sums[] = {
        0,         1,         -1, (1 << 24) + 1, -(1 << 24) - 3, 2147483647, -2147483647 - 1,
        123456789, -987654321};
    const float scales[] = {1e-30f, 1e-10f, 3e-5f, 0.01f, 1.0f, 100.0f, 1e20f};
    const float invs[] = {1e-30f, 1e-5f, 1.0f, 77.0f, 1e10f, 1e30f};
    for (const int32_t acc : sums) {
        for (const float s : scales) {
            for (const float inv : invs) {
                for (int32_t zp : {-128, -1, 0, 127}) {
                    for (const uint32_t act : kActs) {
                        check(acc, s, inv, zp, act, &counts);
                        if (::testing::Test::HasFatalFailure()) {
                            return;
                        }
                    }
                }
            }
        }
    }
    EXPECT_GT(counts.taken, 0u);
    // What it cannot hold exactly: no fast path, the float computation instead.
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float denormal = std::numeric_limits<float>::denorm_min();
    for (const auto& [s, inv] : {std::pair{-0.01f, 1.0f},
                                 {0.01f, -1.0f},
                                 {0.0f, 1.0f},
                                 {denormal, 1.0f},
                                 {inf, 1.0f},
                                 {nan, 1.0f},
                                 {0.01f, inf},
                                 {0.01f, nan},
                                 {0.01f, 0.0f},
                                 {1e30f, 1e-30f},     // s too large
                                 {1.0f, 1024.0f},     // s * inv of 512 or more
                                 {1e-10f, 1e-10f}}) { // below 2^-53
        EXPECT_EQ(requant_word(s, inv), 0u) << s << " " << inv;
    }
    EXPECT_NE(requant_word(0.01f, 511.0f), 0u);
}

namespace {

// TinyMaix's add (tml_add, int8): both inputs dequantised, summed, divided by the output scale.
int8_t float_add(int32_t da, int32_t db, float s0, float s1, float out_s, int32_t zp) {
    return truncate_saturating((float(da) * s0 + float(db) * s1) / out_s + float(zp));
}

struct AddCase {
    float s0, s1, out_s;
    int32_t zp;
};

// Every pair of inputs (da and db in -255..255) of one layer; returns the values declined.
uint64_t check_every_pair(const AddCase& c, uint64_t* taken) {
    const AddFixed f = add_fixed_layer(c.s0, c.s1, c.out_s, c.zp);
    uint64_t declined = 0;
    for (int32_t da = -255; da <= 255; ++da) {
        for (int32_t db = -255; db <= 255; ++db) {
            int8_t q = 0;
            if (!add_fixed(f, da, db, &q)) {
                ++declined;
                continue;
            }
            ++*taken;
            if (q != float_add(da, db, c.s0, c.s1, c.out_s, c.zp)) {
                ADD_FAILURE() << "da " << da << " db " << db << " s0 " << c.s0 << " s1 " << c.s1
                              << " out_s " << c.out_s << " zp " << c.zp << ": " << int(q)
                              << " instead of "
                              << int(float_add(da, db, c.s0, c.s1, c.out_s, c.zp));
                return declined;
            }
        }
    }
    return declined;
}

} // namespace

// The add layer's integer step against TinyMaix's float one for every input pair of layers with
// scales as residual networks have them (the two inputs' within a factor of 2^6 of the output's),
// and of ones far apart.
TEST(CnnRequant, AddGivesTheFloatResultForEveryPair) {
    std::mt19937 rng(4);
    uint64_t taken = 0, declined = 0;
    for (int layer = 0; layer < 60; ++layer) {
        const float out_s = log_uniform(rng, -10, 0);
        const AddCase c{out_s * log_uniform(rng, -6, 3), out_s * log_uniform(rng, -6, 3), out_s,
                        int32_t(rng() % 256) - 128};
        declined += check_every_pair(c, &taken);
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
    EXPECT_LT(declined * 500, taken) << declined << " of " << taken;
    // Quotients that are exact powers of two or 1 (every sum, or every fourth, lands on an
    // integer: all declined), scales 2^-20 apart, and the largest scales taken (510 s stays
    // below float's 2^128).
    for (const AddCase& c :
         {AddCase{1.0f / 256, 1.0f / 128, 1.0f / 64, 0}, AddCase{0.1f, 0.1f, 0.1f, -128},
          AddCase{1e-6f, 0.05f, 0.05f, 5}, AddCase{0.5f, 0.5f, 0.0625f, 127},
          AddCase{0x1.fffffep118f, 0x1.3p118f, 0x1.1p117f, -3}}) {
        check_every_pair(c, &taken);
    }
    EXPECT_NE(add_fixed_layer(0x1.fffffep118f, 0x1.3p118f, 0x1.1p117f, -3).margin, 0u);
}

TEST(CnnRequant, AddLayersLeftToFloat) {
    const float inf = std::numeric_limits<float>::infinity();
    for (const AddCase& c : {AddCase{1.0f, 1.0f, 1e-3f, 0},  // quotients of 2^6 or more
                             AddCase{1e-9f, 1e-9f, 1.0f, 0}, // shift past 30 bits
                             AddCase{-0.1f, 0.1f, 0.1f, 0},  // negative
                             AddCase{0.1f, 0.0f, 0.1f, 0},   // zero
                             AddCase{0.1f, 0.1f, inf, 0},    // zero quotients
                             AddCase{std::numeric_limits<float>::quiet_NaN(), 0.1f, 0.1f, 0},
                             // 4 * s0 alone overflows float (a review's case: 127 in float)
                             AddCase{0x1.4cccccp126f, 0x1.4cccccp126f, 0x1p126f, 0},
                             AddCase{0x1p119f, 0.5f, 0x1p119f, 0}}) {
        EXPECT_EQ(add_fixed_layer(c.s0, c.s1, c.out_s, c.zp).margin, 0u) << c.s0 << " " << c.out_s;
    }
    EXPECT_NE(add_fixed_layer(0.1f, 0.2f, 0.05f, 3).margin, 0u);
}
