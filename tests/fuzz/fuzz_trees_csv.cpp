// libFuzzer target for the streaming trees CSV reader and the tree walker behind it.
// The input is split into two chunks at a position taken from its first byte, so chunk
// boundaries inside lines and numbers are exercised too. Whatever loads must predict safely.
#include <stddef.h>
#include <stdint.h>

#include <vector>

#include "trees.h"
#include "trees_csv.h"

using namespace microlearn;

namespace {

struct Buffers {
    std::vector<uint32_t> leaves;
};

Status prepare(void* context, TreeEnsemble* e) {
    Buffers* b = static_cast<Buffers*>(context);
    b->leaves.assign(size_t(e->max_leaves) * trees_leaf_bytes(e->leaf_kind, e->n_classes) / 4 + 1,
                     0);
    return trees_attach_leaves(e, b->leaves.data(), b->leaves.size() * 4);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) {
        return 0;
    }
    const size_t split = data[0] % size;
    const char* text = reinterpret_cast<const char*>(data + 1);
    const size_t len = size - 1;

    constexpr uint32_t kTrees = 8, kNodes = 64, kLeaves = 32;
    std::vector<uint32_t> storage(trees_storage_bytes(kTrees, kNodes) / 4 + 1);
    TreeEnsemble e;
    trees_init(&e, kTrees, kNodes, kLeaves, storage.data(), storage.size() * 4);
    Buffers buffers;
    TreesCsvParser parser;
    trees_csv_begin(&parser, &e, prepare, &buffers);
    const size_t first = split < len ? split : len;
    if (trees_csv_feed(&parser, text, first) == Status::Ok &&
        trees_csv_feed(&parser, text + first, len - first) == Status::Ok &&
        trees_csv_end(&parser) == Status::Ok) {
        if (!e.validated) {
            __builtin_trap(); // a successful load must leave a validated model
        }
        std::vector<int16_t> x(e.n_features);
        for (size_t i = 0; i < x.size(); i++) {
            x[i] = int16_t((i * 7919u + size) * 2654435761u);
        }
        std::vector<float> out(trees_n_outputs(&e));
        if (trees_predict(&e, x.data(), uint32_t(x.size()), out.data(), uint32_t(out.size())) !=
            Status::Ok) {
            __builtin_trap();
        }
    } else if (e.validated || e.configured) {
        __builtin_trap(); // a failed load must leave nothing to predict with
    }
    return 0;
}
