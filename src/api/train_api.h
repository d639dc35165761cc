// The arguments of the reference's train(model, X, y, max_iterations=100, tolerance=1e-6,
// check_interval=10, divergence_factor=10.0, score_limit=None, verbose=0), shared by
// emlearn_linreg.train and emlearn_logreg.train. Header-only: each module links only what it uses.
#pragma once
#include "api.h"
#include "linreg.h"

namespace microlearn {
namespace api {

struct TrainArgs {
    int32_t max_iterations;
    float tolerance;
    int32_t check_interval;
    float divergence_factor;
    bool has_score_limit;
    float score_limit;
    int32_t verbose;
};

inline TrainArgs train_defaults() {
    return TrainArgs{100, 1e-6f, 10, 10.0f, false, 0.0f, 0};
}

// The options train() runs with. The reference fails with a Python error (ZeroDivisionError, or an
// unbound variable) for the values rejected here. on_check(context, iteration, score) reports every
// check when verbose >= 2.
inline bool train_options(const TrainArgs& a, void (*on_check)(void*, uint32_t, float),
                          void* context, TrainOptions* o, Error* err) {
    if (a.max_iterations < 1) {
        return raise_value(err, "max_iterations must be >= 1");
    }
    if (a.check_interval < 1) {
        return raise_value(err, "check_interval must be >= 1");
    }
    o->max_iterations = uint32_t(a.max_iterations);
    o->tolerance = a.tolerance;
    o->check_interval = uint32_t(a.check_interval);
    o->divergence_factor = a.divergence_factor;
    o->has_score_limit = a.has_score_limit;
    o->score_limit = a.score_limit;
    o->on_check = a.verbose >= 2 ? on_check : nullptr;
    o->context = a.verbose >= 2 ? context : nullptr;
    return true;
}

// What train() prints between checks (verbose >= 2) is user code, which may resize X or y: their
// memory must still be where training began, else the engine would read freed memory.
inline bool train_data_unchanged(const BufferView& X_was, const BufferView& X,
                                 const BufferView& y_was, const BufferView& y, Error* err) {
    return (X.data == X_was.data && X.bytes == X_was.bytes && y.data == y_was.data &&
            y.bytes == y_was.bytes) ||
           raise_value(err, "X_train or y_train resized during train()");
}

// What train() prints (after the module's "emlearn_xxx:" prefix) when verbose >= 1.
inline const char* train_stop_text(TrainStop stop) {
    return stop == TrainStop::Diverged ? "Diverged at iteration" : "Converged at iteration";
}

} // namespace api
} // namespace microlearn
