// emlearn_cnn_int8 for CPython: the same module as on MicroPython (cnn_pyglue.h, shared with
// the other model kind); the contract lives in src/api/cnn_api.cpp.
#include "cnn_pyglue.h"

PYBIND11_MODULE(emlearn_cnn_int8, m) {
    m.doc() = R"(Convolutional networks from TinyMaix .tmdl files (int8 models).

new(model)                   a .tmdl file in bytes, bytearray, array('B') or a memoryview
net.run(input, output)       input: h*w*c uint8 values (HWC) in array('B'), bytearray or
                             bytes; output array('f')
net.output_dimensions()      the output's shape as a tuple, e.g. (10,))";
    pyglue::cnn::bind<microlearn::CnnKind::Int8>(m, "tinymaixcnn");
}
