// CNN engine (cnn.h) on the reference's TinyMaix files (tests/data/mnist_cnn_*.tmdl, 10 MNIST
// images) and on small models written here: fp32 against a float64 implementation of the same
// network written in this file (padding, strides, depthwise multipliers, relu6, dense, softmax),
// int8 against the documented arithmetic (docs/cnn.md) evaluated here, bit for bit. Every
// truncation of a model file is refused, and nothing reads or writes beyond its buffers
// (AddressSanitizer; buffers sized exactly).
#include "cnn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using microlearn::CnnFault;
using microlearn::CnnKind;
using microlearn::CnnModel;
using microlearn::Status;

namespace {

std::vector<uint8_t> read_file(const std::string& name) {
    std::ifstream f(std::string(MICROLEARN_TEST_DATA) + "/" + name, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), {});
}

// A model in memory the engine may read: 8-aligned, exactly as long as the file (ASan sees any
// read beyond it).
struct Loaded {
    std::vector<uint8_t> storage;
    uint8_t* bytes = nullptr;
    size_t len = 0;
    CnnModel m{};
    Status status = Status::NotReady;
    explicit Loaded(const std::vector<uint8_t>& file) : storage(file), len(file.size()) {
        bytes =
            storage.empty() ? nullptr : storage.data(); // vector storage: 16-aligned on the host
        status = microlearn::cnn_init(&m, bytes, len);
    }
    std::vector<float> run(const std::vector<uint8_t>& input) {
        std::vector<uint8_t> work(microlearn::cnn_work_bytes(&m));
        std::vector<float> out(m.out_len, -1.0f);
        EXPECT_EQ(microlearn::cnn_run(&m, input.data(), uint32_t(input.size()), out.data(),
                                      uint32_t(out.size()), work.data(), work.size()),
                  Status::Ok);
        return out;
    }
};

