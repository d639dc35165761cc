// k-NN item-set files: the exact bytes (checked against zlib's CRC-32 and a file the host package
// wrote), round trips in chunks of every size, and every fault.
#include "neighbors_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace microlearn;

namespace {

struct Model {
    std::vector<uint64_t> memory;
    NeighborsModel m{};
    Model(uint32_t max_items, uint32_t n_features, uint32_t k = 1) {
        memory.resize(neighbors_memory_bytes(max_items, n_features, max_items) / 8 + 1);
        EXPECT_EQ(neighbors_init(&m, max_items, n_features, k, max_items, memory.data(),
                                 memory.size() * 8),
                  Status::Ok);
    }
    void add(std::vector<int16_t> x, int32_t label) {
        ASSERT_EQ(neighbors_add_item(&m, x.data(), uint32_t(x.size()), label, nullptr), Status::Ok);
    }
};

std::vector<uint8_t> save(const NeighborsModel* m, size_t chunk) {
    NeighborsFileWriter w;
    EXPECT_EQ(neighbors_file_write_begin(&w, m), Status::Ok);
    std::vector<uint8_t> out;
    std::vector<uint8_t> buf(chunk);
    size_t n;
    while ((n = neighbors_file_write_next(&w, buf.data(), chunk)) != 0) {
        out.insert(out.end(), buf.begin(), buf.begin() + long(n));
    }
    return out;
}

Status load(NeighborsModel* m, const std::vector<uint8_t>& data, size_t chunk,
            NeighborsFileFault* fault = nullptr) {
    NeighborsFileReader r;
    EXPECT_EQ(neighbors_file_read_begin(&r, m), Status::Ok);
    Status s = Status::Ok;
    for (size_t i = 0; i < data.size() && s == Status::Ok; i += chunk) {
        const size_t n = std::min(chunk, data.size() - i);
        s = neighbors_file_read_feed(&r, data.data() + i, n);
    }
    if (s == Status::Ok) {
        s = neighbors_file_read_end(&r);
    }
    if (fault != nullptr) {
        *fault = r.fault;
    }
    return s;
}

// Written by python/microlearn/neighbors.py encode_items([[1,-2,3],[32767,-32768,0]], [5,255]).
const std::vector<uint8_t> kHostFile = {
    0x4d, 0x4c, 0x4b, 0x4e, 0x01, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0xfe, 0xff,
    0x03, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x00, 0x00, 0x05, 0x00, 0xff, 0x00, 0xd4, 0x40, 0x46, 0xaf};

} // namespace

TEST(NeighborsFile, Crc32MatchesZlib) {
    const std::string check = "123456789";
    EXPECT_EQ(crc32_update(0, reinterpret_cast<const uint8_t*>(check.data()), check.size()),
              0xCBF43926u);
    // Chained over pieces, as zlib.crc32(b, crc32(a)).
    const uint32_t a = crc32_update(0, reinterpret_cast<const uint8_t*>(check.data()), 4);
    EXPECT_EQ(crc32_update(a, reinterpret_cast<const uint8_t*>(check.data()) + 4, 5), 0xCBF43926u);
    EXPECT_EQ(crc32_update(0, nullptr, 0), 0u);
}

TEST(NeighborsFile, SavesTheHostPackagesBytes) {
    Model model(4, 3);
    model.add({1, -2, 3}, 5);
    model.add({32767, -32768, 0}, 255);
    EXPECT_EQ(neighbors_file_bytes(&model.m), kHostFile.size());
    for (size_t chunk : {1u, 3u, 7u, 64u}) {
        EXPECT_EQ(save(&model.m, chunk), kHostFile) << chunk;
    }
}

TEST(NeighborsFile, LoadsInChunksOfAnySize) {
    for (size_t chunk = 1; chunk <= kHostFile.size(); chunk++) {
        Model model(2, 3);
        model.add({9, 9, 9}, 1); // replaced by the load
        ASSERT_EQ(load(&model.m, kHostFile, chunk), Status::Ok) << chunk;
        ASSERT_EQ(model.m.n_items, 2u);
        int16_t x[3];
        int32_t label;
        ASSERT_EQ(neighbors_get_item(&model.m, 1, x, 3, &label), Status::Ok);
        EXPECT_EQ(x[0], 32767);
        EXPECT_EQ(x[1], -32768);
        EXPECT_EQ(x[2], 0);
        EXPECT_EQ(label, 255);
        ASSERT_EQ(neighbors_get_item(&model.m, 0, x, 3, &label), Status::Ok);
        EXPECT_EQ(x[1], -2);
        EXPECT_EQ(label, 5);
    }
}

TEST(NeighborsFile, EmptyModelRoundTrip) {
    Model model(3, 2);
    const std::vector<uint8_t> bytes = save(&model.m, 16);
    EXPECT_EQ(bytes.size(), 16u);
    Model other(1, 2);
    other.add({1, 1}, 0);
    EXPECT_EQ(load(&other.m, bytes, 5), Status::Ok);
    EXPECT_EQ(other.m.n_items, 0u);
}

