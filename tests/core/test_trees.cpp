// Engine tests for tree ensembles, the decimal scanner and the streaming CSV reader.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "decimal.h"
#include "trees.h"
#include "trees_csv.h"

using namespace microlearn;

namespace {

// An ensemble with its own buffers, sized like the api would size them.
struct Model {
    TreeEnsemble e{};
    std::vector<uint32_t> storage;
    std::vector<uint32_t> leaves;

    Model(uint32_t max_trees, uint32_t max_nodes, uint32_t max_leaves) {
        storage.resize(trees_storage_bytes(max_trees, max_nodes) / 4 + 1);
        EXPECT_EQ(Status::Ok, trees_init(&e, max_trees, max_nodes, max_leaves, storage.data(),
                                         storage.size() * 4));
    }
};

Status prepare(void* context, TreeEnsemble* e) {
    Model* m = static_cast<Model*>(context);
    const size_t bytes = size_t(e->max_leaves) * trees_leaf_bytes(e->leaf_kind, e->n_classes);
    m->leaves.assign(bytes / 4 + 1, 0);
    return trees_attach_leaves(e, m->leaves.data(), m->leaves.size() * 4);
}

// Feeds text in chunks of `chunk` bytes; returns the parser for inspection.
TreesCsvParser load(Model& m, const std::string& text, size_t chunk = 7) {
    TreesCsvParser p;
    trees_csv_begin(&p, &m.e, prepare, &m);
    for (size_t i = 0; i < text.size(); i += chunk) {
        const size_t n = std::min(chunk, text.size() - i);
        if (trees_csv_feed(&p, text.data() + i, n) != Status::Ok) {
            return p;
        }
    }
    trees_csv_end(&p);
    return p;
}

std::vector<float> predict(const Model& m, std::vector<int16_t> x) {
    std::vector<float> out(trees_n_outputs(&m.e));
    EXPECT_EQ(Status::Ok,
              trees_predict(&m.e, x.data(), uint32_t(x.size()), out.data(), uint32_t(out.size())));
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

DecimalScanner scan(const char* s) {
    DecimalScanner d;
    decimal_reset(&d);
    for (; *s; s++) {
        decimal_push(&d, *s);
    }
    return d;
}

} // namespace

TEST(TreesDecimal, CeilMatchesLibmOnManyValues) {
    const char* cases[] = {"0",     "5.5",    "-2.5",       "6466.0",   "15279.5", "-0.0001",
                           "1e-05", "-1e-05", "32767.5",    "-32768.5", "1.5e3",   "123456789012",
                           "0.5",   "-0.5",   "2.00000001", "7",        "-7",      "1E2"};
    for (const char* c : cases) {
        const DecimalScanner d = scan(c);
        ASSERT_TRUE(decimal_complete(&d)) << c;
        const double expected = std::min(40000.0, std::max(-40000.0, std::ceil(std::stod(c))));
        EXPECT_EQ(int32_t(expected), decimal_ceil_clamped(&d)) << c;
    }
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> dist(-40000.0, 40000.0);
    for (int i = 0; i < 20000; i++) {
        char text[64];
        snprintf(text, sizeof text, "%.*f", i % 6, dist(rng));
        const DecimalScanner d = scan(text);
        EXPECT_EQ(int32_t(std::ceil(std::stod(text))), decimal_ceil_clamped(&d)) << text;
    }
}

// A field of 2^31 digits wrapped exp10 (signed overflow: 1e2147483720 read as 1e-2147483576). It
// saturates at +-2^30; the test starts near there rather than pushing two billion digits.
TEST(TreesDecimal, TheDigitCountSaturates) {
    DecimalScanner d = scan("123456789"); // nine digits kept: further ones count in exp10
    d.exp10 = (1 << 30) - 1;
    for (int i = 0; i < 3; i++) {
        decimal_push(&d, '0');
    }
    EXPECT_EQ(d.exp10, 1 << 30);
    EXPECT_EQ(decimal_to_float(&d), std::numeric_limits<float>::infinity());
    d = scan("0.");
    d.exp10 = -(1 << 30) + 1;
    for (int i = 0; i < 3; i++) {
        decimal_push(&d, '0');
    }
    decimal_push(&d, '5');
    EXPECT_EQ(d.exp10, -(1 << 30));
    EXPECT_EQ(decimal_to_float(&d), 0.0f);
    EXPECT_EQ(decimal_ceil_clamped(&d), 1); // above zero
}

uint32_t bits_of(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    return bits;
}

float parsed(const char* text) {
    const DecimalScanner d = scan(text);
    EXPECT_TRUE(decimal_complete(&d)) << text;
    return decimal_to_float(&d);
}

// glibc's strtof rounds correctly: up to nine significant digits the engine must give its bits.
TEST(TreesDecimal, FloatEqualsStrtofUpToNineDigits) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<uint32_t> any_bits(0, 0xffffffffu);
    std::uniform_int_distribution<int> digits(1, 9);
    std::uniform_int_distribution<int> exp10(-60, 45);
    for (int i = 0; i < 200000; i++) {
        char text[64];
        if (i % 2 == 0) {
            // Every float32 printed to round-trip (subnormals, the largest, both signs).
            uint32_t bits = any_bits(rng);
            if ((bits & 0x7f800000u) == 0x7f800000u) {
                continue; // inf, NaN
            }
            float value;
            std::memcpy(&value, &bits, sizeof value);
            snprintf(text, sizeof text, "%.*g", digits(rng) == 1 ? 6 : 9, double(value));
        } else {
            // Decimals of any digit count and exponent: ties, overflow, underflow.
            const int n = digits(rng);
            uint32_t m = any_bits(rng) % 1000000000u;
            m /= uint32_t(std::pow(10.0, 9 - n));
            snprintf(text, sizeof text, "%s%ue%d", (i & 2) ? "-" : "", unsigned(m), exp10(rng));
        }
        ASSERT_EQ(bits_of(std::strtof(text, nullptr)), bits_of(parsed(text))) << text;
    }
}

