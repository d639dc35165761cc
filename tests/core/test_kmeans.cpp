// k-means: euclidean_argmin, the cluster_iter state machine against a numpy statement of the
// reference algorithm (tests/data/learn_kmeans_blobs.txt from gen_learning_refs.py), the
// rounding and empty-cluster rules, and rejected inputs.
#include "kmeans.h"

#include <gtest/gtest.h>

#include "refdata.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace microlearn;

namespace {

template <typename T> std::vector<T> as(const refdata::RefArray& a) {
    return std::vector<T>(a.v.begin(), a.v.end());
}

constexpr KmeansElement element_of(uint8_t) {
    return KmeansElement::Uint8;
}
constexpr KmeansElement element_of(int16_t) {
    return KmeansElement::Int16;
}
constexpr KmeansElement element_of(float) {
    return KmeansElement::Float32;
}

// Runs the generator to exhaustion, as `for changes in cluster_iter(...)` does.
template <typename T>
std::vector<uint32_t> run_cluster_iter(const std::vector<T>& values, std::vector<T>& centroids,
                                       std::vector<uint8_t>& assignments, uint32_t n_features,
                                       uint32_t max_iter, uint32_t stop_changes,
                                       KmeansRounding rounding) {
    KmeansProblem p;
    EXPECT_EQ(kmeans_problem_init(&p, element_of(T()), values.data(), uint32_t(values.size()),
                                  centroids.data(), uint32_t(centroids.size()), assignments.data(),
                                  uint32_t(assignments.size()), n_features),
              Status::Ok);
    std::vector<uint8_t> scratch(kmeans_scratch_bytes(p.n_clusters, n_features));
    KmeansIter it;
    EXPECT_EQ(
        kmeans_iter_init(&it, &p, max_iter, stop_changes, rounding, scratch.data(), scratch.size()),
        Status::Ok);
    std::vector<uint32_t> changes;
    for (int guard = 0; guard < 1000; guard++) {
        bool produced = false;
        uint32_t n = 0;
        EXPECT_EQ(kmeans_iter_next(&it, &produced, &n), Status::Ok);
        if (!produced) {
            break;
        }
        changes.push_back(n);
    }
    return changes;
}

template <typename T>
void check_blobs(const char* name, const char* rounding_name, KmeansRounding rounding,
                 double tolerance) {
    auto refs = refdata::load_arrays("learn_kmeans_blobs.txt");
    ASSERT_FALSE(refs.empty());
    const std::string tag = std::string(name) + "_" + rounding_name;
    const refdata::RefArray& values_ref = refs[std::string(name) + "_values"];
    const uint32_t f = uint32_t(values_ref.cols);
    const auto values = as<T>(values_ref);
    auto centroids = as<T>(refs[std::string(name) + "_init"]);
    const auto initial = centroids;
    std::vector<uint8_t> assignments(values_ref.rows, kKmeansUnassigned);

    const auto changes = run_cluster_iter(values, centroids, assignments, f, 20, 0, rounding);
    EXPECT_EQ(changes, as<uint32_t>(refs[tag + "_changes"])) << tag;
    EXPECT_EQ(assignments, as<uint8_t>(refs[tag + "_assignments"])) << tag;
    const auto expected = refs[tag + "_centroids"].v;
    ASSERT_EQ(centroids.size(), expected.size());
    for (size_t i = 0; i < expected.size(); i++) {
        EXPECT_NEAR(double(centroids[i]), expected[i], tolerance * (1.0 + std::fabs(expected[i])))
            << tag << " value " << i;
    }
    // The far centroid (the last) never gets a sample and keeps its initial value.
    for (uint32_t j = 0; j < f; j++) {
        EXPECT_EQ(centroids[centroids.size() - f + j], initial[initial.size() - f + j]);
    }
}

template <typename T> void check_max_iter(const char* name, double tolerance) {
    auto refs = refdata::load_arrays("learn_kmeans_blobs.txt");
    const refdata::RefArray& values_ref = refs[std::string(name) + "_values"];
    const uint32_t f = uint32_t(values_ref.cols);
    const auto values = as<T>(values_ref);
    auto centroids = as<T>(refs[std::string(name) + "_init"]);
    std::vector<uint8_t> assignments(values_ref.rows, kKmeansUnassigned);
    const auto changes =
        run_cluster_iter(values, centroids, assignments, f, 3, 0, KmeansRounding::Nearest);
    EXPECT_EQ(changes, as<uint32_t>(refs[std::string(name) + "_max3_changes"]));
    // The generator's final resume applies the third iteration's update.
    const auto expected = refs[std::string(name) + "_max3_centroids"].v;
    for (size_t i = 0; i < expected.size(); i++) {
        EXPECT_NEAR(double(centroids[i]), expected[i], tolerance * (1.0 + std::fabs(expected[i])));
    }
}

} // namespace