size_t argmax(const std::vector<float>& v) {
    return size_t(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<uint8_t> mnist(int n) {
    return read_file("mnist_examples/mnist_example_" + std::to_string(n) + ".bin");
}

// --- a writer for small models -------------------------------------------------------------------

struct Dims {
    uint16_t h, w, c;
};

struct ConvSpec {
    uint8_t kw, kh, sx, sy;
    uint8_t pad[4]; // top, bottom, left, right
    uint16_t act;   // 0 none, 1 relu, 3 relu6
    uint32_t dmul;  // 0: conv2d; >= 1 depthwise
    uint16_t out_c;
    uint8_t dx = 1, dy = 1; // dilation (convolutions)

    // The window the taps span.
    int span_w() const { return (kw - 1) * dx + 1; }
    int span_h() const { return (kh - 1) * dy + 1; }
};

struct Writer {
    std::vector<uint8_t> b;
    void u8(uint32_t v) { b.push_back(uint8_t(v)); }
    void u16(uint32_t v) {
        u8(v);
        u8(v >> 8);
    }
    void u32(uint32_t v) {
        u16(v);
        u16(v >> 16);
    }
    void f32(float v) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        u32(u);
    }
    void pad8() {
        while (b.size() % 8 != 0) {
            u8(0);
        }
    }
    void dims(const Dims& d) {
        u16(d.h > 1 ? 3 : (d.w > 1 ? 2 : 1));
        u16(d.h);
        u16(d.w);
        u16(d.c);
    }
};

// Quantisation of one layer's input and output (ignored by fp32 models).
struct Quant {
    float in_s = 1.0f;
    int32_t in_zp = 0;
    float out_s = 1.0f;
    int32_t out_zp = 0;
};

// Activations as TinyMaix's converter lays them out: the input at 0, each layer's output at the
// other end of the buffer from its input (kHalf), reshapes in place; out_at() puts the next
// output elsewhere (an activation kept for an add, from kKeep on).
constexpr uint32_t kHalf = 1u << 16, kKeep = 2 * kHalf, kBufSize = 3 * kHalf;

struct Builder {
    bool int8;
    Dims in;
    Dims cur;
    uint32_t cur_oft = 0;
    int64_t next_oft = -1;
    int layers = 0;
    std::vector<uint8_t> body;
    size_t last_layer = 0;

    Builder(bool is_int8, Dims input) : int8(is_int8), in(input), cur(input) {}

    void out_at(uint32_t oft) { next_oft = oft; }

    void header(Writer& w, uint32_t type, uint32_t size, Dims out, const Quant& q) {
        w.u16(type);
        w.u16(0); // is_out: set by finish()
        w.u32(size);
        w.u32(cur_oft);
        if (next_oft >= 0) {
            cur_oft = uint32_t(next_oft);
        } else if (type == 4) { // reshape: in place
        } else {
            cur_oft = cur_oft == 0 ? kHalf : 0;
        }
        next_oft = -1;
        w.u32(cur_oft);
        w.dims(cur);
        w.dims(out);
        w.f32(q.in_s);
        if (int8) {
            w.u32(uint32_t(q.in_zp));
        } else {
            w.f32(float(q.in_zp));
        }
        w.f32(q.out_s);
        if (int8) {
            w.u32(uint32_t(q.out_zp));
        } else {
            w.f32(float(q.out_zp));
        }
    }

    // Weights (int8 values or floats), zeros up to b_oft, biases (int32 or floats), padding.
    void weights_and_biases(Writer& l, const std::vector<float>& w, uint32_t b_oft,
                            const std::vector<float>& bias) const {
        for (float v : w) {
            if (int8) {
                l.u8(uint32_t(int32_t(v)));
            } else {
                l.f32(v);
            }
        }
        while (l.b.size() < b_oft) {
            l.u8(0);
        }
        for (float v : bias) {
            if (int8) {
                l.u32(uint32_t(int32_t(v)));
            } else {
                l.f32(v);
            }
        }
        l.pad8();
    }

    void append(const Writer& layer, Dims out) {
        last_layer = body.size();
        body.insert(body.end(), layer.b.begin(), layer.b.end());
        cur = out;
        layers++;
    }

    // The first 12 bytes of a conv or max pooling body: kernel, stride, dilation, act, pad.
    static void window(Writer& l, const ConvSpec& s, uint16_t act) {
        l.u8(s.kw);
        l.u8(s.kh);
        l.u8(s.sx);
        l.u8(s.sy);
        l.u8(s.dx);
        l.u8(s.dy);
        l.u16(act);
        for (uint8_t p : s.pad) {
            l.u8(p);
        }
    }

    // weights (out_c, chi, kh, kw) as floats (fp32) or int8 values; bias floats or int32; ws.
    void conv(const ConvSpec& s, const std::vector<float>& w, const std::vector<float>& bias,
              const std::vector<float>& ws, const Quant& q) {
        const Dims out{uint16_t((cur.h + s.pad[0] + s.pad[1] - s.span_h()) / s.sy + 1),
                       uint16_t((cur.w + s.pad[2] + s.pad[3] - s.span_w()) / s.sx + 1), s.out_c};
        const uint32_t n_ws = s.out_c * 4u;
        const uint32_t n_w = uint32_t(w.size()) * (int8 ? 1u : 4u);
        const uint32_t ws_oft = 80, w_oft = ws_oft + n_ws;
        const uint32_t b_oft = (w_oft + n_w + 3u) & ~3u;
        const uint32_t size = (b_oft + s.out_c * 4u + 7u) & ~7u;
        Writer l;
        header(l, s.dmul ? 5 : 0, size, out, q);
        window(l, s, s.act);
        l.u32(s.dmul);
        l.u32(0);
        l.u32(ws_oft);
        l.u32(w_oft);
        l.u32(b_oft);
        for (float v : ws) {
            l.f32(v);
        }
        weights_and_biases(l, w, b_oft, bias);
        append(l, out);
    }

    void gap(const Quant& q) {
        Writer l;
        const Dims out{1, 1, cur.c};
        header(l, 1, 48, out, q);
        append(l, out);
    }

    void fc(uint16_t out_c, const std::vector<float>& w, const std::vector<float>& bias, float ws,
            const Quant& q) {
        const Dims out{1, 1, out_c};
        const uint32_t ws_oft = 64, w_oft = 72;
        const uint32_t n_w = uint32_t(w.size()) * (int8 ? 1u : 4u);
        const uint32_t b_oft = (w_oft + n_w + 3u) & ~3u;
        const uint32_t size = (b_oft + out_c * 4u + 7u) & ~7u;
        Writer l;
        header(l, 2, size, out, q);
        l.u32(ws_oft);
        l.u32(w_oft);
        l.u32(b_oft);
        l.u32(0);
        l.f32(ws);
        l.u32(0);
        weights_and_biases(l, w, b_oft, bias);
        append(l, out);
    }

    void softmax(const Quant& q) {
        Writer l;
        header(l, 3, 48, cur, q);
        append(l, cur);
    }

    void reshape(Dims out, const Quant& q) {
        Writer l;
        header(l, 4, 48, out, q);
        append(l, out);
    }

    // cur + the activation at in1_oft (of cur's dimensions), quantised as in1_s, in1_zp.
    void add(uint32_t in1_oft, float in1_s, int32_t in1_zp, const Quant& q) {
        Writer l;
        header(l, 6, 64, cur, q);
        l.u32(in1_oft);
        l.f32(in1_s);
        if (int8) {
            l.u32(uint32_t(in1_zp));
        } else {
            l.f32(float(in1_zp));
        }
        l.u32(0);
        append(l, cur);
    }

    // Max pooling (microlearn's layer type 128): window kw x kh, stride, padding as a conv's.
    void maxpool(const ConvSpec& s, const Quant& q, uint16_t act = 0) {
        const Dims out{uint16_t((cur.h + s.pad[0] + s.pad[1] - s.kh) / s.sy + 1),
                       uint16_t((cur.w + s.pad[2] + s.pad[3] - s.kw) / s.sx + 1), cur.c};
        Writer l;
        header(l, 128, 64, out, q);
        window(l, s, act);
        l.u32(0);
        append(l, out);
    }

    std::vector<uint8_t> finish() {
        body[last_layer + 2] = 1; // is_out
        Writer w;
        w.b = {'M', 'A', 'I', 'X'};
        w.u8(int8 ? 0 : 2);
        w.u8(1);
        w.u16(1);
        w.u16(1);
        w.u16(uint32_t(layers));
        w.u32(kBufSize);
        w.u32(0);
        w.dims(in);
        w.dims(cur);
        while (w.b.size() < 64) {
            w.u8(0);
        }
        w.b.insert(w.b.end(), body.begin(), body.end());
        return w.b;
    }
};

std::vector<float> random_values(size_t n, std::mt19937& rng, float lo, float hi) {
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) {
        x = d(rng);
    }
    return v;
}

std::vector<uint8_t> random_image(size_t n, std::mt19937& rng) {
    std::vector<uint8_t> v(n);
    for (uint8_t& x : v) {
        x = uint8_t(rng() & 0xff);
    }
    return v;
}

// float64 reference of a convolution over an HWC tensor, zero padding, taps dx, dy apart.
std::vector<double> conv_ref(const std::vector<double>& x, Dims in, const ConvSpec& s,
                             const std::vector<float>& w, const std::vector<float>& b) {
    const int oh = (in.h + s.pad[0] + s.pad[1] - s.span_h()) / s.sy + 1;
    const int ow = (in.w + s.pad[2] + s.pad[3] - s.span_w()) / s.sx + 1;
    const int chi = s.dmul ? 1 : in.c;
    std::vector<double> out;
    for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
            for (int c = 0; c < s.out_c; ++c) {
                double acc = b[c];
                for (int i = 0; i < chi; ++i) {
                    const int ic = s.dmul ? c / int(s.dmul) : i;
                    for (int ky = 0; ky < s.kh; ++ky) {
                        for (int kx = 0; kx < s.kw; ++kx) {
                            const int y = oy * s.sy - s.pad[0] + ky * s.dy,
                                      xx = ox * s.sx - s.pad[2] + kx * s.dx;
                            if (y < 0 || xx < 0 || y >= in.h || xx >= in.w) {
                                continue;
                            }
                            acc += x[(size_t(y) * in.w + xx) * in.c + ic] *
                                   w[((size_t(c) * chi + i) * s.kh + ky) * s.kw + kx];
                        }
                    }
                }
                if (s.act != 0) {
                    acc = std::max(acc, 0.0);
                }
                if (s.act == 3) {
                    acc = std::min(acc, 6.0);
                }
                out.push_back(acc);
            }
        }
    }
    return out;
}

} // namespace