TEST(TreesDecimal, FloatEdgeCases) {
    for (const char* text : {"3.4028235e38",
                             "3.40282346e38",
                             "3.4028236e38",
                             "3.40282357e38",
                             "340282350000000000000000000000000000000",
                             "1.17549435e-38",
                             "1.4e-45",
                             "1.401298464e-45",
                             "7.006492e-46",
                             "7.0064924e-46",
                             "7.0064923e-46",
                             "0.5",
                             "16777217",
                             "16777219",
                             "1e38",
                             "1e39",
                             "1e-46",
                             "0e99",
                             "-0.0",
                             "123456789e-9"}) {
        EXPECT_EQ(bits_of(std::strtof(text, nullptr)), bits_of(parsed(text))) << text;
    }
    // More than nine significant digits: rounded from the first nine and a non-zero remainder,
    // within one ulp of the exact value.
    std::mt19937 rng(5);
    for (int i = 0; i < 20000; i++) {
        char text[64];
        snprintf(text, sizeof text, "%u%u.%ue%d", unsigned(rng() % 1000000),
                 unsigned(rng() % 1000000), unsigned(rng()), int(rng() % 60) - 30);
        const float want = std::strtof(text, nullptr);
        const float got = parsed(text);
        EXPECT_LE(std::abs(int64_t(bits_of(want)) - int64_t(bits_of(got))), 1) << text;
    }
}

TEST(TreesDecimal, RejectsMalformedNumbers) {
    for (const char* c : {"", "-", "1e", "1e+", "--1", "1.2.3", "e5", "1-", "abc", "."}) {
        const DecimalScanner d = scan(c);
        EXPECT_FALSE(decimal_complete(&d)) << c;
    }
    int32_t v = 0;
    DecimalScanner d = scan("2.5");
    EXPECT_FALSE(decimal_to_int(&d, &v));
    d = scan("-17");
    EXPECT_TRUE(decimal_to_int(&d, &v));
    EXPECT_EQ(-17, v);
}

TEST(TreesEngine, InitRejectsBadCapacitiesAndShortStorage) {
    TreeEnsemble e{};
    uint32_t buffer[8];
    EXPECT_EQ(Status::InvalidArgument, trees_init(&e, 0, 1, 1, buffer, sizeof buffer));
    EXPECT_EQ(Status::InvalidArgument, trees_init(&e, 1, 70000, 1, buffer, sizeof buffer));
    EXPECT_EQ(Status::SizeMismatch, trees_init(&e, 1, 4, 1, buffer, sizeof buffer));
    EXPECT_EQ(Status::SizeMismatch, trees_init(&e, 1, 1, 1, nullptr, 0));
    EXPECT_EQ(Status::Ok, trees_init(&e, 1, 2, 1, buffer, sizeof buffer));
}

