#include "trees.h"

namespace microlearn {

namespace {

inline size_t align4(size_t n) {
    return (n + 3u) & ~size_t(3u);
}

// out[0..n) = 0 (x64: four at a time).
MICROLEARN_VECTORIZE void zero_floats(float* out, uint32_t n) {
    for (uint32_t o = 0; o < n; o++) {
        out[o] = 0.0f;
    }
}

// A float's word read and written as an integer (may_alias: the vote counts live in out).
using CountWord = int32_t __attribute__((may_alias));

// Vote counts (integers in the words of out) to fractions. With an FPU every count is
// converted and divided (x64: four at a time); where float operations are library calls, only
// the classes that got votes (the words of the others are already 0.0f).
MICROLEARN_VECTORIZE void divide_counts(float* out, uint32_t n_out, float n) {
    const CountWord* counts = reinterpret_cast<const CountWord*>(out);
    for (uint32_t o = 0; o < n_out; o++) {
        const int32_t count = counts[o];
        if (MICROLEARN_HARDWARE_FLOAT || count != 0) {
            out[o] = float(count) / n;
        }
    }
}

// Walks one tree from its root to a leaf. Validation guarantees that every jump is forward and
// lands inside the node table, so the loop ends and never reads out of bounds.
MICROLEARN_HOT inline uint32_t leaf_index(const TreeNode* node, const int16_t* x) {
    for (;;) {
        const int32_t child = (x[node->feature] < node->threshold) ? node->left : node->right;
        if (child < 0) {
            return static_cast<uint32_t>(~child);
        }
        node += child;
    }
}

inline void mark_changed(TreeEnsemble* e) {
    e->validated = false;
}

inline uint8_t* current_leaf(TreeEnsemble* e) {
    return e->leaves + (e->n_leaves - 1) * trees_leaf_bytes(e->leaf_kind, e->n_classes);
}

} // namespace

#if MICROLEARN_SOFT_FLOAT
uint32_t float_bits_int_part(uint32_t magnitude_bits, bool* fraction) {
    const int32_t exponent = int32_t(magnitude_bits >> 23) - 127;
    if (exponent < 0) {
        *fraction = magnitude_bits != 0;
        return 0;
    }
    const uint32_t mantissa = (magnitude_bits & 0x7fffffu) | 0x800000u;
    const uint32_t shift = uint32_t(23 - exponent);
    *fraction = (mantissa & ((1u << shift) - 1u)) != 0;
    return mantissa >> shift;
}
#endif

size_t trees_storage_bytes(uint32_t max_trees, uint32_t max_nodes) {
    return align4(size_t(max_nodes) * sizeof(TreeNode)) + align4(size_t(max_trees) * 2u);
}

Status trees_init(TreeEnsemble* e, uint32_t max_trees, uint32_t max_nodes, uint32_t max_leaves,
                  void* storage, size_t storage_bytes) {
    if (max_trees < 1 || max_trees > kTreesMaxTrees || max_nodes < 1 ||
        max_nodes > kTreesMaxNodes || max_leaves < 1 || max_leaves > kTreesMaxLeaves) {
        return Status::InvalidArgument;
    }
    if (storage == nullptr || storage_bytes < trees_storage_bytes(max_trees, max_nodes)) {
        return Status::SizeMismatch;
    }
    uint8_t* base = static_cast<uint8_t*>(storage);
    e->nodes = reinterpret_cast<TreeNode*>(base);
    e->roots = reinterpret_cast<uint16_t*>(base + align4(size_t(max_nodes) * sizeof(TreeNode)));
    e->leaves = nullptr;
    e->leaf_capacity_bytes = 0;
    e->max_nodes = max_nodes;
    e->max_trees = max_trees;
    e->max_leaves = max_leaves;
    trees_reset(e);
    return Status::Ok;
}

void trees_reset(TreeEnsemble* e) {
    e->n_nodes = 0;
    e->n_trees = 0;
    e->n_leaves = 0;
    e->n_features = 0;
    e->n_classes = 0;
    e->leaf_kind = LeafKind::Class;
    e->configured = false;
    e->validated = false;
    e->loading = false;
}

uint32_t trees_leaf_bytes(LeafKind kind, uint32_t n_classes) {
    switch (kind) {
    case LeafKind::Class:
        return 1u; // the class index; its range is checked against n_classes by validation
    case LeafKind::Proba8:
        return (n_classes >= 1 && n_classes <= kTreesMaxClasses) ? n_classes : 0u;
    case LeafKind::Float32:
        return (n_classes <= kTreesMaxClasses) ? 4u * (n_classes ? n_classes : 1u) : 0u;
    }
    return 0;
}

bool trees_leaf_kind_from_bits(int32_t bits, LeafKind* kind) {
    if (bits == 0 || bits == 8 || bits == 32) {
        *kind = static_cast<LeafKind>(bits);
        return true;
    }
    return false;
}

uint32_t trees_n_outputs(const TreeEnsemble* e) {
    return (e->leaf_kind == LeafKind::Float32 && e->n_classes == 0) ? 1u : e->n_classes;
}

Status trees_set_data(TreeEnsemble* e, uint32_t n_features, uint32_t n_classes, LeafKind kind) {
    const uint32_t min_classes = kind == LeafKind::Float32 ? 0u : 1u;
    if (n_features < 1 || n_features > kTreesMaxFeatures || n_classes < min_classes ||
        n_classes > kTreesMaxClasses) {
        return Status::InvalidArgument;
    }
    if (e->n_leaves > 0 &&
        (kind != e->leaf_kind ||
         trees_leaf_bytes(kind, n_classes) != trees_leaf_bytes(e->leaf_kind, e->n_classes))) {
        // Leaves already stored were laid out for another kind: they cannot be reinterpreted.
        return Status::InvalidArgument;
    }
    e->n_features = n_features;
    e->n_classes = n_classes;
    e->leaf_kind = kind;
    e->configured = true;
    mark_changed(e);
    return Status::Ok;
}

Status trees_attach_leaves(TreeEnsemble* e, void* leaves, size_t bytes) {
    if (leaves == nullptr ||
        bytes < size_t(e->max_leaves) * trees_leaf_bytes(e->leaf_kind, e->n_classes)) {
        return Status::SizeMismatch;
    }
    e->leaves = static_cast<uint8_t*>(leaves);
    e->leaf_capacity_bytes = static_cast<uint32_t>(bytes);
    return Status::Ok;
}

bool trees_has_leaf_storage(const TreeEnsemble* e) {
    return e->leaves != nullptr &&
           e->leaf_capacity_bytes >=
               size_t(e->max_leaves) * trees_leaf_bytes(e->leaf_kind, e->n_classes);
}

Status trees_add_node(TreeEnsemble* e, uint32_t feature, int32_t threshold_ceil, int32_t left,
                      int32_t right) {
    if (e->n_nodes >= e->max_nodes) {
        return Status::CapacityFull;
    }
    if (feature > kTreesMaxFeatures || left == 0 || right == 0 || left < -32768 || left > 32767 ||
        right < -32768 || right > 32767) {
        return Status::InvalidArgument;
    }
    // Every int16 x satisfies x < t for t > 32767, and none does for t <= -32768: such a node
    // always takes one branch, which both children pointing the same way expresses exactly.
    if (threshold_ceil > 32767) {
        right = left;
        threshold_ceil = 0;
    } else if (threshold_ceil <= -32768) {
        left = right;
        threshold_ceil = 0;
    }
    TreeNode& n = e->nodes[e->n_nodes++];
    n.threshold = static_cast<int16_t>(threshold_ceil);
    n.feature = static_cast<uint16_t>(feature);
    n.left = static_cast<int16_t>(left);
    n.right = static_cast<int16_t>(right);
    mark_changed(e);
    return Status::Ok;
}

Status trees_add_root(TreeEnsemble* e, int32_t root) {
    if (e->n_trees >= e->max_trees) {
        return Status::CapacityFull;
    }
    if (root < 0 || root >= int32_t(kTreesMaxNodes)) {
        return Status::InvalidArgument;
    }
    e->roots[e->n_trees++] = static_cast<uint16_t>(root);
    mark_changed(e);
    return Status::Ok;
}

Status trees_begin_leaf(TreeEnsemble* e) {
    if (!trees_has_leaf_storage(e)) {
        return Status::NotReady;
    }
    if (e->n_leaves >= e->max_leaves) {
        return Status::CapacityFull;
    }
    e->n_leaves++;
    uint8_t* leaf = current_leaf(e);
    const uint32_t bytes = trees_leaf_bytes(e->leaf_kind, e->n_classes);
    for (uint32_t i = 0; i < bytes; i++) {
        leaf[i] = 0;
    }
    mark_changed(e);
    return Status::Ok;
}

Status trees_set_leaf_value(TreeEnsemble* e, uint32_t index, float value) {
    if (e->n_leaves == 0) {
        return Status::NotReady;
    }
    uint8_t* leaf = current_leaf(e);
    switch (e->leaf_kind) {
    case LeafKind::Class:
    case LeafKind::Proba8: {
        const uint32_t limit = e->leaf_kind == LeafKind::Class ? 1u : e->n_classes;
        if (index >= limit || !float_in_byte_range(value)) {
            return Status::InvalidArgument;
        }
        bool fraction;
        if (e->leaf_kind == LeafKind::Class) {
            // A class index must be a whole number.
            const uint32_t klass = float_int_part(value, &fraction);
            if (fraction) {
                return Status::InvalidArgument;
            }
            leaf[0] = static_cast<uint8_t>(klass);
        } else {
            leaf[index] = static_cast<uint8_t>(float_int_part(value + 0.5f, &fraction));
        }
        return Status::Ok;
    }
    case LeafKind::Float32: {
        // A NaN or infinite leaf would poison every prediction that reaches it.
        if (index >= trees_n_outputs(e) || !float_is_finite(value)) {
            return Status::InvalidArgument;
        }
        float* values = reinterpret_cast<float*>(leaf);
        values[index] = value;
        return Status::Ok;
    }
    }
    return Status::InvalidArgument;
}

Status trees_add_leaf_values(TreeEnsemble* e, const float* values, uint32_t n) {
    const uint32_t expected = e->leaf_kind == LeafKind::Class ? 1u : trees_n_outputs(e);
    if (n != expected) {
        return Status::SizeMismatch;
    }
    Status s = trees_begin_leaf(e);
    for (uint32_t i = 0; s == Status::Ok && i < n; i++) {
        s = trees_set_leaf_value(e, i, values[i]);
    }
    if (s == Status::InvalidArgument) {
        e->n_leaves--; // a rejected leaf leaves no trace
    }
    return s;
}

TreesCheck trees_validate(TreeEnsemble* e) {
    TreesCheck check{Status::Corrupt, TreesFault::None, 0};
    if (!e->configured || e->loading) {
        check.status = Status::NotReady;
        check.fault = TreesFault::NoData;
        return check;
    }
    if (e->n_trees == 0) {
        check.status = Status::NotReady;
        check.fault = TreesFault::NoTrees;
        return check;
    }
    for (uint32_t t = 0; t < e->n_trees; t++) {
        if (e->roots[t] >= e->n_nodes) {
            check.fault = TreesFault::Root;
            check.index = t;
            return check;
        }
    }
    for (uint32_t i = 0; i < e->n_nodes; i++) {
        const TreeNode& n = e->nodes[i];
        if (n.feature >= e->n_features) {
            check.fault = TreesFault::Feature;
            check.index = i;
            return check;
        }
        const int32_t children[2] = {n.left, n.right};
        for (int32_t child : children) {
            const bool ok = child > 0 ? (i + uint32_t(child) < e->n_nodes)
                                      : (child < 0 && uint32_t(~child) < e->n_leaves);
            if (!ok) {
                check.fault = child > 0 ? TreesFault::Child : TreesFault::Leaf;
                check.index = i;
                return check;
            }
        }
    }
    if (e->leaf_kind == LeafKind::Class) {
        for (uint32_t l = 0; l < e->n_leaves; l++) {
            if (e->leaves[l] >= e->n_classes) {
                check.fault = TreesFault::LeafValue;
                check.index = l;
                return check;
            }
        }
    }
    e->validated = true;
    check.status = Status::Ok;
    return check;
}

MICROLEARN_HOT Status trees_predict(const TreeEnsemble* e, const int16_t* x, uint32_t x_len,
                                    float* out, uint32_t out_len) {
    if (!e->validated) {
        return Status::NotReady;
    }
    // trees_n_outputs(), without the call.
    const uint32_t n_out =
        (e->leaf_kind == LeafKind::Float32 && e->n_classes == 0) ? 1u : e->n_classes;
    if (x_len != e->n_features || out_len != n_out) {
        return Status::SizeMismatch;
    }
    zero_floats(out, n_out);
    const TreeNode* nodes = e->nodes;
    const uint16_t* roots = e->roots;
    const uint32_t n_trees = e->n_trees;
    const float n = float(int32_t(n_trees)); // n_trees <= 65535: one int conversion
    if (e->leaf_kind == LeafKind::Class) {
        // Votes are counted as integers in out's words (0.0f is all zero bits), then each count
        // divided by the number of trees: out is k / n rounded once, 1.0 for a unanimous vote
        // (adding 1/n k times drifts: 10 of 10 gave 1.0000001), and without an FPU no float
        // operation per vote.
        const uint8_t* classes = e->leaves;
        CountWord* counts = reinterpret_cast<CountWord*>(out);
        for (uint32_t t = 0; t < n_trees; t++) {
            ++counts[classes[leaf_index(nodes + roots[t], x)]];
        }
        divide_counts(out, n_out, n);
        return Status::Ok;
    }
    const float scale = 1.0f / n;
    if (e->leaf_kind == LeafKind::Proba8) {
        for (uint32_t t = 0; t < n_trees; t++) {
            const uint8_t* p = e->leaves + leaf_index(nodes + roots[t], x) * n_out;
            for (uint32_t o = 0; o < n_out; o++) {
                out[o] += float(int32_t(p[o]));
            }
        }
        for (uint32_t o = 0; o < n_out; o++) {
            out[o] *= scale * (1.0f / 255.0f);
        }
        return Status::Ok;
    }
    const float* values = reinterpret_cast<const float*>(e->leaves);
    for (uint32_t t = 0; t < n_trees; t++) {
        const float* v = values + leaf_index(nodes + roots[t], x) * n_out;
        for (uint32_t o = 0; o < n_out; o++) {
            out[o] += v[o];
        }
    }
    for (uint32_t o = 0; o < n_out; o++) {
        out[o] *= scale;
    }
    return Status::Ok;
}

} // namespace microlearn
