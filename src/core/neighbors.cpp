#include "neighbors.h"

namespace microlearn {

namespace {

constexpr size_t kAlign = alignof(NeighborsCandidate);
constexpr uint64_t kNoBound = ~uint64_t(0);

struct Layout {
    uint64_t ranked, items, labels, query, total;
};

inline uint64_t align_up(uint64_t n) {
    return (n + (kAlign - 1)) & ~uint64_t(kAlign - 1);
}

inline Layout layout(uint32_t max_items, uint32_t n_features, uint32_t max_results) {
    Layout l;
    l.ranked = 0;
    l.items = align_up(uint64_t(max_results) * sizeof(NeighborsCandidate));
    l.labels = l.items + uint64_t(max_items) * n_features * sizeof(int16_t);
    l.query = l.labels + uint64_t(max_items) * sizeof(int16_t);
    // Slack so that any start address can be aligned inside the buffer.
    l.total = l.query + uint64_t(n_features) * sizeof(int16_t) + (kAlign - 1);
    return l;
}

inline bool ready(const NeighborsModel* m) {
    return m != nullptr && m->items != nullptr;
}

inline uint32_t square_diff(int16_t a, int16_t b) {
    // |a - b| <= 65535, so the square fits 32 bits unsigned; unsigned wrap-around makes the
    // product of the two's-complement difference exact.
    const uint32_t d = static_cast<uint32_t>(int32_t(a) - int32_t(b));
    return d * d;
}

// Squared distance, except that it may stop early with any value >= bound once the partial sum
// shows the item cannot rank. Checking every four features keeps the branch cost small. Forced
// inline because -Os otherwise keeps a call per item, about 15% of predict().
__attribute__((always_inline)) inline uint64_t
squared_distance_bounded(const int16_t* a, const int16_t* b, uint32_t n, uint64_t bound) {
    uint64_t acc = 0;
    uint32_t j = 0;
    for (; j + 4 <= n; j += 4) {
        acc += square_diff(a[j], b[j]);
        acc += square_diff(a[j + 1], b[j + 1]);
        acc += square_diff(a[j + 2], b[j + 2]);
        acc += square_diff(a[j + 3], b[j + 3]);
        if (acc >= bound) {
            return acc;
        }
    }
    for (; j < n; j++) {
        acc += square_diff(a[j], b[j]);
    }
    return acc;
}

// Every change of the items: the last ranking is gone, and the change is counted.
inline void invalidate_results(NeighborsModel* m) {
    m->n_ranked = 0;
    m->edits++;
}

inline bool valid_label(int32_t label) {
    return label >= -32768 && label <= 32767;
}

inline void copy_values(int16_t* dst, const int16_t* src, uint32_t n) {
    for (uint32_t j = 0; j < n; j++) {
        dst[j] = src[j];
    }
}

// Majority label among the first k ranked items; ties go to the lowest label. O(k^2) so that no
// vote table is needed, whatever the label range.
int32_t vote(const NeighborsModel* m) {
    const NeighborsCandidate* r = m->ranked;
    const uint32_t k = m->k;
    int32_t best_label = 0;
    uint32_t best_votes = 0;
    for (uint32_t a = 0; a < k; a++) {
        const int32_t label = m->labels[r[a].index];
        bool counted = false;
        for (uint32_t b = 0; b < a; b++) {
            if (m->labels[r[b].index] == label) {
                counted = true;
                break;
            }
        }
        if (counted) {
            continue;
        }
        uint32_t votes = 1;
        for (uint32_t b = a + 1; b < k; b++) {
            votes += (m->labels[r[b].index] == label) ? 1u : 0u;
        }
        if (votes > best_votes || (votes == best_votes && label < best_label)) {
            best_votes = votes;
            best_label = label;
        }
    }
    return best_label;
}

// Ranks `count` more items into ranked[first ..), by partial insertion in one pass over the
// items: the `count` smallest (distance, index) keys, after the key `floor` when kAfterRanked.
// Items arrive in index order, so an equal distance never displaces a held item (the
// lower-index-first rule, and why the tests are >=). Needs count <= items left to rank.
// after_ranked is a run-time flag, not a template parameter: one copy of the loop instead of two
// (about 400 bytes), for a test that is only reached by items that would rank.
void rank_batch(NeighborsModel* m, const int16_t* x, uint32_t first, uint32_t count,
                bool after_ranked, NeighborsCandidate floor) {
    NeighborsCandidate* best = m->ranked + first;
    const uint64_t floor_d = floor.squared_distance;
    const uint32_t floor_i = floor.index;
    const uint32_t f = m->n_features;
    uint32_t filled = 0;
    // Squared distance of the worst held key; nothing can be rejected until `count` are held.
    uint64_t bound = kNoBound;
    const int16_t* item = m->items;
    for (uint32_t i = 0; i < m->n_items; i++, item += f) {
        const uint64_t d = squared_distance_bounded(x, item, f, bound);
        if (d >= bound) {
            continue;
        }
        if (after_ranked && (d < floor_d || (d == floor_d && i <= floor_i))) {
            continue; // ranked already
        }
        uint32_t pos = filled < count ? filled++ : count - 1;
        while (pos > 0 && best[pos - 1].squared_distance > d) {
            // Field by field: a struct copy would call memcpy, which natmods lack.
            best[pos].squared_distance = best[pos - 1].squared_distance;
            best[pos].index = best[pos - 1].index;
            pos--;
        }
        best[pos].squared_distance = d;
        best[pos].index = i;
        if (filled == count) {
            bound = best[count - 1].squared_distance;
        }
    }
}

} // namespace

uint32_t isqrt_u64(uint64_t v) {
    uint64_t root = 0;
    uint64_t bit = uint64_t(1) << 62;
    while (bit > v) {
        bit >>= 2;
    }
    while (bit != 0) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return static_cast<uint32_t>(root);
}

size_t neighbors_memory_bytes(uint32_t max_items, uint32_t n_features, uint32_t max_results) {
    if (max_items < 1 || max_items > kNeighborsMaxItems || n_features < 1 ||
        n_features > kNeighborsMaxFeatures || max_results < 1 || max_results > max_items) {
        return 0;
    }
    const uint64_t total = layout(max_items, n_features, max_results).total;
    return total > uint64_t(~size_t(0)) ? 0 : static_cast<size_t>(total);
}

Status neighbors_init(NeighborsModel* m, uint32_t max_items, uint32_t n_features, uint32_t k,
                      uint32_t max_results, void* memory, size_t memory_bytes) {
    if (m == nullptr) {
        return Status::InvalidArgument;
    }
    const size_t need = neighbors_memory_bytes(max_items, n_features, max_results);
    if (need == 0 || k < 1 || k > max_results) {
        return Status::InvalidArgument;
    }
    if (memory == nullptr || memory_bytes < need) {
        return Status::SizeMismatch;
    }
    const Layout l = layout(max_items, n_features, max_results);
    const uintptr_t start = reinterpret_cast<uintptr_t>(memory);
    uint8_t* base = static_cast<uint8_t*>(memory) + ((kAlign - start % kAlign) % kAlign);
    m->ranked = reinterpret_cast<NeighborsCandidate*>(base + l.ranked);
    m->items = reinterpret_cast<int16_t*>(base + l.items);
    m->labels = reinterpret_cast<int16_t*>(base + l.labels);
    m->query = reinterpret_cast<int16_t*>(base + l.query);
    m->max_items = max_items;
    m->n_features = n_features;
    m->k = k;
    m->max_results = max_results;
    m->n_items = 0;
    m->n_ranked = 0;
    m->window_start = 0;
    m->edits = 0;
    return Status::Ok;
}

Status neighbors_clear(NeighborsModel* m) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    m->n_items = 0;
    invalidate_results(m);
    return Status::Ok;
}