TEST(Kmeans, ArgminFindsNearestAndFirstOnTies) {
    const uint8_t palette[] = {0, 0, 0, 255, 255, 255, 10, 10, 10, 10, 10, 10};
    const uint8_t point[] = {9, 12, 10};
    uint32_t index = 99, d = 0;
    ASSERT_EQ(euclidean_argmin(palette, 12, point, 3, &index, &d), Status::Ok);
    EXPECT_EQ(index, 2u); // rows 2 and 3 are equal: the first wins
    EXPECT_EQ(d, 1u + 4u + 0u);
    ASSERT_EQ(euclidean_argmin(palette, 12, point, 3, &index, nullptr), Status::Ok);
    // uint8 differences are exact in both directions.
    const uint8_t high[] = {255, 255, 255};
    ASSERT_EQ(euclidean_argmin(palette, 6, high, 3, &index, &d), Status::Ok);
    EXPECT_EQ(index, 1u);
    EXPECT_EQ(d, 0u);
    const uint8_t low_point[] = {0, 0, 0};
    const uint8_t only_high[] = {255, 255, 255};
    ASSERT_EQ(euclidean_argmin(only_high, 3, low_point, 3, &index, &d), Status::Ok);
    EXPECT_EQ(d, 3u * 255u * 255u);
}

TEST(Kmeans, ArgminInt16AndFloat) {
    const int16_t v16[] = {-32768, -32768, 32767, 32767};
    const int16_t p16[] = {32767, -32768};
    uint32_t index;
    uint64_t d64;
    ASSERT_EQ(euclidean_argmin(v16, 4, p16, 2, &index, &d64), Status::Ok);
    EXPECT_EQ(index, 0u); // both at 65535^2: first wins
    EXPECT_EQ(d64, uint64_t(65535) * 65535u);

    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float vf[] = {nan, 0.0f, 1.0f, 1.0f, 0.5f, 0.5f};
    const float pf[] = {1.0f, 1.0f};
    float df;
    ASSERT_EQ(euclidean_argmin(vf, 6, pf, 2, &index, &df), Status::Ok);
    EXPECT_EQ(index, 1u); // the NaN row never wins
    EXPECT_EQ(df, 0.0f);
    const float all_nan[] = {nan, nan};
    ASSERT_EQ(euclidean_argmin(all_nan, 2, pf, 1, &index, &df), Status::Ok);
    EXPECT_EQ(index, 0u);
}

TEST(Kmeans, ArgminRejectsBadSizes) {
    const uint8_t v[] = {1, 2, 3, 4, 5, 6, 7};
    const uint8_t p[] = {1, 2, 3};
    uint32_t index, d;
    EXPECT_EQ(euclidean_argmin(v, 7, p, 3, &index, &d), Status::SizeMismatch);
    EXPECT_EQ(euclidean_argmin(v, 2, p, 3, &index, &d), Status::SizeMismatch);
    EXPECT_EQ(euclidean_argmin(v, 6, p, 0, &index, &d), Status::InvalidArgument);
    EXPECT_EQ(euclidean_argmin(v, 0, p, 3, &index, &d), Status::InvalidArgument);
    EXPECT_EQ(euclidean_argmin(static_cast<const uint8_t*>(nullptr), 6, p, 3, &index, &d),
              Status::InvalidArgument);
    EXPECT_EQ(euclidean_argmin(v, 6, p, 3, nullptr, &d), Status::InvalidArgument);
}

TEST(Kmeans, BlobsUint8Nearest) {
    check_blobs<uint8_t>("u8", "nearest", KmeansRounding::Nearest, 0);
}
TEST(Kmeans, BlobsUint8Floor) {
    check_blobs<uint8_t>("u8", "floor", KmeansRounding::Floor, 0);
}
TEST(Kmeans, BlobsInt16Nearest) {
    check_blobs<int16_t>("i16", "nearest", KmeansRounding::Nearest, 0);
}
TEST(Kmeans, BlobsInt16Floor) {
    check_blobs<int16_t>("i16", "floor", KmeansRounding::Floor, 0);
}
// float32 sums in sample order against a float64 mean: a few ulp.
TEST(Kmeans, BlobsFloat) {
    check_blobs<float>("f32", "nearest", KmeansRounding::Nearest, 1e-6);
}

