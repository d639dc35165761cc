#include "linreg.h"

#include "float_checks.h"

namespace microlearn {

namespace {

inline bool ready(const LinearRegression* m) {
    return m != nullptr && m->weights != nullptr;
}

inline float dot_plus(const float* w, const float* x, uint32_t n, float bias) {
    float acc = bias;
    for (uint32_t j = 0; j < n; j++) {
        acc += w[j] * x[j];
    }
    return acc;
}

inline float soft_threshold(float v, float t) {
    if (float_greater(v, t)) {
        return v - t;
    }
    if (float_greater(-t, v)) {
        return v + t;
    }
    return 0.0f;
}

Status check_batch(const LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                   uint32_t y_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (X == nullptr || y == nullptr || y_len == 0 ||
        uint64_t(X_len) != uint64_t(y_len) * m->n_features) {
        return Status::SizeMismatch;
    }
    return Status::Ok;
}

struct Batch {
    LinearRegression* model;
    const float* X;
    uint32_t X_len;
    const float* y;
    uint32_t y_len;
};

Status batch_step(void* context) {
    const Batch* b = static_cast<const Batch*>(context);
    return linreg_step(b->model, b->X, b->X_len, b->y, b->y_len);
}

Status batch_score(void* context, float* score) {
    const Batch* b = static_cast<const Batch*>(context);
    return linreg_score_mse(b->model, b->X, b->X_len, b->y, b->y_len, score);
}

} // namespace

size_t linreg_memory_bytes(uint32_t n_features) {
    if (n_features < 1 || n_features > kLinregMaxFeatures) {
        return 0;
    }
    return size_t(n_features) * 2u * sizeof(float) + (alignof(float) - 1);
}

Status linreg_init(LinearRegression* m, uint32_t n_features, float alpha, float l1_ratio,
                   float learning_rate, void* memory, size_t memory_bytes) {
    if (m == nullptr || n_features < 1 || n_features > kLinregMaxFeatures ||
        !float_is_finite(alpha) || !float_is_finite(l1_ratio) || !float_is_finite(learning_rate) ||
        float_greater(0.0f, alpha) || float_greater(0.0f, l1_ratio) ||
        float_greater(l1_ratio, 1.0f) || !float_greater(learning_rate, 0.0f)) {
        return Status::InvalidArgument;
    }
    if (memory == nullptr || memory_bytes < linreg_memory_bytes(n_features)) {
        return Status::SizeMismatch;
    }
    const uintptr_t a = reinterpret_cast<uintptr_t>(memory);
    uint8_t* base =
        static_cast<uint8_t*>(memory) + ((alignof(float) - a % alignof(float)) % alignof(float));
    m->weights = reinterpret_cast<float*>(base);
    m->gradients = m->weights + n_features;
    for (uint32_t j = 0; j < n_features; j++) {
        m->weights[j] = 0.0f;
    }
    m->bias = 0.0f;
    m->n_features = n_features;
    m->alpha = alpha;
    m->l1_ratio = l1_ratio;
    m->learning_rate = learning_rate;
    return Status::Ok;
}

Status linreg_predict(const LinearRegression* m, const float* x, uint32_t x_len, float* out) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features) {
        return Status::SizeMismatch;
    }
    if (out == nullptr) {
        return Status::InvalidArgument;
    }
    *out = dot_plus(m->weights, x, m->n_features, m->bias);
    return Status::Ok;
}

Status linreg_step(LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                   uint32_t y_len) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    const uint32_t f = m->n_features;
    float* g = m->gradients;
    for (uint32_t j = 0; j < f; j++) {
        g[j] = 0.0f;
    }
    float bias_gradient = 0.0f;
    const float* row = X;
    for (uint32_t i = 0; i < y_len; i++, row += f) {
        const float error = dot_plus(m->weights, row, f, m->bias) - y[i];
        bias_gradient += error;
        for (uint32_t j = 0; j < f; j++) {
            g[j] += error * row[j];
        }
    }
    const float n = static_cast<float>(y_len);
    const float lr = m->learning_rate;
    const float l2 = m->alpha * (1.0f - m->l1_ratio);
    const float threshold = m->alpha * m->l1_ratio * lr;
    for (uint32_t j = 0; j < f; j++) {
        // Divide rather than multiply by 1/n, as the reference does, to keep its rounding.
        const float gradient = g[j] / n + l2 * m->weights[j];
        m->weights[j] = soft_threshold(m->weights[j] - lr * gradient, threshold);
    }
    m->bias -= lr * (bias_gradient / n);
    return Status::Ok;
}

Status linreg_score_mse(const LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                        uint32_t y_len, float* mse) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    if (mse == nullptr) {
        return Status::InvalidArgument;
    }
    const uint32_t f = m->n_features;
    float sum = 0.0f;
    const float* row = X;
    for (uint32_t i = 0; i < y_len; i++, row += f) {
        const float error = y[i] - dot_plus(m->weights, row, f, m->bias);
        sum += error * error;
    }
    *mse = sum / static_cast<float>(y_len);
    return Status::Ok;
}

Status linreg_get_weights(const LinearRegression* m, float* out, uint32_t out_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (out == nullptr || out_len != m->n_features) {
        return Status::SizeMismatch;
    }
    for (uint32_t j = 0; j < out_len; j++) {
        out[j] = m->weights[j];
    }
    return Status::Ok;
}

Status linreg_set_weights(LinearRegression* m, const float* w, uint32_t w_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (w == nullptr || w_len != m->n_features) {
        return Status::SizeMismatch;
    }
    for (uint32_t j = 0; j < w_len; j++) {
        m->weights[j] = w[j];
    }
    return Status::Ok;
}

Status linreg_get_bias(const LinearRegression* m, float* bias) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (bias == nullptr) {
        return Status::InvalidArgument;
    }
    *bias = m->bias;
    return Status::Ok;
}

Status linreg_set_bias(LinearRegression* m, float bias) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    m->bias = bias;
    return Status::Ok;
}

Status linreg_train(LinearRegression* m, const float* X, uint32_t X_len, const float* y,
                    uint32_t y_len, const TrainOptions* options, TrainResult* result) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    Batch batch = {m, X, X_len, y, y_len};
    return train_loop(options, batch_step, batch_score, &batch, result);
}

} // namespace microlearn
