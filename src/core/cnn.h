// Convolutional networks from TinyMaix model files (.tmdl), int8 and fp32: the engine behind
// emlearn_cnn_int8 and emlearn_cnn_fp32. docs/cnn_format.md has the file layout and the arithmetic.
//
// The model stays in the caller's memory, read in place (4-byte aligned: its floats and int32
// biases are read directly). cnn_init() checks the whole file once: every size, offset, dimension,
// kernel, activation and quantisation parameter, and where each layer's input comes from. A model
// it accepts cannot make cnn_run() read or write outside the model, the input, the output or the
// work buffer, nor read activation memory that the run has not written.
//
// Activations live where the file puts them, as in TinyMaix: at byte offsets (in_oft, out_oft and
// an add layer's second input) of one activation buffer, the model's input at offset 0. Each
// input a layer reads must be exactly the output of an earlier layer (or the model's input):
// same offset, same dimensions, and no later output written over any of its bytes since. That
// is what TinyMaix's converter writes: a chain through two ends of the buffer, and for residual
// connections (add) a kept activation beyond them. cnn_init() follows the writes with a table of
// the last kCnnLiveRegions activations still intact; an input older than that is refused. The
// work buffer (cnn_work_bytes()) holds the activation buffer up to the last byte a layer uses
// (at most the file's buf_size), the largest receptive field of a convolution, gathered for each
// output position, and for int8 models one float scale per output channel of a convolution.
//
// Layers: conv2d and depthwise conv2d (any kernel, stride and dilation, explicit padding;
// activation none, relu or relu6; TinyMaix runs only dilation 1), global average pooling, dense,
// softmax, reshape (in place), add (element-wise sum of two activations of the same dimensions),
// and max pooling (any window and stride, padding narrower than the window; microlearn's own
// layer type 128, which TinyMaix lacks). int8 models compute like
// TinyMaix (real = scale * (q - zero_point); int32 sums; float rescaling; results truncated
// toward zero) except that results saturate at the int8 range, where TinyMaix wraps.
// fp32 models compute in float. The input is uint8 (an image), scaled as TinyMaix's
// preprocessing does: q = u - 128 for int8 models, u / 255 for fp32; the output is float: int8
// outputs dequantised when the file's out_deq flag is set (the converters set it), else their
// int8 values.
#pragma once
#include "status.h"

namespace microlearn {

// TinyMaix's mdl_type values; Any only as what cnn_init() is asked to accept.
enum class CnnKind : uint8_t { Int8 = 0, Fp32 = 2, Any = 0xff };

// Why cnn_init() refused a file (the api layer words it; CnnModel::fault_layer says where).
enum class CnnFault : uint8_t {
    None,
    Magic,      // not "MAIX"
    ModelType,  // mdl_type other than int8 (0) or fp32 (2), or a kind this build leaves out
    Truncated,  // shorter than its header or a layer says
    Counts,     // not exactly one input and one output, or no layer
    LayerType,  // unknown layer type (fault_value)
    LayerSize,  // a layer size that is too small, not 8-aligned or beyond the file
    Dims,       // dimensions that are 0, inconsistent with dims, or too large
    Chain,      // an input that is not an intact earlier output (or the model's input) of its
                // offset and dimensions
    Shape,      // output dimensions that do not follow from the input and the layer (or a max
                // pooling's padding as wide as its window)
    Kernel,     // kernel, stride or dilation unsupported
    Activation, // activation other than none, relu, relu6: fault_value
    Offsets,    // weights, biases or scales outside the layer, or misaligned
    Quant,      // a scale that is not finite and positive, a zero point outside int8, a bias
                // beyond +-2^30, an int8 max pooling whose output quantisation is not its
                // input's
    Output,     // the output is not the last layer, or more than one layer is an output
    Alignment,  // the model is not 4-byte aligned in memory
    Buffer,     // an output that overlaps an input of its layer, beyond the file's buf_size, at
                // an offset that is not a multiple of 4 (fp32), or a reshape not in place
    Work,       // a run would take more than kCnnMaxWork operations (2^32 or more)
    Kind,       // a model of the other kind than the one asked for (fault_value: its mdl_type)
};

struct CnnModel {
    const uint8_t* bin;
    uint32_t bin_len;
    CnnKind kind;
    bool out_deq; // int8: the output dequantised (else its int8 values, as floats)
    bool ready;
    CnnFault fault;
    uint16_t n_layers;
    uint16_t fault_layer; // index of the layer the fault is about; kCnnHeaderFault: the header
    uint32_t fault_value; // the offending type or activation
    uint16_t in_dims[4];  // dims, h, w, c
    uint16_t out_dims[4]; // of the output layer
    uint32_t in_len;      // h * w * c
    uint32_t out_len;
    uint32_t arena_bytes;  // activation buffer: the end of the last byte any layer uses
    uint32_t max_patch;    // largest receptive field of a convolution (input channels x taps)
    uint32_t max_channels; // most output channels of an int8 convolution
};

constexpr uint16_t kCnnHeaderFault = 0xffff;

// The limits cnn_init() enforces: activations up to 2^22 elements, dot products (kernel taps times
// input channels, or dense inputs) up to 2^16 terms, so that int32 sums cannot overflow.
constexpr uint32_t kCnnMaxElements = 1u << 22;
constexpr uint32_t kCnnMaxDot = 1u << 16;
// Activations cnn_init() remembers as intact (see above); TinyMaix's layouts keep at most three.
constexpr uint32_t kCnnLiveRegions = 16;
// The activation buffer's largest size (the file's buf_size may not exceed it).
constexpr uint32_t kCnnMaxBuffer = 1u << 26;
// The most operations one run may take, summed over the layers: output values times the taps of
// each (a convolution's kernel taps times input channels, 1 channel for a depthwise one, a
// pooling window's taps, a dense
// layer's inputs, a global average's pixels; 1 for the others). It bounds how long run() can be
// kept busy by a small file (a max pooling has no weights: its work does not grow with the
// file). MobileNet v1 at 224x224 needs about 2^29.
constexpr uint32_t kCnnMaxWork = 0xffffffffu; // 2^32 - 1

// Checks bin[0..len) and sets m up to run it: a model of kind `want` (Any: either). Errors:
// InvalidArgument with m->fault set (and m->ready false) for any defect listed above. A build
// that leaves a kind out (MICROLEARN_CNN_INT8=0 or MICROLEARN_CNN_FP32=0, one module per kind)
// drops that kind's checks; asked for Any it refuses such a file as ModelType (asked for its own
// kind, a file of the other is the Kind fault first).
Status cnn_init(CnnModel* m, const uint8_t* bin, size_t len, CnnKind want = CnnKind::Any);

// Bytes of work buffer cnn_run() needs (any alignment is fine: it aligns inside).
size_t cnn_work_bytes(const CnnModel* m);

// Runs the network on input[0..in_len) (uint8, HWC) into out[0..out_len). Errors: NotReady,
// SizeMismatch (input or output length), InvalidArgument (null pointers, or a model kind left out
// of the build by MICROLEARN_CNN_INT8=0 or MICROLEARN_CNN_FP32=0), SizeMismatch for a short work
// buffer.
Status cnn_run(const CnnModel* m, const uint8_t* input, uint32_t input_len, float* out,
               uint32_t out_len, void* work, size_t work_bytes);

} // namespace microlearn
