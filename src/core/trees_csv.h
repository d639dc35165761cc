// Streaming reader for the emlearn trees CSV format (see docs/formats.md).
//
// Text is pushed in chunks of any size (a chunk may end mid-line or mid-number); the parser keeps
// a few dozen bytes of state and writes straight into the TreeEnsemble, so loading needs no RAM
// beyond the model itself. Any error stops the parse, remembers the line, and resets the model so
// that nothing half-loaded can be predicted with.
#pragma once
#include "decimal.h"
#include "trees.h"

namespace microlearn {

enum class CsvFault : uint8_t {
    None,
    Syntax,        // a character or number that does not belong there
    FieldCount,    // too few or too many values for the line kind
    MissingHeader, // r/n/l line before f and c
    HeaderValue,   // f, c or lb out of range, or changed after the model data started
    MaxNodes,      // more n lines than max_nodes
    MaxTrees,      // more r lines than max_trees
    MaxLeaves,     // more l lines than max_leaves
    Feature,       // node feature >= n_features
    Child,         // child 0 or outside int16
    DanglingChild, // a jump past the last node
    DanglingRoot,  // a root past the last node
    DanglingLeaf,  // a leaf reference past the last leaf
    LeafValue,     // class >= n_classes, probability outside [0, 255], non-finite value
    NoTrees,       // no r line
    Storage,       // the leaf storage could not be prepared
};

// Called once the header is known and before the first leaf, to attach leaf storage for the
// configured kind (trees_leaf_bytes() * max_leaves bytes). Returns Ok or a failure.
typedef Status (*TreesPrepareLeaves)(void* context, TreeEnsemble* model);

struct TreesCsvParser {
    TreeEnsemble* model;
    TreesPrepareLeaves prepare;
    void* context;
    DecimalScanner number;
    uint32_t line;      // 1-based line being read
    uint32_t field;     // 0 = kind, then values
    int32_t values[4];  // n: feature, threshold ceil, left, right; f/c/lb/r: values[0]
    int32_t n_features; // -1 until seen
    int32_t n_classes;  // -1 until seen
    int32_t leaf_bits;
    uint32_t classes_line; // the c record's line: a count the leaf kind does not allow is there
    uint32_t max_child_target, max_child_line; // largest forward jump target, for the end check
    uint32_t max_root, max_root_line;
    uint32_t max_leaf_ref, max_leaf_line; // largest leaf reference + 1
    char kind[2];
    uint8_t kind_len;
    bool kind_unknown; // an ignored line kind
    bool in_number;
    bool after_space;  // whitespace seen inside a field (a second token is an error)
    bool data_started; // set_data() done
    CsvFault fault;
    uint32_t fault_line;
};

void trees_csv_begin(TreesCsvParser* p, TreeEnsemble* model, TreesPrepareLeaves prepare,
                     void* context);
// Returns Ok while the text is acceptable so far; after a failure every call returns it again.
Status trees_csv_feed(TreesCsvParser* p, const char* text, size_t len);
// Ends the input (a last line without newline counts) and validates the whole model.
Status trees_csv_end(TreesCsvParser* p);

} // namespace microlearn