TEST(Kmeans, MaxIterStopsAfterFinalUpdate) {
    check_max_iter<uint8_t>("u8", 0);
    check_max_iter<int16_t>("i16", 0);
    check_max_iter<float>("f32", 1e-6);
}

// The reference's tests/test_kmeans.py.
TEST(Kmeans, ReferenceScenarios) {
    std::vector<uint8_t> data = {0, 0, 0, 10, 5, 2, 200, 50, 100, 255, 255, 255};
    std::vector<uint8_t> centroids = {0, 0, 0, 200, 200, 200};
    std::vector<uint8_t> assignments(4, kKmeansUnassigned);
    run_cluster_iter(data, centroids, assignments, 3, 10, 0, KmeansRounding::Floor);
    EXPECT_EQ(assignments, (std::vector<uint8_t>{0, 0, 1, 1}));

    std::vector<uint8_t> zeros(10 * 100, 0);
    std::vector<uint8_t> zero_centroids(10 * 10, 0);
    std::vector<uint8_t> a2(100, kKmeansUnassigned);
    const auto changes =
        run_cluster_iter(zeros, zero_centroids, a2, 10, 2, 0, KmeansRounding::Nearest);
    EXPECT_EQ(changes, (std::vector<uint32_t>{100, 0}));
    for (uint8_t a : a2) {
        EXPECT_EQ(a, 0); // all ties: the first centroid
    }
}

TEST(Kmeans, StopChangesKeepsCentroidsOfLastAssignment) {
    std::vector<uint8_t> data = {0, 2, 10, 12};
    std::vector<uint8_t> centroids = {1, 11};
    std::vector<uint8_t> assignments(4, kKmeansUnassigned);
    // The first iteration changes all 4 (> stop_changes 3): the update runs; the second changes 0.
    const auto changes =
        run_cluster_iter(data, centroids, assignments, 1, 10, 3, KmeansRounding::Nearest);
    EXPECT_EQ(changes, (std::vector<uint32_t>{4, 0}));
    EXPECT_EQ(centroids, (std::vector<uint8_t>{1, 11}));
    // stop_changes >= n_samples: one assignment, no update at all.
    std::vector<uint8_t> c2 = {0, 20};
    std::vector<uint8_t> a2(4, kKmeansUnassigned);
    EXPECT_EQ(run_cluster_iter(data, c2, a2, 1, 10, 4, KmeansRounding::Nearest),
              (std::vector<uint32_t>{4}));
    EXPECT_EQ(c2, (std::vector<uint8_t>{0, 20}));
    // max_iter 0: nothing at all.
    std::vector<uint8_t> a3(4, kKmeansUnassigned);
    EXPECT_TRUE(run_cluster_iter(data, c2, a3, 1, 0, 0, KmeansRounding::Nearest).empty());
    EXPECT_EQ(a3, std::vector<uint8_t>(4, kKmeansUnassigned));
}

TEST(Kmeans, IntegerMeanRounding) {
    struct Case {
        std::vector<int16_t> values;
        int16_t nearest, floor;
    };
    const Case cases[] = {
        {{0, 1}, 1, 0},     // 0.5: half away from zero / floor
        {{-1, -2}, -2, -2}, // -1.5
        {{-1, 0}, -1, -1},  // -0.5
        {{1, 2, 4}, 2, 2},  // 2.33
        {{1, 2, 5}, 3, 2},  // 2.67
        {{-1, -2, -5}, -3, -3}, {{-1, -2, -4}, -2, -3},
    };
    for (const Case& c : cases) {
        for (KmeansRounding r : {KmeansRounding::Nearest, KmeansRounding::Floor}) {
            std::vector<int16_t> centroid = {c.values[0]};
            std::vector<uint8_t> assignments(c.values.size(), 0);
            KmeansProblem p;
            ASSERT_EQ(kmeans_problem_init(&p, KmeansElement::Int16, c.values.data(),
                                          uint32_t(c.values.size()), centroid.data(), 1,
                                          assignments.data(), uint32_t(assignments.size()), 1),
                      Status::Ok);
            uint8_t scratch[16];
            ASSERT_EQ(kmeans_update_centroids(&p, r, scratch, sizeof scratch), Status::Ok);
            EXPECT_EQ(centroid[0], r == KmeansRounding::Nearest ? c.nearest : c.floor);
        }
    }
    // uint8 0.5 steps.
    std::vector<uint8_t> v8 = {254, 255};
    std::vector<uint8_t> c8 = {0};
    std::vector<uint8_t> a8 = {0, 0};
    KmeansProblem p;
    ASSERT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, v8.data(), 2, c8.data(), 1, a8.data(), 2, 1),
        Status::Ok);
    uint8_t scratch[16];
    ASSERT_EQ(kmeans_update_centroids(&p, KmeansRounding::Nearest, scratch, sizeof scratch),
              Status::Ok);
    EXPECT_EQ(c8[0], 255);
    ASSERT_EQ(kmeans_update_centroids(&p, KmeansRounding::Floor, scratch, sizeof scratch),
              Status::Ok);
    EXPECT_EQ(c8[0], 254);
}

