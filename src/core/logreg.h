// Logistic regression: inference for converted scikit-learn models and on-device training by
// gradient steps with an L2 penalty. No reference module exists; the shapes follow linreg.h.
//
// Two forms, chosen by n_classes, matching what scikit-learn's LogisticRegression stores:
// - n_classes == 2: one weight vector (coef_ is 1 x n_features), p(class 1) = sigmoid(w.x + b);
// - n_classes >= 3: one vector per class (multinomial), p = softmax(W x + b).
// Weights are row-major n_vectors x n_features (coef_ as is), biases n_vectors (intercept_).
// predict() is the argmax (binary: class 1 when the decision value is > 0; ties: lowest class),
// exactly scikit-learn's predict().
//
// Training minimises  mean cross-entropy + l2/2 * ||W||^2  (biases are not penalised), which is
// scikit-learn's objective for C = 1 / (l2 * n_samples). One step over a batch (X, y):
//     G = mean over samples of (p - onehot(y)) x^T,  g_b = mean of (p - onehot(y))
//     W <- W - lr * (G + l2 * W),  b <- b - lr * g_b
// with every probability from the weights before the step. A batch of one sample is plain SGD,
// the whole set is full-batch gradient descent. train_loop() (linreg.h) drives it with the log
// loss as the score.
//
// Maths without libm: approx_expf() and approx_logf() (mathf.h). Softmax
// subtracts the largest logit first and the sigmoid uses exp(-|z|), so neither overflows for any
// finite input.
//
// Memory: weights, biases, gradient buffers and n_classes floats of per-sample scratch in one
// caller-owned buffer of `logreg_memory_bytes()` (any alignment). Everything starts at zero.
#pragma once
#include "linreg.h"
#include "mathf.h"
#include "status.h"

namespace microlearn {

constexpr uint32_t kLogregMaxFeatures = 65535;
constexpr uint32_t kLogregMaxClasses = 256; // labels are bytes

// A value-initialised struct counts as uninitialised (functions return NotReady).
struct LogisticRegression {
    float* weights;        // n_vectors * n_features
    float* biases;         // n_vectors
    float* gradients;      // n_vectors * n_features, scratch for step()
    float* bias_gradients; // n_vectors, scratch for step()
    float* scratch;        // n_classes, per-sample logits/probabilities in step() and scores
    uint32_t n_features;
    uint32_t n_classes;
    uint32_t n_vectors; // 1 when n_classes == 2, else n_classes
    float l2;
    float learning_rate;
};

size_t logreg_memory_bytes(uint32_t n_features, uint32_t n_classes);
// 2 <= n_classes <= 256; l2 >= 0 and learning_rate > 0, both finite (learning_rate is only used
// by step(); pass any positive value for an inference-only model).
Status logreg_init(LogisticRegression* m, uint32_t n_features, uint32_t n_classes, float l2,
                   float learning_rate, void* memory, size_t memory_bytes);

// Lengths: n_vectors * n_features weights and n_vectors biases.
Status logreg_set_weights(LogisticRegression* m, const float* w, uint32_t w_len);
Status logreg_get_weights(const LogisticRegression* m, float* out, uint32_t out_len);
Status logreg_set_biases(LogisticRegression* m, const float* b, uint32_t b_len);
Status logreg_get_biases(const LogisticRegression* m, float* out, uint32_t out_len);
uint32_t logreg_n_vectors(uint32_t n_classes);

// out has n_vectors values: W x + b (scikit-learn's decision_function).
Status logreg_decision_function(const LogisticRegression* m, const float* x, uint32_t x_len,
                                float* out, uint32_t out_len);
// out has n_classes probabilities summing to 1.
Status logreg_predict_proba(const LogisticRegression* m, const float* x, uint32_t x_len, float* out,
                            uint32_t out_len);
Status logreg_predict(const LogisticRegression* m, const float* x, uint32_t x_len, uint32_t* klass);

// X row-major with y_len rows (X_len == y_len * n_features, y_len >= 1); y holds class indices,
// each < n_classes (InvalidArgument otherwise, and the model is left unchanged).
Status logreg_step(LogisticRegression* m, const float* X, uint32_t X_len, const uint8_t* y,
                   uint32_t y_len);
// Mean cross-entropy -log p(y | x), without the penalty term. Uses the model's scratch, so two
// calls on the same model must not run concurrently (nothing else writes it outside step()).
Status logreg_score_logloss(const LogisticRegression* m, const float* X, uint32_t X_len,
                            const uint8_t* y, uint32_t y_len, float* loss);
// train_loop() with logreg_step() and logreg_score_logloss() on (X, y).
Status logreg_train(LogisticRegression* m, const float* X, uint32_t X_len, const uint8_t* y,
                    uint32_t y_len, const TrainOptions* options, TrainResult* result);

} // namespace microlearn
