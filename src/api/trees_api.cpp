#include "trees_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

// Attaches leaf storage for the current leaf kind unless what is attached already fits.
bool ensure_leaf_storage(TreesHandle* h) {
    TreeEnsemble* e = &h->ensemble;
    if (trees_has_leaf_storage(e)) {
        return true;
    }
    const size_t bytes = size_t(e->max_leaves) * trees_leaf_bytes(e->leaf_kind, e->n_classes);
    void* storage = bytes ? h->allocate(h, bytes) : nullptr;
    return storage != nullptr && trees_attach_leaves(e, storage, bytes) == Status::Ok;
}

Status prepare_leaves(void* context, TreeEnsemble*) {
    return ensure_leaf_storage(static_cast<TreesHandle*>(context)) ? Status::Ok
                                                                   : Status::CapacityFull;
}

// ceil() for the threshold of addnode(), saturated well outside int16, in hardware arithmetic of
// the value's own type: a double (CPython, and MicroPython ports whose float is a double) is not
// rounded to float first, which would send x == 5 right of a threshold of 5.0000001.
// kNanThreshold for NaN, which no node can compare with (the CSV loader refuses it too).
constexpr int32_t kNanThreshold = -0x7fffffff - 1;

template <typename T> int32_t ceil_clamped(T value) {
    if (!(value < T(40000))) {
        return value == value ? 40000 : kNanThreshold;
    }
    if (value <= T(-40000)) {
        return -40000;
    }
    const int32_t t = int32_t(value);
    return T(t) < value ? t + 1 : t;
}

int32_t ceil_threshold(float value) {
#if MICROLEARN_SOFT_FLOAT
    const uint32_t bits = float_bits(value);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude > 0x7f800000u) {
        return kNanThreshold;
    }
    const bool negative = bits != magnitude;
    if (magnitude >= 0x471c4000u) { // |value| >= 40000
        return negative ? -40000 : 40000;
    }
    bool fraction;
    const int32_t t = int32_t(float_bits_int_part(magnitude, &fraction));
    return negative ? -t : t + (fraction ? 1 : 0); // ceil drops a negative value's fraction
#else
    return ceil_clamped(value);
#endif
}

int32_t ceil_threshold(double value) {
    return ceil_clamped(value);
}

// In TreesFault order. The ones followed by an index end in a space.
constexpr char kFaultTexts[] = "invalid model\0"
                               "model not loaded\0"
                               "model has no trees\0"
                               "root points past the last node, tree \0"
                               "feature index out of range, node \0"
                               "child points past the last node, node \0"
                               "leaf index past the last leaf, node \0"
                               "class index out of range, leaf ";

// In CsvFault order.
constexpr char kCsvFaultTexts[] = "invalid model file\0"
                                  "invalid number or character\0"
                                  "wrong number of values\0"
                                  "model data before the f and c lines\0"
                                  "invalid or changed f/c/lb value\0"
                                  "max nodes\0"
                                  "max trees\0"
                                  "max leaves\0"
                                  "feature index out of range\0"
                                  "child must be a forward jump >= 1 or a leaf < 0, within int16\0"
                                  "child points past the last node\0"
                                  "root points past the last node\0"
                                  "leaf index past the last leaf\0"
                                  "invalid leaf value\0"
                                  "no trees in model\0"
                                  "cannot allocate leaf storage";

// Every change through the api: counted (a load running on this model fails at its next chunk),
// and a load that never ended is discarded first.
void begin_change(TreesHandle* h) {
    h->edits++;
    if (h->ensemble.loading) {
        trees_reset(&h->ensemble);
    }
}