TEST(NeighborsFile, RoundTripKeepsPredictions) {
    Model model(50, 5, 3);
    for (int i = 0; i < 50; i++) {
        model.add({int16_t(i * 131 - 3000), int16_t(i * i), int16_t(-i), int16_t(i % 7),
                   int16_t(32767 - i)},
                  i % 4);
    }
    const std::vector<uint8_t> bytes = save(&model.m, 33);
    Model copy(50, 5, 3);
    ASSERT_EQ(load(&copy.m, bytes, 17), Status::Ok);
    for (int q = 0; q < 20; q++) {
        const int16_t x[5] = {int16_t(q * 200 - 2000), int16_t(q * 50), 0, int16_t(q), 30000};
        int32_t a, b;
        ASSERT_EQ(neighbors_predict(&model.m, x, 5, &a), Status::Ok);
        ASSERT_EQ(neighbors_predict(&copy.m, x, 5, &b), Status::Ok);
        EXPECT_EQ(a, b);
    }
}

TEST(NeighborsFile, EveryFaultEmptiesTheModel) {
    struct Case {
        const char* what;
        std::vector<uint8_t> data;
        NeighborsFileFault fault;
    };
    std::vector<Case> cases;
    auto with = [](size_t at, uint8_t v) {
        std::vector<uint8_t> d = kHostFile;
        d[at] = v;
        return d;
    };
    cases.push_back({"magic", with(0, 'X'), NeighborsFileFault::Magic});
    cases.push_back({"version", with(4, 2), NeighborsFileFault::Version});
    cases.push_back({"flags", with(5, 1), NeighborsFileFault::Version});
    cases.push_back({"features", with(6, 4), NeighborsFileFault::Features});
    cases.push_back({"capacity", with(8, 3), NeighborsFileFault::Capacity});
    cases.push_back({"huge count", with(11, 0x80), NeighborsFileFault::Capacity});
    cases.push_back({"value", with(14, 0xfd), NeighborsFileFault::Checksum});
    cases.push_back({"label", with(26, 0xfe), NeighborsFileFault::Checksum});
    cases.push_back({"crc", with(31, 0), NeighborsFileFault::Checksum});
    std::vector<uint8_t> longer = kHostFile;
    longer.push_back(0);
    cases.push_back({"trailing", longer, NeighborsFileFault::TrailingData});
    for (size_t cut = 0; cut < kHostFile.size(); cut++) {
        cases.push_back({"truncated",
                         std::vector<uint8_t>(kHostFile.begin(), kHostFile.begin() + long(cut)),
                         NeighborsFileFault::Truncated});
    }
    for (const Case& c : cases) {
        for (size_t chunk : {1u, 5u, 100u}) {
            Model model(2, 3);
            model.add({1, 2, 3}, 0);
            NeighborsFileFault fault;
            EXPECT_EQ(load(&model.m, c.data, chunk, &fault), Status::Syntax) << c.what;
            EXPECT_EQ(fault, c.fault) << c.what << " " << c.data.size();
            EXPECT_EQ(model.m.n_items, 0u) << c.what;
        }
    }
}

TEST(NeighborsFile, FeedAfterAFaultKeepsFailing) {
    Model model(2, 3);
    NeighborsFileReader r;
    ASSERT_EQ(neighbors_file_read_begin(&r, &model.m), Status::Ok);
    const uint8_t bad[4] = {'X', 'L', 'K', 'N'};
    const uint8_t rest[8] = {};
    EXPECT_EQ(neighbors_file_read_feed(&r, bad, 4), Status::Ok); // magic is checked at byte 12
    EXPECT_EQ(neighbors_file_read_feed(&r, rest, 8), Status::Syntax);
    EXPECT_EQ(neighbors_file_read_feed(&r, kHostFile.data(), kHostFile.size()), Status::Syntax);
    EXPECT_EQ(neighbors_file_read_end(&r), Status::Syntax);
    EXPECT_EQ(r.fault, NeighborsFileFault::Magic);
}

// The reader writes items in place: a change while it loads (a file object's read() can call
// additem, even removeitem after it: the slot was written) fails the load, before or after the
// last byte, and leaves the model empty.
TEST(NeighborsFile, AChangeDuringTheLoadFailsIt) {
    for (size_t at : {size_t(0), size_t(12), size_t(20), kHostFile.size()}) {
        for (bool remove : {false, true}) {
            Model model(4, 3);
            NeighborsFileReader r;
            ASSERT_EQ(neighbors_file_read_begin(&r, &model.m), Status::Ok);
            ASSERT_EQ(neighbors_file_read_feed(&r, kHostFile.data(), at), Status::Ok);
            model.add({9, 9, 9}, 9);
            if (remove) {
                ASSERT_EQ(neighbors_remove_item(&model.m, 0), Status::Ok);
            }
            Status s = neighbors_file_read_feed(&r, kHostFile.data() + at, kHostFile.size() - at);
            if (s == Status::Ok) {
                s = neighbors_file_read_end(&r);
            }
            EXPECT_EQ(s, Status::Syntax) << at;
            EXPECT_EQ(r.fault, NeighborsFileFault::Changed) << at;
            EXPECT_EQ(model.m.n_items, 0u) << at;
            EXPECT_EQ(neighbors_file_read_end(&r), Status::Syntax) << at;
        }
    }
}

TEST(NeighborsFile, UninitialisedModel) {
    NeighborsModel m{};
    NeighborsFileWriter w;
    NeighborsFileReader r;
    EXPECT_EQ(neighbors_file_write_begin(&w, &m), Status::NotReady);
    EXPECT_EQ(neighbors_file_read_begin(&r, &m), Status::NotReady);
    EXPECT_EQ(neighbors_file_read_feed(&r, kHostFile.data(), 4), Status::NotReady);
    EXPECT_EQ(neighbors_file_read_end(&r), Status::NotReady);
    EXPECT_EQ(neighbors_file_bytes(&m), 0u);
}
