// k-nearest neighbours: scikit-learn agreement (tests/data/learn_knn_*.txt from
// gen_learning_refs.py), the documented tie rules, exact 64-bit distances, lazy ranking beyond k,
// item editing, and every rejected input.
#include "neighbors.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace microlearn;

namespace {

// A model with its memory, sized exactly as the header says.
struct Knn {
    NeighborsModel m{};
    std::vector<uint8_t> memory;
    Status init(uint32_t max_items, uint32_t n_features, uint32_t k, uint32_t max_results) {
        memory.assign(neighbors_memory_bytes(max_items, n_features, max_results), 0);
        return neighbors_init(&m, max_items, n_features, k, max_results, memory.data(),
                              memory.size());
    }
};

std::vector<int16_t> row_i16(const refdata::RefArray& a, size_t r) {
    std::vector<int16_t> out(a.cols);
    for (size_t c = 0; c < a.cols; c++) {
        out[c] = static_cast<int16_t>(a.at(r, c));
    }
    return out;
}

// Straightforward statement of the contract: sort everything by (squared distance, index), vote
// over the first k, ties to the lowest label.
struct Brute {
    std::vector<std::pair<uint64_t, uint32_t>> ranking;
    int32_t label;
};
Brute brute_force(const std::vector<std::vector<int16_t>>& items,
                  const std::vector<int32_t>& labels, const std::vector<int16_t>& x, uint32_t k) {
    Brute b;
    for (uint32_t i = 0; i < items.size(); i++) {
        uint64_t d = 0;
        for (size_t j = 0; j < x.size(); j++) {
            const int64_t diff = int64_t(items[i][j]) - x[j];
            d += uint64_t(diff * diff);
        }
        b.ranking.push_back({d, i});
    }
    std::sort(b.ranking.begin(), b.ranking.end());
    std::map<int32_t, int> votes;
    for (uint32_t r = 0; r < k; r++) {
        votes[labels[b.ranking[r].second]]++;
    }
    int best = -1;
    for (const auto& [label, count] : votes) { // ascending labels: first max wins
        if (count > best) {
            best = count;
            b.label = label;
        }
    }
    return b;
}

void check_against_reference(const char* file, uint32_t max_results_extra) {
    auto refs = refdata::load_arrays(file);
    ASSERT_FALSE(refs.empty());
    const refdata::RefArray& X_train = refs["X_train"];
    const refdata::RefArray& y_train = refs["y_train"];
    const refdata::RefArray& X_query = refs["X_query"];
    const uint32_t k = static_cast<uint32_t>(refs["k"].at(0, 0));
    const uint32_t n_items = static_cast<uint32_t>(X_train.rows);
    const uint32_t n_features = static_cast<uint32_t>(X_train.cols);

    Knn knn;
    ASSERT_EQ(knn.init(n_items, n_features, k, std::min(n_items, k + max_results_extra)),
              Status::Ok);
    for (uint32_t i = 0; i < n_items; i++) {
        const auto x = row_i16(X_train, i);
        uint32_t index = 12345;
        ASSERT_EQ(neighbors_add_item(&knn.m, x.data(), n_features,
                                     static_cast<int32_t>(y_train.at(0, i)), &index),
                  Status::Ok);
        EXPECT_EQ(index, i);
    }

    size_t tie_free = 0;
    for (size_t q = 0; q < X_query.rows; q++) {
        const auto x = row_i16(X_query, q);
        int32_t label = -1;
        ASSERT_EQ(neighbors_predict(&knn.m, x.data(), n_features, &label), Status::Ok);
        for (uint32_t r = 0; r < k; r++) {
            NeighborsResult res{};
            ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
            // The documented ranking, (exact squared distance, index), computed by numpy.
            EXPECT_EQ(res.index, refs["ranked_index"].at(q, r)) << "query " << q << " rank " << r;
            EXPECT_EQ(double(res.squared_distance), refs["ranked_squared_distance"].at(q, r));
            EXPECT_EQ(res.distance, refs["ranked_isqrt"].at(q, r));
            EXPECT_EQ(res.label, y_train.at(0, res.index));
            // scikit-learn's k distances do not depend on how it breaks ties.
            const double skl = refs["sklearn_distances"].at(q, r);
            EXPECT_NEAR(std::sqrt(double(res.squared_distance)), skl, 1e-9 * (1.0 + skl));
        }
        if (refs["tie_free"].at(0, q) != 0) {
            tie_free++;
            EXPECT_EQ(label, refs["sklearn_predict"].at(0, q)) << "query " << q;
        }
    }
    EXPECT_GT(tie_free, X_query.rows / 2);

    // Whole rankings, reached lazily past the k-th result, whatever the rank window.
    const refdata::RefArray& full_q = refs["full_ranking_query"];
    const refdata::RefArray& full = refs["full_ranking"];
    {
        for (size_t i = 0; i < full_q.cols; i++) {
            const auto x = row_i16(X_query, static_cast<size_t>(full_q.at(0, i)));
            int32_t label;
            ASSERT_EQ(neighbors_predict(&knn.m, x.data(), n_features, &label), Status::Ok);
            for (uint32_t r = 0; r < n_items; r++) {
                NeighborsResult res{};
                ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
                EXPECT_EQ(res.index, full.at(i, r)) << "rank " << r;
            }
            NeighborsResult res{};
            EXPECT_EQ(neighbors_get_result(&knn.m, n_items, &res), Status::InvalidArgument);
        }
    }
}

} // namespace

