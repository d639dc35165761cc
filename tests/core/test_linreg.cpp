// ElasticNet by gradient steps: the step formula against a float64 numpy statement of it, the
// fixed point against scikit-learn's ElasticNet (tests/data/learn_elasticnet.txt from
// gen_learning_refs.py), the reference's training-loop semantics, and rejected inputs.
#include "linreg.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace microlearn;

namespace {

struct Linreg {
    LinearRegression m{};
    std::vector<uint8_t> memory;
    Status init(uint32_t n_features, float alpha, float l1_ratio, float lr) {
        memory.assign(linreg_memory_bytes(n_features), 0);
        return linreg_init(&m, n_features, alpha, l1_ratio, lr, memory.data(), memory.size());
    }
};

// A scripted model for the training loop: each score() returns the next value.
struct Script {
    explicit Script(std::vector<float> s) : scores(std::move(s)) {}
    std::vector<float> scores;
    size_t next = 0;
    uint32_t steps = 0;
    std::vector<uint32_t> checked;
};
Status script_step(void* ctx) {
    static_cast<Script*>(ctx)->steps++;
    return Status::Ok;
}
Status script_score(void* ctx, float* score) {
    Script* s = static_cast<Script*>(ctx);
    *score = s->scores.at(std::min(s->next++, s->scores.size() - 1));
    return Status::Ok;
}
void record_check(void* ctx, uint32_t iteration, float) {
    static_cast<Script*>(ctx)->checked.push_back(iteration);
}

TrainOptions options(uint32_t max_iterations, float tolerance, uint32_t check_interval,
                     float divergence_factor) {
    TrainOptions o = kLinregTrainDefaults;
    o.max_iterations = max_iterations;
    o.tolerance = tolerance;
    o.check_interval = check_interval;
    o.divergence_factor = divergence_factor;
    return o;
}

} // namespace

TEST(Linreg, StepMatchesReferenceFormula) {
    auto refs = refdata::load_arrays("learn_elasticnet.txt");
    ASSERT_FALSE(refs.empty());
    const auto X = refdata::floats(refs["X"]);
    const auto y = refdata::floats(refs["y"]);
    const uint32_t f = uint32_t(refs["X"].cols);
    const uint32_t n = uint32_t(refs["X"].rows);
    Linreg lr;
    ASSERT_EQ(lr.init(f, 0.1f, 0.5f, float(refs["steps_lr"].v[0])), Status::Ok);
    std::vector<float> w(f);
    float b;
    for (int step = 1; step <= 25; step++) {
        ASSERT_EQ(linreg_step(&lr.m, X.data(), n * f, y.data(), n), Status::Ok);
        if (step != 1 && step != 25) {
            continue;
        }
        const std::string tag = "step" + std::to_string(step);
        ASSERT_EQ(linreg_get_weights(&lr.m, w.data(), f), Status::Ok);
        ASSERT_EQ(linreg_get_bias(&lr.m, &b), Status::Ok);
        const auto& ref_w = refs[tag + "_weights"].v;
        for (uint32_t j = 0; j < f; j++) {
            // float32 sums over 200 samples against float64: well inside 1e-5 of the scale.
            EXPECT_NEAR(w[j], ref_w[j], 1e-5) << tag << " weight " << j;
        }
        EXPECT_NEAR(b, refs[tag + "_bias"].v[0], 1e-5) << tag;
    }
}

