// emlearn_cnn_int8 as a MicroPython native module: argument conversion only (in cnn_natmod.h,
// shared with the other model kind); the contract lives in src/api/cnn_api.cpp.
#define NATMOD_CNN_KIND (microlearn::CnnKind::Int8)
#include "cnn_natmod.h"