TEST(Neighbors, IsqrtIsFloorOfSquareRoot) {
    for (uint64_t v = 0; v < 70000; v++) {
        const uint64_t r = isqrt_u64(v);
        ASSERT_LE(r * r, v);
        ASSERT_GT((r + 1) * (r + 1), v);
    }
    EXPECT_EQ(isqrt_u64(~uint64_t(0)), 4294967295u);
    EXPECT_EQ(isqrt_u64(uint64_t(4294967295u) * 4294967295u), 4294967295u);
    EXPECT_EQ(isqrt_u64(uint64_t(4294967295u) * 4294967295u - 1), 4294967294u);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 100000; i++) {
        const uint64_t v = rng() >> (rng() % 64);
        const unsigned __int128 r = isqrt_u64(v);
        ASSERT_LE(r * r, v);
        ASSERT_GT((r + 1) * (r + 1), v);
    }
}

TEST(Neighbors, IrisMatchesSklearn) {
    check_against_reference("learn_knn_iris.txt", 1000);
}

TEST(Neighbors, IrisWithOnlyKResults) {
    check_against_reference("learn_knn_iris.txt", 0);
}

TEST(Neighbors, FullRangeInt16MatchesSklearn) {
    check_against_reference("learn_knn_wide.txt", 1000);
}

// The reference's own tests (tests/test_neighbors.py): read items back, predict, and reach every
// result with k = 1, which needs max_results = max_items.
TEST(Neighbors, ReferenceScenario) {
    Knn knn;
    ASSERT_EQ(knn.init(100, 3, 1, 100), Status::Ok);
    const int16_t data[4][3] = {{-100, -100, -2}, {-100, -100, -2}, {100, 100, 2}, {100, 100, 2}};
    const int32_t labels[4] = {0, 0, 1, 1};
    for (int i = 0; i < 4; i++) {
        uint32_t index;
        ASSERT_EQ(neighbors_add_item(&knn.m, data[i], 3, labels[i], &index), Status::Ok);
        int16_t back[3];
        int32_t label;
        ASSERT_EQ(neighbors_get_item(&knn.m, index, back, 3, &label), Status::Ok);
        EXPECT_EQ(std::vector<int16_t>(back, back + 3), std::vector<int16_t>(data[i], data[i] + 3));
        EXPECT_EQ(label, labels[i]);
    }
    int32_t out;
    ASSERT_EQ(neighbors_predict(&knn.m, data[3], 3, &out), Status::Ok);
    EXPECT_EQ(out, 1);
    ASSERT_EQ(neighbors_predict(&knn.m, data[1], 3, &out), Status::Ok);
    EXPECT_EQ(out, 0);
    const uint32_t expected_index[4] = {0, 1, 2, 3}; // equal distances: lower index first
    const uint32_t expected_distance[4] = {0, 0, 282, 282};
    for (uint32_t r = 0; r < 4; r++) {
        NeighborsResult res;
        ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
        EXPECT_EQ(res.index, expected_index[r]);
        EXPECT_EQ(res.distance, expected_distance[r]); // floor(sqrt(80016))
        EXPECT_EQ(res.label, labels[res.index]);
    }
}

