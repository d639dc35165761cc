// emlearn_iir as a MicroPython native module: argument conversion only (in iir_natmod.h, shared
// with emlearn_iir_q15); the contract lives in src/api/iir_api.cpp.
#include "iir_api.h"
#include "iir_natmod.h"

using namespace microlearn;

constexpr char kTypeError[] = "expecting an emlearn_iir filter";
using Filter = natmod::iir::Filter<IirCascade, api::kIirApi, kTypeError>;
NATMOD_IIR_FILTER(Filter)

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    iir_filter_init(MP_QSTR_emliir);

    MP_DYNRUNTIME_INIT_EXIT
}