TEST(TreesEngine, PredictBeforeValidationOrWithWrongSizesFails) {
    Model m(2, 2, 2);
    int16_t x[2] = {0, 0};
    float out[2];
    EXPECT_EQ(Status::NotReady, trees_predict(&m.e, x, 2, out, 2));
    EXPECT_EQ(TreesFault::NoData, trees_validate(&m.e).fault);
    ASSERT_EQ(Status::Ok, trees_set_data(&m.e, 2, 2, LeafKind::Class));
    EXPECT_EQ(TreesFault::NoTrees, trees_validate(&m.e).fault);
    ASSERT_EQ(Status::Ok, prepare(&m, &m.e));
    const float klass = 1.0f;
    ASSERT_EQ(Status::Ok, trees_add_leaf_values(&m.e, &klass, 1));
    ASSERT_EQ(Status::Ok, trees_add_root(&m.e, 0));
    ASSERT_EQ(Status::Ok, trees_add_node(&m.e, 1, 0, -1, -1));
    ASSERT_EQ(Status::Ok, trees_validate(&m.e).status);
    EXPECT_EQ(Status::SizeMismatch, trees_predict(&m.e, x, 1, out, 2));
    EXPECT_EQ(Status::SizeMismatch, trees_predict(&m.e, x, 2, out, 1));
    ASSERT_EQ(Status::Ok, trees_predict(&m.e, x, 2, out, 2));
    EXPECT_EQ(0.0f, out[0]);
    EXPECT_EQ(1.0f, out[1]);
    // Any change invalidates until the next validation.
    ASSERT_EQ(Status::Ok, trees_add_root(&m.e, 0));
    EXPECT_EQ(Status::NotReady, trees_predict(&m.e, x, 2, out, 2));
}

TEST(TreesEngine, ValidationFindsEachKindOfDanglingReference) {
    struct Case {
        int32_t root, feature, left, right, leaf_class;
        TreesFault fault;
    } cases[] = {
        {1, 0, -1, -1, 0, TreesFault::Root},      {0, 3, -1, -1, 0, TreesFault::Feature},
        {0, 0, 1, -1, 0, TreesFault::Child},      {0, 0, -1, -2, 0, TreesFault::Leaf},
        {0, 0, -1, -1, 2, TreesFault::LeafValue},
    };
    for (const Case& c : cases) {
        Model m(1, 1, 1);
        ASSERT_EQ(Status::Ok, trees_set_data(&m.e, 3, 2, LeafKind::Class));
        ASSERT_EQ(Status::Ok, prepare(&m, &m.e));
        const float klass = float(c.leaf_class);
        ASSERT_EQ(Status::Ok, trees_add_leaf_values(&m.e, &klass, 1));
        ASSERT_EQ(Status::Ok, trees_add_root(&m.e, c.root));
        ASSERT_EQ(Status::Ok, trees_add_node(&m.e, uint32_t(c.feature), 0, c.left, c.right));
        const TreesCheck check = trees_validate(&m.e);
        EXPECT_EQ(Status::Corrupt, check.status);
        EXPECT_EQ(c.fault, check.fault);
    }
}

TEST(TreesEngine, RejectedLeafLeavesNoTrace) {
    Model m(1, 1, 2);
    ASSERT_EQ(Status::Ok, trees_set_data(&m.e, 1, 2, LeafKind::Proba8));
    ASSERT_EQ(Status::Ok, prepare(&m, &m.e));
    const float bad[2] = {10.0f, 300.0f};
    EXPECT_EQ(Status::InvalidArgument, trees_add_leaf_values(&m.e, bad, 2));
    EXPECT_EQ(Status::SizeMismatch, trees_add_leaf_values(&m.e, bad, 1));
    EXPECT_EQ(0u, m.e.n_leaves);
    const float good[2] = {10.0f, 245.0f};
    EXPECT_EQ(Status::Ok, trees_add_leaf_values(&m.e, good, 2));
    EXPECT_EQ(1u, m.e.n_leaves);
}

TEST(TreesEngine, AddNodeRejectsLoopsAndOutOfRangeChildren) {
    Model m(1, 4, 1);
    EXPECT_EQ(Status::InvalidArgument, trees_add_node(&m.e, 0, 0, 0, -1));
    EXPECT_EQ(Status::InvalidArgument, trees_add_node(&m.e, 0, 0, -1, 40000));
    EXPECT_EQ(Status::InvalidArgument, trees_add_node(&m.e, 0, 0, -40000, -1));
    EXPECT_EQ(Status::InvalidArgument, trees_add_node(&m.e, 70000, 0, -1, -1));
    EXPECT_EQ(0u, m.e.n_nodes);
}

TEST(TreesCsv, ReferenceXorModelGivesExpectedClasses) {
    Model m(5, 30, 2);
    const std::string text = read_file(std::string(MICROLEARN_TEST_DATA) + "/xor_model.csv");
    ASSERT_FALSE(text.empty());
    for (size_t chunk : {size_t(1), size_t(3), size_t(64), text.size()}) {
        const TreesCsvParser p = load(m, text, chunk);
        ASSERT_EQ(CsvFault::None, p.fault) << "line " << p.fault_line;
        EXPECT_EQ(3u, m.e.n_trees);
        EXPECT_EQ(2u, m.e.n_leaves);
        const int16_t inputs[4][2] = {{0, 0}, {32767, 32767}, {0, 32767}, {32767, 0}};
        const int expected[4] = {0, 0, 1, 1};
        for (int i = 0; i < 4; i++) {
            const std::vector<float> out = predict(m, {inputs[i][0], inputs[i][1]});
            EXPECT_EQ(expected[i], out[1] > out[0] ? 1 : 0) << i;
        }
    }
}