TEST(Linreg, TrainsToSklearnElasticNet) {
    auto refs = refdata::load_arrays("learn_elasticnet.txt");
    ASSERT_FALSE(refs.empty());
    const auto X = refdata::floats(refs["X"]);
    const auto y = refdata::floats(refs["y"]);
    const uint32_t f = uint32_t(refs["X"].cols);
    const uint32_t n = uint32_t(refs["X"].rows);
    for (const char* tag : {"a", "b", "c"}) {
        const auto& params = refs[std::string(tag) + "_params"].v;
        const auto& coef = refs[std::string(tag) + "_coef"].v;
        const double intercept = refs[std::string(tag) + "_intercept"].v[0];
        Linreg lr;
        ASSERT_EQ(lr.init(f, float(params[0]), float(params[1]), 0.3f), Status::Ok);
        TrainOptions o = options(3000, 1e-9f, 10, 10.0f);
        TrainResult result;
        ASSERT_EQ(linreg_train(&lr.m, X.data(), n * f, y.data(), n, &o, &result), Status::Ok);
        EXPECT_EQ(result.stop, TrainStop::Converged) << tag;
        std::vector<float> w(f);
        float b;
        ASSERT_EQ(linreg_get_weights(&lr.m, w.data(), f), Status::Ok);
        ASSERT_EQ(linreg_get_bias(&lr.m, &b), Status::Ok);
        double largest = 0, worst = 0;
        for (double c : coef) {
            largest = std::max(largest, std::fabs(c));
        }
        for (uint32_t j = 0; j < f; j++) {
            if (coef[j] != 0.0) {
                worst = std::max(worst, std::fabs(w[j] - coef[j]) / std::fabs(coef[j]));
            }
            if (coef[j] == 0.0) {
                // The soft threshold lands exactly where coordinate descent does.
                EXPECT_EQ(w[j], 0.0f) << tag << " weight " << j;
            } else {
                // Stated tolerance: 2% relative (the float32 fixed point is far closer).
                EXPECT_NEAR(w[j], coef[j], 0.02 * std::fabs(coef[j])) << tag << " weight " << j;
                EXPECT_NEAR(w[j], coef[j], 1e-4 * largest) << tag << " weight " << j;
            }
        }
        EXPECT_NEAR(b, intercept, 0.02 * std::fabs(intercept) + 1e-6) << tag;
        std::printf("  ElasticNet %s: %u steps, largest relative coefficient error %.3g\n", tag,
                    result.steps, worst);
        float mse;
        ASSERT_EQ(linreg_score_mse(&lr.m, X.data(), n * f, y.data(), n, &mse), Status::Ok);
        EXPECT_EQ(mse, result.score);
    }
}

// The reference's tests/test_linreg.py.
TEST(Linreg, ReferenceScenario) {
    Linreg lr;
    ASSERT_EQ(lr.init(4, 0.1f, 0.5f, 0.01f), Status::Ok);
    const float X[] = {1, 2, 3, 4, 2, 3, 4, 5};
    const float y[] = {10, 15};
    TrainResult result;
    ASSERT_EQ(linreg_train(&lr.m, X, 8, y, 2, &kLinregTrainDefaults, &result), Status::Ok);
    float prediction;
    ASSERT_EQ(linreg_predict(&lr.m, X, 4, &prediction), Status::Ok);
    EXPECT_LT(std::fabs(prediction - 10.0f), 0.8f);
    EXPECT_EQ(result.steps, result.last_iteration + 1);
}

TEST(Linreg, PredictWithSetWeights) {
    Linreg lr;
    ASSERT_EQ(lr.init(3, 0.0f, 0.0f, 0.1f), Status::Ok);
    float out = -1;
    const float x[] = {1.0f, -2.0f, 0.5f};
    ASSERT_EQ(linreg_predict(&lr.m, x, 3, &out), Status::Ok);
    EXPECT_EQ(out, 0.0f); // starts at zero
    const float w[] = {2.0f, 1.0f, 4.0f};
    ASSERT_EQ(linreg_set_weights(&lr.m, w, 3), Status::Ok);
    ASSERT_EQ(linreg_set_bias(&lr.m, 0.25f), Status::Ok);
    ASSERT_EQ(linreg_predict(&lr.m, x, 3, &out), Status::Ok);
    EXPECT_FLOAT_EQ(out, 2.0f - 2.0f + 2.0f + 0.25f);
    float back[3];
    float b;
    ASSERT_EQ(linreg_get_weights(&lr.m, back, 3), Status::Ok);
    ASSERT_EQ(linreg_get_bias(&lr.m, &b), Status::Ok);
    EXPECT_EQ(std::vector<float>(back, back + 3), std::vector<float>(w, w + 3));
    EXPECT_EQ(b, 0.25f);
    // Any alignment of the caller's memory works.
    std::vector<uint8_t> buffer(linreg_memory_bytes(3) + 4);
    for (size_t offset = 0; offset < 4; offset++) {
        LinearRegression m{};
        ASSERT_EQ(
            linreg_init(&m, 3, 0.0f, 0.0f, 0.1f, buffer.data() + offset, linreg_memory_bytes(3)),
            Status::Ok);
        ASSERT_EQ(linreg_set_weights(&m, w, 3), Status::Ok);
        ASSERT_EQ(linreg_step(&m, x, 3, &out, 1), Status::Ok);
    }
}