TEST(Neighbors, ExtremeDistancesDoNotOverflow) {
    const uint32_t f = 1000;
    Knn knn;
    ASSERT_EQ(knn.init(2, f, 1, 2), Status::Ok);
    std::vector<int16_t> lo(f, -32768), hi(f, 32767);
    ASSERT_EQ(neighbors_add_item(&knn.m, lo.data(), f, 4, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn.m, hi.data(), f, 9, nullptr), Status::Ok);
    int32_t label;
    ASSERT_EQ(neighbors_predict(&knn.m, hi.data(), f, &label), Status::Ok);
    EXPECT_EQ(label, 9);
    NeighborsResult res;
    ASSERT_EQ(neighbors_get_result(&knn.m, 1, &res), Status::Ok);
    const uint64_t d2 = uint64_t(f) * 65535u * 65535u;
    EXPECT_EQ(res.index, 0u);
    EXPECT_EQ(res.squared_distance, d2);
    EXPECT_EQ(res.distance, 2072398u); // math.isqrt(1000 * 65535**2)
    EXPECT_EQ(uint64_t(res.distance) * res.distance <= d2, true);
    EXPECT_GT(uint64_t(res.distance + 1) * (res.distance + 1), d2);
}

TEST(Neighbors, VoteTiesGoToLowestLabel) {
    Knn knn;
    ASSERT_EQ(knn.init(8, 1, 4, 4), Status::Ok);
    // Nearest first: labels 200, 3, 3, 200 -> two votes each -> 3, although 200 is nearest.
    const int16_t xs[4] = {1, 2, 3, 4};
    const int32_t labels[4] = {200, 3, 3, 200};
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(neighbors_add_item(&knn.m, &xs[i], 1, labels[i], nullptr), Status::Ok);
    }
    const int16_t q = 0;
    int32_t label;
    ASSERT_EQ(neighbors_predict(&knn.m, &q, 1, &label), Status::Ok);
    EXPECT_EQ(label, 3);
    // A clear majority wins regardless of label order; labels beyond 10 and negative work.
    const int16_t x5 = 5, x6 = 6;
    Knn knn2;
    ASSERT_EQ(knn2.init(8, 1, 3, 3), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn2.m, &x5, 1, -7, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn2.m, &x6, 1, 255, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn2.m, &x6, 1, 255, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_predict(&knn2.m, &q, 1, &label), Status::Ok);
    EXPECT_EQ(label, 255);
    ASSERT_EQ(neighbors_replace_item(&knn2.m, 2, &x6, 1, -7), Status::Ok);
    ASSERT_EQ(neighbors_predict(&knn2.m, &q, 1, &label), Status::Ok);
    EXPECT_EQ(label, -7);
}

TEST(Neighbors, DistanceTiesGoToLowerIndex) {
    Knn knn;
    ASSERT_EQ(knn.init(6, 2, 2, 6), Status::Ok);
    // Items 1, 3 and 4 are all at squared distance 25 from the query (0, 0); item 0 is farther.
    const int16_t items[5][2] = {{9, 9}, {3, 4}, {10, 10}, {-5, 0}, {0, 5}};
    const int32_t labels[5] = {0, 1, 2, 3, 4};
    for (int i = 0; i < 5; i++) {
        ASSERT_EQ(neighbors_add_item(&knn.m, items[i], 2, labels[i], nullptr), Status::Ok);
    }
    const int16_t q[2] = {0, 0};
    int32_t label;
    ASSERT_EQ(neighbors_predict(&knn.m, q, 2, &label), Status::Ok);
    EXPECT_EQ(label, 1); // items 1 and 3: one vote each, lowest label
    const uint32_t order[5] = {1, 3, 4, 0, 2};
    for (uint32_t r = 0; r < 5; r++) {
        NeighborsResult res;
        ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
        EXPECT_EQ(res.index, order[r]) << "rank " << r;
    }
}