Status neighbors_add_item(NeighborsModel* m, const int16_t* x, uint32_t x_len, int32_t label,
                          uint32_t* index) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features) {
        return Status::SizeMismatch;
    }
    if (!valid_label(label)) {
        return Status::InvalidArgument;
    }
    if (m->n_items >= m->max_items) {
        return Status::CapacityFull;
    }
    const uint32_t i = m->n_items++;
    copy_values(m->items + size_t(i) * m->n_features, x, x_len);
    m->labels[i] = static_cast<int16_t>(label);
    invalidate_results(m);
    if (index != nullptr) {
        *index = i;
    }
    return Status::Ok;
}

Status neighbors_get_item(const NeighborsModel* m, uint32_t index, int16_t* out, uint32_t out_len,
                          int32_t* label) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (index >= m->n_items) {
        return Status::InvalidArgument;
    }
    if (out == nullptr || out_len != m->n_features) {
        return Status::SizeMismatch;
    }
    copy_values(out, m->items + size_t(index) * m->n_features, out_len);
    if (label != nullptr) {
        *label = m->labels[index];
    }
    return Status::Ok;
}

Status neighbors_replace_item(NeighborsModel* m, uint32_t index, const int16_t* x, uint32_t x_len,
                              int32_t label) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (index >= m->n_items) {
        return Status::InvalidArgument;
    }
    if (x == nullptr || x_len != m->n_features) {
        return Status::SizeMismatch;
    }
    if (!valid_label(label)) {
        return Status::InvalidArgument;
    }
    copy_values(m->items + size_t(index) * m->n_features, x, x_len);
    m->labels[index] = static_cast<int16_t>(label);
    invalidate_results(m);
    return Status::Ok;
}

