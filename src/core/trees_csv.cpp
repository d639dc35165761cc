#include "trees_csv.h"

namespace microlearn {

namespace {

enum Kind : uint8_t {
    KindUnknown,
    KindFeatures,
    KindClasses,
    KindLeafBits,
    KindRoot,
    KindNode,
    KindLeaf
};

Kind kind_of(const TreesCsvParser* p) {
    const char a = p->kind[0];
    const char b = p->kind_len == 2 ? p->kind[1] : 0;
    if (p->kind_unknown || p->kind_len == 0) {
        return KindUnknown;
    }
    if (b == 0) {
        switch (a) {
        case 'f':
            return KindFeatures;
        case 'c':
            return KindClasses;
        case 'r':
            return KindRoot;
        case 'n':
            return KindNode;
        case 'l':
            return KindLeaf;
        default:
            return KindUnknown;
        }
    }
    // `lb` is the documented name; `lf` is what the reference's own loader reads.
    return (a == 'l' && (b == 'b' || b == 'f')) ? KindLeafBits : KindUnknown;
}

Status fail(TreesCsvParser* p, CsvFault fault, uint32_t line) {
    if (p->fault == CsvFault::None) {
        p->fault = fault;
        p->fault_line = line;
        trees_reset(p->model);
    }
    return Status::Corrupt;
}

Status fail_here(TreesCsvParser* p, CsvFault fault) {
    return fail(p, fault, p->line);
}

// Values a leaf line carries for the configured leaf kind.
uint32_t leaf_fields(const TreeEnsemble* m) {
    return m->leaf_kind == LeafKind::Class ? 1u : trees_n_outputs(m);
}

Status ensure_data(TreesCsvParser* p) {
    if (p->data_started) {
        return Status::Ok;
    }
    LeafKind kind;
    if (p->n_features < 0 || p->n_classes < 0) {
        return fail_here(p, CsvFault::MissingHeader);
    }
    if (!trees_leaf_kind_from_bits(p->leaf_bits, &kind) ||
        trees_set_data(p->model, uint32_t(p->n_features), uint32_t(p->n_classes), kind) !=
            Status::Ok) {
        // Each value was range-checked on its own line (set_header): what is left is c,0 for
        // leaves that are not regression values.
        return fail(p, CsvFault::HeaderValue, p->classes_line);
    }
    if (!trees_has_leaf_storage(p->model) &&
        (p->prepare == nullptr || p->prepare(p->context, p->model) != Status::Ok ||
         !trees_has_leaf_storage(p->model))) {
        return fail_here(p, CsvFault::Storage);
    }
    p->data_started = true;
    return Status::Ok;
}

// An f, c or lb record: its value is checked on its line, as far as it can be alone.
Status set_header(TreesCsvParser* p, Kind kind, int32_t value) {
    LeafKind leaf_kind;
    const bool valid = kind == KindFeatures
                           ? value >= 1 && value <= int32_t(kTreesMaxFeatures)
                           : (kind == KindClasses ? value >= 0 && value <= int32_t(kTreesMaxClasses)
                                                  : trees_leaf_kind_from_bits(value, &leaf_kind));
    int32_t* slot = kind == KindFeatures  ? &p->n_features
                    : kind == KindClasses ? &p->n_classes
                                          : &p->leaf_bits;
    if (!valid || (p->data_started && *slot != value)) {
        return fail_here(p, CsvFault::HeaderValue);
    }
    *slot = value;
    if (kind == KindClasses) {
        p->classes_line = p->line;
    }
    return Status::Ok;
}

// A value field has ended: convert it for the line kind and field position.
Status end_value(TreesCsvParser* p, Kind kind) {
    const uint32_t index = p->field - 1;
    if (!decimal_complete(&p->number)) {
        return fail_here(p, CsvFault::Syntax);
    }
    if (kind == KindLeaf) {
        Status s = ensure_data(p);
        if (s != Status::Ok) {
            return s;
        }
        TreeEnsemble* m = p->model;
        if (index >= leaf_fields(m)) {
            return fail_here(p, CsvFault::FieldCount);
        }
        if (index == 0) {
            s = trees_begin_leaf(m);
            if (s == Status::CapacityFull) {
                return fail_here(p, CsvFault::MaxLeaves);
            }
            if (s != Status::Ok) {
                return fail_here(p, CsvFault::Storage);
            }
        }
        float value;
        if (m->leaf_kind == LeafKind::Class) {
            int32_t klass;
            if (!decimal_to_int(&p->number, &klass) || klass < 0 ||
                klass >= int32_t(m->n_classes)) {
                return fail_here(p, CsvFault::LeafValue);
            }
            value = float(klass);
        } else {
            value = decimal_to_float(&p->number);
        }
        if (trees_set_leaf_value(m, index, value) != Status::Ok) {
            return fail_here(p, CsvFault::LeafValue);
        }
        return Status::Ok;
    }
    const uint32_t max_fields = kind == KindNode ? 4u : 1u;
    if (index >= max_fields) {
        return fail_here(p, CsvFault::FieldCount);
    }
    if (kind == KindNode && index == 1) {
        p->values[1] = decimal_ceil_clamped(&p->number);
        return Status::Ok;
    }
    if (!decimal_to_int(&p->number, &p->values[index])) {
        return fail_here(p, CsvFault::Syntax);
    }
    return Status::Ok;
}

void track_max(uint32_t value, uint32_t line, uint32_t* max, uint32_t* max_line) {
    if (value > *max) {
        *max = value;
        *max_line = line;
    }
}

Status end_line(TreesCsvParser* p) {
    const Kind kind = kind_of(p);
    const uint32_t n_values = p->field; // fields after the kind
    Status s = Status::Ok;
    switch (kind) {
    case KindUnknown:
        break;
    case KindFeatures:
    case KindClasses:
    case KindLeafBits:
        if (n_values != 1) {
            return fail_here(p, CsvFault::FieldCount);
        }
        s = set_header(p, kind, p->values[0]);
        break;
    case KindRoot:
        if (n_values != 1) {
            return fail_here(p, CsvFault::FieldCount);
        }
        if ((s = ensure_data(p)) != Status::Ok) {
            return s;
        }
        s = trees_add_root(p->model, p->values[0]);
        if (s == Status::CapacityFull) {
            return fail_here(p, CsvFault::MaxTrees);
        }
        if (s != Status::Ok) {
            return fail_here(p, CsvFault::DanglingRoot);
        }
        track_max(uint32_t(p->values[0]) + 1u, p->line, &p->max_root, &p->max_root_line);
        break;
    case KindNode: {
        if (n_values != 4) {
            return fail_here(p, CsvFault::FieldCount);
        }
        if ((s = ensure_data(p)) != Status::Ok) {
            return s;
        }
        TreeEnsemble* m = p->model;
        const int32_t feature = p->values[0];
        if (feature < 0 || feature >= int32_t(m->n_features)) {
            return fail_here(p, CsvFault::Feature);
        }
        const uint32_t index = m->n_nodes;
        for (int i = 2; i < 4; i++) {
            const int32_t child = p->values[i];
            if (child == 0 || child < -32768 || child > 32767) {
                return fail_here(p, CsvFault::Child);
            }
            if (child > 0) {
                track_max(index + uint32_t(child) + 1u, p->line, &p->max_child_target,
                          &p->max_child_line);
            } else {
                track_max(uint32_t(~child) + 1u, p->line, &p->max_leaf_ref, &p->max_leaf_line);
            }
        }
        s = trees_add_node(m, uint32_t(feature), p->values[1], p->values[2], p->values[3]);
        if (s == Status::CapacityFull) {
            return fail_here(p, CsvFault::MaxNodes);
        }
        if (s != Status::Ok) {
            return fail_here(p, CsvFault::Child);
        }
        break;
    }
    case KindLeaf:
        if (n_values == 0 || !p->data_started || n_values != leaf_fields(p->model)) {
            return fail_here(p, CsvFault::FieldCount);
        }
        break;
    }
    return s;
}

void start_field(TreesCsvParser* p) {
    decimal_reset(&p->number);
    p->in_number = false;
    p->after_space = false;
}

void start_line(TreesCsvParser* p) {
    p->field = 0;
    p->kind_len = 0;
    p->kind_unknown = false;
    start_field(p);
}

// The current field ends (at ',' or end of line).
Status end_field(TreesCsvParser* p) {
    if (p->field > 0) {
        const Kind kind = kind_of(p);
        if (kind != KindUnknown) {
            Status s = end_value(p, kind);
            if (s != Status::Ok) {
                return s;
            }
        }
    }
    p->field++;
    start_field(p);
    return Status::Ok;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

} // namespace

void trees_csv_begin(TreesCsvParser* p, TreeEnsemble* model, TreesPrepareLeaves prepare,
                     void* context) {
    p->model = model;
    p->prepare = prepare;
    p->context = context;
    p->line = 1;
    p->n_features = -1;
    p->n_classes = -1;
    p->leaf_bits = 0;
    p->classes_line = 0;
    p->max_child_target = p->max_child_line = 0;
    p->max_root = p->max_root_line = 0;
    p->max_leaf_ref = p->max_leaf_line = 0;
    p->data_started = false;
    p->fault = CsvFault::None;
    p->fault_line = 0;
    for (int32_t& v : p->values) {
        v = 0;
    }
    start_line(p);
    trees_reset(model);
    model->loading = true;
}

Status trees_csv_feed(TreesCsvParser* p, const char* text, size_t len) {
    if (p->fault != CsvFault::None) {
        return Status::Corrupt;
    }
    for (size_t i = 0; i < len; i++) {
        const char c = text[i];
        if (c == '\n') {
            Status s = Status::Ok;
            if (p->field > 0 || p->kind_len > 0 || p->kind_unknown) {
                // A comma ending the line ("n,0,5,1,-3,") leaves no field for the newline to
                // close, as in the reference's loader.
                if (p->field < 2 || p->in_number) {
                    s = end_field(p);
                }
                p->field--; // the field the newline closed (end_field counted it), or the empty one
                if (s == Status::Ok) {
                    s = end_line(p);
                }
            }
            if (s != Status::Ok) {
                return s;
            }
            p->line++;
            start_line(p);
            continue;
        }
        if (p->field == 0) {
            if (c == ',') {
                if (p->kind_len == 0 && !p->kind_unknown) {
                    p->kind_unknown = true; // a line starting with ',' is no known kind
                }
                p->field = 1;
                start_field(p);
            } else if (c == '\r') {
                p->after_space = p->kind_len > 0;
            } else if (c == ' ' || c == '\t') {
                p->kind_unknown = true; // the kind as written: " r" is none, as in the reference
            } else if (p->kind_len < 2 && !p->after_space && !p->kind_unknown) {
                p->kind[p->kind_len++] = c;
            } else {
                p->kind_unknown = true;
            }
            continue;
        }
        if (kind_of(p) == KindUnknown) {
            continue; // ignored line: skip to its end
        }
        if (c == ',') {
            Status s = end_field(p);
            if (s != Status::Ok) {
                return s;
            }
        } else if (is_space(c)) {
            p->after_space = p->in_number;
        } else if (p->after_space || !decimal_push(&p->number, c)) {
            return fail_here(p, CsvFault::Syntax);
        } else {
            p->in_number = true;
        }
    }
    return Status::Ok;
}

Status trees_csv_end(TreesCsvParser* p) {
    if (p->fault != CsvFault::None) {
        return Status::Corrupt;
    }
    if (p->field > 0 || p->kind_len > 0 || p->kind_unknown) {
        Status s = trees_csv_feed(p, "\n", 1); // a last line without newline
        if (s != Status::Ok) {
            return s;
        }
    }
    TreeEnsemble* m = p->model;
    const uint32_t last_line = p->line > 1 ? p->line - 1 : 1;
    if (!p->data_started || m->n_trees == 0) {
        return fail(p, CsvFault::NoTrees, last_line);
    }
    if (p->max_root > m->n_nodes) {
        return fail(p, CsvFault::DanglingRoot, p->max_root_line);
    }
    if (p->max_child_target > m->n_nodes) {
        return fail(p, CsvFault::DanglingChild, p->max_child_line);
    }
    if (p->max_leaf_ref > m->n_leaves) {
        return fail(p, CsvFault::DanglingLeaf, p->max_leaf_line);
    }
    m->loading = false;
    const TreesCheck check = trees_validate(m);
    if (check.status != Status::Ok) {
        return fail(p, CsvFault::LeafValue, last_line);
    }
    return Status::Ok;
}

} // namespace microlearn
