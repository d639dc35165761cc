// emlearn_linreg: the module contract (SPEC.md) over the ElasticNet engine, with the reference's
// Python train() loop in C++.
#pragma once
#include "api.h"
#include "linreg.h"
#include "train_api.h"

namespace microlearn {
namespace api {

struct LinregHandle {
    LinearRegression model;
};

// new(n_features, alpha, l1_ratio, learning_rate): bytes to reserve, 0 with err set.
size_t linreg_storage_bytes(int32_t n_features, Error* err);
bool linreg_new(LinregHandle* h, int32_t n_features, float alpha, float l1_ratio,
                float learning_rate, void* storage, size_t bytes, Error* err);

bool linreg_predict(LinregHandle* h, const BufferView& x, float* out, Error* err);
bool linreg_step(LinregHandle* h, const BufferView& X, const BufferView& y, Error* err);
bool linreg_score_mse(LinregHandle* h, const BufferView& X, const BufferView& y, float* mse,
                      Error* err);
bool linreg_get_weights(LinregHandle* h, const BufferView& out, Error* err);
bool linreg_set_weights(LinregHandle* h, const BufferView& w, Error* err);

// train(): returns (result.last_iteration, result.score) to Python. `on_check` prints when
// verbose >= 2 (the binding supplies it; may be null).
bool linreg_train(LinregHandle* h, const BufferView& X, const BufferView& y, const TrainArgs& args,
                  void (*on_check)(void*, uint32_t, float), void* context, TrainResult* result,
                  Error* err);

} // namespace api
} // namespace microlearn
