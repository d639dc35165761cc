// libFuzzer target for the k-NN item-set reader (neighbors_file.h). The first byte picks the
// model's n_features and where the input is split into two chunks (chunk boundaries inside
// values matter); the rest is the file. A successful load must predict safely and save back the
// very same bytes; a failed one must leave the model empty.
#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "neighbors.h"
#include "neighbors_file.h"

using namespace microlearn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) {
        return 0;
    }
    const uint32_t n_features = 1u + (data[0] & 3u);
    const uint8_t* file = data + 1;
    const size_t len = size - 1;
    const size_t split = len ? (size_t(data[0] >> 2) * 7u) % (len + 1) : 0;

    constexpr uint32_t kMaxItems = 8;
    std::vector<uint64_t> memory(neighbors_memory_bytes(kMaxItems, n_features, kMaxItems) / 8 + 1);
    NeighborsModel m{};
    if (neighbors_init(&m, kMaxItems, n_features, 1, kMaxItems, memory.data(), memory.size() * 8) !=
        Status::Ok) {
        __builtin_trap();
    }
    const int16_t seed_item[4] = {1, 2, 3, 4};
    neighbors_add_item(&m, seed_item, n_features, 7, nullptr); // load must replace it

    NeighborsFileReader r;
    neighbors_file_read_begin(&r, &m);
    const bool ok = neighbors_file_read_feed(&r, file, split) == Status::Ok &&
                    neighbors_file_read_feed(&r, file + split, len - split) == Status::Ok &&
                    neighbors_file_read_end(&r) == Status::Ok;
    if (!ok) {
        if (m.n_items != 0 || r.fault == NeighborsFileFault::None) {
            __builtin_trap();
        }
        return 0;
    }
    if (m.n_items > kMaxItems || neighbors_file_bytes(&m) != len) {
        __builtin_trap();
    }
    // Save reproduces the input exactly.
    NeighborsFileWriter w;
    neighbors_file_write_begin(&w, &m);
    std::vector<uint8_t> out(len + 8);
    size_t n = 0, got;
    while ((got = neighbors_file_write_next(&w, out.data() + n, 5)) != 0) {
        n += got;
    }
    for (size_t i = 0; i < len; i++) {
        if (n != len || out[i] != file[i]) {
            __builtin_trap();
        }
    }
    if (m.n_items >= 1) {
        int32_t label;
        NeighborsResult result;
        if (neighbors_predict(&m, seed_item, n_features, &label) != Status::Ok ||
            neighbors_get_result(&m, m.n_items - 1, &result) != Status::Ok) {
            __builtin_trap();
        }
    }
    return 0;
}
