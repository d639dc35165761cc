// emlearn_cnn_int8 and emlearn_cnn_fp32: the module contract (SPEC.md) over the CNN engine
// (cnn.h), one set of functions for both modules, which differ only in the model kind they take.
// A binding copies the model file into memory it owns (aligned), checks it with cnn_new(), then
// reserves cnn_work_bytes() of work buffer for run().
#pragma once
#include "api.h"
#include "cnn.h"

namespace microlearn {
namespace api {

// new(model): bytes, bytearray or array('B'), else ValueError("model should be bytes").
bool cnn_check_model(const BufferView& model, Error* err);
// Checks the copy (4-byte aligned) of a model file: ValueError("invalid model: ...") naming the
// defect and the layer, or ValueError when the file is of the other kind than the module's.
bool cnn_new(CnnModel* m, const uint8_t* copy, size_t bytes, CnnKind module_kind, Error* err);
// run(input 'B' of h*w*c, output 'f' of the output size).
bool cnn_run(const CnnModel* m, const BufferView& input, const BufferView& output, void* work,
             size_t work_bytes, Error* err);
// output_dimensions(): 1 to 3 values (c; w, c; or h, w, c, as the output's dims says) into
// dims[0..*n).
bool cnn_output_dimensions(const CnnModel* m, uint32_t dims[3], uint32_t* n, Error* err);

} // namespace api
} // namespace microlearn
