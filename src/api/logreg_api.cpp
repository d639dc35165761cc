#include "logreg_api.h"

#include "array_checks.h"
#include "float_checks.h"

namespace microlearn {
namespace api {

namespace {

bool check_float(const BufferView& b, const char* message, Error* err) {
    return b.typecode == 'f' || raise_value(err, message);
}

// An 'f' buffer of exactly n values.
bool check_vector(const BufferView& b, uint32_t n, Error* err) {
    return check_float(b, "expecting float32 array", err) &&
           (b.bytes == size_t(n) * 4u || raise_value(err, "Buffer is wrong size"));
}

bool check_input(const LogregHandle* h, const BufferView& x, Error* err) {
    return check_float(x, "expecting float32 array", err) &&
           (x.bytes == size_t(h->model.n_features) * 4u ||
            raise_value(err, "Feature count mismatch"));
}

// X ('f', n_samples * n_features) and y ('B' or bytearray: one class index per sample).
bool check_batch(const LogregHandle* h, const BufferView& X, const BufferView& y, Error* err) {
    if (!check_float(X, "X expecting float32 array", err)) {
        return false;
    }
    if (y.typecode != 'B') {
        return raise_value(err, "y expecting B array (uint8) of class indices");
    }
    if (uint64_t(X.bytes / 4u) != uint64_t(y.bytes) * h->model.n_features) {
        return raise_value(err, "X and y dimensions don't match");
    }
    if (y.bytes == 0) {
        return raise_value(err, "X and y must not be empty");
    }
    const uint8_t* labels = static_cast<const uint8_t*>(y.data);
    for (size_t i = 0; i < y.bytes; i++) {
        if (labels[i] >= h->model.n_classes) {
            return raise_value(err, "y holds a class >= n_classes");
        }
    }
    return true;
}

inline const float* floats(const BufferView& b) {
    return static_cast<const float*>(b.data);
}

inline uint32_t n_floats(const BufferView& b) {
    return count_as<float>(b);
}

inline uint32_t n_weights(const LogregHandle* h) {
    return h->model.n_vectors * h->model.n_features;
}

bool done(Status s, Error* err) {
    return s == Status::Ok || raise_value(err, "invalid arguments");
}

} // namespace

size_t logreg_storage_bytes(int32_t n_features, int32_t n_classes, Error* err) {
    if (n_features < 1 || n_features > int32_t(kLogregMaxFeatures)) {
        fail(err, ErrorType::ValueError).text("n_features must be 1..").number(kLogregMaxFeatures);
        return 0;
    }
    if (n_classes < 2 || n_classes > int32_t(kLogregMaxClasses)) {
        fail(err, ErrorType::ValueError).text("n_classes must be 2..").number(kLogregMaxClasses);
        return 0;
    }
    const size_t bytes = microlearn::logreg_memory_bytes(uint32_t(n_features), uint32_t(n_classes));
    if (bytes == 0) {
        fail(err, ErrorType::MemoryError).text("model too large");
    }
    return bytes;
}

bool logreg_new(LogregHandle* h, int32_t n_features, int32_t n_classes, float learning_rate,
                float l2, void* storage, size_t bytes, Error* err) {
    if (!(float_is_finite(learning_rate) && float_greater(learning_rate, 0.0f))) {
        return raise_value(err, "learning_rate must be finite and > 0");
    }
    if (!(float_is_finite(l2) && float_greater_equal(l2, 0.0f))) {
        return raise_value(err, "l2 must be finite and >= 0");
    }
    return done(logreg_init(&h->model, uint32_t(n_features), uint32_t(n_classes), l2, learning_rate,
                            storage, bytes),
                err);
}

int32_t logreg_predict(LogregHandle* h, const BufferView& x, Error* err) {
    uint32_t klass = 0;
    if (!check_input(h, x, err) ||
        !done(logreg_predict(&h->model, floats(x), n_floats(x), &klass), err)) {
        return -1;
    }
    return int32_t(klass);
}

bool logreg_predict_proba(LogregHandle* h, const BufferView& x, const BufferView& out, Error* err) {
    return check_input(h, x, err) && check_vector(out, h->model.n_classes, err) &&
           check_distinct(x, out, "x and out", err) &&
           done(logreg_predict_proba(&h->model, floats(x), n_floats(x),
                                     static_cast<float*>(out.data), n_floats(out)),
                err);
}

bool logreg_decision_function(LogregHandle* h, const BufferView& x, const BufferView& out,
                              Error* err) {
    return check_input(h, x, err) && check_vector(out, h->model.n_vectors, err) &&
           check_distinct(x, out, "x and out", err) &&
           done(logreg_decision_function(&h->model, floats(x), n_floats(x),
                                         static_cast<float*>(out.data), n_floats(out)),
                err);
}

bool logreg_step(LogregHandle* h, const BufferView& X, const BufferView& y, Error* err) {
    return check_batch(h, X, y, err) &&
           done(logreg_step(&h->model, floats(X), n_floats(X), static_cast<const uint8_t*>(y.data),
                            clamp32(y.bytes)),
                err);
}

bool logreg_score_logloss(LogregHandle* h, const BufferView& X, const BufferView& y, float* loss,
                          Error* err) {
    return check_batch(h, X, y, err) &&
           done(logreg_score_logloss(&h->model, floats(X), n_floats(X),
                                     static_cast<const uint8_t*>(y.data), clamp32(y.bytes), loss),
                err);
}

bool logreg_get_weights(LogregHandle* h, const BufferView& out, Error* err) {
    return check_vector(out, n_weights(h), err) &&
           done(logreg_get_weights(&h->model, static_cast<float*>(out.data), n_floats(out)), err);
}

bool logreg_set_weights(LogregHandle* h, const BufferView& w, Error* err) {
    return check_vector(w, n_weights(h), err) &&
           done(logreg_set_weights(&h->model, floats(w), n_floats(w)), err);
}

bool logreg_get_bias(LogregHandle* h, const BufferView& out, Error* err) {
    return check_vector(out, h->model.n_vectors, err) &&
           done(logreg_get_biases(&h->model, static_cast<float*>(out.data), n_floats(out)), err);
}

bool logreg_set_bias(LogregHandle* h, const BufferView& b, Error* err) {
    return check_vector(b, h->model.n_vectors, err) &&
           done(logreg_set_biases(&h->model, floats(b), n_floats(b)), err);
}

bool logreg_train(LogregHandle* h, const BufferView& X, const BufferView& y, const TrainArgs& args,
                  void (*on_check)(void*, uint32_t, float), void* context, TrainResult* result,
                  Error* err) {
    TrainOptions options;
    if (!check_batch(h, X, y, err) || !train_options(args, on_check, context, &options, err)) {
        return false;
    }
    return done(logreg_train(&h->model, floats(X), n_floats(X), static_cast<const uint8_t*>(y.data),
                             clamp32(y.bytes), &options, result),
                err);
}

} // namespace api
} // namespace microlearn
