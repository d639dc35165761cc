// ElasticNet linear regression trained on the device by full-batch proximal gradient descent,
// plus the convergence-checking training loop that the reference runs in Python (shared with
// logistic regression, see logreg.h).
//
// Objective (the same as scikit-learn's ElasticNet, so both converge to the same coefficients):
//     1/(2n) * ||y - X w - b||^2 + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio)/2 * ||w||^2
// One step (as the reference's C code defines it):
//     g   = mean over samples of (prediction - y) * x      (gradient of the squared-error term)
//     w  <- soft_threshold(w - lr * (g + alpha * (1 - l1_ratio) * w), lr * alpha * l1_ratio)
//     b  <- b - lr * mean(prediction - y)                   (the bias is not regularised)
// where soft_threshold(v, t) = sign(v) * max(|v| - t, 0) is the proximal step of the L1 term, so
// weights reach exactly zero instead of oscillating around it. Gradients use the weights from
// before the step for every sample. All arithmetic is float32, accumulated in sample order.
//
// Memory: weights and a gradient buffer of n_features floats each, in one caller-owned buffer of
// `linreg_memory_bytes()` (any alignment). Weights and bias start at zero.
#pragma once
#include "status.h"

namespace microlearn {

constexpr uint32_t kLinregMaxFeatures = 65535;

// A value-initialised struct counts as uninitialised (functions return NotReady).
struct LinearRegression {
    float* weights;   // n_features
    float* gradients; // n_features, scratch for step()
    float bias;
    uint32_t n_features;
    float alpha;
    float l1_ratio;
    float learning_rate;
};

size_t linreg_memory_bytes(uint32_t n_features);
// alpha >= 0, 0 <= l1_ratio <= 1, learning_rate > 0, all finite; else InvalidArgument.
Status linreg_init(LinearRegression* m, uint32_t n_features, float alpha, float l1_ratio,
                   float learning_rate, void* memory, size_t memory_bytes);

Status linreg_predict(const LinearRegression* m, const float* x, uint32_t x_len, float* out);
// X is row-major with y_len rows; X_len must equal y_len * n_features and y_len >= 1.
Status linreg_step(LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                   uint32_t y_len);
// Mean of (y - prediction)^2.
Status linreg_score_mse(const LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                        uint32_t y_len, float* mse);

Status linreg_get_weights(const LinearRegression* m, float* out, uint32_t out_len);
Status linreg_set_weights(LinearRegression* m, const float* w, uint32_t w_len);
Status linreg_get_bias(const LinearRegression* m, float* bias);
Status linreg_set_bias(LinearRegression* m, float bias);

// ---- Training loop, as the reference's train(model, X, y, ...) -------------------------------
//
// for iteration in 0 .. max_iterations-1:
//     step()
//     if iteration % check_interval != 0: continue
//     score = score()                         (MSE for linreg, log loss for logreg)
//     converged = |previous - score| < tolerance and iteration > 2 * check_interval
//                 or (has_score_limit and score <= score_limit)
//     diverged  = score > previous * divergence_factor or score is NaN
//     stop if converged (checked first) or diverged; else previous = score
// `previous` starts at +infinity.
//
// The reference returns (iteration, previous): the 0-based index of the last step and the score
// of the check *before* the last one, which is +inf when it stops at the first check (e.g. a met
// score_limit). TrainResult carries both that pair and the score actually measured last, so the
// api can return whichever it documents.

enum class TrainStop : uint8_t {
    MaxIterations, // ran all iterations
    Converged,     // change below tolerance
    ScoreLimit,    // score <= score_limit
    Diverged,      // score grew by more than divergence_factor, or became NaN
};

struct TrainOptions {
    uint32_t max_iterations;
    float tolerance;
    uint32_t check_interval; // >= 1
    float divergence_factor;
    bool has_score_limit;
    float score_limit;
    // Called at every check (the reference prints there when verbose >= 2); may be null.
    void (*on_check)(void* context, uint32_t iteration, float score);
    void* context;
};

// The reference's defaults for emlearn_linreg.train().
constexpr TrainOptions kLinregTrainDefaults = {
    100,     // max_iterations
    1e-6f,   // tolerance
    10,      // check_interval
    10.0f,   // divergence_factor
    false,   // has_score_limit (score_limit=None)
    0.0f,    // score_limit
    nullptr, // on_check
    nullptr, // context
};

struct TrainResult {
    uint32_t last_iteration; // 0-based index of the last step taken (the reference's `iteration`)
    uint32_t steps;          // steps taken: last_iteration + 1
    float score;             // score measured at the last check
    float previous_score;    // the reference's returned score (see above)
    TrainStop stop;
};

// The loop itself, over any model: `step` runs one gradient step, `score` measures. Both return
// Ok or stop the loop with their status. max_iterations >= 1 and check_interval >= 1
// (InvalidArgument otherwise; the reference fails with a Python error there).
Status train_loop(const TrainOptions* options, Status (*step)(void* model),
                  Status (*score)(void* model, float* score), void* model, TrainResult* result);

// train_loop() with linreg_step() and linreg_score_mse() on (X, y).
Status linreg_train(LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                    uint32_t y_len, const TrainOptions* options, TrainResult* result);

} // namespace microlearn