Status neighbors_remove_item(NeighborsModel* m, uint32_t index) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (index >= m->n_items) {
        return Status::InvalidArgument;
    }
    const size_t f = m->n_features;
    int16_t* dst = m->items + size_t(index) * f;
    const size_t moved = (size_t(m->n_items) - 1 - index) * f;
    for (size_t j = 0; j < moved; j++) {
        dst[j] = dst[j + f];
    }
    for (uint32_t i = index; i + 1 < m->n_items; i++) {
        m->labels[i] = m->labels[i + 1];
    }
    m->n_items--;
    invalidate_results(m);
    return Status::Ok;
}

Status neighbors_predict(NeighborsModel* m, const int16_t* x, uint32_t x_len, int32_t* label) {
    if (!ready(m)) {
        return Status::NotReady;
    }
    if (x == nullptr || x_len != m->n_features) {
        return Status::SizeMismatch;
    }
    if (label == nullptr) {
        return Status::InvalidArgument;
    }
    m->n_ranked = 0; // a new ranking, not a change of the items: `edits` stays
    if (m->n_items < m->k) {
        return Status::NotReady;
    }
    rank_batch(m, x, 0, m->k, false, NeighborsCandidate{0, 0});
    copy_values(m->query, x, m->n_features);
    m->window_start = 0;
    m->n_ranked = m->k;
    *label = vote(m);
    return Status::Ok;
}

Status neighbors_get_result(NeighborsModel* m, uint32_t rank, NeighborsResult* out) {
    if (!ready(m) || m->n_ranked == 0) {
        return Status::NotReady;
    }
    if (out == nullptr) {
        return Status::InvalidArgument;
    }
    if (rank >= m->n_items) {
        return Status::InvalidArgument;
    }
    if (rank < m->window_start) {
        // Back to the nearest ranks: the same pass predict() made.
        m->window_start = 0;
        m->n_ranked = m->k;
        rank_batch(m, m->query, 0, m->k, false, NeighborsCandidate{0, 0});
    }
    while (rank >= m->window_start + m->n_ranked) {
        const uint32_t left = m->n_items - (m->window_start + m->n_ranked);
        if (m->n_ranked < m->max_results) {
            // Room in the window: doubling the ranked prefix keeps a walk over every rank at
            // O(log(n / k)) passes while it fits.
            uint32_t more = m->n_ranked;
            more = more < m->max_results - m->n_ranked ? more : m->max_results - m->n_ranked;
            more = more < left ? more : left;
            rank_batch(m, m->query, m->n_ranked, more, true, m->ranked[m->n_ranked - 1]);
            m->n_ranked += more;
            continue;
        }
        // Window full: rank the next ranks after its last entry into a fresh window, so ranks
        // beyond the window cost passes over the items, not memory.
        const NeighborsCandidate last = m->ranked[m->n_ranked - 1];
        m->window_start += m->n_ranked;
        const uint32_t more = m->max_results < left ? m->max_results : left;
        rank_batch(m, m->query, 0, more, true, last);
        m->n_ranked = more;
    }
    const NeighborsCandidate& c = m->ranked[rank - m->window_start];
    out->index = c.index;
    out->squared_distance = c.squared_distance;
    out->distance = isqrt_u64(c.squared_distance);
    out->label = m->labels[c.index];
    return Status::Ok;
}

} // namespace microlearn
