#include "cnn.h"

#include "cnn_requant.h"
#include "float_checks.h"
#include "mathf.h"

#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_UNALIGNED)
#include <arm_acle.h>
#define MICROLEARN_CNN_SIMD32 1 // int8 dot products with SMLAD
#else
#define MICROLEARN_CNN_SIMD32 0
#endif
// int8 convolutions take output channels in pairs (dot2) on microcontrollers; x64 and x86
// vectorise one channel's dot product instead. Defined beforehand, it chooses: the tests run the
// microcontrollers' plain C form on the host.
#if !defined(MICROLEARN_CNN_INT8_PAIRS)
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
#define MICROLEARN_CNN_INT8_PAIRS 0
#else
#define MICROLEARN_CNN_INT8_PAIRS 1
#endif
#endif
// float convolutions take output channels in pairs on ARM cores with an FPU (the Cortex-M4F's
// MNIST run 8% fewer instructions; x64 3% more).
#if MICROLEARN_HARDWARE_FLOAT && defined(__arm__)
#define MICROLEARN_CNN_FLOAT_PAIRS 1
#else
#define MICROLEARN_CNN_FLOAT_PAIRS 0
#endif

// Which model kinds cnn_run() can run (both by default). A native module builds only its own:
// the other kind's kernels would be dead code in it.
#if !defined(MICROLEARN_CNN_INT8)
#define MICROLEARN_CNN_INT8 1
#endif
#if !defined(MICROLEARN_CNN_FP32)
#define MICROLEARN_CNN_FP32 1
#endif
// int8 convolutions requantise in integer arithmetic where float is a library call, with the
// float results (cnn_requant.h). Defined beforehand (0 or 1), it chooses either: the tests run
// the integer one on the host.
#if !defined(MICROLEARN_CNN_FIXED_REQUANT)
#define MICROLEARN_CNN_FIXED_REQUANT (!MICROLEARN_HARDWARE_FLOAT)
#endif

