// k-means clustering (Lloyd's algorithm) over uint8, int16 or float32 vectors, with the
// centroids supplied by the caller and updated in place, as the reference's cluster_iter() does.
//
// One iteration is: assign every sample to its nearest centroid (counting how many assignments
// changed), then move every centroid to the mean of its samples. The reference exposes this as a
// Python generator that yields the change count between the two halves; KmeansIter below is that
// generator as a state machine, so a binding only has to call kmeans_iter_next() per next().
//
// Choices, all stated so that results are reproducible bit for bit:
// - nearest centroid: exact squared Euclidean distance (32-bit for uint8, 64-bit for int16, float
//   for float32); ties go to the lowest centroid index, as the reference's strict `<` scan.
// - integer centroids: the mean is rounded to nearest, halves away from zero
//   (KmeansRounding::Nearest, the default). The reference floors (`sum // count`), which pulls
//   every centroid down by half a step on average; KmeansRounding::Floor reproduces it exactly
//   (floor towards minus infinity, like Python's `//`).
// - float centroids: sums in float32, in sample order, then one division.
// - an empty cluster keeps its previous centroid (as the reference does).
// - an assignment value >= n_clusters means "unassigned" (the reference starts from 255): the next
//   assignment step always counts it as a change, and a centroid update ignores that sample.
//
// Limits follow the reference (assignments are bytes, sample counts are 16-bit there): at most 255
// clusters, 65535 samples and 65535 features. With those, integer sums fit int32 exactly
// (32768 * 65535 < 2^31) and squared uint8 distances fit uint32.
#pragma once
#include "status.h"

namespace microlearn {

constexpr uint32_t kKmeansMaxClusters = 255;
constexpr uint32_t kKmeansMaxSamples = 65535;
constexpr uint32_t kKmeansMaxFeatures = 65535;
constexpr uint8_t kKmeansUnassigned = 255;

enum class KmeansElement : uint8_t { Uint8, Int16, Float32 };
enum class KmeansRounding : uint8_t { Nearest, Floor };

// Index of the row of `vectors` (vectors_len values, rows of point_len values) nearest to
// `point`, and its squared distance. SizeMismatch when vectors_len is not a multiple of
// point_len; InvalidArgument when either is empty. squared_distance may be null. uint8: the
// squared distance is a uint32, exact for point_len up to kKmeansMaxFeatures (65535); beyond, it
// wraps (the api refuses such points).
Status euclidean_argmin(const uint8_t* vectors, uint32_t vectors_len, const uint8_t* point,
                        uint32_t point_len, uint32_t* index, uint32_t* squared_distance);
Status euclidean_argmin(const int16_t* vectors, uint32_t vectors_len, const int16_t* point,
                        uint32_t point_len, uint32_t* index, uint64_t* squared_distance);
// NaN distances never win; if every distance is NaN the result is index 0.
Status euclidean_argmin(const float* vectors, uint32_t vectors_len, const float* point,
                        uint32_t point_len, uint32_t* index, float* squared_distance);

// The buffers of one clustering problem. Element type is a tag plus untyped pointers so that a
// binding can pass array storage straight through after checking the typecode.
struct KmeansProblem {
    KmeansElement type;
    const void* values;   // n_samples * n_features
    void* centroids;      // n_clusters * n_features, updated in place
    uint8_t* assignments; // n_samples
    uint32_t n_samples;
    uint32_t n_clusters;
    uint32_t n_features;
};

// Derives the counts from buffer lengths (in elements) and checks them: SizeMismatch when a
// length is not a multiple of n_features or assignments_len != n_samples, InvalidArgument when a
// count is zero or above the limits.
Status kmeans_problem_init(KmeansProblem* p, KmeansElement type, const void* values,
                           uint32_t values_len, void* centroids, uint32_t centroids_len,
                           uint8_t* assignments, uint32_t assignments_len, uint32_t n_features);

// Assignment half of an iteration; *changes (optional) counts samples whose assignment changed.
Status kmeans_assign(const KmeansProblem* p, uint32_t* changes);

// Per-cluster sums and counts for the update half (4 bytes each, plus slack so that any start
// address can be aligned inside); 0 when the counts are out of range.
size_t kmeans_scratch_bytes(uint32_t n_clusters, uint32_t n_features);
// Update half of an iteration.
Status kmeans_update_centroids(const KmeansProblem* p, KmeansRounding rounding, void* scratch,
                               size_t scratch_bytes);

// The reference's cluster_iter() generator. Each next() applies the centroid update owed by the
// previous iteration, then runs the next assignment and reports its change count. It finishes
// after max_iter iterations or once an iteration changes no more than stop_changes assignments;
// in the latter case the centroids are left as they were for that last assignment.
struct KmeansIter {
    KmeansProblem problem;
    KmeansRounding rounding;
    void* scratch;
    size_t scratch_bytes;
    uint32_t max_iter;
    uint32_t stop_changes;
    uint32_t iteration; // assignments done so far
    bool update_pending;
    bool finished;
};

Status kmeans_iter_init(KmeansIter* it, const KmeansProblem* p, uint32_t max_iter,
                        uint32_t stop_changes, KmeansRounding rounding, void* scratch,
                        size_t scratch_bytes);
// *produced is false when the generator is exhausted (StopIteration); *changes is then untouched.
Status kmeans_iter_next(KmeansIter* it, bool* produced, uint32_t* changes);

} // namespace microlearn