TEST(Linreg, StrongL1GivesExactZeros) {
    // y depends on feature 0 only; feature 1 is noise-free and orthogonal to it.
    const float X[] = {1, 1, -1, 1, 1, -1, -1, -1};
    const float y[] = {2, -2, 2, -2};
    Linreg lr;
    ASSERT_EQ(lr.init(2, 0.5f, 1.0f, 0.5f), Status::Ok);
    for (int i = 0; i < 200; i++) {
        ASSERT_EQ(linreg_step(&lr.m, X, 8, y, 4), Status::Ok);
    }
    float w[2];
    ASSERT_EQ(linreg_get_weights(&lr.m, w, 2), Status::Ok);
    EXPECT_NEAR(w[0], 1.5f, 1e-5f); // lasso: 2 - alpha
    EXPECT_EQ(w[1], 0.0f);
}

TEST(Linreg, TrainLoopRunsAllIterations) {
    Script s({100, 50, 25, 12});
    TrainOptions o = options(25, 1e-6f, 10, 10.0f);
    o.on_check = record_check;
    o.context = &s;
    TrainResult r;
    ASSERT_EQ(train_loop(&o, script_step, script_score, &s, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::MaxIterations);
    EXPECT_EQ(s.steps, 25u);
    EXPECT_EQ(r.steps, 25u);
    EXPECT_EQ(r.last_iteration, 24u); // what the reference returns
    EXPECT_EQ(s.checked, (std::vector<uint32_t>{0, 10, 20}));
    EXPECT_EQ(r.score, 25.0f);
    EXPECT_EQ(r.previous_score, 25.0f);
}

TEST(Linreg, TrainLoopConvergesOnlyAfterTwoIntervals) {
    // Unchanged from the first check on, but convergence needs iteration > 2 * check_interval.
    Script s({5, 5, 5, 5, 5});
    TrainOptions o = options(100, 1e-6f, 10, 10.0f);
    TrainResult r;
    ASSERT_EQ(train_loop(&o, script_step, script_score, &s, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::Converged);
    EXPECT_EQ(r.last_iteration, 30u);
    EXPECT_EQ(r.steps, 31u);
    EXPECT_EQ(r.score, 5.0f);
    EXPECT_EQ(r.previous_score, 5.0f);
}

TEST(Linreg, TrainLoopScoreLimitAndDivergence) {
    Script limit({0.5f});
    TrainOptions o = options(100, 1e-6f, 10, 10.0f);
    o.has_score_limit = true;
    o.score_limit = 1.0f;
    TrainResult r;
    ASSERT_EQ(train_loop(&o, script_step, script_score, &limit, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::ScoreLimit);
    EXPECT_EQ(r.last_iteration, 0u);
    EXPECT_EQ(r.score, 0.5f);
    EXPECT_TRUE(std::isinf(r.previous_score)); // the reference would return inf here

    Script grow({1.0f, 2.0f, 30.0f});
    o = options(100, 1e-6f, 5, 10.0f);
    ASSERT_EQ(train_loop(&o, script_step, script_score, &grow, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::Diverged);
    EXPECT_EQ(r.last_iteration, 10u);
    EXPECT_EQ(r.score, 30.0f);
    EXPECT_EQ(r.previous_score, 2.0f);

    Script nan({1.0f, std::numeric_limits<float>::quiet_NaN()});
    ASSERT_EQ(train_loop(&o, script_step, script_score, &nan, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::Diverged);
    EXPECT_EQ(r.last_iteration, 5u);

    // A real model with a learning rate far too large diverges.
    const float X[] = {10, 20, 30, 40};
    const float y[] = {1, 2, 3, 4};
    Linreg lr;
    ASSERT_EQ(lr.init(1, 0.0f, 0.0f, 1.0f), Status::Ok);
    o = options(100, 1e-6f, 1, 10.0f);
    ASSERT_EQ(linreg_train(&lr.m, X, 4, y, 4, &o, &r), Status::Ok);
    EXPECT_EQ(r.stop, TrainStop::Diverged);
}

TEST(Linreg, TrainLoopRejectsBadOptions) {
    Script s({1.0f});
    TrainResult r;
    TrainOptions o = options(0, 1e-6f, 10, 10.0f);
    EXPECT_EQ(train_loop(&o, script_step, script_score, &s, &r), Status::InvalidArgument);
    o = options(10, 1e-6f, 0, 10.0f);
    EXPECT_EQ(train_loop(&o, script_step, script_score, &s, &r), Status::InvalidArgument);
    o = options(10, 1e-6f, 1, 10.0f);
    EXPECT_EQ(train_loop(nullptr, script_step, script_score, &s, &r), Status::InvalidArgument);
    EXPECT_EQ(train_loop(&o, nullptr, script_score, &s, &r), Status::InvalidArgument);
    EXPECT_EQ(train_loop(&o, script_step, script_score, &s, nullptr), Status::InvalidArgument);
    // A failing step stops the loop with its status.
    Linreg lr;
    const float X[] = {1, 2};
    const float y[] = {1};
    EXPECT_EQ(linreg_train(&lr.m, X, 2, y, 1, &o, &r), Status::NotReady);
    ASSERT_EQ(lr.init(2, 0.0f, 0.0f, 0.1f), Status::Ok);
    EXPECT_EQ(linreg_train(&lr.m, X, 1, y, 1, &o, &r), Status::SizeMismatch);
}

TEST(Linreg, RejectsBadInput) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    LinearRegression m{};
    uint8_t memory[64];
    EXPECT_EQ(linreg_memory_bytes(0), 0u);
    EXPECT_EQ(linreg_init(&m, 0, 0.1f, 0.5f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, -0.1f, 0.5f, 0.1f, memory, sizeof memory),
              Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, 1.5f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, -0.5f, 0.1f, memory, sizeof memory),
              Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, 0.5f, 0.0f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, nan, 0.5f, 0.1f, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, 0.5f, inf, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, 0.5f, 0.1f, memory, linreg_memory_bytes(2) - 1),
              Status::SizeMismatch);
    EXPECT_EQ(linreg_init(&m, 2, 0.1f, 0.5f, 0.1f, nullptr, 64), Status::SizeMismatch);

    // Uninitialised.
    const float x[2] = {1, 2};
    const float y[1] = {3};
    float out;
    EXPECT_EQ(linreg_predict(&m, x, 2, &out), Status::NotReady);
    EXPECT_EQ(linreg_step(&m, x, 2, y, 1), Status::NotReady);
    EXPECT_EQ(linreg_score_mse(&m, x, 2, y, 1, &out), Status::NotReady);
    EXPECT_EQ(linreg_get_weights(&m, &out, 2), Status::NotReady);
    EXPECT_EQ(linreg_set_weights(&m, x, 2), Status::NotReady);
    EXPECT_EQ(linreg_get_bias(&m, &out), Status::NotReady);
    EXPECT_EQ(linreg_set_bias(&m, 1.0f), Status::NotReady);
    EXPECT_EQ(linreg_predict(nullptr, x, 2, &out), Status::NotReady);

    // Wrong sizes.
    ASSERT_EQ(linreg_init(&m, 2, 0.1f, 0.5f, 0.1f, memory, sizeof memory), Status::Ok);
    float w[3];
    EXPECT_EQ(linreg_predict(&m, x, 1, &out), Status::SizeMismatch);
    EXPECT_EQ(linreg_predict(&m, x, 2, nullptr), Status::InvalidArgument);
    EXPECT_EQ(linreg_step(&m, x, 2, y, 0), Status::SizeMismatch); // no samples
    EXPECT_EQ(linreg_step(&m, x, 1, y, 1), Status::SizeMismatch);
    EXPECT_EQ(linreg_step(&m, x, 4, y, 1), Status::SizeMismatch);
    EXPECT_EQ(linreg_score_mse(&m, x, 3, y, 1, &out), Status::SizeMismatch);
    EXPECT_EQ(linreg_score_mse(&m, x, 2, y, 1, nullptr), Status::InvalidArgument);
    EXPECT_EQ(linreg_get_weights(&m, w, 3), Status::SizeMismatch);
    EXPECT_EQ(linreg_set_weights(&m, w, 1), Status::SizeMismatch);
    EXPECT_EQ(linreg_get_bias(&m, nullptr), Status::InvalidArgument);
    // Rejected calls change nothing.
    ASSERT_EQ(linreg_get_weights(&m, w, 2), Status::Ok);
    EXPECT_EQ(w[0], 0.0f);
    EXPECT_EQ(w[1], 0.0f);
}