namespace microlearn {

namespace {

// File layout (docs/cnn.md): a 64-byte model header, then the layers, each a 48-byte header and
// its body, sizes multiples of 8.
constexpr uint32_t kModelHeader = 64;
constexpr uint32_t kLayerHeader = 48;
constexpr uint32_t kConvSize = 80; // header + conv body
constexpr uint32_t kFcSize = 64;   // header + dense body
constexpr uint32_t kAddSize = 64;  // header + add body
constexpr uint32_t kPoolSize = 64; // header + max pooling body

enum LayerType : uint16_t {
    Conv = 0,
    Gap = 1,
    Fc = 2,
    Softmax = 3,
    Reshape = 4,
    DwConv = 5,
    Add = 6,
    MaxPool = 128 // microlearn's own (docs/cnn_format.md); TinyMaix has no max pooling
};

// Little-endian fields at any alignment.
// A model kind this build runs is int8: a constant where the build leaves a kind out, so that
// the compiler drops the other kind's checks and arrays.
inline bool int8_kind(CnnKind kind) {
    return !MICROLEARN_CNN_FP32 || (MICROLEARN_CNN_INT8 && kind == CnnKind::Int8);
}

inline uint32_t u16(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8;
}
inline uint32_t u32(const uint8_t* p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline float f32(const uint8_t* p) {
    return __builtin_bit_cast(float, u32(p));
}

struct Shape {
    uint32_t h, w, c;
    uint32_t elements() const { return h * w * c; }
};

// One layer, decoded from its bytes.
struct Layer {
    uint32_t type;
    // Operations for each output value, as cnn_init() counts them: a convolution's kernel taps
    // times input channels (1 for a depthwise one), a pooling window's taps, a dense layer's
    // inputs, a global average's pixels; 1 for the others.
    uint32_t taps;
    bool is_out;
    uint32_t size;
    uint32_t in_oft, out_oft; // in the activation buffer
    uint32_t in1_oft;         // add: the second input
    float in1_s;              // add, int8: the second input's quantisation
    int32_t in1_zp;
    uint16_t in_dims[4], out_dims[4];
    Shape in, out;
    float in_s, out_s;
    int32_t in_zp, out_zp;
    // conv2d, depthwise conv2d, max pooling (dilation: convolutions only, 1 for max pooling)
    uint32_t kw, kh, sx, sy, dx, dy, act, dmul;
    uint32_t pad_top, pad_left;
    // conv2d, depthwise conv2d, dense: weights (int8 or float), biases (int32 or float), int8
    // weight scales
    const void* w;
    const void* b;
    const float* ws;
    const float* scales; // int8 convolutions at run time: ws[c] * in_s for every channel c
#if MICROLEARN_CNN_FIXED_REQUANT
    const uint32_t* words; // instead: requant_word(ws[c] * in_s, 1 / out_s)
#endif
};

inline bool fail(CnnModel* m, CnnFault fault, uint32_t value = 0) {
    m->fault = fault;
    m->fault_value = value;
    return false;
}

// dims, h, w, c as TinyMaix stores them: dims 3 is HWC, 2 is 1WC, 1 is 11C.
bool read_dims(const uint8_t* p, uint16_t* dims, Shape* s) {
    for (uint32_t i = 0; i < 4; ++i) {
        dims[i] = uint16_t(u16(p + 2 * i));
    }
    *s = Shape{dims[1], dims[2], dims[3]};
    if (dims[0] < 1 || dims[0] > 3 || s->h == 0 || s->w == 0 || s->c == 0) {
        return false;
    }
    if ((dims[0] < 3 && s->h != 1) || (dims[0] < 2 && s->w != 1)) {
        return false;
    }
    uint32_t elements; // h * w fits: each is below 2^16
    return !__builtin_mul_overflow(s->h * s->w, s->c, &elements) && elements <= kCnnMaxElements;
}

// An array of `count` elements of `size` bytes (1 or 4, also its alignment) at offset `oft` of
// the layer.
const void* array_in(const uint8_t* layer, uint32_t layer_size, uint32_t oft, uint32_t count,
                     uint32_t size) {
    if ((oft & (size - 1u)) != 0 || oft < kLayerHeader || oft > layer_size ||
        count > (layer_size - oft) >> (size >> 1)) { // the elements that fit: a shift by 0 or 2
        return nullptr;
    }
    return layer + oft;
}

// An int8 quantisation: a finite positive scale, a zero point in the int8 range.
bool quant_ok(float scale, int32_t zp) {
    return float_is_finite(scale) && float_greater(scale, 0.0f) && zp >= -128 && zp <= 127;
}

// Decodes and checks the layer at p (avail bytes left in the file). The checks that need the
// previous layer are made by the caller.
bool read_layer(CnnModel* m, const uint8_t* p, uint32_t avail, Layer* L) {
    if (avail < kLayerHeader) {
        return fail(m, CnnFault::Truncated);
    }
    L->type = u16(p);
    L->is_out = u16(p + 2) != 0;
    L->size = u32(p + 4);
    L->in_oft = u32(p + 8);
    L->out_oft = u32(p + 12);
    if (L->size < kLayerHeader || L->size % 8 != 0 || L->size > avail) {
        return fail(m, L->size > avail ? CnnFault::Truncated : CnnFault::LayerSize);
    }
    if (!read_dims(p + 16, L->in_dims, &L->in) || !read_dims(p + 24, L->out_dims, &L->out)) {
        return fail(m, CnnFault::Dims);
    }
    const bool int8 = int8_kind(m->kind);
    L->in_s = f32(p + 32);
    L->out_s = f32(p + 40);
    L->in_zp = int8 ? int32_t(u32(p + 36)) : 0;
    L->out_zp = int8 ? int32_t(u32(p + 44)) : 0;
    if (int8 && (!quant_ok(L->in_s, L->in_zp) || !quant_ok(L->out_s, L->out_zp))) {
        return fail(m, CnnFault::Quant);
    }
    const uint32_t wsize = int8 ? 1u : 4u;
    L->taps = 1;
    switch (L->type) {
    case Conv:
    case DwConv:
    case MaxPool: {
        if (L->size < (L->type == MaxPool ? kPoolSize : kConvSize)) {
            return fail(m, CnnFault::LayerSize);
        }
        L->kw = p[48];
        L->kh = p[49];
        L->sx = p[50];
        L->sy = p[51];
        L->dx = p[52];
        L->dy = p[53];
        L->act = u16(p + 54);
        L->pad_top = p[56];
        L->pad_left = p[58];
        const uint32_t pad_bottom = p[57], pad_right = p[59];
        // Dilation (taps dx, dy apart) is microlearn's: TinyMaix runs only 1.
        if (L->kw == 0 || L->kh == 0 || L->sx == 0 || L->sy == 0 || L->dx == 0 || L->dy == 0 ||
            (L->type == MaxPool && (L->dx != 1 || L->dy != 1))) {
            return fail(m, CnnFault::Kernel);
        }
        if (L->act != ActNone &&
            (L->type == MaxPool || (L->act != ActRelu && L->act != ActRelu6))) {
            return fail(m, CnnFault::Activation, L->act);
        }
        // Every output position's window (kernel - 1) * dilation + 1 wide) lies in the padded
        // input. In 32 bits: sizes are below 2^16, kernel, stride, dilation and padding 2^8.
        if ((L->out.h - 1) * L->sy + (L->kh - 1) * L->dy + 1 > L->in.h + L->pad_top + pad_bottom ||
            (L->out.w - 1) * L->sx + (L->kw - 1) * L->dx + 1 > L->in.w + L->pad_left + pad_right) {
            return fail(m, CnnFault::Shape);
        }
        if (L->type == MaxPool) {
            // The same channels; every window holds at least one input value (a padding narrower
            // than the kernel on each side: padding is no value, not a zero); the values keep
            // their quantisation.
            if (L->out.c != L->in.c || L->pad_top >= L->kh || pad_bottom >= L->kh ||
                L->pad_left >= L->kw || pad_right >= L->kw) {
                return fail(m, CnnFault::Shape);
            }
            if (int8 && (u32(p + 32) != u32(p + 40) || L->in_zp != L->out_zp)) {
                return fail(m, CnnFault::Quant);
            }
            L->taps = L->kw * L->kh;
            break;
        }
        L->dmul = u32(p + 60);
        // Depthwise exactly when the type says so; each output channel then reads input channel
        // c / dmul.
        if ((L->type == DwConv) != (L->dmul != 0) ||
            (L->dmul != 0 && (L->dmul > 0xffffu || L->in.c * L->dmul != L->out.c))) {
            return fail(m, CnnFault::Shape);
        }
        const uint32_t chi = L->dmul != 0 ? 1u : L->in.c;
        // Below 2^32: 255 * 255 * (2^16 - 1).
        const uint32_t dot = L->kw * L->kh * chi;
        // The gathered receptive field (cnn_work_bytes()) is bounded like an activation.
        if (dot > kCnnMaxDot || L->kw * L->kh * L->in.c > kCnnMaxElements) {
            return fail(m, CnnFault::Kernel);
        }
        L->taps = dot;
        L->w =
            array_in(p, L->size, u32(p + 72), dot * L->out.c, wsize); // at most 2^16 * (2^16 - 1)
        L->b = array_in(p, L->size, u32(p + 76), L->out.c, 4);
        L->ws = int8 ? static_cast<const float*>(array_in(p, L->size, u32(p + 68), L->out.c, 4))
                     : nullptr;
        if (L->w == nullptr || L->b == nullptr || (int8 && L->ws == nullptr)) {
            return fail(m, CnnFault::Offsets);
        }
        break;
    }
    case Fc: {
        if (L->size < kFcSize) {
            return fail(m, CnnFault::LayerSize);
        }
        if (L->out.h != 1 || L->out.w != 1) {
            return fail(m, CnnFault::Shape);
        }
        L->taps = L->in.elements();
        if (L->taps > kCnnMaxDot) {
            return fail(m, CnnFault::Kernel);
        }
        L->w = array_in(p, L->size, u32(p + 52), L->in.elements() * L->out.c, wsize); // as conv's
        L->b = array_in(p, L->size, u32(p + 56), L->out.c, 4);
        L->ws = int8 ? static_cast<const float*>(array_in(p, L->size, u32(p + 48), 1, 4)) : nullptr;
        if (L->w == nullptr || L->b == nullptr || (int8 && L->ws == nullptr)) {
            return fail(m, CnnFault::Offsets);
        }
        break;
    }
    case Gap:
        // The int32 sum of h*w int8 values cannot overflow: read_dims() keeps h*w*c below 2^22.
        if (L->out.h != 1 || L->out.w != 1 || L->out.c != L->in.c) {
            return fail(m, CnnFault::Shape);
        }
        L->taps = L->in.h * L->in.w;
        break;
    case Softmax:
        if (L->in.h != 1 || L->in.w != 1 || L->out.h != 1 || L->out.w != 1 || L->out.c != L->in.c) {
            return fail(m, CnnFault::Shape);
        }
        break;
    case Reshape:
        if (L->out.elements() != L->in.elements()) {
            return fail(m, CnnFault::Shape);
        }
        break;
    case Add:
        // in_oft1, in_s1, in_zp1 (int32 for int8 models; a float nothing uses for fp32), reserved
        if (L->size < kAddSize) {
            return fail(m, CnnFault::LayerSize);
        }
        if (L->out.h != L->in.h || L->out.w != L->in.w || L->out.c != L->in.c) {
            return fail(m, CnnFault::Shape);
        }
        L->in1_oft = u32(p + 48);
        L->in1_s = f32(p + 52);
        L->in1_zp = int8 ? int32_t(u32(p + 56)) : 0;
        if (int8 && !quant_ok(L->in1_s, L->in1_zp)) {
            return fail(m, CnnFault::Quant);
        }
        break;
    default:
        return fail(m, CnnFault::LayerType, L->type);
    }
    return true;
}

// The int8 checks that read arrays: weight scales finite and biases within +-2^30 (with sums of
// at most 2^16 products of int8 values, below 2^30 in size, the int32 sum cannot overflow).
bool check_arrays(CnnModel* m, const Layer& L) {
    if (!int8_kind(m->kind) || L.w == nullptr) {
        return true;
    }
    const uint32_t n_scales = L.type == Fc ? 1u : L.out.c;
    for (uint32_t c = 0; c < n_scales; ++c) {
        if (!float_is_finite(L.ws[c])) {
            return fail(m, CnnFault::Quant);
        }
    }
    const int32_t* b = static_cast<const int32_t*>(L.b);
    for (uint32_t c = 0; c < L.out.c; ++c) {
        if (b[c] > (1 << 30) || b[c] < -(1 << 30)) {
            return fail(m, CnnFault::Quant);
        }
    }
    return true;
}

// The element type's arithmetic: int8 (int32 sums, float rescaling) or float.
struct Int8Math {
    using T = int8_t;
    using Copy = uint8_t; // what copies a T
    using Acc = int32_t;
    static constexpr bool kPairs = MICROLEARN_CNN_INT8_PAIRS; // convolutions call dot2()
    static T pad(const Layer& L) { return T(L.in_zp); }
    // What a convolution's output step reads, copied out of the layer once: int8 stores may
    // alias anything, so read through the layer these would be loaded again for every output
    // value, and float(out_zp) converted again (a library call on cores without an FPU).
    // Convolutions multiply by the reciprocal of out_s, computed once per layer, as TinyMaix
    // does (its conv layer; its dense and pooling layers divide, and so do fc_out and gap_out).
    struct Post {
        const int32_t* b;
        float out_s_inv, out_zp;
        uint32_t act;
#if MICROLEARN_CNN_FIXED_REQUANT
        const uint32_t* words; // requant_word() of each channel
        const float* ws;       // and what the float computation needs where it declines
        float in_s;
        RequantLayer fixed;
#else
        const float* scales;
#endif
    };
    static Post post(const Layer& L) {
        const float inv = 1.0f / L.out_s;
#if MICROLEARN_CNN_FIXED_REQUANT
        return {
            static_cast<const int32_t*>(L.b),   inv, float(L.out_zp), L.act, L.words, L.ws, L.in_s,
            requant_layer(inv, L.out_zp, L.act)};
#else
        return {static_cast<const int32_t*>(L.b), inv, float(L.out_zp), L.act, L.scales};
#endif
    }
    __attribute__((always_inline)) static T conv_out(const Post& p, uint32_t c, Acc acc) {
        acc += p.b[c];
#if MICROLEARN_CNN_FIXED_REQUANT
        return conv_out_fixed(p, c, acc);
#else
        return requant_float(acc, p.scales[c], p.out_s_inv, p.out_zp, p.act);
#endif
    }
#if MICROLEARN_CNN_FIXED_REQUANT
    MICROLEARN_NOINLINE static T conv_out_fixed(const Post& p, uint32_t c, Acc acc) {
        T q;
        if (requant_fixed(p.fixed, p.words[c], acc, &q)) {
            return q;
        }
        // what requant_fixed() leaves (about 1 value in 1000)
        return requant_float(acc, p.ws[c] * p.in_s, p.out_s_inv, p.out_zp, p.act);
    }
#endif
    static T fc_out(const Layer& L, uint32_t c, Acc acc) {
        acc += static_cast<const int32_t*>(L.b)[c];
        return saturate_int8(float(acc) * L.in_s * L.ws[0] / L.out_s + float(L.out_zp));
    }
    static T gap_out(const Layer& L, Acc sum, uint32_t n) {
        const int32_t mean = sum / int32_t(n); // C division: toward zero, as TinyMaix
        return saturate_int8(float(mean - L.in_zp) * L.in_s / L.out_s + float(L.out_zp));
    }
    static float real(const Layer& L, T q) {
        return float(int32_t(q) - L.in_zp) * L.in_s;
    }
    static T from_probability(const Layer& L, float p) {
        return saturate_int8(p / L.out_s + float(L.out_zp));
    }
    static float output(const Layer& L, T q) {
        return float(int32_t(q) - L.out_zp) * L.out_s;
    }
    static T input(uint8_t u) {
        return T(int32_t(u) - 128);
    }
    // As TinyMaix's add: both inputs dequantised, summed in float, requantised by dividing.
    // Without an FPU in integer arithmetic where that gives the float result (cnn_requant.h).
    struct AddParams {
        float s0, s1, out_s, out_zp;
        int32_t zp0, zp1;
#if MICROLEARN_CNN_FIXED_REQUANT
        AddFixed fixed;
#endif
    };
    static AddParams add_params(const Layer& L) {
#if MICROLEARN_CNN_FIXED_REQUANT
        return {L.in_s,
                L.in1_s,
                L.out_s,
                float(L.out_zp),
                L.in_zp,
                L.in1_zp,
                add_fixed_layer(L.in_s, L.in1_s, L.out_s, L.out_zp)};
#else
        return {L.in_s, L.in1_s, L.out_s, float(L.out_zp), L.in_zp, L.in1_zp};
#endif
    }
    static T add(const AddParams& p, T a, T b) {
        const int32_t da = int32_t(a) - p.zp0, db = int32_t(b) - p.zp1;
#if MICROLEARN_CNN_FIXED_REQUANT
        T q;
        return add_fixed(p.fixed, da, db, &q) ? q : add_in_float(p, da, db);
#else
        return add_float(da, db, p.s0, p.s1, p.out_s, p.out_zp);
#endif
    }
#if MICROLEARN_CNN_FIXED_REQUANT
    // What add_fixed() leaves, out of the loop.
    MICROLEARN_NOINLINE static T add_in_float(const AddParams& p, int32_t da, int32_t db) {
        return add_float(da, db, p.s0, p.s1, p.out_s, p.out_zp);
    }
#endif
};

struct Fp32Math {
    using T = float;
    using Copy = float;
    using Acc = float;
    static constexpr bool kPairs = MICROLEARN_CNN_FLOAT_PAIRS;
    static T pad(const Layer&) { return 0.0f; }
    // Float stores do not alias the layer's fields the way int8 ones do: read through it (a
    // copy costs registers in the Cortex-M4F's convolution loop).
    using Post = const Layer*;
    static Post post(const Layer& L) { return &L; }
    static T conv_out(Post L, uint32_t c, Acc acc) {
        return activate(acc + static_cast<const float*>(L->b)[c], L->act);
    }
    static T fc_out(const Layer& L, uint32_t c, Acc acc) {
        return acc + static_cast<const float*>(L.b)[c];
    }
    static T gap_out(const Layer&, Acc sum, uint32_t n) { return sum / float(n); }
    static float real(const Layer&, T v) { return v; }
    static T from_probability(const Layer&, float p) { return p; }
    static float output(const Layer&, T v) { return v; }
    static T input(uint8_t u) { return float(u) / 255.0f; }
    struct AddParams {};
    static AddParams add_params(const Layer&) { return {}; }
    static T add(const AddParams&, T a, T b) { return a + b; }
};

// A contiguous dot product: the hot loop of convolutions and dense layers. Integer sums are
// exact in any order: with the DSP extension (Cortex-M4/M7: armv7emsp, armv7emdp) four int8
// products per two SMLAD instructions; on the Cortex-M0 a loop in Thumb-1 assembly; on other
// microcontrollers four products a pass; on x64 a plain loop, which GCC vectorises. On
// microcontrollers dot2() takes two output channels at once (MICROLEARN_CNN_INT8_PAIRS). Float
// sums: one sum, in order, eight products per pass, as TinyMaix's plain-C kernel (the
// reference's build): the same results as the reference, and as the CPython module on a PC,
// except where an FPU's fused multiply-add rounds once instead of twice (GCC uses it where the
// FPU has it, as in the reference's build). Four interleaved sums cost the Cortex-M4F 13% more
// instructions per CNN run (x64 10% fewer).
#if defined(__ARM_FEATURE_SIMD32) && defined(__ARM_FEATURE_UNALIGNED)
// bytes 1 and 3 sign-extended to halfwords: one instruction (GCC rotates first, then extends)
inline uint32_t sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

MICROLEARN_HOT MICROLEARN_NOINLINE int32_t dot(const int8_t* a, const int8_t* b, uint32_t n) {
    int32_t sum = 0;
    const int8_t* const end4 = a + (n & ~3u);
    const int8_t* const end = a + n;
    for (; a != end4; a += 4, b += 4) {
        uint32_t x, y; // 4 bytes each, unaligned loads
        __builtin_memcpy(&x, a, 4);
        __builtin_memcpy(&y, b, 4);
        // bytes 0 and 2, then bytes 1 and 3, sign-extended to halfwords and multiplied pairwise
        sum = __smlad(__sxtb16(x), __sxtb16(y), sum);
        sum = __smlad(sxtb16_ror8(x), sxtb16_ror8(y), sum);
    }
    for (; a != end; ++a, ++b) {
        sum += int32_t(*a) * int32_t(*b);
    }
    return sum;
}

// Two output channels at once (weights b and b + n): each 4 values of a are loaded and extended
// once for both (1.9 instructions a product instead of 2.5).
MICROLEARN_HOT MICROLEARN_NOINLINE void dot2(const int8_t* a, const int8_t* b, uint32_t n,
                                             int32_t* s0, int32_t* s1) {
    int32_t sum0 = 0, sum1 = 0;
    const int8_t* const end4 = a + (n & ~3u);
    const int8_t* const end = a + n;
    const int8_t* c = b + n;
    for (; a != end4; a += 4, b += 4, c += 4) {
        uint32_t x, y, z;
        __builtin_memcpy(&x, a, 4);
        __builtin_memcpy(&y, b, 4);
        __builtin_memcpy(&z, c, 4);
        const uint32_t x02 = __sxtb16(x), x13 = sxtb16_ror8(x);
        sum0 = __smlad(x02, __sxtb16(y), sum0);
        sum0 = __smlad(x13, sxtb16_ror8(y), sum0);
        sum1 = __smlad(x02, __sxtb16(z), sum1);
        sum1 = __smlad(x13, sxtb16_ror8(z), sum1);
    }
    for (; a != end; ++a, ++b, ++c) {
        sum0 += int32_t(*a) * int32_t(*b);
        sum1 += int32_t(*a) * int32_t(*c);
    }
    *s0 = sum0;
    *s1 = sum1;
}
#elif defined(__ARM_ARCH_6M__) && defined(__OPTIMIZE__)
// (Unoptimised builds keep r7 for the frame pointer, which dot2's loop needs: they take the plain
// C loops below, as would a build with -fno-omit-frame-pointer, which GCC refuses here.)
// Thumb-1 loads a signed byte only at a register offset, and GCC's loop spends an instruction
// on a compare and, inlined into the convolution, reloads spilled pointers: here one index,
// counting up to zero, serves both arrays and the loop's test, two products a pass (5.5
// instructions a product instead of 7).
MICROLEARN_NOINLINE int32_t dot(const int8_t* a, const int8_t* b, uint32_t n) {
    int32_t sum = 0;
    if ((n & 1) != 0) {
        sum = int32_t(*a++) * int32_t(*b++);
    }
    if (n >= 2) {
        int32_t i = -int32_t(n & ~1u);
        a -= i;
        b -= i;
        int32_t x, y;
        // GCC hands Thumb-1 inline assembly over in divided syntax: mul, add are muls, adds
        __asm__ volatile("1:\n"
                         "ldrsb %[x], [%[a], %[i]]\n"
                         "ldrsb %[y], [%[b], %[i]]\n"
                         "mul %[x], %[y]\n"
                         "add %[s], %[x]\n"
                         "add %[i], #1\n"
                         "ldrsb %[x], [%[a], %[i]]\n"
                         "ldrsb %[y], [%[b], %[i]]\n"
                         "mul %[x], %[y]\n"
                         "add %[s], %[x]\n"
                         "add %[i], #1\n"
                         "bne 1b\n"
                         : [s] "+l"(sum), [i] "+l"(i), [x] "=&l"(x), [y] "=&l"(y)
                         : [a] "l"(a), [b] "l"(b)
                         : "cc", "memory");
    }
    return sum;
}

// Two output channels at once (weights b and b + n), each value of a loaded once for both: 4.5
// instructions a product. It takes all eight low registers.
MICROLEARN_NOINLINE void dot2(const int8_t* a, const int8_t* b, uint32_t n, int32_t* s0,
                              int32_t* s1) {
    int32_t sum0 = 0, sum1 = 0;
    if (n != 0) {
        int32_t i = -int32_t(n);
        const int8_t* c = b + 2 * n;
        a += n;
        b += n;
        int32_t x, y;
        __asm__ volatile("1:\n"
                         "ldrsb %[x], [%[a], %[i]]\n"
                         "ldrsb %[y], [%[b], %[i]]\n"
                         "mul %[y], %[x]\n"
                         "add %[s0], %[y]\n"
                         "ldrsb %[y], [%[c], %[i]]\n"
                         "mul %[y], %[x]\n"
                         "add %[s1], %[y]\n"
                         "add %[i], #1\n"
                         "bne 1b\n"
                         : [s0] "+l"(sum0), [s1] "+l"(sum1), [i] "+l"(i), [x] "=&l"(x), [y] "=&l"(y)
                         : [a] "l"(a), [b] "l"(b), [c] "l"(c)
                         : "cc", "memory");
    }
    *s0 = sum0;
    *s1 = sum1;
}
#elif MICROLEARN_CNN_INT8_PAIRS
// Other microcontrollers (RISC-V, the ESP8266, Cortex-M3): four products a pass, so that the
// loop's pointer steps and branch are shared (rv32imc: 4.75 instructions a product instead of 7).
int32_t dot(const int8_t* a, const int8_t* b, uint32_t n) {
    int32_t sum = 0;
    const int8_t* const end4 = a + (n & ~3u);
    const int8_t* const end = a + n;
    for (; a != end4; a += 4, b += 4) {
        sum += int32_t(a[0]) * int32_t(b[0]) + int32_t(a[1]) * int32_t(b[1]) +
               int32_t(a[2]) * int32_t(b[2]) + int32_t(a[3]) * int32_t(b[3]);
    }
    for (; a != end; ++a, ++b) {
        sum += int32_t(*a) * int32_t(*b);
    }
    return sum;
}

// Two output channels at once (weights b and b + n), each value of a loaded once for both.
MICROLEARN_NOINLINE void dot2(const int8_t* a, const int8_t* b, uint32_t n, int32_t* s0,
                              int32_t* s1) {
    int32_t sum0 = 0, sum1 = 0;
    const int8_t* const end4 = a + (n & ~3u);
    const int8_t* const end = a + n;
    const int8_t* c = b + n;
    for (; a != end4; a += 4, b += 4, c += 4) {
        const int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        sum0 += a0 * int32_t(b[0]) + a1 * int32_t(b[1]) + a2 * int32_t(b[2]) + a3 * int32_t(b[3]);
        sum1 += a0 * int32_t(c[0]) + a1 * int32_t(c[1]) + a2 * int32_t(c[2]) + a3 * int32_t(c[3]);
    }
    for (; a != end; ++a, ++b, ++c) {
        sum0 += int32_t(*a) * int32_t(*b);
        sum1 += int32_t(*a) * int32_t(*c);
    }
    *s0 = sum0;
    *s1 = sum1;
}
#else
MICROLEARN_VECTORIZE int32_t dot(const int8_t* a, const int8_t* b, uint32_t n) {
    int32_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
        sum += int32_t(a[i]) * int32_t(b[i]);
    }
    return sum;
}
#endif

#if defined(MICROLEARN_XTENSA_FPU)
// xtensawin-fpu (ESP32, ESP32-S3): the compiler here has no FPU code, the assembler does
// (docs/natmod.md): the sum in f0 by fused multiply-adds (as an ARM core with an FPU sums, one
// rounding per step), the operands loaded straight into f1 and f2.
MICROLEARN_NOINLINE float dot(const float* a, const float* b, uint32_t n) {
    uint32_t bits;
    __asm__ volatile("movi.n %0, 0\n\t"
                     "wfr f0, %0\n\t"
                     "beqz %3, 2f\n"
                     "1:\n\t"
                     "lsi f1, %1, 0\n\t"
                     "lsi f2, %2, 0\n\t"
                     "addi %1, %1, 4\n\t"
                     "addi %2, %2, 4\n\t"
                     "addi %3, %3, -1\n\t"
                     "madd.s f0, f1, f2\n\t"
                     "bnez %3, 1b\n"
                     "2:\n\t"
                     "rfr %0, f0"
                     : "=&r"(bits), "+r"(a), "+r"(b), "+r"(n)
                     :
                     : "memory");
    float sum;
    __builtin_memcpy(&sum, &bits, sizeof sum);
    return sum;
}
#else
__attribute__((always_inline)) inline float dot(const float* a, const float* b, uint32_t n) {
    float sum = 0.0f;
    const float* const end8 = a + (n & ~7u);
    const float* const end = a + n;
    for (; a != end8; a += 8, b += 8) {
        sum += a[0] * b[0];
        sum += a[1] * b[1];
        sum += a[2] * b[2];
        sum += a[3] * b[3];
        sum += a[4] * b[4];
        sum += a[5] * b[5];
        sum += a[6] * b[6];
        sum += a[7] * b[7];
    }
    for (; a != end; ++a, ++b) {
        sum += *a * *b;
    }
    return sum;
}
#endif

#if MICROLEARN_CNN_FLOAT_PAIRS
// Two output channels at once (weights b and b + n), each summed in order as dot() sums it (the
// same results): each value of a is loaded once for both.
MICROLEARN_HOT MICROLEARN_NOINLINE void dot2(const float* a, const float* b, uint32_t n, float* s0,
                                             float* s1) {
    float sum0 = 0.0f, sum1 = 0.0f;
    const float* const end4 = a + (n & ~3u);
    const float* const end = a + n;
    const float* c = b + n;
    for (; a != end4; a += 4, b += 4, c += 4) {
        sum0 += a[0] * b[0];
        sum1 += a[0] * c[0];
        sum0 += a[1] * b[1];
        sum1 += a[1] * c[1];
        sum0 += a[2] * b[2];
        sum1 += a[2] * c[2];
        sum0 += a[3] * b[3];
        sum1 += a[3] * c[3];
    }
    for (; a != end; ++a, ++b, ++c) {
        sum0 += *a * *b;
        sum1 += *a * *c;
    }
    *s0 = sum0;
    *s1 = sum1;
}
#endif

// Convolution (dmul 0) or depthwise convolution (dmul >= 1) of in (HWC) into out (HWC). For each
// output position the receptive field is first gathered into patch, in the weights' order
// (input channel, ky, kx), so that each output channel is one contiguous dot product with its
// weights (as TinyMaix does); taps in the padding read M::pad (the input zero point: real zero).
// patch holds in.c * kh * kw values.
template <class M>
MICROLEARN_HOT void conv(const Layer& L, const typename M::T* in, typename M::T* out,
                         typename M::T* patch) {
    using T = typename M::T;
    using V = typename M::Copy;
    const T* w = static_cast<const T*>(L.w);
    const T zero = M::pad(L);
    const typename M::Post post = M::post(L);
    const uint32_t kk = L.kh * L.kw;
    const uint32_t chi = L.in.c;
    const size_t row_step = size_t(L.in.w) * chi;
    // The window spans (k - 1) * dilation + 1 pixels; with dilation 1 its taps are adjacent.
    const int32_t span_h = int32_t((L.kh - 1) * L.dy + 1), span_w = int32_t((L.kw - 1) * L.dx + 1);
    // Past a tap's chi values to the next tap's: 0 without dilation.
    const size_t tap_skip = size_t(L.dx - 1) * chi, row_tap_step = size_t(L.dy) * row_step;
    for (uint32_t oy = 0; oy < L.out.h; ++oy) {
        const int32_t y0 = int32_t(oy * L.sy) - int32_t(L.pad_top);
        for (uint32_t ox = 0; ox < L.out.w; ++ox) {
            const int32_t x0 = int32_t(ox * L.sx) - int32_t(L.pad_left);
            if (y0 >= 0 && x0 >= 0 && y0 + span_h <= int32_t(L.in.h) &&
                x0 + span_w <= int32_t(L.in.w)) {
                // The whole window inside the input (always, without padding). int8 values
                // are copied as unsigned bytes: Thumb-1 has no signed byte load at an
                // immediate offset, and the copy needs no sign.
                const V* row =
                    reinterpret_cast<const V*>(in) + size_t(y0) * row_step + size_t(x0) * chi;
                V* dst = reinterpret_cast<V*>(patch);
                for (uint32_t ky = 0; ky < L.kh; ++ky, row += row_tap_step) {
                    const V* px = row;
                    if (chi == 1) { // a kernel row is one value per tap (an image's first layer)
                        for (uint32_t kx = 0; kx < L.kw; ++kx) {
                            *dst++ = px[size_t(kx) * L.dx];
                        }
                        continue;
                    }
                    for (uint32_t kx = 0; kx < L.kw; ++kx, ++dst, px += tap_skip) {
                        V* d = dst;
                        for (uint32_t i = 0; i < chi; ++i, d += kk) {
                            *d = *px++;
                        }
                    }
                }
            } else {
                uint32_t k = 0;
                for (uint32_t ky = 0; ky < L.kh; ++ky) {
                    const int32_t y = y0 + int32_t(ky * L.dy);
                    const bool row_in = y >= 0 && y < int32_t(L.in.h);
                    for (uint32_t kx = 0; kx < L.kw; ++kx, ++k) {
                        const int32_t x = x0 + int32_t(kx * L.dx);
                        const bool inside = row_in && x >= 0 && x < int32_t(L.in.w);
                        const T* px =
                            inside ? in + size_t(y) * row_step + size_t(x) * chi : nullptr;
                        for (uint32_t i = 0; i < chi; ++i) {
                            patch[size_t(i) * kk + k] = inside ? px[i] : zero;
                        }
                    }
                }
            }
            if (L.dmul == 0) {
                const uint32_t n = chi * kk;
                uint32_t c = 0;
                if constexpr (M::kPairs) {
                    for (; c + 1 < L.out.c; c += 2) {
                        typename M::Acc s0, s1;
                        dot2(patch, w + size_t(c) * n, n, &s0, &s1);
                        *out++ = M::conv_out(post, c, s0);
                        *out++ = M::conv_out(post, c + 1, s1);
                    }
                }
                for (; c < L.out.c; ++c) {
                    *out++ = M::conv_out(post, c, dot(patch, w + size_t(c) * n, n));
                }
            } else {
                // Output channel c reads input channel c / dmul, counted rather than divided (a
                // library call on cores without a divide instruction).
                const T* in_channel = patch;
                for (uint32_t c = 0, j = 0; c < L.out.c; ++c) {
                    *out++ = M::conv_out(post, c, dot(in_channel, w + size_t(c) * kk, kk));
                    if (++j == L.dmul) {
                        j = 0;
                        in_channel += kk;
                    }
                }
            }
        }
    }
}

template <class M> void dense(const Layer& L, const typename M::T* in, typename M::T* out) {
    using T = typename M::T;
    const uint32_t n = L.in.elements();
    const T* w = static_cast<const T*>(L.w);
    for (uint32_t c = 0; c < L.out.c; ++c) {
        out[c] = M::fc_out(L, c, dot(in, w + size_t(c) * n, n));
    }
}

template <class M>
void global_average(const Layer& L, const typename M::T* in, typename M::T* out) {
    using Acc = typename M::Acc;
    const uint32_t n = L.in.h * L.in.w;
    for (uint32_t c = 0; c < L.in.c; ++c) {
        Acc sum = 0;
        for (uint32_t i = 0; i < n; ++i) {
            sum += Acc(in[size_t(i) * L.in.c + c]);
        }
        out[c] = M::gap_out(L, sum, n);
    }
}

// Whether v replaces m as the maximum so far: when larger or, for floats, NaN (as in PyTorch and
// numpy's maximum).
inline bool wins_max(int8_t v, int8_t m) {
    return v > m;
}
inline bool wins_max(float v, float m) {
    return float_greater(v, m) || float_is_nan(v);
}

// Max pooling: each output value is the largest input value in its window; taps in the
// padding are no values (at least one tap of each window is inside: cnn_init()). int8 values
// compare as they are: the output keeps the input's quantisation, and the real value
// scale * (q - zero_point) grows with q. Not inlined into run_layers(): 160-220 bytes less
// code on x64, for a loop that runs once per layer.
template <class M>
MICROLEARN_NOINLINE void max_pool(const Layer& L, const typename M::T* in, typename M::T* out) {
    using T = typename M::T;
    const uint32_t c = L.in.c;
    for (uint32_t oy = 0; oy < L.out.h; ++oy) {
        const int32_t y0 = int32_t(oy * L.sy) - int32_t(L.pad_top);
        const uint32_t y_lo = y0 < 0 ? 0u : uint32_t(y0);
        const uint32_t y_hi =
            uint32_t(y0 + int32_t(L.kh)) < L.in.h ? uint32_t(y0 + int32_t(L.kh)) : L.in.h;
        for (uint32_t ox = 0; ox < L.out.w; ++ox, out += c) {
            const int32_t x0 = int32_t(ox * L.sx) - int32_t(L.pad_left);
            const uint32_t x_lo = x0 < 0 ? 0u : uint32_t(x0);
            const uint32_t x_hi =
                uint32_t(x0 + int32_t(L.kw)) < L.in.w ? uint32_t(x0 + int32_t(L.kw)) : L.in.w;
            const T* first = in + (size_t(y_lo) * L.in.w + x_lo) * c;
            for (uint32_t i = 0; i < c; ++i) {
                out[i] = first[i];
            }
            for (uint32_t y = y_lo; y < y_hi; ++y) {
                for (uint32_t x = x_lo; x < x_hi; ++x) {
                    const T* px = in + (size_t(y) * L.in.w + x) * c;
                    for (uint32_t i = 0; i < c; ++i) {
                        out[i] = wins_max(px[i], out[i]) ? px[i] : out[i];
                    }
                }
            }
        }
    }
}

// Three passes (the maximum, the sum, the output), so that no float scratch is needed for int8.
template <class M> void softmax(const Layer& L, const typename M::T* in, typename M::T* out) {
    const uint32_t n = L.in.c;
    float top = M::real(L, in[0]);
    for (uint32_t i = 1; i < n; ++i) {
        const float v = M::real(L, in[i]);
        top = float_greater(v, top) ? v : top;
    }
    // The first 32 exponentials are kept for the second pass (an exp is a few thousand
    // instructions without an FPU); beyond them, computed again (the same values).
    constexpr uint32_t kKept = 32;
    float kept[kKept];
    float sum = 0.0f;
    for (uint32_t i = 0; i < n; ++i) {
        const float e = approx_expf(M::real(L, in[i]) - top);
        if (i < kKept) {
            kept[i] = e;
        }
        sum += e;
    }
    for (uint32_t i = 0; i < n; ++i) {
        const float e = i < kKept ? kept[i] : approx_expf(M::real(L, in[i]) - top);
        out[i] = M::from_probability(L, e / sum);
    }
}

// Element-wise sum of two activations (in place when out is one of them).
template <class M>
void add(const Layer& L, const typename M::T* a, const typename M::T* b, typename M::T* out) {
    const typename M::AddParams p = M::add_params(L);
    const uint32_t n = L.in.elements();
    for (uint32_t i = 0; i < n; ++i) {
        out[i] = M::add(p, a[i], b[i]);
    }
}

inline size_t align4(size_t n) {
    return (n + 3u) & ~size_t(3);
}

template <class M>
void run_layers(const CnnModel* m, const uint8_t* input, float* output, void* work) {
    using T = typename M::T;
    // The work buffer: the activation buffer, the per-channel scales of an int8 convolution (as
    // TinyMaix, once per layer: a float multiply is a library call on a core without an FPU),
    // the gathered receptive field.
    uint8_t* const base = static_cast<uint8_t*>(work);
    float* scales = reinterpret_cast<float*>(base + align4(m->arena_bytes));
    T* patch = reinterpret_cast<T*>(scales + m->max_channels);
    T* const x = reinterpret_cast<T*>(base);
    for (uint32_t i = 0; i < m->in_len; ++i) {
        x[i] = M::input(input[i]);
    }
    const uint8_t* p = m->bin + kModelHeader;
    Layer L{};
    CnnModel scratch = *m; // read_layer() reports into a model; this one is checked already
    for (uint32_t k = 0; k < m->n_layers; ++k) {
        read_layer(&scratch, p, m->bin_len - uint32_t(p - m->bin), &L);
        p += L.size;
        const T* a = reinterpret_cast<const T*>(base + L.in_oft);
        T* b = reinterpret_cast<T*>(base + L.out_oft);
        switch (L.type) {
        case Conv:
        case DwConv:
            if (sizeof(T) == 1 && L.ws != nullptr) { // int8
#if MICROLEARN_CNN_FIXED_REQUANT
                uint32_t* words = reinterpret_cast<uint32_t*>(scales);
                const float inv = 1.0f / L.out_s;
                for (uint32_t c = 0; c < L.out.c; ++c) {
                    words[c] = requant_word(L.ws[c] * L.in_s, inv);
                }
                L.words = words;
#else
                for (uint32_t c = 0; c < L.out.c; ++c) {
                    scales[c] = L.ws[c] * L.in_s;
                }
                L.scales = scales;
#endif
            }
            conv<M>(L, a, b, patch);
            break;
        case Fc:
            dense<M>(L, a, b);
            break;
        case Gap:
            global_average<M>(L, a, b);
            break;
        case MaxPool:
            max_pool<M>(L, a, b);
            break;
        case Softmax:
            softmax<M>(L, a, b);
            break;
        case Add:
            add<M>(L, a, reinterpret_cast<const T*>(base + L.in1_oft), b);
            break;
        default: // Reshape: the same values, in place, another shape
            break;
        }
    }
    const T* y = reinterpret_cast<const T*>(base + L.out_oft);
    for (uint32_t i = 0; i < m->out_len; ++i) {
        output[i] = m->out_deq ? M::output(L, y[i]) : float(y[i]);
    }
}

inline uint32_t element_size(CnnKind kind) {
    return int8_kind(kind) ? 1u : 4u;
}

// An activation in the activation buffer: bytes [start, end), its shape packed in a key.
struct Region {
    uint32_t start, end;
    uint64_t key;
    bool overlaps(const Region& o) const { return start < o.end && o.start < end; }
};

inline uint64_t shape_key(const Shape& s) {
    return uint64_t(s.h) | uint64_t(s.w) << 16 | uint64_t(s.c) << 32; // each below 2^16
}

// The activations still intact in the buffer (none of their bytes written since), oldest first,
// the last kCnnLiveRegions of them.
struct LiveRegions {
    Region r[kCnnLiveRegions];
    uint32_t n = 0;

