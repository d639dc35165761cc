#include "logreg.h"

#include "float_checks.h"

namespace microlearn {

namespace {

inline bool ready(const LogisticRegression* m) {
    return m != nullptr && m->weights != nullptr;
}

inline bool binary(const LogisticRegression* m) {
    return m->n_vectors == 1;
}

// Decision values W x + b into out[0 .. n_vectors).
void decision(const LogisticRegression* m, const float* x, float* out) {
    const uint32_t f = m->n_features;
    const float* w = m->weights;
    for (uint32_t c = 0; c < m->n_vectors; c++, w += f) {
        float acc = m->biases[c];
        for (uint32_t j = 0; j < f; j++) {
            acc += w[j] * x[j];
        }
        out[c] = acc;
    }
}

// p(class 1) and p(class 0) from one exp of a non-positive argument.
inline void sigmoid_pair(float z, float* p1, float* p0) {
    const bool positive = float_greater_equal(z, 0.0f);
    const float e = approx_expf(positive ? -z : z);
    const float big = 1.0f / (1.0f + e);
    const float small = e * big;
    *p1 = positive ? big : small;
    *p0 = positive ? small : big;
}

inline float max_of(const float* v, uint32_t n) {
    float best = v[0];
    for (uint32_t i = 1; i < n; i++) {
        best = float_greater(v[i], best) ? v[i] : best;
    }
    return best;
}

// In place: logits -> probabilities.
void softmax(float* v, uint32_t n) {
    const float top = max_of(v, n);
    float sum = 0.0f;
    for (uint32_t i = 0; i < n; i++) {
        v[i] = approx_expf(v[i] - top);
        sum += v[i];
    }
    const float inv = 1.0f / sum;
    for (uint32_t i = 0; i < n; i++) {
        v[i] *= inv;
    }
}

// log(1 + e^t) without overflow.
inline float softplus(float t) {
    const bool positive = float_greater(t, 0.0f);
    return (positive ? t : 0.0f) + approx_logf(1.0f + approx_expf(positive ? -t : t));
}

Status check_batch(const LogisticRegression* m, const float* X, uint32_t X_len, const uint8_t* y,
                   uint32_t y_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (X == nullptr || y == nullptr || y_len == 0 ||
        uint64_t(X_len) != uint64_t(y_len) * m->n_features) {
        return Status::SizeMismatch;
    }
    for (uint32_t i = 0; i < y_len; i++) {
        if (y[i] >= m->n_classes) {
            return Status::InvalidArgument;
        }
    }
    return Status::Ok;
}

struct Batch {
    LogisticRegression* model;
    const float* X;
    uint32_t X_len;
    const uint8_t* y;
    uint32_t y_len;
};

Status batch_step(void* context) {
    const Batch* b = static_cast<const Batch*>(context);
    return logreg_step(b->model, b->X, b->X_len, b->y, b->y_len);
}

Status batch_score(void* context, float* score) {
    const Batch* b = static_cast<const Batch*>(context);
    return logreg_score_logloss(b->model, b->X, b->X_len, b->y, b->y_len, score);
}

Status copy_checked(const float* src, uint32_t src_len, float* dst, uint32_t expected) {
    if (src == nullptr || dst == nullptr || src_len != expected) {
        return Status::SizeMismatch;
    }
    for (uint32_t i = 0; i < expected; i++) {
        dst[i] = src[i];
    }
    return Status::Ok;
}

} // namespace

uint32_t logreg_n_vectors(uint32_t n_classes) {
    return n_classes == 2 ? 1u : n_classes;
}

size_t logreg_memory_bytes(uint32_t n_features, uint32_t n_classes) {
    if (n_features < 1 || n_features > kLogregMaxFeatures || n_classes < 2 ||
        n_classes > kLogregMaxClasses) {
        return 0;
    }
    const size_t v = logreg_n_vectors(n_classes);
    return (2u * v * n_features + 2u * v + n_classes) * sizeof(float) + (alignof(float) - 1);
}

Status logreg_init(LogisticRegression* m, uint32_t n_features, uint32_t n_classes, float l2,
                   float learning_rate, void* memory, size_t memory_bytes) {
    const size_t need = logreg_memory_bytes(n_features, n_classes);
    if (m == nullptr || need == 0 || !float_is_finite(l2) || !float_is_finite(learning_rate) ||
        float_greater(0.0f, l2) || !float_greater(learning_rate, 0.0f)) {
        return Status::InvalidArgument;
    }
    if (memory == nullptr || memory_bytes < need) {
        return Status::SizeMismatch;
    }
    const uintptr_t a = reinterpret_cast<uintptr_t>(memory);
    float* base = reinterpret_cast<float*>(
        static_cast<uint8_t*>(memory) + ((alignof(float) - a % alignof(float)) % alignof(float)));
    const uint32_t v = logreg_n_vectors(n_classes);
    const size_t n_weights = size_t(v) * n_features;
    m->weights = base;
    m->biases = m->weights + n_weights;
    m->gradients = m->biases + v;
    m->bias_gradients = m->gradients + n_weights;
    m->scratch = m->bias_gradients + v;
    for (size_t i = 0; i < n_weights; i++) {
        m->weights[i] = 0.0f;
    }
    for (uint32_t c = 0; c < v; c++) {
        m->biases[c] = 0.0f;
    }
    m->n_features = n_features;
    m->n_classes = n_classes;
    m->n_vectors = v;
    m->l2 = l2;
    m->learning_rate = learning_rate;
    return Status::Ok;
}

Status logreg_set_weights(LogisticRegression* m, const float* w, uint32_t w_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    return copy_checked(w, w_len, m->weights, m->n_vectors * m->n_features);
}

Status logreg_get_weights(const LogisticRegression* m, float* out, uint32_t out_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    return copy_checked(m->weights, out_len, out, m->n_vectors * m->n_features);
}

Status logreg_set_biases(LogisticRegression* m, const float* b, uint32_t b_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    return copy_checked(b, b_len, m->biases, m->n_vectors);
}

Status logreg_get_biases(const LogisticRegression* m, float* out, uint32_t out_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    return copy_checked(m->biases, out_len, out, m->n_vectors);
}

Status logreg_decision_function(const LogisticRegression* m, const float* x, uint32_t x_len,
                                float* out, uint32_t out_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features || out == nullptr || out_len != m->n_vectors) {
        return Status::SizeMismatch;
    }
    decision(m, x, out);
    return Status::Ok;
}

