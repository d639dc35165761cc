// emlearn_arrayutils as a MicroPython native module: argument conversion only; the contract
// lives in src/api/arrayutils_api.cpp.
#include "arrayutils_api.h"
#include "natmod.h"
#include "natmod_args.h"

using namespace microlearn;

// linear_map(inputs, outputs, in_min, in_max, out_min, out_max)
static mp_obj_t linear_map(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    // The numbers first: a __float__ is Python code, which could resize the arrays after their
    // memory was taken (the order of a call's arguments is the compiler's).
    const double in_min = mp_obj_get_float_to_d(args[2]), in_max = mp_obj_get_float_to_d(args[3]);
    const double out_min = mp_obj_get_float_to_d(args[4]), out_max = mp_obj_get_float_to_d(args[5]);
    api::Error err;
    if (!api::linear_map(natmod::array_arg(args[0], MP_BUFFER_READ),
                         natmod::array_arg(args[1], MP_BUFFER_WRITE), in_min, in_max, out_min,
                         out_max, &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(linear_map_obj, 6, 6, linear_map);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY
    mp_store_global(MP_QSTR_linear_map, MP_OBJ_FROM_PTR(&linear_map_obj));
    MP_DYNRUNTIME_INIT_EXIT
}
