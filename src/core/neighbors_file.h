// The item set of a k-NN model as a file (docs/formats.md, "k-NN item sets"), so that a device
// keeps what it learned across reboots. Both directions stream: the writer hands out the next
// bytes into any buffer, the reader takes bytes in chunks of any size (down to one), so neither
// needs RAM beyond the model itself.
//
// Layout, little-endian: a 12-byte header ("MLKN", version 1, flags 0, uint16 n_features,
// uint32 n_items), n_items * n_features int16 values row by row, n_items int16 labels, and the
// CRC-32 (zlib's) of everything before it. The reader checks every field, the exact length and the
// checksum; it writes into the model as it goes (no second buffer), so a load that fails leaves the
// model empty rather than half-loaded, and one that succeeds replaces the previous items.
#pragma once
#include "neighbors.h"

namespace microlearn {

constexpr uint32_t kNeighborsFileHeaderBytes = 12;
constexpr uint8_t kNeighborsFileVersion = 1;

enum class NeighborsFileFault : uint8_t {
    None = 0,
    Magic,        // not an item-set file
    Version,      // a version or flags value this reader does not know
    Features,     // n_features differs from the model's
    Capacity,     // more items than the model's max_items
    Truncated,    // the data ended early
    TrailingData, // bytes after the checksum
    Checksum,     // CRC-32 mismatch
    Changed,      // the model's items were changed while it was loading
};

// CRC-32 as zlib.crc32 / binascii.crc32 compute it: crc32_update(0, data, n) for the whole, or
// chained over pieces. Bitwise (no table: 1 KB of RAM or flash matters more than speed here).
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t n);

// Bytes the file of the model's current items takes.
uint64_t neighbors_file_bytes(const NeighborsModel* m);

struct NeighborsFileWriter {
    const NeighborsModel* model;
    uint64_t offset;
    uint64_t total;
    uint32_t n_items;   // the model's item count at begin: the file's
    uint32_t crc_state; // running CRC register (inverted form)
};

// NotReady for an uninitialised model. The model should not change until the writer is done: the
// writer reads the first n_items item and label slots (n_items as at begin, within the model's
// capacity whatever happens to it), so a change between calls is never read out of bounds but
// gives a file of old and new items. neighbors_file_write_stale() tells a changed item count.
Status neighbors_file_write_begin(NeighborsFileWriter* w, const NeighborsModel* m);
// Fills out with up to cap next bytes of the file; returns how many (0 once it is complete).
size_t neighbors_file_write_next(NeighborsFileWriter* w, uint8_t* out, size_t cap);
// True when the model no longer has the item count the writer began with.
inline bool neighbors_file_write_stale(const NeighborsFileWriter* w) {
    return w->model->n_items != w->n_items;
}

struct NeighborsFileReader {
    NeighborsModel* model;
    uint64_t offset;
    uint64_t values_end; // offsets of the section ends, known once the header is read
    uint64_t labels_end;
    uint64_t total;
    uint32_t n_items;
    uint32_t crc_state;
    uint32_t stored_crc;
    uint8_t header[kNeighborsFileHeaderBytes];
    uint8_t low_byte; // first byte of an int16 whose second byte is in the next chunk
    NeighborsFileFault fault;
    uint32_t fault_value; // the file's value for Features / Capacity faults
    uint32_t edits;       // the model's change count after read_begin emptied it
};

// Empties the model (NotReady if it is uninitialised) and starts reading.
Status neighbors_file_read_begin(NeighborsFileReader* r, NeighborsModel* m);
// Syntax (with r->fault set) at the first bad byte; every later call fails the same way. The model
// must not change until the reader is done (its items are written in place): any change between
// calls (an item added, even if removed again) is a Changed fault, and the model is emptied again.
Status neighbors_file_read_feed(NeighborsFileReader* r, const uint8_t* data, size_t len);
// Checks length and checksum; on success the model holds the file's items.
Status neighbors_file_read_end(NeighborsFileReader* r);

} // namespace microlearn