TEST(TreesCsv, ThresholdRuleIsCeilingOfFloat) {
    Model m(1, 1, 2);
    const TreesCsvParser p = load(m, "f,1\nc,2\nl,0\nl,1\nr,0\nn,0,-2.5,-1,-2");
    ASSERT_EQ(CsvFault::None, p.fault);
    for (int x = -32768; x <= 32767; x++) {
        const std::vector<float> out = predict(m, {int16_t(x)});
        EXPECT_EQ(x < -2.5 ? 1.0f : 0.0f, out[0]) << x;
    }
}

TEST(TreesCsv, SoftVoteAndRegressionLeaves) {
    Model soft(2, 2, 2);
    ASSERT_EQ(CsvFault::None,
              load(soft, "f,1\nc,2\nlb,8\nl,255,0\nl,51,204\nr,0\nr,1\nn,0,1,-1,-2\nn,0,9,-1,-2\n")
                  .fault);
    std::vector<float> out = predict(soft, {5});
    EXPECT_NEAR(0.6f, out[0], 1e-6f);
    EXPECT_NEAR(0.4f, out[1], 1e-6f);
    Model reg(1, 1, 2);
    ASSERT_EQ(CsvFault::None,
              load(reg, "f,1\nc,0\nlb,32\nl,-0.125\nl,3.5e2\nr,0\nn,0,0,-1,-2\n").fault);
    EXPECT_EQ(-0.125f, predict(reg, {-1})[0]);
    EXPECT_EQ(350.0f, predict(reg, {0})[0]);
}

TEST(TreesCsv, FaultsNameTheirLine) {
    struct Case {
        const char* text;
        CsvFault fault;
        uint32_t line;
    } cases[] = {
        {"f,1\nc,2\nl,0\nr,0\nn,0,1,-1\n", CsvFault::FieldCount, 5},
        {"f,1\nc,2\nl,0\nr,0\nn,0,1,1,-1\n", CsvFault::DanglingChild, 5},
        {"f,1\nc,2\nl,0\nr,2\nn,0,1,-1,-1\n", CsvFault::DanglingRoot, 4},
        {"f,1\nc,2\nl,0\nr,0\nn,0,1,-1,-9\n", CsvFault::DanglingLeaf, 5},
        {"f,1\nc,2\nl,0\nr,0\nn,1,1,-1,-1\n", CsvFault::Feature, 5},
        {"f,1\nc,2\nl,0\nr,0\nn,0,1,0,-1\n", CsvFault::Child, 5},
        {"f,1\nc,2\nl,0\nl,1\nl,0\nr,0\nn,0,1,-1,-1\n", CsvFault::MaxLeaves, 5},
        {"f,1\nc,2\nl,0\nr,0\nr,0\nr,0\nn,0,1,-1,-1\n", CsvFault::MaxTrees, 6},
        {"r,0\n", CsvFault::MissingHeader, 1},
        {"f,1\nc,2\n\n\n", CsvFault::NoTrees, 4},
        // one trailing comma closes no field (as the reference reads it); two leave an empty one
        {"f,1\nc,2\nl,0\r\nr,0\r\nn,0,1,-1,-1,,\r\n", CsvFault::Syntax, 5},
    };
    for (const Case& c : cases) {
        Model m(2, 4, 2);
        const TreesCsvParser p = load(m, c.text, 2);
        EXPECT_EQ(c.fault, p.fault) << c.text;
        EXPECT_EQ(c.line, p.fault_line) << c.text;
        EXPECT_FALSE(m.e.validated);
        EXPECT_FALSE(m.e.configured);
    }
}

TEST(TreesCsv, UnknownKindsCommentsAndBlankLinesAreIgnored) {
    Model m(1, 1, 1);
    const TreesCsvParser p = load(
        m, "# a comment, with commas\n\nf,1\nxyz,1,2\nc,1\nl,0\n,,,\nr,0\n n,0,3,1,1\nn ,0,3,1,1\n"
           "n, 0 , 3 , -1 , -1 \n"); // " n" and "n " are no kind (as in the reference)
    EXPECT_EQ(CsvFault::None, p.fault) << p.fault_line;
    EXPECT_EQ(1.0f, predict(m, {0})[0]);
}
