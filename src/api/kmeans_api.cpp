#include "kmeans_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

constexpr char kTypecodeText[] = "expecting B array (uint8), h (int16) or f (float32)";

// The element type of a buffer and its number of elements. The enum's values are log2 of the
// element sizes: the count is a shift, without the generic typecode table.
static_assert(uint32_t(KmeansElement::Uint8) == 0 && uint32_t(KmeansElement::Int16) == 1 &&
                  uint32_t(KmeansElement::Float32) == 2,
              "KmeansElement values are log2 of the element size");
bool element_of(const BufferView& b, KmeansElement* type, size_t* count, Error* err) {
    switch (b.typecode) {
    case 'B':
        *type = KmeansElement::Uint8;
        break;
    case 'h':
        *type = KmeansElement::Int16;
        break;
    case 'f':
        *type = KmeansElement::Float32;
        break;
    default:
        return raise_value(err, kTypecodeText);
    }
    *count = b.bytes >> uint32_t(*type);
    return true;
}

bool check_features(int32_t features, Error* err) {
    if (features < 1 || features > int32_t(kKmeansMaxFeatures)) {
        fail(err, ErrorType::ValueError).text("features must be 1..").number(kKmeansMaxFeatures);
        return false;
    }
    return true;
}

} // namespace

bool kmeans_euclidean_argmin(const BufferView& vectors, const BufferView& point, KmeansArgmin* out,
                             Error* err) {
    KmeansElement type = KmeansElement::Uint8, point_type = KmeansElement::Uint8;
    size_t vectors_count = 0, point_count = 0;
    if (!element_of(vectors, &type, &vectors_count, err) ||
        !element_of(point, &point_type, &point_count, err)) {
        return false;
    }
    const uint32_t n_vectors = clamp32(vectors_count);
    const uint32_t n_point = clamp32(point_count);
    if (type != point_type) {
        return raise_value(err, "vectors and point must have the same typecode");
    }
    // Squared uint8 distances of up to 65535 values fit the engine's uint32 sums (as cluster()).
    static_assert(kKmeansMaxFeatures == 65535, "the message below names the limit");
    if (n_point - 1u >= kKmeansMaxFeatures) { // 0 wraps round
        return raise_value(err, "point must have 1..65535 values");
    }
    if (n_vectors == 0) {
        return raise_value(err, "vectors must not be empty");
    }
    if (n_vectors % n_point != 0) {
        return raise_value(err, "vectors length must be divisible by @point dimensions");
    }
    out->is_float = type == KmeansElement::Float32;
    out->distance = 0;
    out->float_distance = 0.0f;
    Status s;
    if (type == KmeansElement::Uint8) {
        uint32_t d = 0;
        s = euclidean_argmin(static_cast<const uint8_t*>(vectors.data), n_vectors,
                             static_cast<const uint8_t*>(point.data), n_point, &out->index, &d);
        out->distance = d;
    } else if (type == KmeansElement::Int16) {
        s = euclidean_argmin(static_cast<const int16_t*>(vectors.data), n_vectors,
                             static_cast<const int16_t*>(point.data), n_point, &out->index,
                             &out->distance);
    } else {
        s = euclidean_argmin(static_cast<const float*>(vectors.data), n_vectors,
                             static_cast<const float*>(point.data), n_point, &out->index,
                             &out->float_distance);
    }
    return s == Status::Ok || raise_value(err, "invalid vectors or point");
}

int32_t kmeans_sample_count(const BufferView& values, int32_t features, Error* err) {
    KmeansElement type = KmeansElement::Uint8;
    size_t n = 0;
    if (!element_of(values, &type, &n, err) || !check_features(features, err)) {
        return -1;
    }
    if (n % uint32_t(features) != 0) {
        raise_value(err, "values length must be divisible by features");
        return -1;
    }
    const size_t n_samples = n / uint32_t(features);
    if (n_samples < 1 || n_samples > kKmeansMaxSamples) {
        fail(err, ErrorType::ValueError)
            .text("number of samples must be 1..")
            .number(kKmeansMaxSamples);
        return -1;
    }
    return int32_t(n_samples);
}

bool kmeans_setup(KmeansProblem* p, const BufferView& values, const BufferView& centroids,
                  const BufferView& assignments, int32_t features, Error* err) {
    KmeansElement type = KmeansElement::Uint8;
    size_t n_centroid_values = 0;
    const int32_t n_samples = kmeans_sample_count(values, features, err);
    if (n_samples < 0 || !element_of(centroids, &type, &n_centroid_values, err)) {
        return false;
    }
    if (values.typecode != centroids.typecode) {
        return raise_value(err, "values and centroids must have the same typecode");
    }
    if (assignments.typecode != 'B') {
        return raise_value(err, "assignments must be a B array (uint8)");
    }
    // The engine writes centroids and assignments while it reads values.
    if (overlap(values, centroids) || overlap(values, assignments) ||
        overlap(centroids, assignments)) {
        return raise_value(err, "values, centroids and assignments must be different arrays");
    }
    if (n_centroid_values % uint32_t(features) != 0) {
        return raise_value(err, "centroids length must be divisible by features");
    }
    const size_t n_clusters = n_centroid_values / uint32_t(features);
    if (n_clusters < 1 || n_clusters > kKmeansMaxClusters) {
        fail(err, ErrorType::ValueError)
            .text("number of centroids must be 1..")
            .number(kKmeansMaxClusters);
        return false;
    }
    if (assignments.bytes != size_t(n_samples)) {
        fail(err, ErrorType::ValueError)
            .text("assignments must have one entry per sample (")
            .number(n_samples)
            .text(")");
        return false;
    }
    return kmeans_problem_init(p, type, values.data, uint32_t(n_samples) * uint32_t(features),
                               centroids.data, uint32_t(n_centroid_values),
                               static_cast<uint8_t*>(assignments.data), uint32_t(n_samples),
                               uint32_t(features)) == Status::Ok ||
           raise_value(err, "invalid clustering problem");
}

bool kmeans_iter_start(KmeansIter* it, const KmeansProblem* p, int32_t max_iter,
                       int32_t stop_changes, void* scratch, size_t scratch_bytes, Error* err) {
    if (stop_changes < 0) {
        it->finished = true;
        return raise_value(err, "stop_changes must be >= 0");
    }
    return kmeans_iter_init(it, p, max_iter < 0 ? 0u : uint32_t(max_iter), uint32_t(stop_changes),
                            kKmeansRounding, scratch, scratch_bytes) == Status::Ok ||
           raise_value(err, "invalid clustering problem");
}

bool kmeans_iter_rebind(KmeansIter* it, const BufferView& values, const BufferView& centroids,
                        const BufferView& assignments, int32_t features, Error* err) {
    const bool finished = it->finished;
    const bool update_pending = it->update_pending;
    // A failure ends the iteration: later next() calls raise StopIteration.
    it->finished = true;
    it->update_pending = false;
    KmeansProblem now;
    const KmeansProblem& was = it->problem;
    if (!kmeans_setup(&now, values, centroids, assignments, features, err) ||
        now.type != was.type || now.n_samples != was.n_samples ||
        now.n_clusters != was.n_clusters) {
        return raise_value(err, "arrays changed size during clustering");
    }
    it->finished = finished;
    it->update_pending = update_pending;
    it->problem = now;
    return true;
}

bool kmeans_iter_step(KmeansIter* it, bool* produced, uint32_t* changes, Error* err) {
    return kmeans_iter_next(it, produced, changes) == Status::Ok ||
           raise_value(err, "clustering failed");
}

} // namespace api
} // namespace microlearn