TEST(Neighbors, MatchesBruteForceOnRandomModels) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 300; trial++) {
        const uint32_t f = 1 + rng() % 11;
        const uint32_t n = 1 + rng() % 60;
        const uint32_t k = 1 + rng() % n;
        const int16_t span = static_cast<int16_t>(trial % 2 ? 3 : 30000); // small: many ties
        std::uniform_int_distribution<int> value(-span, span);
        Knn knn;
        ASSERT_EQ(knn.init(n + 5, f, k, n + 5), Status::Ok);
        std::vector<std::vector<int16_t>> items;
        std::vector<int32_t> labels;
        for (uint32_t i = 0; i < n + 3; i++) {
            std::vector<int16_t> x(f);
            for (auto& v : x) {
                v = static_cast<int16_t>(value(rng));
            }
            const int32_t label = static_cast<int32_t>(rng() % 5);
            ASSERT_EQ(neighbors_add_item(&knn.m, x.data(), f, label, nullptr), Status::Ok);
            items.push_back(x);
            labels.push_back(label);
        }
        // Edit the model, then compare with the brute-force statement of the contract.
        for (int e = 0; e < 3; e++) {
            const uint32_t at = rng() % items.size();
            ASSERT_EQ(neighbors_remove_item(&knn.m, at), Status::Ok);
            items.erase(items.begin() + at);
            labels.erase(labels.begin() + at);
        }
        ASSERT_EQ(knn.m.n_items, n);
        for (int qn = 0; qn < 5; qn++) {
            std::vector<int16_t> x(f);
            for (auto& v : x) {
                v = static_cast<int16_t>(value(rng));
            }
            int32_t label;
            ASSERT_EQ(neighbors_predict(&knn.m, x.data(), f, &label), Status::Ok);
            const Brute b = brute_force(items, labels, x, k);
            EXPECT_EQ(label, b.label);
            if (qn % 2 == 1) { // jump straight to some rank before walking them in order
                const uint32_t r = rng() % n;
                NeighborsResult res;
                ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
                ASSERT_EQ(res.index, b.ranking[r].second) << "trial " << trial << " rank " << r;
            }
            for (uint32_t r = 0; r < n; r++) {
                NeighborsResult res;
                ASSERT_EQ(neighbors_get_result(&knn.m, r, &res), Status::Ok);
                ASSERT_EQ(res.index, b.ranking[r].second) << "trial " << trial << " rank " << r;
                ASSERT_EQ(res.squared_distance, b.ranking[r].first);
            }
        }
    }
}

TEST(Neighbors, EditingItemsInvalidatesResults) {
    Knn knn;
    ASSERT_EQ(knn.init(4, 2, 1, 4), Status::Ok);
    const int16_t a[2] = {0, 0}, b[2] = {10, 10}, c[2] = {20, 20};
    ASSERT_EQ(neighbors_add_item(&knn.m, a, 2, 1, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn.m, b, 2, 2, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn.m, c, 2, 3, nullptr), Status::Ok);
    int32_t label;
    NeighborsResult res;
    ASSERT_EQ(neighbors_predict(&knn.m, b, 2, &label), Status::Ok);
    EXPECT_EQ(label, 2);
    ASSERT_EQ(neighbors_remove_item(&knn.m, 1), Status::Ok);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, &res), Status::NotReady);
    // Later items moved down by one.
    int16_t back[2];
    int32_t back_label;
    ASSERT_EQ(neighbors_get_item(&knn.m, 1, back, 2, &back_label), Status::Ok);
    EXPECT_EQ(back[0], 20);
    EXPECT_EQ(back_label, 3);
    EXPECT_EQ(neighbors_get_item(&knn.m, 2, back, 2, nullptr), Status::InvalidArgument);
    ASSERT_EQ(neighbors_predict(&knn.m, b, 2, &label), Status::Ok);
    EXPECT_EQ(label, 1); // (0,0) and (20,20) tie: lower index
    ASSERT_EQ(neighbors_replace_item(&knn.m, 0, c, 2, 5), Status::Ok);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, &res), Status::NotReady);
    ASSERT_EQ(neighbors_predict(&knn.m, c, 2, &label), Status::Ok);
    EXPECT_EQ(label, 5);
    ASSERT_EQ(neighbors_add_item(&knn.m, a, 2, 1, nullptr), Status::Ok);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, &res), Status::NotReady);
    ASSERT_EQ(neighbors_clear(&knn.m), Status::Ok);
    EXPECT_EQ(knn.m.n_items, 0u);
    EXPECT_EQ(neighbors_predict(&knn.m, a, 2, &label), Status::NotReady);
}