TEST(Cnn, CompatModelsClassifyTheMnistExamples) {
    for (const char* name : {"mnist_cnn_int8.tmdl", "mnist_cnn_fp32.tmdl"}) {
        Loaded l(read_file(name));
        ASSERT_EQ(l.status, Status::Ok) << name;
        EXPECT_EQ(l.m.in_len, 784u);
        EXPECT_EQ(l.m.out_len, 10u);
        EXPECT_EQ(l.m.out_dims[0], 1u);
        EXPECT_EQ(l.m.out_dims[3], 10u);
        int right = 0;
        for (int n = 0; n < 10; ++n) {
            const std::vector<float> p = l.run(mnist(n));
            right += argmax(p) == size_t(n);
            double sum = 0;
            for (float v : p) {
                EXPECT_GE(v, 0.0f);
                sum += v;
            }
            EXPECT_NEAR(sum, 1.0, 0.05) << name << " " << n;
        }
        EXPECT_GE(right, 9) << name; // the compat README's bar
        RecordProperty(name, right);
    }
}

TEST(Cnn, Int8AndFp32CompatModelsAgree) {
    Loaded a(read_file("mnist_cnn_int8.tmdl")), b(read_file("mnist_cnn_fp32.tmdl"));
    for (int n = 0; n < 10; ++n) {
        const std::vector<float> p = a.run(mnist(n)), q = b.run(mnist(n));
        EXPECT_EQ(argmax(p), argmax(q)) << n;
        for (size_t i = 0; i < p.size(); ++i) {
            EXPECT_NEAR(p[i], q[i], 0.1) << n;
        }
    }
}

// Asked for one kind, the other is a Kind fault naming the file's (the api words it "int8 model:
// load it with emlearn_cnn_int8"), before any layer is read; Any takes both.
TEST(Cnn, TheKindAskedFor) {
    const std::vector<uint8_t> int8 = read_file("mnist_cnn_int8.tmdl");
    const std::vector<uint8_t> fp32 = read_file("mnist_cnn_fp32.tmdl");
    const struct {
        const std::vector<uint8_t>* file;
        CnnKind want;
        Status status;
    } cases[] = {{&int8, CnnKind::Int8, Status::Ok},
                 {&int8, CnnKind::Any, Status::Ok},
                 {&int8, CnnKind::Fp32, Status::InvalidArgument},
                 {&fp32, CnnKind::Fp32, Status::Ok},
                 {&fp32, CnnKind::Any, Status::Ok},
                 {&fp32, CnnKind::Int8, Status::InvalidArgument}};
    for (const auto& c : cases) {
        std::vector<uint8_t> storage(*c.file);
        CnnModel m{};
        EXPECT_EQ(microlearn::cnn_init(&m, storage.data(), storage.size(), c.want), c.status);
        if (c.status != Status::Ok) {
            EXPECT_EQ(m.fault, CnnFault::Kind);
            EXPECT_EQ(m.fault_value, storage[4]);
            EXPECT_EQ(m.fault_layer, microlearn::kCnnHeaderFault);
        }
    }
}

TEST(Cnn, EveryTruncationIsRefused) {
    for (const char* name : {"mnist_cnn_int8.tmdl", "mnist_cnn_fp32.tmdl"}) {
        const std::vector<uint8_t> file = read_file(name);
        for (size_t n = 0; n < file.size(); ++n) {
            Loaded l(std::vector<uint8_t>(file.begin(), file.begin() + long(n)));
            EXPECT_EQ(l.status, Status::InvalidArgument) << name << " " << n;
            EXPECT_FALSE(l.m.ready);
            EXPECT_NE(l.m.fault, CnnFault::None);
        }
    }
}

TEST(Cnn, FaultsSayWhatAndWhere) {
    const std::vector<uint8_t> file = read_file("mnist_cnn_int8.tmdl");
    auto fault_of = [&](size_t offset, std::vector<uint8_t> bytes) {
        std::vector<uint8_t> f = file;
        std::copy(bytes.begin(), bytes.end(), f.begin() + long(offset));
        Loaded l(f);
        EXPECT_EQ(l.status, Status::InvalidArgument);
        return std::make_pair(l.m.fault, uint32_t(l.m.fault_layer));
    };
    const uint32_t header = microlearn::kCnnHeaderFault;
    EXPECT_EQ(fault_of(0, {'X'}), std::make_pair(CnnFault::Magic, header));
    EXPECT_EQ(fault_of(4, {1}), std::make_pair(CnnFault::ModelType, header));
    EXPECT_EQ(fault_of(6, {2}), std::make_pair(CnnFault::Counts, header));
    EXPECT_EQ(fault_of(64 + 216, {7}), std::make_pair(CnnFault::LayerType, 1u));
    EXPECT_EQ(fault_of(64 + 216 + 54, {2}), std::make_pair(CnnFault::Activation, 1u));
    EXPECT_EQ(fault_of(64 + 216 + 52, {0}), std::make_pair(CnnFault::Kernel, 1u)); // dilation
    // Dilation 2: the 5x5 kernel spans 9 pixels of a 14x14 input, not the 10x10 output's 14.
    EXPECT_EQ(fault_of(64 + 216 + 52, {2}), std::make_pair(CnnFault::Shape, 1u));
    EXPECT_EQ(fault_of(64 + 34, {0xff, 0xff, 0xff, 0x7f}), std::make_pair(CnnFault::Quant, 0u));
    // A bias beyond 2^30 could overflow the int32 sum: layer 0's biases start at 64 + 184.
    EXPECT_EQ(fault_of(64 + 184, {0, 0, 0, 0x41}), std::make_pair(CnnFault::Quant, 0u));
}

TEST(Cnn, MisalignedOrNullModelIsRefused) {
    const std::vector<uint8_t> file = read_file("mnist_cnn_fp32.tmdl");
    std::vector<uint8_t> shifted(file.size() + 1);
    std::copy(file.begin(), file.end(), shifted.begin() + 1);
    CnnModel m{};
    EXPECT_EQ(microlearn::cnn_init(&m, shifted.data() + 1, file.size()), Status::InvalidArgument);
    EXPECT_EQ(m.fault, CnnFault::Alignment);
    EXPECT_EQ(microlearn::cnn_init(&m, nullptr, file.size()), Status::InvalidArgument);
    EXPECT_EQ(microlearn::cnn_init(nullptr, file.data(), file.size()), Status::InvalidArgument);
}

