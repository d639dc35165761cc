#include "neighbors_file.h"

namespace microlearn {

namespace {

constexpr uint8_t kMagic[4] = {'M', 'L', 'K', 'N'};
constexpr uint32_t kCrcPolynomial = 0xEDB88320u; // reflected IEEE 802.3, as zlib

inline uint32_t crc_byte(uint32_t state, uint8_t byte) {
    state ^= byte;
    for (int bit = 0; bit < 8; bit++) {
        state = (state >> 1) ^ (kCrcPolynomial & (0u - (state & 1u)));
    }
    return state;
}

inline uint64_t values_bytes(uint32_t n_items, uint32_t n_features) {
    return uint64_t(n_items) * n_features * 2u;
}

inline uint64_t file_bytes(uint32_t n_items, uint32_t n_features) {
    return kNeighborsFileHeaderBytes + values_bytes(n_items, n_features) + uint64_t(n_items) * 2u +
           4u;
}

// Byte `o` of the file (before the checksum) for the writer.
uint8_t file_byte(const NeighborsFileWriter* w, uint64_t o) {
    const NeighborsModel* m = w->model;
    if (o < kNeighborsFileHeaderBytes) {
        switch (o) {
        case 0:
        case 1:
        case 2:
        case 3:
            return kMagic[o];
        case 4:
            return kNeighborsFileVersion;
        case 5:
            return 0; // flags
        case 6:
        case 7:
            return uint8_t(m->n_features >> (8u * unsigned(o - 6)));
        default:
            return uint8_t(w->n_items >> (8u * unsigned(o - 8)));
        }
    }
    o -= kNeighborsFileHeaderBytes;
    const uint64_t n_values = values_bytes(w->n_items, m->n_features);
    const int16_t* source = m->items;
    if (o >= n_values) {
        o -= n_values;
        source = m->labels;
    }
    const uint16_t v = static_cast<uint16_t>(source[o / 2u]);
    return uint8_t((o & 1u) ? v >> 8 : v);
}

inline uint32_t read_u16(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8;
}

Status reader_fail(NeighborsFileReader* r, NeighborsFileFault fault, uint32_t value) {
    r->fault = fault;
    r->fault_value = value;
    return Status::Syntax;
}

// Validates the complete header and sets the section ends. Once per file, out of line: inlined
// into the byte loop of neighbors_file_read_feed, its early returns cost 500-850 bytes.
MICROLEARN_NOINLINE Status accept_header(NeighborsFileReader* r) {
    const uint8_t* h = r->header;
    for (int i = 0; i < 4; i++) {
        if (h[i] != kMagic[i]) {
            return reader_fail(r, NeighborsFileFault::Magic, 0);
        }
    }
    if (h[4] != kNeighborsFileVersion || h[5] != 0) {
        return reader_fail(r, NeighborsFileFault::Version, h[4]);
    }
    const uint32_t n_features = read_u16(h + 6);
    if (n_features != r->model->n_features) {
        return reader_fail(r, NeighborsFileFault::Features, n_features);
    }
    const uint32_t n_items = read_u16(h + 8) | read_u16(h + 10) << 16;
    if (n_items > r->model->max_items) {
        return reader_fail(r, NeighborsFileFault::Capacity, n_items);
    }
    r->n_items = n_items;
    r->values_end = kNeighborsFileHeaderBytes + values_bytes(n_items, n_features);
    r->labels_end = r->values_end + uint64_t(n_items) * 2u;
    r->total = file_bytes(n_items, n_features);
    return Status::Ok;
}

} // namespace

uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t n) {
    uint32_t state = ~crc;
    for (size_t i = 0; i < n; i++) {
        state = crc_byte(state, data[i]);
    }
    return ~state;
}

uint64_t neighbors_file_bytes(const NeighborsModel* m) {
    if (m == nullptr || m->items == nullptr) {
        return 0;
    }
    return file_bytes(m->n_items, m->n_features);
}

