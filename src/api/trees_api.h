// emlearn_trees: the module contract (SPEC.md) over the tree-ensemble engine.
#pragma once
#include "api.h"
#include "trees.h"
#include "trees_csv.h"

namespace microlearn {
namespace api {

struct TreesHandle;
// Provides leaf storage when the leaf kind becomes known. The binding owns the memory (GC heap on
// MicroPython, a vector on CPython); returns nullptr on failure (or raises, in MicroPython).
typedef void* (*TreesAllocate)(TreesHandle* self, size_t bytes);

struct TreesHandle {
    TreeEnsemble ensemble;
    TreesAllocate allocate;
    // load_model()'s file is Python code: its read() may raise (the load then never ends, and
    // the ensemble stays `loading`: it predicts nothing) or change the model. Every change made
    // through this api is counted, and one during a load fails it at its next chunk.
    uint32_t edits;
};

// new(max_trees, max_nodes, max_leaves): bytes of node/root storage to reserve, 0 on bad input.
size_t trees_storage_bytes(int32_t max_trees, int32_t max_nodes, int32_t max_leaves, Error* err);
bool trees_new(TreesHandle* h, int32_t max_trees, int32_t max_nodes, int32_t max_leaves,
               void* storage, size_t bytes, TreesAllocate allocate, Error* err);

// The node sends x left when x[feature] < ceil(threshold); the double overload keeps a threshold's
// fraction below float precision (5.0000001 sends 5 left, as the CSV loader reads it).
bool trees_addnode(TreesHandle* h, int32_t left, int32_t right, int32_t feature, float threshold,
                   Error* err);
bool trees_addnode(TreesHandle* h, int32_t left, int32_t right, int32_t feature, double threshold,
                   Error* err);
bool trees_addroot(TreesHandle* h, int32_t root, Error* err);
// One class index (hard vote) or n_classes probabilities 0..255 / n_outputs floats.
bool trees_addleaf(TreesHandle* h, const float* values, uint32_t n, Error* err);
bool trees_setdata(TreesHandle* h, int32_t n_features, int32_t n_classes, int32_t leaf_bits,
                   Error* err);
// Number of values predict writes; -1 with err set when no model is loaded.
int32_t trees_outputs(TreesHandle* h, Error* err);
bool trees_predict(TreesHandle* h, const BufferView& x, const BufferView& out, Error* err);

// load_model(model, file): the binding reads the file in chunks and feeds them here. A change to
// the model between two chunks ("model changed during load_model()") and any failure leave it
// empty; a load the binding never ends (read() raised) is discarded by the next change.
struct TreesLoader {
    TreesCsvParser parser;
    TreesHandle* handle;
    uint32_t edits;
};
void trees_load_begin(TreesLoader* loader, TreesHandle* h);
bool trees_load_feed(TreesLoader* loader, const char* text, size_t len, Error* err);
bool trees_load_end(TreesLoader* loader, Error* err);

} // namespace api
} // namespace microlearn
