// Tree ensembles (random forest, extra trees, single decision tree) over int16 features.
//
// Memory: the caller owns every buffer. `trees_storage_bytes()` says how much the node and root
// tables need for given capacities; `trees_leaf_bytes()` how much the leaf table needs once the
// leaf kind and the number of outputs are known. Nothing here allocates.
//
// Node layout (8 bytes, no padding): a node sends x to its left child when
// x[feature] < threshold. A child >= 1 is a forward jump (node index + child), a child < 0 is
// the leaf ~child. Forward-only jumps make cycles impossible; validation checks that every jump
// and every leaf index lands inside the tables before the first prediction.
#pragma once
#include "float_checks.h"
#include "status.h"

namespace microlearn {

struct TreeNode {
    int16_t threshold; // go left when x[feature] < threshold
    uint16_t feature;
    int16_t left;
    int16_t right;
};
static_assert(sizeof(TreeNode) == 8, "TreeNode must stay 8 bytes");

// What a leaf holds. The values equal the emlearn CSV `lb` (leaf bits) field.
enum class LeafKind : uint8_t {
    Class = 0,   // one class index (uint8): hard (majority) vote
    Proba8 = 8,  // n_classes probabilities quantised to uint8 (p * 255): soft vote
    Float32 = 32 // n_outputs float values: regression (mean over trees)
};

constexpr uint32_t kTreesMaxNodes = 65535; // roots are stored as uint16 node indices
constexpr uint32_t kTreesMaxTrees = 65535;
constexpr uint32_t kTreesMaxLeaves = 32768; // leaves are encoded as ~child in an int16
constexpr uint32_t kTreesMaxClasses = 256;  // a Class leaf is one byte
constexpr uint32_t kTreesMaxFeatures = 65535;

struct TreeEnsemble {
    TreeNode* nodes;
    uint16_t* roots;
    uint8_t* leaves; // n_leaves * leaf_bytes, attached with trees_attach_leaves()
    uint32_t max_nodes, n_nodes;
    uint32_t max_trees, n_trees;
    uint32_t max_leaves, n_leaves;
    uint32_t leaf_capacity_bytes;
    uint32_t n_features;
    uint32_t n_classes; // classes, or regression outputs (0 in a file means one output)
    LeafKind leaf_kind;
    bool configured; // set_data() has been called
    bool validated;  // structure checked since the last change
    bool loading;    // a CSV load began and has not ended: not valid, whatever it holds
};

// Bytes the caller provides at init: the node table, then the roots (both aligned to 4).
size_t trees_storage_bytes(uint32_t max_trees, uint32_t max_nodes);
Status trees_init(TreeEnsemble* e, uint32_t max_trees, uint32_t max_nodes, uint32_t max_leaves,
                  void* storage, size_t storage_bytes);
// Forget the loaded model; capacities and buffers stay.
void trees_reset(TreeEnsemble* e);

// Bytes per leaf for a leaf kind and class/output count; 0 when the combination is invalid.
uint32_t trees_leaf_bytes(LeafKind kind, uint32_t n_classes);
bool trees_leaf_kind_from_bits(int32_t bits, LeafKind* kind);
// Number of values predict() writes: n_classes, or at least one for regression.
uint32_t trees_n_outputs(const TreeEnsemble* e);

// Sets feature/class counts and the leaf kind. Leaf storage for max_leaves leaves of this kind
// (trees_leaf_bytes() * max_leaves) must then be attached before leaves are added.
Status trees_set_data(TreeEnsemble* e, uint32_t n_features, uint32_t n_classes, LeafKind kind);
Status trees_attach_leaves(TreeEnsemble* e, void* leaves, size_t bytes);
bool trees_has_leaf_storage(const TreeEnsemble* e);

// Threshold given as the smallest integer t such that x < t goes left (ceil of a float
// threshold); values outside int16 make the node send every input one way.
Status trees_add_node(TreeEnsemble* e, uint32_t feature, int32_t threshold_ceil, int32_t left,
                      int32_t right);
Status trees_add_root(TreeEnsemble* e, int32_t root);
// Leaf values: one class index, n_classes probabilities in [0, 255], or n_outputs floats.
// A rejected value leaves the leaf table as it was.
Status trees_add_leaf_values(TreeEnsemble* e, const float* values, uint32_t n);
// Streaming variant used by parsers: begin a leaf, then set its values one by one.
Status trees_begin_leaf(TreeEnsemble* e);
Status trees_set_leaf_value(TreeEnsemble* e, uint32_t index, float value);

// Checks of leaf values and thresholds at load time work on the float's bits where there is no
// FPU (float_checks.h says why).
#if MICROLEARN_SOFT_FLOAT
// Integer part of |value| below 2^24 given as its bits with the sign cleared; and whether a
// fraction remains.
uint32_t float_bits_int_part(uint32_t magnitude_bits, bool* fraction);
#endif

// 0 <= value <= 255 (-0.0 included, NaN not).
inline bool float_in_byte_range(float value) {
#if MICROLEARN_SOFT_FLOAT
    const uint32_t bits = float_bits(value);
    const uint32_t magnitude = bits & 0x7fffffffu;
    return (bits == magnitude || magnitude == 0) && magnitude <= 0x437f0000u; // 255.0f
#else
    return value >= 0.0f && value <= 255.0f;
#endif
}

// Integer part of 0 <= value < 2^24, and whether a fraction remains.
inline uint32_t float_int_part(float value, bool* fraction) {
#if MICROLEARN_SOFT_FLOAT
    return float_bits_int_part(float_bits(value) & 0x7fffffffu, fraction);
#else
    const int32_t t = int32_t(value);
    *fraction = float(t) != value;
    return uint32_t(t);
#endif
}

// Where validation found a problem.
enum class TreesFault : uint8_t { None, NoData, NoTrees, Root, Feature, Child, Leaf, LeafValue };
struct TreesCheck {
    Status status;
    TreesFault fault;
    uint32_t index; // root, node or leaf index that failed
};
// Checks every root, node and leaf; marks the ensemble ready for predict() on success.
TreesCheck trees_validate(TreeEnsemble* e);

// x has n_features values, out has trees_n_outputs() values. Requires a validated ensemble.
// Classification: out = mean over trees of the per-tree class distribution (one-hot for Class
// leaves). Regression: out = mean over trees of the leaf values.
Status trees_predict(const TreeEnsemble* e, const int16_t* x, uint32_t x_len, float* out,
                     uint32_t out_len);

} // namespace microlearn