TEST(Kmeans, LargestSumsDoNotOverflow) {
    for (int16_t value : {int16_t(-32768), int16_t(32767)}) {
        std::vector<int16_t> values(kKmeansMaxSamples, value);
        std::vector<int16_t> centroid = {0};
        std::vector<uint8_t> assignments(kKmeansMaxSamples, 0);
        KmeansProblem p;
        ASSERT_EQ(kmeans_problem_init(&p, KmeansElement::Int16, values.data(), kKmeansMaxSamples,
                                      centroid.data(), 1, assignments.data(), kKmeansMaxSamples, 1),
                  Status::Ok);
        uint8_t scratch[16];
        for (KmeansRounding r : {KmeansRounding::Nearest, KmeansRounding::Floor}) {
            ASSERT_EQ(kmeans_update_centroids(&p, r, scratch, sizeof scratch), Status::Ok);
            EXPECT_EQ(centroid[0], value);
        }
    }
}

TEST(Kmeans, UnassignedSamplesAreIgnoredByUpdate) {
    std::vector<float> values = {1.0f, 3.0f, 100.0f};
    std::vector<float> centroids = {0.0f, 50.0f};
    std::vector<uint8_t> assignments = {0, 0, kKmeansUnassigned};
    KmeansProblem p;
    ASSERT_EQ(kmeans_problem_init(&p, KmeansElement::Float32, values.data(), 3, centroids.data(), 2,
                                  assignments.data(), 3, 1),
              Status::Ok);
    std::vector<uint8_t> scratch(kmeans_scratch_bytes(2, 1));
    ASSERT_EQ(kmeans_update_centroids(&p, KmeansRounding::Nearest, scratch.data(), scratch.size()),
              Status::Ok);
    EXPECT_EQ(centroids, (std::vector<float>{2.0f, 50.0f})); // cluster 1 empty: unchanged
    uint32_t changes;
    ASSERT_EQ(kmeans_assign(&p, &changes), Status::Ok);
    EXPECT_EQ(changes, 1u);
    EXPECT_EQ(assignments, (std::vector<uint8_t>{0, 0, 1}));
}

TEST(Kmeans, ScratchAtAnyAlignment) {
    std::vector<int16_t> values = {1, 2, 3, 10, 11, 12};
    std::vector<int16_t> centroids = {0, 0, 0};
    std::vector<uint8_t> assignments = {0, 0};
    KmeansProblem p;
    ASSERT_EQ(kmeans_problem_init(&p, KmeansElement::Int16, values.data(), 6, centroids.data(), 3,
                                  assignments.data(), 2, 3),
              Status::Ok);
    const size_t bytes = kmeans_scratch_bytes(1, 3);
    std::vector<uint8_t> buffer(bytes + 4);
    for (size_t offset = 0; offset < 4; offset++) {
        ASSERT_EQ(
            kmeans_update_centroids(&p, KmeansRounding::Nearest, buffer.data() + offset, bytes),
            Status::Ok);
        EXPECT_EQ(centroids, (std::vector<int16_t>{6, 7, 8})); // 5.5, 6.5, 7.5 rounded up
    }
}