TEST(Neighbors, AnyMemoryAlignmentWorks) {
    const size_t bytes = neighbors_memory_bytes(10, 3, 4);
    ASSERT_GT(bytes, 0u);
    std::vector<uint8_t> buffer(bytes + 8);
    for (size_t offset = 0; offset < 8; offset++) {
        NeighborsModel m{};
        ASSERT_EQ(neighbors_init(&m, 10, 3, 2, 4, buffer.data() + offset, bytes), Status::Ok);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(m.ranked) % alignof(NeighborsCandidate), 0u);
        const int16_t x[3] = {1, 2, 3};
        for (int i = 0; i < 10; i++) {
            ASSERT_EQ(neighbors_add_item(&m, x, 3, i, nullptr), Status::Ok);
        }
        int32_t label;
        ASSERT_EQ(neighbors_predict(&m, x, 3, &label), Status::Ok);
        EXPECT_EQ(label, 0);
        // Every byte written stays inside [start, start + bytes).
        EXPECT_LE(reinterpret_cast<uint8_t*>(m.query + 3), buffer.data() + offset + bytes);
    }
}

TEST(Neighbors, RejectsBadConfiguration) {
    NeighborsModel m{};
    uint8_t memory[4096];
    EXPECT_EQ(neighbors_memory_bytes(10, 0, 5), 0u);  // zero features
    EXPECT_EQ(neighbors_memory_bytes(0, 3, 1), 0u);   // zero items
    EXPECT_EQ(neighbors_memory_bytes(10, 3, 11), 0u); // more results than items
    EXPECT_EQ(neighbors_memory_bytes(kNeighborsMaxItems + 1, 1, 1), 0u);
    EXPECT_EQ(neighbors_init(&m, 10, 0, 1, 1, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(neighbors_init(&m, 10, 3, 0, 1, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(neighbors_init(&m, 10, 3, 6, 5, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(neighbors_init(&m, 10, 3, 5, 11, memory, sizeof memory), Status::InvalidArgument);
    EXPECT_EQ(neighbors_init(nullptr, 10, 3, 5, 5, memory, sizeof memory), Status::InvalidArgument);
    const size_t need = neighbors_memory_bytes(10, 3, 5);
    EXPECT_EQ(neighbors_init(&m, 10, 3, 5, 5, memory, need - 1), Status::SizeMismatch);
    EXPECT_EQ(neighbors_init(&m, 10, 3, 5, 5, nullptr, need), Status::SizeMismatch);
    EXPECT_EQ(m.items, nullptr); // failed init leaves it uninitialised
}

TEST(Neighbors, RejectsUseBeforeInit) {
    NeighborsModel m{};
    const int16_t x[2] = {0, 0};
    int16_t out[2];
    int32_t label;
    NeighborsResult res;
    EXPECT_EQ(neighbors_add_item(&m, x, 2, 0, nullptr), Status::NotReady);
    EXPECT_EQ(neighbors_get_item(&m, 0, out, 2, nullptr), Status::NotReady);
    EXPECT_EQ(neighbors_replace_item(&m, 0, x, 2, 0), Status::NotReady);
    EXPECT_EQ(neighbors_remove_item(&m, 0), Status::NotReady);
    EXPECT_EQ(neighbors_predict(&m, x, 2, &label), Status::NotReady);
    EXPECT_EQ(neighbors_get_result(&m, 0, &res), Status::NotReady);
    EXPECT_EQ(neighbors_clear(&m), Status::NotReady);
    EXPECT_EQ(neighbors_predict(nullptr, x, 2, &label), Status::NotReady);
}

TEST(Neighbors, RejectsBadCalls) {
    Knn knn;
    ASSERT_EQ(knn.init(3, 2, 2, 2), Status::Ok);
    const int16_t x[3] = {1, 2, 3};
    int16_t out[3];
    int32_t label;
    NeighborsResult res;
    // Wrong sizes.
    EXPECT_EQ(neighbors_add_item(&knn.m, x, 3, 0, nullptr), Status::SizeMismatch);
    EXPECT_EQ(neighbors_add_item(&knn.m, x, 1, 0, nullptr), Status::SizeMismatch);
    EXPECT_EQ(neighbors_add_item(&knn.m, nullptr, 2, 0, nullptr), Status::SizeMismatch);
    EXPECT_EQ(neighbors_add_item(&knn.m, x, 2, 32768, nullptr), Status::InvalidArgument);
    EXPECT_EQ(neighbors_add_item(&knn.m, x, 2, -32769, nullptr), Status::InvalidArgument);
    ASSERT_EQ(neighbors_add_item(&knn.m, x, 2, 0, nullptr), Status::Ok);
    // k > n_items.
    EXPECT_EQ(neighbors_predict(&knn.m, x, 2, &label), Status::NotReady);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, &res), Status::NotReady);
    ASSERT_EQ(neighbors_add_item(&knn.m, x, 2, 1, nullptr), Status::Ok);
    ASSERT_EQ(neighbors_add_item(&knn.m, x, 2, 1, nullptr), Status::Ok);
    // Capacity full.
    EXPECT_EQ(neighbors_add_item(&knn.m, x, 2, 0, nullptr), Status::CapacityFull);
    EXPECT_EQ(knn.m.n_items, 3u);
    // Index out of range.
    EXPECT_EQ(neighbors_get_item(&knn.m, 3, out, 2, nullptr), Status::InvalidArgument);
    EXPECT_EQ(neighbors_replace_item(&knn.m, 3, x, 2, 0), Status::InvalidArgument);
    EXPECT_EQ(neighbors_remove_item(&knn.m, 3), Status::InvalidArgument);
    EXPECT_EQ(neighbors_get_item(&knn.m, 0, out, 3, nullptr), Status::SizeMismatch);
    EXPECT_EQ(neighbors_replace_item(&knn.m, 0, x, 3, 0), Status::SizeMismatch);
    EXPECT_EQ(neighbors_replace_item(&knn.m, 0, x, 2, 40000), Status::InvalidArgument);
    EXPECT_EQ(neighbors_predict(&knn.m, x, 3, &label), Status::SizeMismatch);
    EXPECT_EQ(neighbors_predict(&knn.m, x, 2, nullptr), Status::InvalidArgument);
    ASSERT_EQ(neighbors_predict(&knn.m, x, 2, &label), Status::Ok);
    EXPECT_EQ(label, 0); // items 0 (label 0) and 1 (label 1) are nearest: tie, lowest label
    ASSERT_EQ(neighbors_get_result(&knn.m, 1, &res), Status::Ok);
    // Rank beyond the window of max_results (2): reached by sliding it.
    ASSERT_EQ(neighbors_get_result(&knn.m, 2, &res), Status::Ok);
    EXPECT_EQ(res.index, 2u); // every item is at distance 0: the index decides
    EXPECT_EQ(neighbors_get_result(&knn.m, 3, &res), Status::InvalidArgument);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, nullptr), Status::InvalidArgument);
    // A rejected call leaves the previous results intact.
    EXPECT_EQ(neighbors_predict(&knn.m, x, 1, &label), Status::SizeMismatch);
    EXPECT_EQ(neighbors_get_result(&knn.m, 0, &res), Status::Ok);
}