TEST(Cnn, RunChecksItsArguments) {
    Loaded l(read_file("mnist_cnn_int8.tmdl"));
    ASSERT_EQ(l.status, Status::Ok);
    const std::vector<uint8_t> x = mnist(0);
    std::vector<float> out(10);
    std::vector<uint8_t> work(microlearn::cnn_work_bytes(&l.m));
    EXPECT_EQ(microlearn::cnn_run(&l.m, x.data(), 783, out.data(), 10, work.data(), work.size()),
              Status::SizeMismatch);
    EXPECT_EQ(microlearn::cnn_run(&l.m, x.data(), 784, out.data(), 9, work.data(), work.size()),
              Status::SizeMismatch);
    EXPECT_EQ(
        microlearn::cnn_run(&l.m, x.data(), 784, out.data(), 10, work.data(), work.size() - 1),
        Status::SizeMismatch);
    EXPECT_EQ(microlearn::cnn_run(&l.m, nullptr, 784, out.data(), 10, work.data(), work.size()),
              Status::InvalidArgument);
    EXPECT_EQ(microlearn::cnn_run(&l.m, x.data(), 784, nullptr, 10, work.data(), work.size()),
              Status::InvalidArgument);
    CnnModel fresh{};
    EXPECT_EQ(microlearn::cnn_run(&fresh, x.data(), 784, out.data(), 10, work.data(), work.size()),
              Status::NotReady);
    EXPECT_EQ(microlearn::cnn_work_bytes(&fresh), 0u);
    // Any alignment of the work buffer, nothing written beyond it.
    std::vector<uint8_t> canary(work.size() + 9, 0xa5);
    const std::vector<float> want = l.run(x);
    EXPECT_EQ(
        microlearn::cnn_run(&l.m, x.data(), 784, out.data(), 10, canary.data() + 1, work.size()),
        Status::Ok);
    EXPECT_EQ(out, want);
    EXPECT_EQ(canary[0], 0xa5);
    for (size_t i = work.size() + 1; i < canary.size(); ++i) {
        EXPECT_EQ(canary[i], 0xa5) << i;
    }
}

TEST(Cnn, Fp32MatchesFloat64ReferenceWithPaddingStridesAndDepthwise) {
    std::mt19937 rng(5);
    const Dims in{7, 6, 2};
    const ConvSpec c1{3, 3, 1, 1, {1, 1, 1, 1}, 1, 0, 4}; // same padding, relu
    const ConvSpec c2{3, 2, 2, 1, {0, 1, 1, 0}, 3, 2, 8}; // depthwise x2, relu6, odd pads
    const ConvSpec c3{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 5}; // pointwise
    const std::vector<float> w1 = random_values(4 * 2 * 9, rng, -1, 1),
                             b1 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> w2 = random_values(8 * 1 * 6, rng, -1, 1),
                             b2 = random_values(8, rng, -0.5f, 0.5f);
    const std::vector<float> w3 = random_values(5 * 8, rng, -1, 1),
                             b3 = random_values(5, rng, -0.5f, 0.5f);
    const std::vector<float> wf = random_values(3 * 5, rng, -1, 1),
                             bf = random_values(3, rng, -0.5f, 0.5f);
    Builder b(false, in);
    b.conv(c1, w1, b1, std::vector<float>(4, 1.0f), {});
    b.conv(c2, w2, b2, std::vector<float>(8, 1.0f), {});
    b.conv(c3, w3, b3, std::vector<float>(5, 1.0f), {});
    b.gap({});
    b.reshape({1, 1, 5}, {});
    b.fc(3, wf, bf, 1.0f, {});
    b.softmax({});
    Loaded l(b.finish());
    ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault) << " layer " << l.m.fault_layer;
    for (int trial = 0; trial < 20; ++trial) {
        const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
        std::vector<double> x(img.begin(), img.end());
        for (double& v : x) {
            v = double(float(v) / 255.0f);
        }
        std::vector<double> y = conv_ref(x, in, c1, w1, b1);
        const Dims d1{7, 6, 4};
        y = conv_ref(y, d1, c2, w2, b2);
        const Dims d2{uint16_t((7 + 1 - 2) / 1 + 1), uint16_t((6 + 1 - 3) / 2 + 1), 8};
        y = conv_ref(y, d2, c3, w3, b3);
        std::vector<double> mean(5, 0.0);
        for (size_t i = 0; i < y.size(); ++i) {
            mean[i % 5] += y[i] / double(d2.h * d2.w);
        }
        std::vector<double> logits(3);
        double top = -1e300;
        for (int c = 0; c < 3; ++c) {
            logits[c] = bf[c];
            for (int i = 0; i < 5; ++i) {
                logits[c] += mean[i] * wf[size_t(c) * 5 + i];
            }
            top = std::max(top, logits[c]);
        }
        double sum = 0;
        for (double& v : logits) {
            v = std::exp(v - top);
            sum += v;
        }
        const std::vector<float> got = l.run(img);
        for (int c = 0; c < 3; ++c) {
            EXPECT_NEAR(got[c], logits[c] / sum, 2e-6) << trial << " " << c;
        }
    }
}

