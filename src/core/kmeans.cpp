#include "kmeans.h"

namespace microlearn {

namespace {

// Per element type: the exact squared-distance type and the centroid-sum type.
template <typename T> struct Element;

template <> struct Element<uint8_t> {
    using Distance = uint32_t;
    using Sum = int32_t;
    static uint32_t square_diff(uint8_t a, uint8_t b) {
        const int32_t d = int32_t(a) - int32_t(b);
        return static_cast<uint32_t>(d * d);
    }
};

template <> struct Element<int16_t> {
    using Distance = uint64_t;
    using Sum = int32_t;
    static uint64_t square_diff(int16_t a, int16_t b) {
        // |a - b| <= 65535: the square fits 32 bits unsigned, and unsigned wrap-around keeps the
        // product of the two's-complement difference exact.
        const uint32_t d = static_cast<uint32_t>(int32_t(a) - int32_t(b));
        return d * d;
    }
};

template <> struct Element<float> {
    using Distance = float;
    using Sum = float;
    static float square_diff(float a, float b) {
        const float d = a - b;
        return d * d;
    }
};

#ifdef __arm__
// Ordering key of a float distance, which is a sum of squares: +0, positive, +inf or NaN (of
// either sign). Without the sign bit, IEEE bit patterns of non-negative values order as the values
// do, and NaN keys are above kInfKey. Comparing keys as integers needs no soft-float comparison
// routines on cores without an FPU, and is shorter than VCMP + VMRS on the others (on x86 the
// float comparison is the shorter).
constexpr uint32_t kInfKey = 0x7f800000u;
inline uint32_t float_key(float v) {
    uint32_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return bits & 0x7fffffffu;
}
#endif

// d < best, or best is NaN and d is not (a real distance replaces a NaN one).
inline bool closer(float d, float best) {
#ifdef __arm__
    const uint32_t kd = float_key(d);
    return kd < float_key(best) && kd <= kInfKey;
#else
    return d < best || (best != best && d == d);
#endif
}
template <typename D> inline bool closer(D d, D best) {
    return d < best;
}

template <typename T>
inline typename Element<T>::Distance squared_distance(const T* a, const T* b, uint32_t n) {
    // n >= 1 (every caller checks): tested at the bottom, the loop is two instructions shorter
    // per feature than GCC's -Os layout of a for loop (a test at the top and a jump back).
    typename Element<T>::Distance acc = 0;
    uint32_t j = 0;
    do {
        acc += Element<T>::square_diff(a[j], b[j]);
    } while (++j < n);
    return acc;
}

template <typename T>
uint32_t nearest(const T* vectors, uint32_t n_vectors, const T* point, uint32_t n_features,
                 typename Element<T>::Distance* best_out) {
    using Distance = typename Element<T>::Distance;
    // n_vectors >= 1. One copy of the distance loop: the first vector takes `best` by i == 0.
    uint32_t best_index = 0;
    Distance best = 0;
    const T* row = vectors;
    uint32_t i = 0;
    do {
        const Distance d = squared_distance(row, point, n_features);
        // Strict `<`: the first of equal distances wins. For float, a real distance also
        // replaces a NaN one.
        if (i == 0 || closer(d, best)) {
            best = d;
            best_index = i;
        }
        row += n_features;
    } while (++i < n_vectors);
    *best_out = best;
    return best_index;
}

template <typename T, typename Distance>
Status argmin_checked(const T* vectors, uint32_t vectors_len, const T* point, uint32_t point_len,
                      uint32_t* index, Distance* squared_distance_out) {
    if (vectors == nullptr || point == nullptr || index == nullptr || vectors_len == 0 ||
        point_len == 0) {
        return Status::InvalidArgument;
    }
    if (vectors_len % point_len != 0) {
        return Status::SizeMismatch;
    }
    Distance d;
    *index = nearest(vectors, vectors_len / point_len, point, point_len, &d);
    if (squared_distance_out != nullptr) {
        *squared_distance_out = d;
    }
    return Status::Ok;
}

bool valid_problem(const KmeansProblem* p) {
    return p != nullptr && p->values != nullptr && p->centroids != nullptr &&
           p->assignments != nullptr && p->n_samples >= 1 && p->n_samples <= kKmeansMaxSamples &&
           p->n_clusters >= 1 && p->n_clusters <= kKmeansMaxClusters && p->n_features >= 1 &&
           p->n_features <= kKmeansMaxFeatures &&
           (p->type == KmeansElement::Uint8 || p->type == KmeansElement::Int16 ||
            p->type == KmeansElement::Float32);
}

template <typename T> uint32_t assign(const KmeansProblem* p) {
    const T* values = static_cast<const T*>(p->values);
    const T* centroids = static_cast<const T*>(p->centroids);
    const uint32_t f = p->n_features;
    uint32_t changes = 0;
    for (uint32_t s = 0; s < p->n_samples; s++, values += f) {
        typename Element<T>::Distance unused;
        const uint8_t idx =
            static_cast<uint8_t>(nearest(centroids, p->n_clusters, values, f, &unused));
        changes += (p->assignments[s] != idx) ? 1u : 0u;
        p->assignments[s] = idx;
    }
    return changes;
}

// Magnitudes stay below 2^31 + 2^16 (see the limits in the header), so uint32 cannot overflow.
inline int32_t integer_mean(int32_t sum, uint32_t count, KmeansRounding rounding) {
    if (sum >= 0) {
        const uint32_t s = static_cast<uint32_t>(sum);
        const uint32_t q =
            rounding == KmeansRounding::Nearest ? (s + count / 2) / count : s / count;
        return static_cast<int32_t>(q);
    }
    const uint32_t s = static_cast<uint32_t>(-sum);
    const uint32_t q =
        rounding == KmeansRounding::Nearest ? (s + count / 2) / count : (s + count - 1) / count;
    return -static_cast<int32_t>(q);
}

// Integer centroids: the mean of values of type T, rounded to an integer, stays within T's range.
inline void store_mean(uint8_t* out, int32_t sum, uint32_t count, KmeansRounding rounding) {
    *out = static_cast<uint8_t>(integer_mean(sum, count, rounding));
}
inline void store_mean(int16_t* out, int32_t sum, uint32_t count, KmeansRounding rounding) {
    *out = static_cast<int16_t>(integer_mean(sum, count, rounding));
}
inline void store_mean(float* out, float sum, uint32_t count, KmeansRounding) {
    *out = sum / static_cast<float>(count);
}

inline uint8_t* align4(void* p) {
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    return static_cast<uint8_t*>(p) + ((4u - a % 4u) % 4u);
}

template <typename T> void update(const KmeansProblem* p, KmeansRounding rounding, void* scratch) {
    using Sum = typename Element<T>::Sum;
    const uint32_t f = p->n_features;
    const uint32_t n_sums = p->n_clusters * f;
    uint8_t* base = align4(scratch);
    Sum* sums = reinterpret_cast<Sum*>(base);
    uint32_t* counts = reinterpret_cast<uint32_t*>(base + size_t(n_sums) * 4u);
    for (uint32_t i = 0; i < n_sums; i++) {
        sums[i] = 0;
    }
    for (uint32_t c = 0; c < p->n_clusters; c++) {
        counts[c] = 0;
    }
    const T* values = static_cast<const T*>(p->values);
    for (uint32_t s = 0; s < p->n_samples; s++, values += f) {
        const uint32_t c = p->assignments[s];
        if (c >= p->n_clusters) {
            continue;
        }
        counts[c]++;
        Sum* row = sums + size_t(c) * f;
        for (uint32_t j = 0; j < f; j++) {
            row[j] += static_cast<Sum>(values[j]);
        }
    }
    T* centroids = static_cast<T*>(p->centroids);
    for (uint32_t c = 0; c < p->n_clusters; c++) {
        if (counts[c] == 0) {
            continue; // empty cluster: keep the previous centroid
        }
        const Sum* row = sums + size_t(c) * f;
        T* centroid = centroids + size_t(c) * f;
        for (uint32_t j = 0; j < f; j++) {
            store_mean(&centroid[j], row[j], counts[c], rounding);
        }
    }
}

} // namespace

Status euclidean_argmin(const uint8_t* vectors, uint32_t vectors_len, const uint8_t* point,
                        uint32_t point_len, uint32_t* index, uint32_t* squared_distance) {
    return argmin_checked(vectors, vectors_len, point, point_len, index, squared_distance);
}

Status euclidean_argmin(const int16_t* vectors, uint32_t vectors_len, const int16_t* point,
                        uint32_t point_len, uint32_t* index, uint64_t* squared_distance) {
    return argmin_checked(vectors, vectors_len, point, point_len, index, squared_distance);
}

Status euclidean_argmin(const float* vectors, uint32_t vectors_len, const float* point,
                        uint32_t point_len, uint32_t* index, float* squared_distance) {
    return argmin_checked(vectors, vectors_len, point, point_len, index, squared_distance);
}

Status kmeans_problem_init(KmeansProblem* p, KmeansElement type, const void* values,
                           uint32_t values_len, void* centroids, uint32_t centroids_len,
                           uint8_t* assignments, uint32_t assignments_len, uint32_t n_features) {
    if (p == nullptr || values == nullptr || centroids == nullptr || assignments == nullptr ||
        n_features < 1 || n_features > kKmeansMaxFeatures) {
        return Status::InvalidArgument;
    }
    if (values_len % n_features != 0 || centroids_len % n_features != 0) {
        return Status::SizeMismatch;
    }
    p->type = type;
    p->values = values;
    p->centroids = centroids;
    p->assignments = assignments;
    p->n_samples = values_len / n_features;
    p->n_clusters = centroids_len / n_features;
    p->n_features = n_features;
    if (!valid_problem(p)) {
        p->n_samples = 0; // leave it unusable rather than half-valid
        return Status::InvalidArgument;
    }
    if (assignments_len != p->n_samples) {
        p->n_samples = 0;
        return Status::SizeMismatch;
    }
    return Status::Ok;
}

Status kmeans_assign(const KmeansProblem* p, uint32_t* changes) {
    if (!valid_problem(p)) {
        return Status::NotReady;
    }
    uint32_t n = 0;
    switch (p->type) {
    case KmeansElement::Uint8:
        n = assign<uint8_t>(p);
        break;
    case KmeansElement::Int16:
        n = assign<int16_t>(p);
        break;
    case KmeansElement::Float32:
        n = assign<float>(p);
        break;
    }
    if (changes != nullptr) {
        *changes = n;
    }
    return Status::Ok;
}

size_t kmeans_scratch_bytes(uint32_t n_clusters, uint32_t n_features) {
    if (n_clusters < 1 || n_clusters > kKmeansMaxClusters || n_features < 1 ||
        n_features > kKmeansMaxFeatures) {
        return 0;
    }
    // Sums, counts, and slack to align an arbitrary start to 4 bytes.
    return (size_t(n_clusters) * n_features + n_clusters) * 4u + 3u;
}

Status kmeans_update_centroids(const KmeansProblem* p, KmeansRounding rounding, void* scratch,
                               size_t scratch_bytes) {
    if (!valid_problem(p)) {
        return Status::NotReady;
    }
    if (rounding != KmeansRounding::Nearest && rounding != KmeansRounding::Floor) {
        return Status::InvalidArgument;
    }
    if (scratch == nullptr || scratch_bytes < kmeans_scratch_bytes(p->n_clusters, p->n_features)) {
        return Status::SizeMismatch;
    }
    switch (p->type) {
    case KmeansElement::Uint8:
        update<uint8_t>(p, rounding, scratch);
        break;
    case KmeansElement::Int16:
        update<int16_t>(p, rounding, scratch);
        break;
    case KmeansElement::Float32:
        update<float>(p, rounding, scratch);
        break;
    }
    return Status::Ok;
}

Status kmeans_iter_init(KmeansIter* it, const KmeansProblem* p, uint32_t max_iter,
                        uint32_t stop_changes, KmeansRounding rounding, void* scratch,
                        size_t scratch_bytes) {
    if (it == nullptr) {
        return Status::InvalidArgument;
    }
    it->finished = true; // stays exhausted if anything below is rejected
    it->update_pending = false;
    it->iteration = 0;
    if (!valid_problem(p)) {
        return Status::NotReady;
    }
    if (rounding != KmeansRounding::Nearest && rounding != KmeansRounding::Floor) {
        return Status::InvalidArgument;
    }
    if (scratch == nullptr || scratch_bytes < kmeans_scratch_bytes(p->n_clusters, p->n_features)) {
        return Status::SizeMismatch;
    }
    it->problem = *p;
    it->rounding = rounding;
    it->scratch = scratch;
    it->scratch_bytes = scratch_bytes;
    it->max_iter = max_iter;
    it->stop_changes = stop_changes;
    it->finished = false;
    return Status::Ok;
}

Status kmeans_iter_next(KmeansIter* it, bool* produced, uint32_t* changes) {
    if (it == nullptr || produced == nullptr || changes == nullptr) {
        return Status::InvalidArgument;
    }
    *produced = false;
    if (it->update_pending) {
        // The generator resumes after its yield: the update of the previous iteration comes first,
        // even when max_iter is reached and nothing more is produced.
        it->update_pending = false;
        const Status s =
            kmeans_update_centroids(&it->problem, it->rounding, it->scratch, it->scratch_bytes);
        if (s != Status::Ok) {
            it->finished = true;
            return s;
        }
    }
    if (it->finished || it->iteration >= it->max_iter) {
        it->finished = true;
        return Status::Ok;
    }
    uint32_t n = 0;
    const Status s = kmeans_assign(&it->problem, &n);
    if (s != Status::Ok) {
        it->finished = true;
        return s;
    }
    it->iteration++;
    if (n <= it->stop_changes) {
        it->finished = true;
    } else {
        it->update_pending = true;
    }
    *produced = true;
    *changes = n;
    return Status::Ok;
}

} // namespace microlearn