    bool has(uint32_t start, uint64_t key) const {
        for (uint32_t i = 0; i < n; ++i) {
            if (r[i].start == start && r[i].key == key) {
                return true;
            }
        }
        return false;
    }
    void append(const Region& out) {
        if (n == kCnnLiveRegions) { // forget the oldest
            for (uint32_t i = 1; i < n; ++i) {
                r[i - 1] = r[i];
            }
            --n;
        }
        r[n++] = out;
    }
    // An output: what it overlaps is no longer intact.
    void write(const Region& out) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; ++i) {
            if (!r[i].overlaps(out)) {
                r[k++] = r[i];
            }
        }
        n = k;
        append(out);
    }
    // A reshape: the same bytes under another shape. The input's entry stays (its bytes are
    // intact: a later layer may still read the activation in its own shape).
    void alias(const Region& out) {
        if (!has(out.start, out.key)) {
            append(out);
        }
    }
};

// Where layer L reads and writes in the buffer (cnn.h): its inputs must be intact earlier
// outputs; its output in the buffer, aligned for its elements, apart from its inputs (a
// reshape in place; an add may write over one of its inputs exactly). Records the output.
// Recorded starts are at most buf_size (below 2^26) and sizes below 2^24: no 32-bit overflow.
bool check_flow(CnnModel* m, const Layer& L, uint32_t buf_size, LiveRegions* live) {
    const uint32_t es = element_size(m->kind);
    const bool add = L.type == Add;
    const uint64_t in_key = shape_key(L.in);
    if (!live->has(L.in_oft, in_key) || (add && !live->has(L.in1_oft, in_key))) {
        return fail(m, CnnFault::Chain);
    }
    const uint32_t bytes = L.out.elements() * es;
    if ((L.out_oft & (es - 1u)) != 0 || L.out_oft > buf_size || bytes > buf_size - L.out_oft) {
        return fail(m, CnnFault::Buffer);
    }
    const Region out{L.out_oft, L.out_oft + bytes, shape_key(L.out)};
    const uint32_t in_bytes = L.in.elements() * es; // an add's two inputs alike
    const Region in{L.in_oft, L.in_oft + in_bytes, 0};
    const Region in1{L.in1_oft, L.in1_oft + in_bytes, 0};
    if (L.type == Reshape ? out.start != in.start
                          : (out.overlaps(in) && !(add && out.start == in.start)) ||
                                (add && out.overlaps(in1) && out.start != in1.start)) {
        return fail(m, CnnFault::Buffer);
    }
    if (L.type == Reshape) {
        live->alias(out);
    } else {
        live->write(out);
    }
    if (out.end > m->arena_bytes) {
        m->arena_bytes = out.end;
    }
    return true;
}

} // namespace