// Dilated convolutions (microlearn's; TinyMaix runs only dilation 1): a one-channel first layer
// (its taps are single values), a strided depthwise layer and a layer without padding, dilated
// differently along each axis, against the float64 reference.
TEST(Cnn, Fp32DilatedConvolutionsMatchFloat64Reference) {
    std::mt19937 rng(17);
    const Dims in{9, 10, 1};
    ConvSpec c1{3, 3, 1, 1, {2, 2, 3, 3}, 1, 0, 4};
    c1.dx = 3;
    c1.dy = 2;
    ConvSpec c2{3, 2, 2, 1, {1, 0, 2, 1}, 3, 2, 8}; // depthwise x2, relu6
    c2.dx = 2;
    c2.dy = 3;
    ConvSpec c3{2, 2, 1, 1, {0, 0, 0, 0}, 0, 0, 5};
    c3.dy = 3;
    const Dims d1{uint16_t((9 + 4 - c1.span_h()) + 1), uint16_t((10 + 6 - c1.span_w()) + 1), 4};
    const Dims d2{uint16_t((d1.h + 1 - c2.span_h()) + 1),
                  uint16_t((d1.w + 3 - c2.span_w()) / 2 + 1), 8};
    const std::vector<float> w1 = random_values(4 * 9, rng, -1, 1),
                             b1 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> w2 = random_values(8 * 6, rng, -1, 1),
                             b2 = random_values(8, rng, -0.5f, 0.5f);
    const std::vector<float> w3 = random_values(5 * 8 * 4, rng, -1, 1),
                             b3 = random_values(5, rng, -0.5f, 0.5f);
    Builder b(false, in);
    b.conv(c1, w1, b1, std::vector<float>(4, 1.0f), {});
    b.conv(c2, w2, b2, std::vector<float>(8, 1.0f), {});
    b.conv(c3, w3, b3, std::vector<float>(5, 1.0f), {});
    Loaded l(b.finish());
    ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault) << " layer " << l.m.fault_layer;
    ASSERT_EQ(l.m.out_len, uint32_t((d2.h - c3.span_h() + 1) * (d2.w - c3.span_w() + 1) * 5));
    for (int trial = 0; trial < 20; ++trial) {
        const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
        std::vector<double> x(img.begin(), img.end());
        for (double& v : x) {
            v = double(float(v) / 255.0f);
        }
        const std::vector<double> want =
            conv_ref(conv_ref(conv_ref(x, in, c1, w1, b1), d1, c2, w2, b2), d2, c3, w3, b3);
        const std::vector<float> got = l.run(img);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
            EXPECT_NEAR(got[i], want[i], 1e-5 * std::max(1.0, std::abs(want[i])))
                << trial << " " << i;
        }
    }
}

// The int8 arithmetic of docs/cnn.md, evaluated here for one convolution layer: input zero
// point in the padding, int32 sums, float rescaling, truncation and saturation.
TEST(Cnn, Int8ConvolutionIsTheDocumentedArithmeticBitForBit) {
    std::mt19937 rng(9);
    const Dims in{5, 5, 3};
    for (uint32_t variant = 0; variant < 4; ++variant) {
        // conv2d and depthwise; without and with dilation (taps 2 apart down, 1 across)
        const uint32_t dmul = variant & 1 ? 2u : 0u;
        ConvSpec s{3, 3, 2, 1, {1, 1, 0, 2}, 1, dmul, uint16_t(dmul ? 6 : 4)};
        if (variant & 2) {
            s.dy = 2;
            s.pad[1] = 3;
        }
        const uint32_t chi = dmul ? 1 : in.c;
        std::vector<float> w(size_t(s.out_c) * chi * 9), bias(s.out_c), ws(s.out_c);
        for (float& v : w) {
            v = float(int32_t(rng() % 255) - 127);
        }
        for (float& v : bias) {
            v = float(int32_t(rng() % 20001) - 10000);
        }
        for (float& v : ws) {
            v = 0.001f + float(rng() % 100) * 1e-4f;
        }
        const Quant q{1.0f / 255.0f, -128, 0.05f, -20};
        Builder b(true, in);
        b.conv(s, w, bias, ws, q);
        Loaded l(b.finish());
        ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault);
        const int oh = (in.h + s.pad[0] + s.pad[1] - s.span_h()) / s.sy + 1,
                  ow = (in.w + s.pad[2] + s.pad[3] - s.span_w()) / s.sx + 1;
        ASSERT_EQ(l.m.out_len, uint32_t(oh * ow * s.out_c));
        for (int trial = 0; trial < 5; ++trial) {
            const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
            const std::vector<float> got = l.run(img);
            size_t k = 0;
            for (int oy = 0; oy < oh; ++oy) {
                for (int ox = 0; ox < ow; ++ox) {
                    for (int c = 0; c < s.out_c; ++c, ++k) {
                        int32_t acc = 0;
                        for (uint32_t i = 0; i < chi; ++i) {
                            const int ic = dmul ? c / int(dmul) : int(i);
                            for (int ky = 0; ky < 3; ++ky) {
                                for (int kx = 0; kx < 3; ++kx) {
                                    const int y = oy - 1 + ky * s.dy, x = ox * 2 + kx;
                                    const int32_t v =
                                        (y < 0 || x >= in.w || y >= in.h)
                                            ? q.in_zp
                                            : int32_t(img[(size_t(y) * in.w + x) * in.c + ic]) -
                                                  128;
                                    acc +=
                                        v * int32_t(w[((size_t(c) * chi + i) * 3 + ky) * 3 + kx]);
                                }
                            }
                        }
                        acc += int32_t(bias[c]);
                        float f = float(acc) * (ws[c] * q.in_s);
                        f = f > 0.0f ? f : 0.0f;
                        const float r = f / q.out_s + float(q.out_zp);
                        const int32_t qo = r >= 127.0f ? 127 : (r <= -128.0f ? -128 : int32_t(r));
                        const float want = float(qo - q.out_zp) * q.out_s;
                        ASSERT_EQ(got[k], want) << variant << " " << oy << " " << ox << " " << c;
                    }
                }
            }
        }
    }
}

namespace {

std::vector<double> add_ref(std::vector<double> a, const std::vector<double>& b) {
    for (size_t i = 0; i < a.size(); ++i) {
        a[i] += b[i];
    }
    return a;
}

} // namespace

