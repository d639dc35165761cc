// emlearn_logreg: logistic regression (binary and multinomial), loaded from a converted
// scikit-learn LogisticRegression or trained on the device with the same step()/train() shape as
// emlearn_linreg. Weights are row-major n_vectors x n_features (n_vectors = 1 for two classes,
// else n_classes, as scikit-learn's coef_), biases n_vectors (intercept_).
#pragma once
#include "api.h"
#include "logreg.h"
#include "train_api.h"

namespace microlearn {
namespace api {

struct LogregHandle {
    LogisticRegression model;
};

// new(n_features, n_classes, learning_rate, l2): bytes to reserve, 0 with err set.
size_t logreg_storage_bytes(int32_t n_features, int32_t n_classes, Error* err);
bool logreg_new(LogregHandle* h, int32_t n_features, int32_t n_classes, float learning_rate,
                float l2, void* storage, size_t bytes, Error* err);

// Class index, -1 with err set.
int32_t logreg_predict(LogregHandle* h, const BufferView& x, Error* err);
bool logreg_predict_proba(LogregHandle* h, const BufferView& x, const BufferView& out, Error* err);
bool logreg_decision_function(LogregHandle* h, const BufferView& x, const BufferView& out,
                              Error* err);
bool logreg_step(LogregHandle* h, const BufferView& X, const BufferView& y, Error* err);
bool logreg_score_logloss(LogregHandle* h, const BufferView& X, const BufferView& y, float* loss,
                          Error* err);
bool logreg_get_weights(LogregHandle* h, const BufferView& out, Error* err);
bool logreg_set_weights(LogregHandle* h, const BufferView& w, Error* err);
bool logreg_get_bias(LogregHandle* h, const BufferView& out, Error* err);
bool logreg_set_bias(LogregHandle* h, const BufferView& b, Error* err);

bool logreg_train(LogregHandle* h, const BufferView& X, const BufferView& y, const TrainArgs& args,
                  void (*on_check)(void*, uint32_t, float), void* context, TrainResult* result,
                  Error* err);

} // namespace api
} // namespace microlearn
