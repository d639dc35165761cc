#include "linreg_api.h"

#include "array_checks.h"
#include "float_checks.h"

namespace microlearn {
namespace api {

namespace {

bool check_float(const BufferView& b, const char* message, Error* err) {
    return b.typecode == 'f' || raise_value(err, message);
}

// X and y for step(), score_mse() and train(), with the reference's messages.
bool check_batch(const LinregHandle* h, const BufferView& X, const BufferView& y, Error* err) {
    if (!check_float(X, "X expecting float32 array", err) ||
        !check_float(y, "y expecting float32 array", err)) {
        return false;
    }
    const uint64_t n_x = X.bytes / 4u;
    const uint64_t n_y = y.bytes / 4u;
    if (n_x != n_y * h->model.n_features) {
        return raise_value(err, "X and y dimensions don't match");
    }
    return n_y != 0 || raise_value(err, "X and y must not be empty");
}

} // namespace

size_t linreg_storage_bytes(int32_t n_features, Error* err) {
    if (n_features < 1 || n_features > int32_t(kLinregMaxFeatures)) {
        fail(err, ErrorType::ValueError).text("n_features must be 1..").number(kLinregMaxFeatures);
        return 0;
    }
    return microlearn::linreg_memory_bytes(uint32_t(n_features));
}

bool linreg_new(LinregHandle* h, int32_t n_features, float alpha, float l1_ratio,
                float learning_rate, void* storage, size_t bytes, Error* err) {
    if (!(float_is_finite(alpha) && float_greater_equal(alpha, 0.0f))) {
        return raise_value(err, "alpha must be finite and >= 0");
    }
    if (!(float_is_finite(l1_ratio) && float_greater_equal(l1_ratio, 0.0f) &&
          float_greater_equal(1.0f, l1_ratio))) {
        return raise_value(err, "l1_ratio must be 0..1");
    }
    if (!(float_is_finite(learning_rate) && float_greater(learning_rate, 0.0f))) {
        return raise_value(err, "learning_rate must be finite and > 0");
    }
    return linreg_init(&h->model, uint32_t(n_features), alpha, l1_ratio, learning_rate, storage,
                       bytes) == Status::Ok ||
           raise_value(err, "invalid parameters");
}

bool linreg_predict(LinregHandle* h, const BufferView& x, float* out, Error* err) {
    return check_float(x, "expecting float32 array", err) &&
           (linreg_predict(&h->model, static_cast<const float*>(x.data), count_as<float>(x), out) ==
                Status::Ok ||
            raise_value(err, "Feature count mismatch"));
}

bool linreg_step(LinregHandle* h, const BufferView& X, const BufferView& y, Error* err) {
    return check_batch(h, X, y, err) &&
           (linreg_step(&h->model, static_cast<const float*>(X.data), count_as<float>(X),
                        static_cast<const float*>(y.data), count_as<float>(y)) == Status::Ok ||
            raise_value(err, "X and y dimensions don't match"));
}

bool linreg_score_mse(LinregHandle* h, const BufferView& X, const BufferView& y, float* mse,
                      Error* err) {
    return check_batch(h, X, y, err) &&
           (linreg_score_mse(&h->model, static_cast<const float*>(X.data), count_as<float>(X),
                             static_cast<const float*>(y.data), count_as<float>(y),
                             mse) == Status::Ok ||
            raise_value(err, "X and y dimensions don't match"));
}

bool linreg_get_weights(LinregHandle* h, const BufferView& out, Error* err) {
    return check_float(out, "expecting float32 array", err) &&
           (linreg_get_weights(&h->model, static_cast<float*>(out.data), count_as<float>(out)) ==
                Status::Ok ||
            raise_value(err, "Buffer is wrong size"));
}

bool linreg_set_weights(LinregHandle* h, const BufferView& w, Error* err) {
    return check_float(w, "expecting float32 array", err) &&
           (linreg_set_weights(&h->model, static_cast<const float*>(w.data), count_as<float>(w)) ==
                Status::Ok ||
            raise_value(err, "Weight array size mismatch"));
}

bool linreg_train(LinregHandle* h, const BufferView& X, const BufferView& y, const TrainArgs& args,
                  void (*on_check)(void*, uint32_t, float), void* context, TrainResult* result,
                  Error* err) {
    TrainOptions options;
    if (!check_batch(h, X, y, err) || !train_options(args, on_check, context, &options, err)) {
        return false;
    }
    return linreg_train(&h->model, static_cast<const float*>(X.data), count_as<float>(X),
                        static_cast<const float*>(y.data), count_as<float>(y), &options,
                        result) == Status::Ok ||
           raise_value(err, "X and y dimensions don't match");
}

} // namespace api
} // namespace microlearn