// Residual connections as TinyMaix's converter lays them out: an activation kept beyond the two
// ends of the buffer, added to a later one; the second block's add writes over its kept input.
TEST(Cnn, Fp32ResidualAddsMatchFloat64Reference) {
    std::mt19937 rng(11);
    const Dims in{6, 5, 3};
    const ConvSpec c1{3, 3, 1, 1, {1, 1, 1, 1}, 1, 0, 4}; // same padding, relu
    const ConvSpec c2{3, 3, 1, 1, {1, 1, 1, 1}, 1, 0, 4};
    const ConvSpec c3{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 4};
    const ConvSpec c4{3, 3, 1, 1, {1, 1, 1, 1}, 0, 0, 4};
    const Dims d{6, 5, 4};
    const std::vector<float> w1 = random_values(4 * 3 * 9, rng, -1, 1),
                             b1 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> w2 = random_values(4 * 4 * 9, rng, -1, 1),
                             b2 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> w3 = random_values(4 * 4, rng, -1, 1),
                             b3 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> w4 = random_values(4 * 4 * 9, rng, -1, 1),
                             b4 = random_values(4, rng, -0.5f, 0.5f);
    const std::vector<float> ones(4, 1.0f);
    Builder b(false, in);
    b.out_at(kKeep);
    b.conv(c1, w1, b1, ones, {});
    b.conv(c2, w2, b2, ones, {});
    b.conv(c3, w3, b3, ones, {});
    b.out_at(kKeep); // over its second input, which it reads first
    b.add(kKeep, 1.0f, 0, {});
    b.conv(c4, w4, b4, ones, {});
    b.add(kKeep, 1.0f, 0, {});
    b.gap({});
    Loaded l(b.finish());
    ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault) << " layer " << l.m.fault_layer;
    // The activation buffer ends with the kept 6x5x4 floats.
    EXPECT_EQ(l.m.arena_bytes, kKeep + 6 * 5 * 4 * 4);
    for (int trial = 0; trial < 10; ++trial) {
        const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
        std::vector<double> x(img.begin(), img.end());
        for (double& v : x) {
            v = double(float(v) / 255.0f);
        }
        const std::vector<double> y1 = conv_ref(x, in, c1, w1, b1);
        const std::vector<double> z1 =
            add_ref(conv_ref(conv_ref(y1, d, c2, w2, b2), d, c3, w3, b3), y1);
        const std::vector<double> z2 = add_ref(conv_ref(z1, d, c4, w4, b4), z1);
        const std::vector<float> got = l.run(img);
        ASSERT_EQ(got.size(), 4u);
        for (int c = 0; c < 4; ++c) {
            double mean = 0;
            for (int i = 0; i < 30; ++i) {
                mean += z2[size_t(i) * 4 + c] / 30.0;
            }
            EXPECT_NEAR(got[c], mean, 1e-5 * (1.0 + std::fabs(mean))) << trial << " " << c;
        }
    }
}

// TinyMaix's add: both inputs dequantised with their own scale and zero point, summed in float,
// divided by out_s, truncated toward zero; saturating here. Both inputs are the model's input,
// once with the layer's input quantisation and once with the second input's.
TEST(Cnn, Int8AddIsTheDocumentedArithmeticBitForBit) {
    std::mt19937 rng(3);
    const Dims in{4, 4, 3};
    const Quant q{0.02f, -10, 0.013f, 5};
    const float s1 = 0.03f;
    const int32_t zp1 = 7;
    for (bool in_place : {false, true}) {
        Builder b(true, in);
        if (in_place) {
            b.out_at(0);
        }
        b.add(0, s1, zp1, q);
        Loaded l(b.finish());
        ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault);
        int saturated = 0;
        for (int trial = 0; trial < 5; ++trial) {
            const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
            const std::vector<float> got = l.run(img);
            ASSERT_EQ(got.size(), img.size());
            for (size_t i = 0; i < img.size(); ++i) {
                const int32_t x = int32_t(img[i]) - 128;
                const float v = float(x - q.in_zp) * q.in_s + float(x - zp1) * s1;
                const float r = v / q.out_s + float(q.out_zp);
                const int32_t qo = r >= 127.0f ? 127 : (r <= -128.0f ? -128 : int32_t(r));
                saturated += qo == 127 || qo == -128;
                ASSERT_EQ(got[i], float(qo - q.out_zp) * q.out_s) << in_place << " " << i;
            }
        }
        EXPECT_GT(saturated, 0); // the test reaches the saturation
    }
}

// What cnn_init() refuses about where activations are read and written (cnn.h).
TEST(Cnn, ActivationOffsetsAreChecked) {
    const Dims in{2, 2, 2};
    const ConvSpec pw{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 2};  // 2x2x2 -> 2x2x2
    const ConvSpec pw1{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 1}; // 2x2x2 -> 2x2x1
    const std::vector<float> w(4, 0.5f), w1(2, 0.5f), bias(2, 0.0f), bias1(1, 0.0f), ones(2, 1.0f);
    auto fault = [](const std::vector<uint8_t>& file) {
        Loaded l(file);
        return l.status == Status::Ok ? CnnFault::None : l.m.fault;
    };
    { // kept, read back: fine
        Builder b(false, in);
        b.out_at(kKeep);
        b.conv(pw, w, bias, ones, {});
        b.conv(pw, w, bias, ones, {});
        b.add(kKeep, 1, 0, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::None);
    }
    { // nothing was written at kKeep
        Builder b(false, in);
        b.conv(pw, w, bias, ones, {});
        b.add(kKeep, 1, 0, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Chain);
    }
    { // written over since: its second half
        Builder b(false, in);
        b.out_at(kKeep);
        b.conv(pw, w, bias, ones, {});
        b.conv(pw, w, bias, ones, {});
        b.out_at(kKeep + 16);
        b.conv(pw, w, bias, ones, {});
        b.add(kKeep, 1, 0, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Chain);
    }
    { // kept with other dimensions (2x2x1)
        Builder b(false, in);
        b.out_at(kKeep);
        b.conv(pw1, w1, bias1, std::vector<float>(1, 1.0f), {});
        b.out_at(0);
        b.conv({1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 2}, w1, bias, ones, {});
        b.add(kKeep, 1, 0, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Chain);
    }
    { // a layer whose input offset is not where its input was written
        Builder b(false, in);
        b.conv(pw, w, bias, ones, {});
        b.cur_oft = 8;
        b.conv(pw, w, bias, ones, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Chain);
    }
    { // beyond buf_size
        Builder b(false, in);
        b.out_at(kBufSize - 16);
        b.conv(pw, w, bias, ones, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Buffer);
    }
    { // floats at an offset not a multiple of 4
        Builder b(false, in);
        b.out_at(kHalf + 2);
        b.conv(pw, w, bias, ones, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Buffer);
    }
    { // a convolution writing over its own input
        Builder b(false, in);
        b.out_at(16);
        b.conv(pw, w, bias, ones, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Buffer);
    }
    { // an add writing over part of an input
        Builder b(false, in);
        b.out_at(kKeep);
        b.conv(pw, w, bias, ones, {});
        b.conv(pw, w, bias, ones, {});
        b.out_at(kKeep + 4);
        b.add(kKeep, 1, 0, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Buffer);
    }
    { // a reshape writes nothing: the map stays readable in its own shape
        Builder b(false, in);
        b.conv(pw, w, bias, ones, {});
        b.reshape({1, 1, 8}, {});
        b.cur_oft = kHalf;
        b.cur = in;
        b.conv(pw, w, bias, ones, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::None);
    }
    { // a reshape not in place
        Builder b(false, in);
        b.conv(pw, w, bias, ones, {});
        b.out_at(0);
        b.reshape({1, 1, 8}, {});
        EXPECT_EQ(fault(b.finish()), CnnFault::Buffer);
    }
    { // buf_size beyond the engine's limit
        Builder b(false, in);
        b.conv(pw, w, bias, ones, {});
        std::vector<uint8_t> f = b.finish();
        f[15] = 0x10; // buf_size 2^28 + ...
        EXPECT_EQ(fault(f), CnnFault::Buffer);
    }
    // The table of intact activations holds the last kCnnLiveRegions: the input and the kept
    // activation, then `others` outputs at offsets of their own; the kept one is forgotten
    // when the 17th activation after the input is written.
    for (uint32_t others : {15u, 16u}) {
        Builder b(false, in);
        b.out_at(kKeep);
        b.conv(pw, w, bias, ones, {});
        for (uint32_t i = 0; i < others; ++i) {
            b.out_at(kHalf + 32 * i);
            b.conv(pw, w, bias, ones, {});
        }
        b.out_at(0);
        b.add(kKeep, 1, 0, {});
        static_assert(microlearn::kCnnLiveRegions == 16, "the counts above");
        EXPECT_EQ(fault(b.finish()), others == 15 ? CnnFault::None : CnnFault::Chain) << others;
    }
}

