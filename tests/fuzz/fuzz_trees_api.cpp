// libFuzzer target for the emlearn_trees api reachable from Python
// but not through fuzz_trees_csv: the manual construction calls addnode/addroot/addleaf/setdata
// interleaved in any order with load_model (api-level TreesLoader with the allocate callback and
// the edit counter, including loads that are interrupted by an edit or never ended), outputs()
// and predict() with right and wrong lengths. Leaf storage is allocated with exactly the size
// asked for and freed on reallocation, as the CPython binding does, so ASan sees any overrun or
// stale pointer.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>
#include <vector>

#include "fuzz_reader.h"
#include "trees_api.h"

using namespace microlearn;

namespace {

struct Model {
    api::TreesHandle handle; // first member
    std::vector<uint8_t> storage;
    std::unique_ptr<uint8_t[]> leaves;
};

void* allocate_leaves(api::TreesHandle* h, size_t bytes) {
    Model* self = reinterpret_cast<Model*>(h);
    self->leaves.reset(new uint8_t[bytes]); // old storage freed, exact size
    memset(self->leaves.get(), 0xA5, bytes);
    return self->leaves.get();
}

using Reader = FuzzReader;

int32_t small_int(Reader& r) {
    const uint8_t k = r.byte();
    switch (k >> 6) {
    case 0:
        return int32_t(k & 63) - 8; // -8..55
    case 1:
        return int32_t(r.value<int16_t>());
    case 2:
        return r.value<int32_t>();
    default:
        return -int32_t(k & 63) - 1; // leaves: -1..-64
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Reader r{data, size};
    const int32_t max_trees = 1 + r.byte() % 8;
    const int32_t max_nodes = 1 + r.byte() % 64;
    const int32_t max_leaves = 1 + r.byte() % 32;
    api::Error err;
    const size_t bytes = api::trees_storage_bytes(max_trees, max_nodes, max_leaves, &err);
    if (bytes == 0) {
        __builtin_trap();
    }
    Model m;
    m.storage.assign(bytes, 0);
    if (!api::trees_new(&m.handle, max_trees, max_nodes, max_leaves, m.storage.data(), bytes,
                        allocate_leaves, &err)) {
        __builtin_trap();
    }
    std::unique_ptr<api::TreesLoader> pending; // a load whose read() "raised": never ended
    while (r.left() > 0) {
        const uint8_t op = r.byte();
        switch (op % 8) {
        case 0: {
            const int32_t left = small_int(r), right = small_int(r);
            const int32_t feature = small_int(r);
            if (op & 0x80) {
                api::trees_addnode(&m.handle, left, right, feature, r.value<double>(), &err);
            } else if (op & 0x40) {
                api::trees_addnode(&m.handle, left, right, feature, r.value<float>(), &err);
            } else {
                api::trees_addnode(&m.handle, left, right, feature, float(small_int(r)) + 0.5f,
                                   &err);
            }
            break;
        }
        case 1:
            api::trees_addroot(&m.handle, small_int(r), &err);
            break;
        case 2: {
            const uint32_t n = r.byte() % 7;
            std::vector<float> v(n);
            for (auto& x : v) {
                x = (op & 0x80) ? r.value<float>() : float(small_int(r));
            }
            api::trees_addleaf(&m.handle, v.data(), n, &err);
            break;
        }
        case 3: {
            static const int32_t kBits[] = {0, 8, 32, 16, -1, 0, 8, 32};
            const int32_t nf = small_int(r), nc = small_int(r);
            api::trees_setdata(&m.handle, nf, nc, kBits[r.byte() % 8], &err);
            break;
        }
        case 4: {
            const int32_t n_out = api::trees_outputs(&m.handle, &err);
            const uint32_t want_x = m.handle.ensemble.n_features;
            const uint8_t d = r.byte();
            size_t nx = d & 1 ? want_x : (d >> 1) % 8;
            size_t no = d & 0x10 ? (n_out > 0 ? size_t(n_out) : 1) : (d >> 5);
            std::vector<int16_t> x(nx + 1);
            for (size_t i = 0; i < nx; i++) {
                x[i] = r.value<int16_t>();
            }
            std::vector<float> out(no + 1);
            api::BufferView xv{x.data(), nx * 2, 'h'};
            api::BufferView ov{out.data(), no * 4, 'f'};
            api::trees_predict(&m.handle, xv, ov, &err);
            break;
        }
        case 5: {
            // load_model: text of n bytes, fed in pieces; maybe an edit between pieces, maybe
            // the load never ends.
            auto loader = std::make_unique<api::TreesLoader>();
            api::trees_load_begin(loader.get(), &m.handle);
            const size_t n = r.byte() * 2u + r.byte();
            const size_t take = n < r.left() ? n : r.left();
            const char* text = reinterpret_cast<const char*>(r.data + r.pos);
            r.pos += take;
            const size_t piece = 1 + (op >> 3) % 32;
            bool ok = true;
            for (size_t at = 0; ok && at < take; at += piece) {
                const size_t len = take - at < piece ? take - at : piece;
                ok = api::trees_load_feed(loader.get(), text + at, len, &err);
                if ((op & 0x80) && at == 0) {
                    api::trees_addroot(&m.handle, 0, &err); // read() edits the model
                }
            }
            if (ok && (op & 0x40) == 0) {
                ok = api::trees_load_end(loader.get(), &err);
                if (ok && !m.handle.ensemble.validated) {
                    __builtin_trap();
                }
            } else if (ok) {
                pending = std::move(loader);
            }
            break;
        }
        case 6:
            if (pending) { // the stale loader is fed again later (api allows it)
                const char text[] = "t,0\n";
                api::trees_load_feed(pending.get(), text, 4, &err);
                api::trees_load_end(pending.get(), &err);
                pending.reset();
            } else {
                api::trees_outputs(&m.handle, &err);
            }
            break;
        default: {
            // predict with exactly the right lengths: must succeed once validated
            const int32_t n_out = api::trees_outputs(&m.handle, &err);
            if (n_out < 0) {
                break;
            }
            std::vector<int16_t> x(m.handle.ensemble.n_features);
            for (auto& v : x) {
                v = r.value<int16_t>();
            }
            std::vector<float> out(static_cast<size_t>(n_out));
            api::BufferView xv{x.data(), x.size() * 2, 'h'};
            api::BufferView ov{out.data(), out.size() * 4, 'f'};
            api::trees_predict(&m.handle, xv, ov, &err);
            break;
        }
        }
    }
    return 0;
}
