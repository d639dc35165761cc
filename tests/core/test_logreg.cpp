// Logistic regression: the libm-free exp/log, converted scikit-learn models (multinomial iris,
// binary breast_cancer; tests/data/learn_logreg_*.txt from gen_learning_refs.py), on-device
// training towards scikit-learn's solution, numerical stability, and rejected inputs.
#include "logreg.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace microlearn;

namespace {

std::vector<uint8_t> bytes(const refdata::RefArray& a) {
    return std::vector<uint8_t>(a.v.begin(), a.v.end());
}

struct Logreg {
    LogisticRegression m{};
    std::vector<uint8_t> memory;
    Status init(uint32_t n_features, uint32_t n_classes, float l2, float lr) {
        memory.assign(logreg_memory_bytes(n_features, n_classes), 0);
        return logreg_init(&m, n_features, n_classes, l2, lr, memory.data(), memory.size());
    }
};

float from_bits(uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

void check_converted(const char* file) {
    auto refs = refdata::load_arrays(file);
    ASSERT_FALSE(refs.empty());
    const refdata::RefArray& X = refs["X"];
    const uint32_t f = uint32_t(X.cols);
    const uint32_t n_classes = uint32_t(refs["predict_proba"].cols);
    Logreg lg;
    ASSERT_EQ(lg.init(f, n_classes, 0.0f, 0.1f), Status::Ok);
    const auto coef = refdata::floats(refs["coef"]);
    const auto intercept = refdata::floats(refs["intercept"]);
    ASSERT_EQ(logreg_set_weights(&lg.m, coef.data(), uint32_t(coef.size())), Status::Ok);
    ASSERT_EQ(logreg_set_biases(&lg.m, intercept.data(), uint32_t(intercept.size())), Status::Ok);
    const auto xs = refdata::floats(X);
    std::vector<float> proba(n_classes), decision(lg.m.n_vectors);
    double worst = 0;
    for (size_t i = 0; i < X.rows; i++) {
        const float* x = &xs[i * f];
        ASSERT_EQ(logreg_predict_proba(&lg.m, x, f, proba.data(), n_classes), Status::Ok);
        float sum = 0;
        for (uint32_t c = 0; c < n_classes; c++) {
            const double expected = refs["predict_proba"].at(i, c);
            worst = std::max(worst, std::fabs(proba[c] - expected));
            EXPECT_NEAR(proba[c], expected, 1e-5) << "sample " << i << " class " << c;
            sum += proba[c];
        }
        EXPECT_NEAR(sum, 1.0f, 1e-6f);
        uint32_t klass = 99;
        ASSERT_EQ(logreg_predict(&lg.m, x, f, &klass), Status::Ok);
        EXPECT_EQ(klass, refs["predict"].at(0, i)) << "sample " << i;
        ASSERT_EQ(logreg_decision_function(&lg.m, x, f, decision.data(), lg.m.n_vectors),
                  Status::Ok);
        for (uint32_t c = 0; c < lg.m.n_vectors; c++) {
            const double expected = refs["decision_function"].at(i, c);
            EXPECT_NEAR(decision[c], expected, 1e-5 * (1.0 + std::fabs(expected)));
        }
    }
    std::printf("  %s: largest |predict_proba - sklearn| = %.3g\n", file, worst);
}

// Trains from zero with scikit-learn's objective (l2 = 1 / (C n)) and compares the result.
void check_training(const char* file, float learning_rate, uint32_t max_iterations,
                    double coef_tolerance, double proba_tolerance) {
    auto refs = refdata::load_arrays(file);
    ASSERT_FALSE(refs.empty());
    const refdata::RefArray& X = refs["X"];
    const uint32_t f = uint32_t(X.cols);
    const uint32_t n = uint32_t(X.rows);
    const uint32_t n_classes = uint32_t(refs["predict_proba"].cols);
    const auto xs = refdata::floats(X);
    const auto y = bytes(refs["y"]);
    const float l2 = float(1.0 / (refs["C"].v[0] * n));
    Logreg lg;
    ASSERT_EQ(lg.init(f, n_classes, l2, learning_rate), Status::Ok);
    TrainOptions o = kLinregTrainDefaults;
    o.max_iterations = max_iterations;
    o.tolerance = 0.0f; // run them all
    TrainResult r;
    ASSERT_EQ(logreg_train(&lg.m, xs.data(), n * f, y.data(), n, &o, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::MaxIterations);

    std::vector<float> w(lg.m.n_vectors * f), b(lg.m.n_vectors);
    ASSERT_EQ(logreg_get_weights(&lg.m, w.data(), uint32_t(w.size())), Status::Ok);
    ASSERT_EQ(logreg_get_biases(&lg.m, b.data(), uint32_t(b.size())), Status::Ok);
    const auto& coef = refs["coef"].v;
    double largest = 0;
    for (double c : coef) {
        largest = std::max(largest, std::fabs(c));
    }
    double worst_coef = 0;
    for (size_t i = 0; i < w.size(); i++) {
        worst_coef = std::max(worst_coef, std::fabs(w[i] - coef[i]) / largest);
        EXPECT_NEAR(w[i], coef[i], coef_tolerance * largest) << "weight " << i;
    }
    // Softmax intercepts are defined up to a common shift; both solvers keep their sum at zero
    // when starting from zero, but compare centred values to be independent of that.
    double mean_b = 0, mean_ref = 0;
    for (size_t c = 0; c < b.size(); c++) {
        mean_b += b[c] / double(b.size());
        mean_ref += refs["intercept"].v[c] / double(b.size());
    }
    for (size_t c = 0; c < b.size(); c++) {
        const double ref =
            b.size() == 1 ? refs["intercept"].v[c] : refs["intercept"].v[c] - mean_ref;
        const double got = b.size() == 1 ? b[c] : b[c] - mean_b;
        EXPECT_NEAR(got, ref, coef_tolerance * largest) << "bias " << c;
    }
    std::vector<float> proba(n_classes);
    double worst_proba = 0;
    for (uint32_t i = 0; i < n; i++) {
        ASSERT_EQ(logreg_predict_proba(&lg.m, &xs[i * f], f, proba.data(), n_classes), Status::Ok);
        for (uint32_t c = 0; c < n_classes; c++) {
            worst_proba =
                std::max(worst_proba, std::fabs(proba[c] - refs["predict_proba"].at(i, c)));
        }
    }
    EXPECT_LT(worst_proba, proba_tolerance);
    std::printf("  %s trained: largest coefficient error %.3g (of the largest), proba error %.3g\n",
                file, worst_coef, worst_proba);
}

} // namespace

TEST(Logreg, ExpfIsAccurate) {
    EXPECT_EQ(approx_expf(0.0f), 1.0f);
    double worst = 0;
    for (float x = -87.0f; x < 88.7f; x += 0.0037f) {
        const double ref = std::exp(double(x));
        const double rel = std::fabs(approx_expf(x) - ref) / ref;
        worst = std::max(worst, rel);
    }
    // Dense near zero, where most softmax/sigmoid arguments are.
    for (uint32_t i = 0; i < 200000; i++) {
        const float x = -10.0f + 20.0f * float(i) / 200000.0f;
        const double ref = std::exp(double(x));
        worst = std::max(worst, std::fabs(approx_expf(x) - ref) / ref);
    }
    std::printf("  approx_expf: largest relative error %.3g\n", worst);
    EXPECT_LT(worst, 2.5e-7); // about 2 ulp
    // Denormal results: absolute error within a couple of the smallest steps.
    for (float x = -103.9f; x < -87.4f; x += 0.01f) {
        EXPECT_NEAR(approx_expf(x), std::exp(double(x)), 3e-45) << x;
    }
    EXPECT_EQ(approx_expf(-104.0f), 0.0f);
    EXPECT_TRUE(std::isinf(approx_expf(89.0f)));
    EXPECT_TRUE(std::isinf(approx_expf(std::numeric_limits<float>::infinity())));
    EXPECT_EQ(approx_expf(-std::numeric_limits<float>::infinity()), 0.0f);
    EXPECT_TRUE(std::isnan(approx_expf(std::numeric_limits<float>::quiet_NaN())));
    // k = 128 needs a split scale factor.
    EXPECT_NEAR(approx_expf(88.72f), std::exp(double(88.72f)), 3e-7 * std::exp(double(88.72f)));
}

TEST(Logreg, LogfIsAccurate) {
    EXPECT_EQ(approx_logf(1.0f), 0.0f);
    double worst = 0;
    // Every 997th float from the smallest denormal to the largest finite value.
    for (uint32_t bits = 1; bits < 0x7f800000u; bits += 997) {
        const float x = from_bits(bits);
        const double ref = std::log(double(x));
        const double err = std::fabs(approx_logf(x) - ref) / std::max(1.0, std::fabs(ref));
        worst = std::max(worst, err);
    }
    // Relative accuracy near 1, where log is small.
    for (float x = 0.9f; x < 1.1f; x += 1e-5f) {
        const double ref = std::log(double(x));
        if (ref != 0.0) {
            worst = std::max(worst, std::fabs(approx_logf(x) - ref) / std::fabs(ref));
        }
    }
    std::printf("  approx_logf: largest error %.3g\n", worst);
    EXPECT_LT(worst, 2.5e-7);
    EXPECT_TRUE(std::isinf(approx_logf(0.0f)) && approx_logf(0.0f) < 0);
    EXPECT_TRUE(std::isnan(approx_logf(-1.0f)));
    EXPECT_TRUE(std::isnan(approx_logf(std::numeric_limits<float>::quiet_NaN())));
    EXPECT_TRUE(std::isinf(approx_logf(std::numeric_limits<float>::infinity())));
}

TEST(Logreg, IrisMultinomialMatchesSklearn) {
    check_converted("learn_logreg_iris.txt");
}

TEST(Logreg, BreastCancerBinaryMatchesSklearn) {
    check_converted("learn_logreg_cancer.txt");
}

// Stated tolerances: coefficients within 0.1% of the largest one, probabilities within 1e-4
// (6000 full-batch steps reach about 1e-4 and 2e-5).
TEST(Logreg, TrainsToSklearnOnIris) {
    check_training("learn_logreg_iris.txt", 1.0f, 6000, 1e-3, 1e-4);
}

TEST(Logreg, TrainsToSklearnOnBreastCancer) {
    check_training("learn_logreg_cancer.txt", 1.0f, 6000, 1e-3, 1e-4);
}

TEST(Logreg, StepMatchesHandComputedGradient) {
    // Binary, one feature, two samples: p = 0.5 for both at zero weights.
    Logreg lg;
    ASSERT_EQ(lg.init(1, 2, 0.5f, 0.1f), Status::Ok);
    const float X[] = {2.0f, -1.0f};
    const uint8_t y[] = {1, 1};
    ASSERT_EQ(logreg_step(&lg.m, X, 2, y, 2), Status::Ok);
    float w, b;
    ASSERT_EQ(logreg_get_weights(&lg.m, &w, 1), Status::Ok);
    ASSERT_EQ(logreg_get_biases(&lg.m, &b, 1), Status::Ok);
    // g = mean((0.5 - 1) * x) = -0.25, g_b = -0.5; the L2 term is zero at w = 0.
    EXPECT_FLOAT_EQ(w, 0.025f);
    EXPECT_FLOAT_EQ(b, 0.05f);
    // Second step includes the L2 pull: w -= lr * (g + l2 * w).
    const float p1 = 1.0f / (1.0f + std::exp(-(0.025f * 2.0f + 0.05f)));
    const float p2 = 1.0f / (1.0f + std::exp(-(0.025f * -1.0f + 0.05f)));
    const float g = ((p1 - 1) * 2.0f + (p2 - 1) * -1.0f) / 2;
    const float gb = ((p1 - 1) + (p2 - 1)) / 2;
    ASSERT_EQ(logreg_step(&lg.m, X, 2, y, 2), Status::Ok);
    ASSERT_EQ(logreg_get_weights(&lg.m, &w, 1), Status::Ok);
    ASSERT_EQ(logreg_get_biases(&lg.m, &b, 1), Status::Ok);
    EXPECT_NEAR(w, 0.025f - 0.1f * (g + 0.5f * 0.025f), 1e-7f);
    EXPECT_NEAR(b, 0.05f - 0.1f * gb, 1e-7f);
}

TEST(Logreg, SgdLowersTheLoss) {
    auto refs = refdata::load_arrays("learn_logreg_iris.txt");
    const refdata::RefArray& X = refs["X"];
    const uint32_t f = uint32_t(X.cols), n = uint32_t(X.rows);
    const auto xs = refdata::floats(X);
    const auto y = bytes(refs["y"]);
    Logreg lg;
    ASSERT_EQ(lg.init(f, 3, 0.0f, 0.05f), Status::Ok);
    float before, after;
    ASSERT_EQ(logreg_score_logloss(&lg.m, xs.data(), n * f, y.data(), n, &before), Status::Ok);
    EXPECT_NEAR(before, std::log(3.0f), 1e-6f); // uniform probabilities
    for (int epoch = 0; epoch < 20; epoch++) {
        for (uint32_t i = 0; i < n; i++) {
            ASSERT_EQ(logreg_step(&lg.m, &xs[i * f], f, &y[i], 1), Status::Ok);
        }
    }
    ASSERT_EQ(logreg_score_logloss(&lg.m, xs.data(), n * f, y.data(), n, &after), Status::Ok);
    EXPECT_LT(after, 0.2f);
    uint32_t correct = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t klass;
        ASSERT_EQ(logreg_predict(&lg.m, &xs[i * f], f, &klass), Status::Ok);
        correct += klass == y[i];
    }
    EXPECT_GE(correct, 140u);
}

TEST(Logreg, ExtremeLogitsStayFinite) {
    Logreg multi;
    ASSERT_EQ(multi.init(1, 3, 0.0f, 0.1f), Status::Ok);
    const float w[] = {1000.0f, -1000.0f, 999.0f};
    ASSERT_EQ(logreg_set_weights(&multi.m, w, 3), Status::Ok);
    const float x = 50.0f; // logits 5e4, -5e4, 4.995e4: exp would overflow without the shift
    float p[3];
    ASSERT_EQ(logreg_predict_proba(&multi.m, &x, 1, p, 3), Status::Ok);
    EXPECT_EQ(p[0], 1.0f);
    EXPECT_EQ(p[1], 0.0f);
    EXPECT_NEAR(p[2], std::exp(-50.0), 1e-6 * std::exp(-50.0));
    const uint8_t y = 1;
    float loss;
    ASSERT_EQ(logreg_score_logloss(&multi.m, &x, 1, &y, 1, &loss), Status::Ok);
    EXPECT_NEAR(loss, 1e5f, 1.0f); // logsumexp - z_y, no inf
    ASSERT_EQ(logreg_step(&multi.m, &x, 1, &y, 1), Status::Ok);

    Logreg bin;
    ASSERT_EQ(bin.init(1, 2, 0.0f, 0.1f), Status::Ok);
    const float wb = 1000.0f;
    ASSERT_EQ(logreg_set_weights(&bin.m, &wb, 1), Status::Ok);
    for (float xv : {-50.0f, 50.0f}) {
        ASSERT_EQ(logreg_predict_proba(&bin.m, &xv, 1, p, 2), Status::Ok);
        EXPECT_EQ(p[0] + p[1], 1.0f);
        EXPECT_EQ(p[xv > 0 ? 1 : 0], 1.0f);
        const uint8_t wrong = xv > 0 ? 0 : 1;
        ASSERT_EQ(logreg_score_logloss(&bin.m, &xv, 1, &wrong, 1, &loss), Status::Ok);
        EXPECT_NEAR(loss, 5e4f, 1.0f);
    }
    // Binary decision at exactly zero is class 0, as scikit-learn's (score > 0).
    const float zero = 0.0f;
    uint32_t klass = 7;
    ASSERT_EQ(logreg_predict(&bin.m, &zero, 1, &klass), Status::Ok);
    EXPECT_EQ(klass, 0u);
    // Multinomial ties: the first class.
    const float tie[] = {1.0f, 1.0f, 1.0f};
    ASSERT_EQ(logreg_set_weights(&multi.m, tie, 3), Status::Ok);
    const float b3[] = {0.0f, 0.0f, 0.0f};
    ASSERT_EQ(logreg_set_biases(&multi.m, b3, 3), Status::Ok);
    ASSERT_EQ(logreg_predict(&multi.m, &x, 1, &klass), Status::Ok);
    EXPECT_EQ(klass, 0u);
}

TEST(Logreg, RejectsBadInput) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    LogisticRegression m{};
    uint8_t memory[256];
    EXPECT_EQ(logreg_memory_bytes(0, 3), 0u);
    EXPECT_EQ(logreg_memory_bytes(4, 1), 0u);
    EXPECT_EQ(logreg_memory_bytes(4, 257), 0u);
    EXPECT_EQ(logreg_n_vectors(2), 1u);
    EXPECT_EQ(logreg_n_vectors(5), 5u);
    EXPECT_EQ(logreg_init(&m, 0, 3, 0.0f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(logreg_init(&m, 4, 1, 0.0f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(logreg_init(&m, 4, 3, -1.0f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(logreg_init(&m, 4, 3, nan, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(logreg_init(&m, 4, 3, 0.0f, 0.0f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(logreg_init(&m, 4, 3, 0.0f, 0.1f, memory, logreg_memory_bytes(4, 3) - 1),
              Status::SizeMismatch);
    EXPECT_EQ(logreg_init(&m, 4, 3, 0.0f, 0.1f, nullptr, sizeof memory), Status::SizeMismatch);

    // Uninitialised.
    const float x[4] = {1, 2, 3, 4};
    const uint8_t y[1] = {0};
    float out[3];
    uint32_t klass;
    TrainResult r;
    EXPECT_EQ(logreg_set_weights(&m, x, 4), Status::NotReady);
    EXPECT_EQ(logreg_get_weights(&m, out, 3), Status::NotReady);
    EXPECT_EQ(logreg_set_biases(&m, x, 3), Status::NotReady);
    EXPECT_EQ(logreg_get_biases(&m, out, 3), Status::NotReady);
    EXPECT_EQ(logreg_decision_function(&m, x, 4, out, 3), Status::NotReady);
    EXPECT_EQ(logreg_predict_proba(&m, x, 4, out, 3), Status::NotReady);
    EXPECT_EQ(logreg_predict(&m, x, 4, &klass), Status::NotReady);
    EXPECT_EQ(logreg_step(&m, x, 4, y, 1), Status::NotReady);
    EXPECT_EQ(logreg_score_logloss(&m, x, 4, y, 1, out), Status::NotReady);
    EXPECT_EQ(logreg_train(&m, x, 4, y, 1, &kLinregTrainDefaults, &r), Status::NotReady);

    // Wrong sizes and labels.
    ASSERT_EQ(logreg_init(&m, 4, 3, 0.0f, 0.1f, memory, sizeof memory), Status::Ok);
    EXPECT_EQ(logreg_set_weights(&m, x, 4), Status::SizeMismatch); // needs 12
    EXPECT_EQ(logreg_set_biases(&m, x, 2), Status::SizeMismatch);
    EXPECT_EQ(logreg_get_weights(&m, out, 3), Status::SizeMismatch);
    EXPECT_EQ(logreg_decision_function(&m, x, 4, out, 2), Status::SizeMismatch);
    EXPECT_EQ(logreg_predict_proba(&m, x, 3, out, 3), Status::SizeMismatch);
    EXPECT_EQ(logreg_predict_proba(&m, x, 4, out, 2), Status::SizeMismatch);
    EXPECT_EQ(logreg_predict(&m, x, 5, &klass), Status::SizeMismatch);
    EXPECT_EQ(logreg_predict(&m, x, 4, nullptr), Status::InvalidArgument);
    EXPECT_EQ(logreg_step(&m, x, 4, y, 0), Status::SizeMismatch);
    EXPECT_EQ(logreg_step(&m, x, 3, y, 1), Status::SizeMismatch);
    const uint8_t bad_label[1] = {3};
    EXPECT_EQ(logreg_step(&m, x, 4, bad_label, 1), Status::InvalidArgument);
    EXPECT_EQ(logreg_score_logloss(&m, x, 4, bad_label, 1, out), Status::InvalidArgument);
    EXPECT_EQ(logreg_score_logloss(&m, x, 4, y, 1, nullptr), Status::InvalidArgument);
    TrainOptions o = kLinregTrainDefaults;
    o.check_interval = 0;
    EXPECT_EQ(logreg_train(&m, x, 4, y, 1, &o, &r), Status::InvalidArgument);
    // Rejected calls leave the model at zero.
    float w[12];
    ASSERT_EQ(logreg_get_weights(&m, w, 12), Status::Ok);
    for (float v : w) {
        EXPECT_EQ(v, 0.0f);
    }
}