namespace {

// float64 max pooling over an HWC tensor; taps in the padding are skipped.
std::vector<double> maxpool_ref(const std::vector<double>& x, Dims in, const ConvSpec& s) {
    const int oh = (in.h + s.pad[0] + s.pad[1] - s.kh) / s.sy + 1;
    const int ow = (in.w + s.pad[2] + s.pad[3] - s.kw) / s.sx + 1;
    std::vector<double> out;
    for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
            for (int c = 0; c < in.c; ++c) {
                double top = -INFINITY;
                for (int ky = 0; ky < s.kh; ++ky) {
                    for (int kx = 0; kx < s.kw; ++kx) {
                        const int y = oy * s.sy - s.pad[0] + ky, xx = ox * s.sx - s.pad[2] + kx;
                        if (y >= 0 && xx >= 0 && y < in.h && xx < in.w) {
                            top = std::max(top, x[(size_t(y) * in.w + xx) * in.c + c]);
                        }
                    }
                }
                out.push_back(top);
            }
        }
    }
    return out;
}

} // namespace

// Max pooling after a convolution without activation (negative values, so that a padding read
// as zero would show), windows overlapping, strided, padded on every side and not; 2-D and 1-D.
TEST(Cnn, Fp32MaxPoolingMatchesFloat64Reference) {
    std::mt19937 rng(21);
    const ConvSpec pools[] = {{2, 2, 2, 2, {0, 0, 0, 0}, 0, 0, 0},
                              {3, 3, 2, 2, {1, 1, 1, 1}, 0, 0, 0},
                              {3, 2, 1, 2, {0, 1, 2, 0}, 0, 0, 0},
                              {3, 1, 2, 1, {0, 0, 1, 1}, 0, 0, 0}}; // 1-D: kh 1
    int padded_negative = 0;
    for (const ConvSpec& pool : pools) {
        const Dims in = pool.kh == 1 ? Dims{1, 9, 2} : Dims{7, 6, 2};
        const ConvSpec c1{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 3}; // pointwise, no activation
        const std::vector<float> w1 = random_values(3 * 2, rng, -1, 1),
                                 b1 = random_values(3, rng, -0.8f, 0.2f);
        Builder b(false, in);
        b.conv(c1, w1, b1, std::vector<float>(3, 1.0f), {});
        b.maxpool(pool, {});
        Loaded l(b.finish());
        ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault) << " layer " << l.m.fault_layer;
        const Dims d1{in.h, in.w, 3};
        for (int trial = 0; trial < 10; ++trial) {
            const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
            std::vector<double> x(img.begin(), img.end());
            for (double& v : x) {
                v = double(float(v) / 255.0f);
            }
            const std::vector<double> want = maxpool_ref(conv_ref(x, in, c1, w1, b1), d1, pool);
            const std::vector<float> got = l.run(img);
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < want.size(); ++i) {
                EXPECT_NEAR(got[i], want[i], 1e-6) << trial << " " << i;
                padded_negative += want[i] < 0;
            }
        }
    }
    EXPECT_GT(padded_negative, 0); // windows whose values are all negative were met
}

// int8: the largest int8 value of each window, the quantisation unchanged.
TEST(Cnn, Int8MaxPoolingIsTheLargestValueBitForBit) {
    std::mt19937 rng(23);
    const Dims in{5, 7, 3};
    const ConvSpec pool{3, 2, 2, 1, {1, 1, 0, 2}, 0, 0, 0};
    const Quant q{0.02f, -10, 0.02f, -10};
    Builder b(true, in);
    b.maxpool(pool, q);
    Loaded l(b.finish());
    ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault);
    for (int trial = 0; trial < 5; ++trial) {
        const std::vector<uint8_t> img = random_image(in.h * in.w * in.c, rng);
        std::vector<double> x(img.begin(), img.end());
        for (double& v : x) {
            v -= 128.0; // the engine's int8 input
        }
        const std::vector<double> want = maxpool_ref(x, in, pool);
        const std::vector<float> got = l.run(img);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_EQ(got[i], float(int32_t(want[i]) - q.out_zp) * q.out_s) << trial << " " << i;
        }
    }
}