Status neighbors_file_write_begin(NeighborsFileWriter* w, const NeighborsModel* m) {
    if (w == nullptr || m == nullptr || m->items == nullptr) {
        return Status::NotReady;
    }
    w->model = m;
    w->offset = 0;
    w->n_items = m->n_items;
    w->total = file_bytes(m->n_items, m->n_features);
    w->crc_state = ~0u;
    return Status::Ok;
}

size_t neighbors_file_write_next(NeighborsFileWriter* w, uint8_t* out, size_t cap) {
    size_t n = 0;
    const uint64_t body = w->total - 4u;
    for (; n < cap && w->offset < w->total; n++, w->offset++) {
        if (w->offset < body) {
            out[n] = file_byte(w, w->offset);
            w->crc_state = crc_byte(w->crc_state, out[n]);
        } else {
            out[n] = uint8_t(~w->crc_state >> (8u * unsigned(w->offset - body)));
        }
    }
    return n;
}

Status neighbors_file_read_begin(NeighborsFileReader* r, NeighborsModel* m) {
    if (r == nullptr) {
        return Status::InvalidArgument;
    }
    r->model = m;
    r->offset = 0;
    r->values_end = r->labels_end = r->total = ~uint64_t(0); // unknown until the header is in
    r->n_items = 0;
    r->crc_state = ~0u;
    r->stored_crc = 0;
    r->low_byte = 0;
    r->fault = NeighborsFileFault::None;
    r->fault_value = 0;
    const Status s = neighbors_clear(m);
    r->edits = m->edits;
    return s;
}

namespace {

// Syntax when a fault is already set, or the model was changed since read_begin emptied it (the
// reader's items go where an added one went: a load must end with the file's items or none).
Status reader_check(NeighborsFileReader* r) {
    if (r->fault == NeighborsFileFault::None && r->model->edits == r->edits) {
        return Status::Ok;
    }
    if (r->model->edits != r->edits) {
        neighbors_clear(r->model);
        r->edits = r->model->edits;
        if (r->fault == NeighborsFileFault::None) {
            reader_fail(r, NeighborsFileFault::Changed, 0);
        }
    }
    return Status::Syntax;
}

} // namespace

Status neighbors_file_read_feed(NeighborsFileReader* r, const uint8_t* data, size_t len) {
    if (r->model == nullptr || r->model->items == nullptr) {
        return Status::NotReady;
    }
    if (reader_check(r) != Status::Ok) {
        return Status::Syntax;
    }
    for (size_t i = 0; i < len; i++, r->offset++) {
        const uint8_t b = data[i];
        const uint64_t o = r->offset;
        if (o >= r->total) {
            return reader_fail(r, NeighborsFileFault::TrailingData, 0);
        }
        if (o < r->labels_end) {
            r->crc_state = crc_byte(r->crc_state, b);
        }
        if (o < kNeighborsFileHeaderBytes) {
            r->header[o] = b;
            if (o + 1 == kNeighborsFileHeaderBytes && accept_header(r) != Status::Ok) {
                return Status::Syntax;
            }
        } else if (o < r->labels_end) {
            const bool in_values = o < r->values_end;
            const uint64_t k =
                o - (in_values ? uint64_t(kNeighborsFileHeaderBytes) : r->values_end);
            if ((k & 1u) == 0) {
                r->low_byte = b;
            } else {
                int16_t* target = in_values ? r->model->items : r->model->labels;
                target[k / 2u] = static_cast<int16_t>(uint16_t(r->low_byte | uint32_t(b) << 8));
            }
        } else {
            r->stored_crc |= uint32_t(b) << (8u * unsigned(o - r->labels_end));
        }
    }
    return Status::Ok;
}

Status neighbors_file_read_end(NeighborsFileReader* r) {
    if (r->model == nullptr || r->model->items == nullptr) {
        return Status::NotReady;
    }
    if (reader_check(r) != Status::Ok) {
        return Status::Syntax;
    }
    if (r->offset != r->total) {
        return reader_fail(r, NeighborsFileFault::Truncated, 0);
    }
    if (~r->crc_state != r->stored_crc) {
        return reader_fail(r, NeighborsFileFault::Checksum, 0);
    }
    r->model->n_items = r->n_items;
    r->model->n_ranked = 0;
    return Status::Ok;
}

} // namespace microlearn
