// k-nearest-neighbours classification over int16 items, with on-device learning: items can be
// added, replaced and removed at any time, up to a capacity fixed at init.
//
// Memory: one caller-owned buffer of `neighbors_memory_bytes()` holds the items, their labels,
// the ranked results of the last prediction and a copy of the last query. Any alignment is
// accepted (the size includes the slack needed to align internally). Nothing here allocates.
//
// Distances are exact: squared distances are summed in 64 bits (a 65535 difference squared fits
// 32 bits unsigned; 65535 features of those fit 64 bits easily), so nothing overflows for any
// int16 input. Reported distances are floor(sqrt(squared distance)), as in the reference; the
// ranking itself uses the exact squared distance, so two items whose rounded distances are equal
// are still ranked correctly.
//
// Tie rules, chosen so that predict() equals scikit-learn's
// KNeighborsClassifier(algorithm='brute', weights='uniform') whenever no distance tie straddles the
// k-th neighbour:
// - equal distances: the lower item index ranks first;
// - equal votes: the lowest label wins (scikit-learn's mode/argmax over sorted classes).
//
// Cost: predict() is one pass over the items keeping the k best by partial insertion; a candidate
// stops accumulating its distance once it can no longer beat the current k-th best. Results
// beyond the k-th (the reference lets getresult() reach every item) are ranked lazily when asked
// for, by the same kind of pass: into a window of max_results entries, which slides forward (its
// last entry becoming the floor of the next pass) once full. So every rank is reachable whatever
// max_results is; a larger window only makes walks over many ranks take fewer passes. The vote
// counts labels pairwise, O(k^2) with no table, so any int16 label works; that is negligible for
// the usual k of a few tens at most.
#pragma once
#include "status.h"

namespace microlearn {

constexpr uint32_t kNeighborsMaxItems = 65535;
constexpr uint32_t kNeighborsMaxFeatures = 65535;

// One ranked neighbour, as stored in the caller's memory.
struct NeighborsCandidate {
    uint64_t squared_distance;
    uint32_t index;
};

// One ranked neighbour, as reported to the caller.
struct NeighborsResult {
    uint32_t index;            // item index in the model
    uint32_t distance;         // floor(sqrt(squared_distance))
    int32_t label;             // label of that item
    uint64_t squared_distance; // exact
};

// A value-initialised model (`NeighborsModel m{};`) counts as uninitialised: every function then
// returns NotReady instead of touching memory.
struct NeighborsModel {
    NeighborsCandidate* ranked; // max_results slots: ranks window_start .. + n_ranked - 1
    int16_t* items;             // max_items * n_features, row-major
    int16_t* labels;            // max_items
    int16_t* query;             // n_features: the last predict() input, for lazy ranking
    uint32_t max_items;
    uint32_t n_items;
    uint32_t n_features;
    uint32_t k;
    uint32_t max_results;  // rank window capacity, k <= max_results <= max_items
    uint32_t n_ranked;     // 0 when there is no valid prediction (none yet, or items changed)
    uint32_t window_start; // rank held in ranked[0]
    uint32_t edits;        // counts every change of the items (a file reader checks it)
};

// Bytes for the given capacities, or 0 when they are out of range or do not fit in size_t.
// max_results is how many neighbours get_result() can report: k is enough for voting alone, the
// reference's getresult() needs max_items.
size_t neighbors_memory_bytes(uint32_t max_items, uint32_t n_features, uint32_t max_results);

// Requires 1 <= n_features, 1 <= k <= max_results <= max_items.
Status neighbors_init(NeighborsModel* m, uint32_t max_items, uint32_t n_features, uint32_t k,
                      uint32_t max_results, void* memory, size_t memory_bytes);

// Forget every item; capacities stay.
Status neighbors_clear(NeighborsModel* m);

// Appends an item; *index (optional) receives its index. Labels are any int16 value.
Status neighbors_add_item(NeighborsModel* m, const int16_t* x, uint32_t x_len, int32_t label,
                          uint32_t* index);
// Copies item `index` into out (out_len must equal n_features); label is optional.
Status neighbors_get_item(const NeighborsModel* m, uint32_t index, int16_t* out, uint32_t out_len,
                          int32_t* label);
Status neighbors_replace_item(NeighborsModel* m, uint32_t index, const int16_t* x, uint32_t x_len,
                              int32_t label);
// Removes item `index`; later items move down by one so that their relative order (and with it
// the tie rule) is preserved, like deleting from a Python list. Costs O(items after index).
Status neighbors_remove_item(NeighborsModel* m, uint32_t index);

// Majority label among the k nearest items. Needs at least k items (NotReady otherwise, where
// scikit-learn raises too). Any change to the items afterwards invalidates the results.
Status neighbors_predict(NeighborsModel* m, const int16_t* x, uint32_t x_len, int32_t* label);

// The neighbour of rank `rank` (0 = nearest) of the last predict(). Ranks below k are ready;
// higher ranks up to n_items - 1 are found on demand, which is why the model is not const. NotReady
// without a valid prediction, InvalidArgument for a rank out of range.
Status neighbors_get_result(NeighborsModel* m, uint32_t rank, NeighborsResult* out);

// floor(sqrt(v)) using shifts and subtractions only (no division, no floating point).
uint32_t isqrt_u64(uint64_t v);

} // namespace microlearn