TEST(Cnn, MaxPoolingFaults) {
    const Dims in{4, 4, 2};
    const Quant q{0.02f, -10, 0.02f, -10};
    auto fault = [&](bool int8, const ConvSpec& s, const Quant& qq, uint16_t act = 0,
                     int patch = -1, uint8_t value = 0) {
        Builder b(int8, in);
        b.maxpool(s, qq, act);
        std::vector<uint8_t> f = b.finish();
        if (patch >= 0) {
            f[64 + size_t(patch)] = value;
        }
        Loaded l(f);
        return l.status == Status::Ok ? CnnFault::None : l.m.fault;
    };
    const ConvSpec ok{2, 2, 2, 2, {1, 1, 1, 1}, 0, 0, 0};
    EXPECT_EQ(fault(true, ok, q), CnnFault::None);
    EXPECT_EQ(fault(true, {2, 2, 2, 2, {2, 0, 0, 0}, 0, 0, 0}, q), CnnFault::Shape); // pad = kernel
    EXPECT_EQ(fault(true, {3, 3, 1, 1, {0, 0, 0, 3}, 0, 0, 0}, q), CnnFault::Shape);
    EXPECT_EQ(fault(true, ok, q, 1), CnnFault::Activation);
    EXPECT_EQ(fault(true, ok, {0.02f, -10, 0.03f, -10}), CnnFault::Quant);
    EXPECT_EQ(fault(true, ok, {0.02f, -10, 0.02f, -9}), CnnFault::Quant);
    EXPECT_EQ(fault(false, ok, {0.02f, -10, 0.03f, -9}), CnnFault::None); // unused in fp32
    EXPECT_EQ(fault(true, ok, q, 0, 48, 0), CnnFault::Kernel);            // kernel width 0
    EXPECT_EQ(fault(true, ok, q, 0, 51, 0), CnnFault::Kernel);            // stride 0
    EXPECT_EQ(fault(true, ok, q, 0, 53, 2), CnnFault::Kernel);            // dilated pooling
    EXPECT_EQ(fault(true, ok, q, 0, 52, 0), CnnFault::Kernel);            // dilation 0
    EXPECT_EQ(fault(true, ok, q, 0, 30, 3), CnnFault::Shape);             // channels 3, not 2
    EXPECT_EQ(fault(true, ok, q, 0, 26, 9), CnnFault::Shape);             // 9 rows out of 4
    EXPECT_EQ(fault(true, ok, q, 0, 4, 56), CnnFault::LayerSize);         // no room for the body
}

// A run's operations are bounded (kCnnMaxWork, 2^32 - 1): a max pooling has no weights, so a file
// of a few hundred bytes could otherwise ask for any number of comparisons. A 255x255 window over
// a 511x511xC input: 257 * 257 * C outputs of 65,025 taps, 2^32 - 131,071 for C = 1, twice that
// for C = 2.
// The sum runs over the layers: the C = 1 pooling after a reshape of its input (261,121 more)
// passes the limit too.
TEST(Cnn, RunsBeyondTheWorkLimitAreRefused) {
    const ConvSpec wide{255, 255, 1, 1, {0, 0, 0, 0}, 0, 0, 0};
    for (int case_ = 0; case_ < 3; ++case_) {
        const uint16_t c = case_ == 1 ? 2 : 1;
        Builder b(true, Dims{511, 511, c});
        const uint32_t in_bytes = 511u * 511u * c;
        if (case_ == 2) {
            b.reshape(Dims{511, 511, c}, {}); // in place
        }
        b.out_at(in_bytes);
        b.maxpool(wide, {});
        std::vector<uint8_t> f = b.finish();
        const uint32_t buf = in_bytes + 257u * 257u * c;
        for (int i = 0; i < 4; ++i) {
            f[12 + size_t(i)] = uint8_t(buf >> (8 * i));
        }
        EXPECT_LT(uint64_t(257u * 257u) * 65025u, microlearn::kCnnMaxWork);
        Loaded l(f);
        if (case_ == 0) {
            EXPECT_EQ(l.status, Status::Ok);
        } else {
            EXPECT_EQ(l.status, Status::InvalidArgument) << case_;
            EXPECT_EQ(l.m.fault, CnnFault::Work) << case_;
            EXPECT_EQ(l.m.fault_layer, case_ == 2 ? 1 : 0) << case_;
        }
    }
}

// NaN (a zero sum times a weight scale product that overflowed to infinity) saturates to 0,
// whatever its sign bit, as microlearn.cnn.run does: x86 makes 0 * inf a negative NaN, ARM a
// positive one.
TEST(Cnn, Int8NanFromAnOverflowedScaleIsZero) {
    Builder b(true, Dims{1, 1, 1});
    const ConvSpec one{1, 1, 1, 1, {0, 0, 0, 0}, 0, 0, 2};
    b.conv(one, {0, 0}, {0, 0}, {3e38f, 1.0f}, {3e38f, -128, 1.0f / 255, 0});
    Loaded l(b.finish());
    ASSERT_EQ(l.status, Status::Ok);
    const std::vector<float> out = l.run({77});
    EXPECT_EQ(out[0], 0.0f);
    EXPECT_EQ(out[1], 0.0f);
}

// A softmax keeps its first 32 exponentials for its second pass and computes the others again:
// both give the softmax, around that bound and far beyond it.
TEST(Cnn, Fp32SoftmaxOfManyClasses) {
    std::mt19937 rng(23);
    for (const uint16_t n : {1, 31, 32, 33, 40, 300}) {
        Builder b(false, Dims{1, 1, n});
        b.softmax({});
        Loaded l(b.finish());
        ASSERT_EQ(l.status, Status::Ok) << int(l.m.fault);
        const std::vector<uint8_t> img = random_image(n, rng);
        double top = -1e300, sum = 0.0;
        for (const uint8_t v : img) {
            top = std::max(top, double(float(v) / 255.0f));
        }
        for (const uint8_t v : img) {
            sum += std::exp(double(float(v) / 255.0f) - top);
        }
        const std::vector<float> got = l.run(img);
        ASSERT_EQ(got.size(), size_t(n));
        for (uint16_t c = 0; c < n; ++c) {
            EXPECT_NEAR(got[c], std::exp(double(float(img[c]) / 255.0f) - top) / sum, 1e-6)
                << n << " " << c;
        }
    }
}