Status cnn_init(CnnModel* m, const uint8_t* bin, size_t len, CnnKind want) {
    if (m == nullptr) {
        return Status::InvalidArgument;
    }
    *m = CnnModel{};
    m->fault_layer = kCnnHeaderFault;
    if (len < kModelHeader || len > 0x7fffffffu) {
        fail(m, len < kModelHeader ? CnnFault::Truncated : CnnFault::Dims);
        return Status::InvalidArgument;
    }
    if (bin == nullptr || (reinterpret_cast<uintptr_t>(bin) & 3u) != 0) {
        fail(m, CnnFault::Alignment);
        return Status::InvalidArgument;
    }
    if (bin[0] != 'M' || bin[1] != 'A' || bin[2] != 'I' || bin[3] != 'X') {
        fail(m, CnnFault::Magic);
        return Status::InvalidArgument;
    }
    const bool int8_file = bin[4] == uint8_t(CnnKind::Int8);
    if ((int8_file || bin[4] == uint8_t(CnnKind::Fp32)) && want != CnnKind::Any &&
        bin[4] != uint8_t(want)) {
        fail(m, CnnFault::Kind, bin[4]);
        return Status::InvalidArgument;
    }
    // A kind this build runs (each MicroPython module is built for one).
    const bool runs = int8_file ? MICROLEARN_CNN_INT8 != 0
                                : (bin[4] == uint8_t(CnnKind::Fp32) && MICROLEARN_CNN_FP32 != 0);
    if (!runs) {
        fail(m, CnnFault::ModelType, bin[4]);
        return Status::InvalidArgument;
    }
    m->kind = CnnKind(bin[4]);
    m->out_deq = bin[5] != 0 || !int8_kind(m->kind);
    m->n_layers = uint16_t(u16(bin + 10));
    Shape shape;
    if (u16(bin + 6) != 1 || u16(bin + 8) != 1 || m->n_layers == 0) {
        fail(m, CnnFault::Counts);
        return Status::InvalidArgument;
    }
    if (!read_dims(bin + 20, m->in_dims, &shape)) {
        fail(m, CnnFault::Dims);
        return Status::InvalidArgument;
    }
    m->in_len = shape.elements();
    // The model's input at offset 0 of the activation buffer, as TinyMaix puts it.
    const uint32_t buf_size = u32(bin + 12);
    m->arena_bytes = m->in_len * element_size(m->kind);
    if (buf_size > kCnnMaxBuffer || m->arena_bytes > buf_size) {
        fail(m, CnnFault::Buffer);
        return Status::InvalidArgument;
    }
    LiveRegions live;
    live.write(Region{0, m->arena_bytes, shape_key(shape)});
    uint32_t work_left = kCnnMaxWork;
    uint32_t pos = kModelHeader;
    Layer L;
    for (uint32_t k = 0; k < m->n_layers; ++k) {
        m->fault_layer = uint16_t(k);
        // Cleared for each layer: a layer without weights must not see the previous one's
        // (check_arrays would read a reshape's element count of the previous layer's scales).
        L = Layer{};
        if (!read_layer(m, bin + pos, uint32_t(len) - pos, &L) || !check_arrays(m, L) ||
            !check_flow(m, L, buf_size, &live)) {
            return Status::InvalidArgument;
        }
        if (L.is_out != (k + 1 == m->n_layers)) {
            fail(m, CnnFault::Output);
            return Status::InvalidArgument;
        }
        // In 32 bits: a Cortex-M0 has no 64-bit multiply, and a division would cost the fp32
        // module a routine.
        uint32_t ops;
        if (__builtin_mul_overflow(L.out.elements(), L.taps, &ops) || ops > work_left) {
            fail(m, CnnFault::Work);
            return Status::InvalidArgument;
        }
        work_left -= ops;
        if (L.type == Conv || L.type == DwConv) {
            if (L.in.c * L.kh * L.kw > m->max_patch) {
                m->max_patch = L.in.c * L.kh * L.kw;
            }
            if (int8_kind(m->kind) && L.out.c > m->max_channels) {
                m->max_channels = L.out.c;
            }
        }
        shape = L.out;
        pos += L.size;
    }
    for (uint32_t i = 0; i < 4; ++i) {
        m->out_dims[i] = L.out_dims[i];
    }
    m->out_len = shape.elements();
    m->bin = bin;
    m->bin_len = uint32_t(len);
    m->fault_layer = kCnnHeaderFault;
    m->ready = true;
    return Status::Ok;
}

