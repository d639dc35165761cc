// emlearn_kmeans: the module contract (SPEC.md) over the k-means engine. The reference's
// cluster_iter() is a Python generator; here it is KmeansIter driven by kmeans_iter_step(), one
// call per next(). Typecodes: 'B' (and bytearray, which bindings report as 'B'), 'h' and 'f'.
// Integer centroids are floored, exactly as the reference's `sum // count`.
#pragma once
#include "api.h"
#include "kmeans.h"

namespace microlearn {
namespace api {

// The rounding of integer centroid means: the reference's.
constexpr KmeansRounding kKmeansRounding = KmeansRounding::Floor;

struct KmeansArgmin {
    uint32_t index;
    bool is_float;
    uint64_t distance;    // exact squared distance for 'B' and 'h'
    float float_distance; // for 'f'
};

bool kmeans_euclidean_argmin(const BufferView& vectors, const BufferView& point, KmeansArgmin* out,
                             Error* err);

// cluster(): the number of samples in `values` (to size the assignments), -1 with err set.
int32_t kmeans_sample_count(const BufferView& values, int32_t features, Error* err);

// Checks every buffer and the counts; fills *p.
bool kmeans_setup(KmeansProblem* p, const BufferView& values, const BufferView& centroids,
                  const BufferView& assignments, int32_t features, Error* err);

// Scratch that the iteration needs, for a problem kmeans_setup() accepted.
inline size_t kmeans_scratch_size(const KmeansProblem* p) {
    return kmeans_scratch_bytes(p->n_clusters, p->n_features);
}

// max_iter < 0 runs no iteration (as range() in the reference); stop_changes must be >= 0.
bool kmeans_iter_start(KmeansIter* it, const KmeansProblem* p, int32_t max_iter,
                       int32_t stop_changes, void* scratch, size_t scratch_bytes, Error* err);

// Points the iteration at the buffers again before a step: an array may have been resized (and
// moved) by the caller between two next() calls. A changed size is an error.
bool kmeans_iter_rebind(KmeansIter* it, const BufferView& values, const BufferView& centroids,
                        const BufferView& assignments, int32_t features, Error* err);

// True once next() can only raise StopIteration (no update owed, no step left).
inline bool kmeans_iter_done(const KmeansIter* it) {
    return it->finished && !it->update_pending;
}

// One next(): *produced is false once the iteration is exhausted.
bool kmeans_iter_step(KmeansIter* it, bool* produced, uint32_t* changes, Error* err);

} // namespace api
} // namespace microlearn