// threshold: already the integer the engine compares with (ceil_threshold()).
bool add_node(TreesHandle* h, int32_t left, int32_t right, int32_t feature, int32_t threshold,
              Error* err) {
    begin_change(h);
    if (feature < 0 || feature > int32_t(kTreesMaxFeatures)) {
        return raise_value(err, "feature out of bounds");
    }
    if (threshold == kNanThreshold) {
        return raise_value(err, "threshold is NaN");
    }
    const Status s = trees_add_node(&h->ensemble, uint32_t(feature), threshold, left, right);
    if (s == Status::Ok) {
        return true;
    }
    if (s == Status::CapacityFull) {
        return raise_value(err, "max nodes");
    }
    return raise_value(err, nth_text(kCsvFaultTexts, uint32_t(CsvFault::Child)));
}

bool capacity_error(Status s, const char* what, Error* err) {
    if (s == Status::CapacityFull) {
        return raise_value(err, what);
    }
    return raise_value(err, "root index out of range");
}

} // namespace

size_t trees_storage_bytes(int32_t max_trees, int32_t max_nodes, int32_t max_leaves, Error* err) {
    if (max_trees < 1 || max_trees > int32_t(kTreesMaxTrees)) {
        fail(err, ErrorType::ValueError).text("max_trees must be 1..").number(kTreesMaxTrees);
        return 0;
    }
    if (max_nodes < 1 || max_nodes > int32_t(kTreesMaxNodes)) {
        fail(err, ErrorType::ValueError).text("max_nodes must be 1..").number(kTreesMaxNodes);
        return 0;
    }
    if (max_leaves < 1 || max_leaves > int32_t(kTreesMaxLeaves)) {
        fail(err, ErrorType::ValueError).text("max_leaves must be 1..").number(kTreesMaxLeaves);
        return 0;
    }
    return microlearn::trees_storage_bytes(uint32_t(max_trees), uint32_t(max_nodes));
}

bool trees_new(TreesHandle* h, int32_t max_trees, int32_t max_nodes, int32_t max_leaves,
               void* storage, size_t bytes, TreesAllocate allocate, Error* err) {
    h->allocate = allocate;
    h->edits = 0;
    if (trees_init(&h->ensemble, uint32_t(max_trees), uint32_t(max_nodes), uint32_t(max_leaves),
                   storage, bytes) != Status::Ok) {
        return raise_value(err, "invalid capacities");
    }
    return true;
}

bool trees_addnode(TreesHandle* h, int32_t left, int32_t right, int32_t feature, float threshold,
                   Error* err) {
    return add_node(h, left, right, feature, ceil_threshold(threshold), err);
}

bool trees_addnode(TreesHandle* h, int32_t left, int32_t right, int32_t feature, double threshold,
                   Error* err) {
    return add_node(h, left, right, feature, ceil_threshold(threshold), err);
}

bool trees_addroot(TreesHandle* h, int32_t root, Error* err) {
    begin_change(h);
    const Status s = trees_add_root(&h->ensemble, root);
    return s == Status::Ok || capacity_error(s, "max trees", err);
}

bool trees_addleaf(TreesHandle* h, const float* values, uint32_t n, Error* err) {
    begin_change(h);
    TreeEnsemble* e = &h->ensemble;
    if (e->n_leaves >= e->max_leaves) {
        return raise_value(err, "max leaves");
    }
    // A leaf added before setdata() is a class index, as in the reference.
    if (!ensure_leaf_storage(h)) {
        fail(err, ErrorType::MemoryError).text("cannot allocate leaf storage");
        return false;
    }
    const Status s = trees_add_leaf_values(e, values, n);
    if (s == Status::SizeMismatch) {
        fail(err, ErrorType::ValueError)
            .text("leaf needs ")
            .number(int32_t(e->leaf_kind == LeafKind::Class ? 1u : trees_n_outputs(e)))
            .text(" values");
        return false;
    }
    return s == Status::Ok || raise_value(err, "invalid leaf value");
}