size_t cnn_work_bytes(const CnnModel* m) {
    if (m == nullptr || !m->ready) {
        return 0;
    }
    const size_t size = element_size(m->kind);
    const size_t scales = int8_kind(m->kind) ? size_t(m->max_channels) * sizeof(float) : 0;
    // and up to 3 bytes to align the start
    return align4(m->arena_bytes) + scales + size_t(m->max_patch) * size + 3;
}

Status cnn_run(const CnnModel* m, const uint8_t* input, uint32_t input_len, float* out,
               uint32_t out_len, void* work, size_t work_bytes) {
    if (m == nullptr || !m->ready) {
        return Status::NotReady;
    }
    if (input == nullptr || out == nullptr || work == nullptr) {
        return Status::InvalidArgument;
    }
    if (input_len != m->in_len || out_len != m->out_len || work_bytes < cnn_work_bytes(m)) {
        return Status::SizeMismatch;
    }
    const uintptr_t start = (reinterpret_cast<uintptr_t>(work) + 3u) & ~uintptr_t(3);
    void* aligned = reinterpret_cast<void*>(start);
    if (m->kind == CnnKind::Int8) {
#if MICROLEARN_CNN_INT8
        run_layers<Int8Math>(m, input, out, aligned);
        return Status::Ok;
#endif
    } else {
#if MICROLEARN_CNN_FP32
        run_layers<Fp32Math>(m, input, out, aligned);
        return Status::Ok;
#endif
    }
    return Status::InvalidArgument; // a kind this build leaves out
}

} // namespace microlearn
