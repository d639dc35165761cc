#include "cnn_api.h"

#include "array_checks.h"

namespace microlearn {
namespace api {

namespace {

// By CnnFault, from Magic on ('\0'-separated: no pointer table).
constexpr char kFaultTexts[] = "not a TinyMaix model (magic is not MAIX)\0"
                               "unsupported model type \0"
                               "truncated\0"
                               "needs exactly one input, one output and a layer\0"
                               "unsupported layer type \0"
                               "bad layer size\0"
                               "bad dimensions\0"
                               "input is not an earlier output at its offset and dimensions\0"
                               "output dimensions do not follow from the layer\0"
                               "unsupported kernel, stride or dilation\0"
                               "unsupported activation \0"
                               "weights, biases or scales out of the layer\0"
                               "bad scale, zero point or bias, or a max pooling that changes them\0"
                               "the output must be the last layer, and only it\0"
                               "model buffer not aligned\0"
                               "activations overlap, are misaligned or exceed buf_size\0"
                               "a run needs 2^32 operations or more\0";

bool not_ready(Error* err) {
    return raise_value(err, "model not loaded");
}

// ValueError("wrong <what> size: expected N, got M"): the reference's words, then the sizes.
bool check_size(const BufferView& b, uint32_t length, const char* what, Error* err) {
    return check_count(element_count(b), length, "wrong ", what, " size: ", err);
}

} // namespace

bool cnn_check_model(const BufferView& model, Error* err) {
    if (model.typecode != 'B') {
        return raise_value(err, "model should be bytes");
    }
    return true;
}

bool cnn_new(CnnModel* m, const uint8_t* copy, size_t bytes, CnnKind module_kind, Error* err) {
    if (cnn_init(m, copy, bytes, module_kind) != Status::Ok) {
        const CnnFault f = m->fault;
        if (f == CnnFault::Kind) {
            return raise_value(err, module_kind == CnnKind::Fp32
                                        ? "int8 model: load it with emlearn_cnn_int8"
                                        : "fp32 model: load it with emlearn_cnn_fp32");
        }
        MessageBuilder msg = fail(err, ErrorType::ValueError).text("invalid model: ");
        if (m->fault_layer != kCnnHeaderFault) {
            msg.text("layer ").number(m->fault_layer).text(": ");
        }
        msg.text(nth_text(kFaultTexts, uint32_t(f) - uint32_t(CnnFault::Magic)));
        if (f == CnnFault::ModelType || f == CnnFault::LayerType || f == CnnFault::Activation) {
            msg.number(int32_t(m->fault_value));
        }
        return false;
    }
    return true;
}

bool cnn_run(const CnnModel* m, const BufferView& input, const BufferView& output, void* work,
             size_t work_bytes, Error* err) {
    if (m == nullptr || !m->ready) {
        return not_ready(err);
    }
    if (!check_typecode(input, 'B', "expecting byte array", "input", err) ||
        !check_size(input, m->in_len, "input", err) ||
        !check_typecode(output, 'f', "expecting float array", "output", err) ||
        !check_size(output, m->out_len, "output", err)) {
        return false;
    }
    return cnn_run(m, static_cast<const uint8_t*>(input.data), m->in_len,
                   static_cast<float*>(output.data), m->out_len, work, work_bytes) == Status::Ok ||
           not_ready(err);
}

bool cnn_output_dimensions(const CnnModel* m, uint32_t dims[3], uint32_t* n, Error* err) {
    if (m == nullptr || !m->ready) {
        return not_ready(err);
    }
    *n = m->out_dims[0];
    for (uint32_t i = 0; i < *n; ++i) {
        dims[i] = m->out_dims[4 - *n + i];
    }
    return true;
}

} // namespace api
} // namespace microlearn