bool trees_setdata(TreesHandle* h, int32_t n_features, int32_t n_classes, int32_t leaf_bits,
                   Error* err) {
    begin_change(h);
    LeafKind kind;
    if (!trees_leaf_kind_from_bits(leaf_bits, &kind)) {
        return raise_value(err, "leaf_bits must be 0, 8 or 32");
    }
    if (n_features < 1 || n_classes < 0 ||
        trees_set_data(&h->ensemble, uint32_t(n_features), uint32_t(n_classes), kind) !=
            Status::Ok) {
        return raise_value(err, "invalid n_features, n_classes or leaf kind");
    }
    if (!ensure_leaf_storage(h)) {
        fail(err, ErrorType::MemoryError).text("cannot allocate leaf storage");
        return false;
    }
    return true;
}

int32_t trees_outputs(TreesHandle* h, Error* err) {
    if (!h->ensemble.configured || h->ensemble.loading) {
        raise_value(err, "model not loaded");
        return -1;
    }
    return int32_t(trees_n_outputs(&h->ensemble));
}

bool trees_predict(TreesHandle* h, const BufferView& x, const BufferView& out, Error* err) {
    TreeEnsemble* e = &h->ensemble;
    if (x.typecode != 'h') {
        return raise_value(err, "expecting int16 (h) array");
    }
    if (out.typecode != 'f') {
        return raise_value(err, "expecting float output array");
    }
    // predict zeroes out before it reads x (CPython's numpy views can make them share bytes).
    if (!check_distinct(x, out, "x and out", err)) {
        return false;
    }
    if (!e->validated) { // also while a load has not ended: "model not loaded"
        const TreesCheck check = trees_validate(e);
        if (check.status != Status::Ok) {
            MessageBuilder m =
                fail(err, ErrorType::ValueError).text(nth_text(kFaultTexts, uint32_t(check.fault)));
            if (check.fault != TreesFault::NoData && check.fault != TreesFault::NoTrees) {
                m.number(int32_t(check.index));
            }
            return false;
        }
    }
    const uint32_t n_x = count_as<int16_t>(x);
    const uint32_t n_out = count_as<float>(out);
    if (trees_predict(e, static_cast<const int16_t*>(x.data), n_x, static_cast<float*>(out.data),
                      n_out) == Status::Ok) {
        return true;
    }
    if (n_x != e->n_features) {
        fail(err, ErrorType::ValueError)
            .text("expecting ")
            .number(int32_t(e->n_features))
            .text(" features, got ")
            .number(int32_t(n_x));
        return false;
    }
    fail(err, ErrorType::ValueError)
        .text("expecting output of length ")
        .number(int32_t(trees_n_outputs(e)))
        .text(", got ")
        .number(int32_t(n_out));
    return false;
}

void trees_load_begin(TreesLoader* loader, TreesHandle* h) {
    begin_change(h);
    trees_csv_begin(&loader->parser, &h->ensemble, prepare_leaves, h);
    loader->handle = h;
    loader->edits = h->edits;
}

static bool load_error(TreesLoader* loader, Error* err) {
    fail(err, ErrorType::ValueError)
        .text("line ")
        .number(int32_t(loader->parser.fault_line))
        .text(": ")
        .text(nth_text(kCsvFaultTexts, uint32_t(loader->parser.fault)));
    return false;
}

// The model was changed since the load began (read() called addnode, addleaf, addroot, setdata
// or load_model).
static bool unchanged(TreesLoader* loader, Error* err) {
    TreesHandle* h = loader->handle;
    if (h->edits == loader->edits) {
        return true;
    }
    trees_reset(&h->ensemble);
    return raise_value(err, "model changed during load_model()");
}

bool trees_load_feed(TreesLoader* loader, const char* text, size_t len, Error* err) {
    return unchanged(loader, err) &&
           (trees_csv_feed(&loader->parser, text, len) == Status::Ok || load_error(loader, err));
}

bool trees_load_end(TreesLoader* loader, Error* err) {
    return unchanged(loader, err) &&
           (trees_csv_end(&loader->parser) == Status::Ok || load_error(loader, err));
}

} // namespace api
} // namespace microlearn
