#include "neighbors_api.h"

namespace microlearn {
namespace api {

namespace {

uint32_t rank_window(int32_t max_items, int32_t k) {
    return uint32_t(k < max_items ? k + 1 : max_items);
}

// In NeighborsFileFault order, from Magic. The ones followed by numbers are built in load_error().
constexpr char kFileFaultTexts[] = "not a k-NN item set file\0"
                                   "unsupported item set version \0"
                                   "file has \0"
                                   "file has \0"
                                   "item set file is truncated\0"
                                   "item set file has data after its end\0"
                                   "item set file checksum mismatch\0"
                                   "model changed during load()";

bool check_int16(const BufferView& b, Error* err) {
    return b.typecode == 'h' || raise_value(err, "expecting int16 array");
}

bool check_features(const NeighborsHandle* h, const BufferView& b, Error* err) {
    return check_int16(b, err) && (b.bytes == size_t(h->model.n_features) * 2u ||
                                   raise_value(err, "Buffer is wrong size"));
}

bool check_label(int32_t label, Error* err) {
    return (label >= -32768 && label <= 32767) || raise_value(err, "label must be -32768..32767");
}

bool check_index(int32_t index, uint32_t limit, Error* err) {
    return (index >= 0 && uint32_t(index) < limit) || raise_value(err, "Index out of bounds");
}

bool load_error(NeighborsFileReader* r, Error* err) {
    if (r->fault == NeighborsFileFault::None) {
        return raise_value(err, "model not initialised");
    }
    MessageBuilder m =
        fail(err, ErrorType::ValueError).text(nth_text(kFileFaultTexts, uint32_t(r->fault) - 1u));
    const int32_t value = int32_t(r->fault_value);
    if (r->fault == NeighborsFileFault::Version) {
        m.number(value);
    } else if (r->fault == NeighborsFileFault::Features) {
        m.number(value).text(" features, model has ").number(int32_t(r->model->n_features));
    } else if (r->fault == NeighborsFileFault::Capacity) {
        m.number(value).text(" items, model holds at most ").number(int32_t(r->model->max_items));
    }
    return false;
}

} // namespace

size_t neighbors_storage_bytes(int32_t max_items, int32_t n_features, int32_t k, Error* err) {
    if (max_items < 1 || max_items > int32_t(kNeighborsMaxItems)) {
        fail(err, ErrorType::ValueError).text("max_items must be 1..").number(kNeighborsMaxItems);
        return 0;
    }
    if (n_features < 1 || n_features > int32_t(kNeighborsMaxFeatures)) {
        fail(err, ErrorType::ValueError)
            .text("n_features must be 1..")
            .number(kNeighborsMaxFeatures);
        return 0;
    }
    if (k < 1 || k > max_items) {
        raise_value(err, "k must be 1..max_items");
        return 0;
    }
    // getresult() reaches every item, as in the reference, through a rank window of k + 1 that
    // slides on demand: no rank storage per item.
    const size_t bytes = microlearn::neighbors_memory_bytes(
        uint32_t(max_items), uint32_t(n_features), rank_window(max_items, k));
    if (bytes == 0) {
        fail(err, ErrorType::MemoryError).text("model too large");
    }
    return bytes;
}

bool neighbors_new(NeighborsHandle* h, int32_t max_items, int32_t n_features, int32_t k,
                   void* storage, size_t bytes, Error* err) {
    return neighbors_init(&h->model, uint32_t(max_items), uint32_t(n_features), uint32_t(k),
                          rank_window(max_items, k), storage, bytes) == Status::Ok ||
           raise_value(err, "invalid capacities");
}

int32_t neighbors_additem(NeighborsHandle* h, const BufferView& x, int32_t label, Error* err) {
    if (!check_features(h, x, err) || !check_label(label, err)) {
        return -1;
    }
    uint32_t index = 0;
    if (neighbors_add_item(&h->model, static_cast<const int16_t*>(x.data), h->model.n_features,
                           label, &index) != Status::Ok) {
        raise_value(err, "max items");
        return -1;
    }
    return int32_t(index);
}

bool neighbors_getitem(NeighborsHandle* h, int32_t index, const BufferView& out, int32_t* label,
                       Error* err) {
    return check_index(index, h->model.n_items, err) && check_features(h, out, err) &&
           (neighbors_get_item(&h->model, uint32_t(index), static_cast<int16_t*>(out.data),
                               h->model.n_features, label) == Status::Ok ||
            raise_value(err, "Index out of bounds"));
}

bool neighbors_replaceitem(NeighborsHandle* h, int32_t index, const BufferView& x, int32_t label,
                           Error* err) {
    return check_index(index, h->model.n_items, err) && check_features(h, x, err) &&
           check_label(label, err) &&
           (neighbors_replace_item(&h->model, uint32_t(index), static_cast<const int16_t*>(x.data),
                                   h->model.n_features, label) == Status::Ok ||
            raise_value(err, "Index out of bounds"));
}

bool neighbors_removeitem(NeighborsHandle* h, int32_t index, Error* err) {
    return check_index(index, h->model.n_items, err) &&
           (neighbors_remove_item(&h->model, uint32_t(index)) == Status::Ok ||
            raise_value(err, "Index out of bounds"));
}

bool neighbors_predict(NeighborsHandle* h, const BufferView& x, int32_t* label, Error* err) {
    if (!check_features(h, x, err)) {
        return false;
    }
    if (neighbors_predict(&h->model, static_cast<const int16_t*>(x.data), h->model.n_features,
                          label) == Status::Ok) {
        return true;
    }
    fail(err, ErrorType::ValueError)
        .text("predict needs at least k=")
        .number(int32_t(h->model.k))
        .text(" items, model has ")
        .number(int32_t(h->model.n_items));
    return false;
}

bool neighbors_getresult(NeighborsHandle* h, int32_t rank, NeighborsResult* out, Error* err) {
    if (h->model.n_ranked == 0) {
        return raise_value(err, "no prediction: call predict() first");
    }
    return check_index(rank, h->model.n_items, err) &&
           (neighbors_get_result(&h->model, uint32_t(rank), out) == Status::Ok ||
            raise_value(err, "Index out of bounds"));
}

bool neighbors_save_begin(NeighborsFileWriter* w, NeighborsHandle* h, Error* err) {
    return neighbors_file_write_begin(w, &h->model) == Status::Ok ||
           raise_value(err, "model not initialised");
}

bool neighbors_save_next(NeighborsFileWriter* w, uint8_t* out, size_t cap, size_t* n, Error* err) {
    if (neighbors_file_write_stale(w)) {
        return raise_value(err, "items added or removed during save()");
    }
    *n = neighbors_file_write_next(w, out, cap);
    return true;
}

bool neighbors_save_wrote(size_t n, int64_t count, Error* err) {
    if (count >= int64_t(n)) {
        return true;
    }
    fail(err, ErrorType::OSError).text("short write");
    return false;
}

bool neighbors_load_begin(NeighborsFileReader* r, NeighborsHandle* h, Error* err) {
    return neighbors_file_read_begin(r, &h->model) == Status::Ok ||
           raise_value(err, "model not initialised");
}

bool neighbors_load_feed(NeighborsFileReader* r, const void* data, size_t len, Error* err) {
    return neighbors_file_read_feed(r, static_cast<const uint8_t*>(data), len) == Status::Ok ||
           load_error(r, err);
}

bool neighbors_load_end(NeighborsFileReader* r, Error* err) {
    return neighbors_file_read_end(r) == Status::Ok || load_error(r, err);
}

bool neighbors_load_text_error(Error* err) {
    return raise_type(err, "expecting a file opened in binary mode");
}

} // namespace api
} // namespace microlearn