TEST(Kmeans, RejectsBadProblems) {
    uint8_t values[12] = {};
    uint8_t centroids[6] = {};
    uint8_t assignments[4] = {};
    KmeansProblem p{};
    // Zero features, lengths not multiples of n_features, wrong assignment count.
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 12, centroids, 6, assignments, 4, 0),
        Status::InvalidArgument);
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 11, centroids, 6, assignments, 4, 3),
        Status::SizeMismatch);
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 12, centroids, 5, assignments, 4, 3),
        Status::SizeMismatch);
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 12, centroids, 6, assignments, 3, 3),
        Status::SizeMismatch);
    // Empty data or no centroids.
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 0, centroids, 6, assignments, 0, 3),
        Status::InvalidArgument);
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 12, centroids, 0, assignments, 4, 3),
        Status::InvalidArgument);
    EXPECT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, nullptr, 12, centroids, 6, assignments, 4, 3),
        Status::InvalidArgument);
    EXPECT_EQ(kmeans_problem_init(&p, static_cast<KmeansElement>(9), values, 12, centroids, 6,
                                  assignments, 4, 3),
              Status::InvalidArgument);
    // More than 255 clusters or 65535 samples.
    std::vector<uint8_t> many(256, 0);
    EXPECT_EQ(kmeans_problem_init(&p, KmeansElement::Uint8, values, 12, many.data(), 256,
                                  assignments, 12, 1),
              Status::InvalidArgument);
    std::vector<uint8_t> big(kKmeansMaxSamples + 1, 0);
    EXPECT_EQ(kmeans_problem_init(&p, KmeansElement::Uint8, big.data(), uint32_t(big.size()),
                                  centroids, 1, big.data(), uint32_t(big.size()), 1),
              Status::InvalidArgument);
    // A rejected problem stays unusable.
    uint32_t changes;
    EXPECT_EQ(kmeans_assign(&p, &changes), Status::NotReady);
    EXPECT_EQ(kmeans_scratch_bytes(0, 3), 0u);
    EXPECT_EQ(kmeans_scratch_bytes(3, 0), 0u);
    EXPECT_EQ(kmeans_scratch_bytes(256, 3), 0u);
}

TEST(Kmeans, RejectsUseBeforeInitAndBadScratch) {
    KmeansProblem uninit{};
    uint8_t scratch[64];
    uint32_t changes;
    EXPECT_EQ(kmeans_assign(&uninit, &changes), Status::NotReady);
    EXPECT_EQ(kmeans_assign(nullptr, &changes), Status::NotReady);
    EXPECT_EQ(kmeans_update_centroids(&uninit, KmeansRounding::Nearest, scratch, sizeof scratch),
              Status::NotReady);
    KmeansIter it;
    EXPECT_EQ(
        kmeans_iter_init(&it, &uninit, 10, 0, KmeansRounding::Nearest, scratch, sizeof scratch),
        Status::NotReady);
    bool produced = true;
    EXPECT_EQ(kmeans_iter_next(&it, &produced, &changes), Status::Ok);
    EXPECT_FALSE(produced); // a rejected iterator is simply exhausted

    uint8_t values[6] = {1, 2, 3, 4, 5, 6};
    uint8_t centroids[6] = {0, 0, 0, 9, 9, 9};
    uint8_t assignments[2] = {255, 255};
    KmeansProblem p;
    ASSERT_EQ(
        kmeans_problem_init(&p, KmeansElement::Uint8, values, 6, centroids, 6, assignments, 2, 3),
        Status::Ok);
    const size_t need = kmeans_scratch_bytes(2, 3);
    EXPECT_EQ(kmeans_update_centroids(&p, KmeansRounding::Nearest, scratch, need - 1),
              Status::SizeMismatch);
    EXPECT_EQ(kmeans_update_centroids(&p, KmeansRounding::Nearest, nullptr, need),
              Status::SizeMismatch);
    EXPECT_EQ(kmeans_update_centroids(&p, static_cast<KmeansRounding>(7), scratch, need),
              Status::InvalidArgument);
    EXPECT_EQ(kmeans_iter_init(&it, &p, 10, 0, KmeansRounding::Nearest, scratch, need - 1),
              Status::SizeMismatch);
    EXPECT_EQ(kmeans_iter_next(&it, nullptr, &changes), Status::InvalidArgument);
    // After exhaustion the generator keeps reporting nothing.
    ASSERT_EQ(kmeans_iter_init(&it, &p, 1, 0, KmeansRounding::Nearest, scratch, need), Status::Ok);
    ASSERT_EQ(kmeans_iter_next(&it, &produced, &changes), Status::Ok);
    EXPECT_TRUE(produced);
    EXPECT_EQ(changes, 2u);
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(kmeans_iter_next(&it, &produced, &changes), Status::Ok);
        EXPECT_FALSE(produced);
    }
}
