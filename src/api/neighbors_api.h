// emlearn_neighbors: the module contract (SPEC.md) over the k-NN engine, plus item editing and
// saving/loading the item set (docs/formats.md).
#pragma once
#include "api.h"
#include "neighbors.h"
#include "neighbors_file.h"

namespace microlearn {
namespace api {

struct NeighborsHandle {
    NeighborsModel model;
};

// new(max_items, n_features, k): bytes of storage to reserve, 0 with err set on bad input.
size_t neighbors_storage_bytes(int32_t max_items, int32_t n_features, int32_t k, Error* err);
bool neighbors_new(NeighborsHandle* h, int32_t max_items, int32_t n_features, int32_t k,
                   void* storage, size_t bytes, Error* err);

// Index of the new item, -1 with err set.
int32_t neighbors_additem(NeighborsHandle* h, const BufferView& x, int32_t label, Error* err);
// Copies item `index` into out; returns its label through *label.
bool neighbors_getitem(NeighborsHandle* h, int32_t index, const BufferView& out, int32_t* label,
                       Error* err);
bool neighbors_replaceitem(NeighborsHandle* h, int32_t index, const BufferView& x, int32_t label,
                           Error* err);
bool neighbors_removeitem(NeighborsHandle* h, int32_t index, Error* err);
bool neighbors_predict(NeighborsHandle* h, const BufferView& x, int32_t* label, Error* err);
// The rank-th nearest item of the last predict().
bool neighbors_getresult(NeighborsHandle* h, int32_t rank, NeighborsResult* out, Error* err);

// save(file): the binding writes what neighbors_save_next() hands out (*n bytes) until *n is 0.
// The file's write() may change the model: a changed item count fails the save.
bool neighbors_save_begin(NeighborsFileWriter* w, NeighborsHandle* h, Error* err);
bool neighbors_save_next(NeighborsFileWriter* w, uint8_t* out, size_t cap, size_t* n, Error* err);
// What write() reported for a chunk of n bytes (the binding passes n for None, which many
// streams return): fewer, or a negative count, is a short write (OSError), so the file is not
// silently incomplete.
bool neighbors_save_wrote(size_t n, int64_t count, Error* err);

// load(file): the binding reads the file in chunks and feeds them here.
bool neighbors_load_begin(NeighborsFileReader* r, NeighborsHandle* h, Error* err);
bool neighbors_load_feed(NeighborsFileReader* r, const void* data, size_t len, Error* err);
bool neighbors_load_end(NeighborsFileReader* r, Error* err);
// TypeError for a read() that returned str: a file opened in text mode.
bool neighbors_load_text_error(Error* err);

} // namespace api
} // namespace microlearn