Status logreg_predict_proba(const LogisticRegression* m, const float* x, uint32_t x_len, float* out,
                            uint32_t out_len) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features || out == nullptr || out_len != m->n_classes) {
        return Status::SizeMismatch;
    }
    decision(m, x, out);
    if (binary(m)) {
        sigmoid_pair(out[0], &out[1], &out[0]);
    } else {
        softmax(out, m->n_classes);
    }
    return Status::Ok;
}

Status logreg_predict(const LogisticRegression* m, const float* x, uint32_t x_len,
                      uint32_t* klass) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features) {
        return Status::SizeMismatch;
    }
    if (klass == nullptr) {
        return Status::InvalidArgument;
    }
    // The model's own scratch would make predict() non-const; a decision value per class is
    // computed on the fly instead, keeping the running maximum.
    const uint32_t f = m->n_features;
    const float* w = m->weights;
    uint32_t best = 0;
    float best_value = 0.0f;
    for (uint32_t c = 0; c < m->n_vectors; c++, w += f) {
        float acc = m->biases[c];
        for (uint32_t j = 0; j < f; j++) {
            acc += w[j] * x[j];
        }
        if (c == 0 || float_greater(acc, best_value)) {
            best_value = acc;
            best = c;
        }
    }
    *klass = binary(m) ? (float_greater(best_value, 0.0f) ? 1u : 0u) : best;
    return Status::Ok;
}

Status logreg_step(LogisticRegression* m, const float* X, uint32_t X_len, const uint8_t* y,
                   uint32_t y_len) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    const uint32_t f = m->n_features;
    const uint32_t v = m->n_vectors;
    const size_t n_weights = size_t(v) * f;
    float* g = m->gradients;
    float* gb = m->bias_gradients;
    float* p = m->scratch;
    for (size_t i = 0; i < n_weights; i++) {
        g[i] = 0.0f;
    }
    for (uint32_t c = 0; c < v; c++) {
        gb[c] = 0.0f;
    }
    const float* row = X;
    for (uint32_t i = 0; i < y_len; i++, row += f) {
        decision(m, row, p);
        if (binary(m)) {
            float p0;
            sigmoid_pair(p[0], &p[0], &p0);
            p[0] -= (y[i] == 1) ? 1.0f : 0.0f;
        } else {
            softmax(p, v);
            p[y[i]] -= 1.0f;
        }
        float* gc = g;
        for (uint32_t c = 0; c < v; c++, gc += f) {
            const float error = p[c];
            gb[c] += error;
            for (uint32_t j = 0; j < f; j++) {
                gc[j] += error * row[j];
            }
        }
    }
    const float inv_n = 1.0f / static_cast<float>(y_len);
    const float lr = m->learning_rate;
    for (size_t i = 0; i < n_weights; i++) {
        m->weights[i] -= lr * (g[i] * inv_n + m->l2 * m->weights[i]);
    }
    for (uint32_t c = 0; c < v; c++) {
        m->biases[c] -= lr * (gb[c] * inv_n);
    }
    return Status::Ok;
}

Status logreg_score_logloss(const LogisticRegression* m, const float* X, uint32_t X_len,
                            const uint8_t* y, uint32_t y_len, float* loss) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    if (loss == nullptr) {
        return Status::InvalidArgument;
    }
    const uint32_t f = m->n_features;
    float* z = m->scratch; // scratch is not model state: writing it from a const model is fine
    float sum = 0.0f;
    const float* row = X;
    for (uint32_t i = 0; i < y_len; i++, row += f) {
        decision(m, row, z);
        if (binary(m)) {
            // -log sigmoid(z) = softplus(-z); -log(1 - sigmoid(z)) = softplus(z)
            sum += softplus(y[i] == 1 ? -z[0] : z[0]);
        } else {
            const float top = max_of(z, m->n_vectors);
            float total = 0.0f;
            for (uint32_t c = 0; c < m->n_vectors; c++) {
                total += approx_expf(z[c] - top);
            }
            sum += top + approx_logf(total) - z[y[i]];
        }
    }
    *loss = sum / static_cast<float>(y_len);
    return Status::Ok;
}

Status logreg_train(LogisticRegression* m, const float* X, uint32_t X_len, const uint8_t* y,
                    uint32_t y_len, const TrainOptions* options, TrainResult* result) {
    const Status s = check_batch(m, X, X_len, y, y_len);
    if (s != Status::Ok) {
        return s;
    }
    Batch batch = {m, X, X_len, y, y_len};
    return train_loop(options, batch_step, batch_score, &batch, result);
}

} // namespace microlearn
