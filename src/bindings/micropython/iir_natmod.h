// The filter object of emlearn_iir and emlearn_iir_q15 as MicroPython native modules, written
// once over the module's api functions (api::IirFilterApi). Argument conversion only; the
// contract lives in src/api. Included once by each of the two modules' binding files, which use
// NATMOD_IIR_FILTER and call iir_filter_init() from mpy_init. Listed in the modules' SRC_ in
// modules.mk so that its MP_QSTR_ names are found.
#pragma once
#include "iir_common.h"
#include "natmod.h"
#include "natmod_args.h"

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t iir_filter_type;
NATMOD_VISIBLE mp_map_elem_t iir_filter_locals_table[4];
}

namespace natmod {
namespace iir {

using microlearn::api::IirFilterApi;

// Makes the filter type. run first: the method table is searched in order on every call.
inline void init_type(qstr name, const void* run, const void* reset, const void* get_state,
                      const void* set_state, const mp_obj_dict_t* locals) {
    iir_filter_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    iir_filter_type.flags = MP_TYPE_FLAG_NONE;
    iir_filter_type.name = name;
    iir_filter_locals_table[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(run)};
    iir_filter_locals_table[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_reset), MP_OBJ_FROM_PTR(reset)};
    iir_filter_locals_table[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_state), MP_OBJ_FROM_PTR(get_state)};
    iir_filter_locals_table[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_state), MP_OBJ_FROM_PTR(set_state)};
    MP_OBJ_TYPE_SET_SLOT(&iir_filter_type, locals_dict, (void*)locals, 0);
}

template <class F> struct Object {
    mp_obj_base_t base;
    F filter;
    uint64_t storage[]; // coefficients and state, sized at new(); 8-aligned for a double state
};

inline void check(bool ok, const Error& err) {
    if (!ok) {
        raise(err);
    }
}

// The methods of filters F of the module whose api is A; type_error is the TypeError message for
// another object as self.
template <class F, const IirFilterApi<F>& A, const char* type_error> struct Filter {
    static F* of(mp_obj_t obj) {
        check_type(obj, &iir_filter_type, type_error);
        return &static_cast<Object<F>*>(MP_OBJ_TO_PTR(obj))->filter;
    }

    static mp_obj_t create(mp_obj_t coefficients_in) {
        Error err{}; // zeroed: see natmod::malloc_sum
        const BufferView c = array_arg(coefficients_in, MP_BUFFER_READ);
        size_t bytes = 0;
        check(A.storage_size(c, &bytes, &err), err);
        Object<F>* o = static_cast<Object<F>*>(natmod::malloc_sum(sizeof(Object<F>), bytes));
        o->base.type = reinterpret_cast<const mp_obj_type_t*>(&iir_filter_type);
        check(A.create(&o->filter, c, o->storage, bytes, &err), err);
        return MP_OBJ_FROM_PTR(o);
    }

    static mp_obj_t run(mp_obj_t self_in, mp_obj_t values_in) {
        Error err;
        check(A.run(of(self_in), array_arg(values_in, MP_BUFFER_RW), &err), err);
        return mp_const_none;
    }

    static mp_obj_t reset(mp_obj_t self_in) {
        Error err;
        check(A.reset_state(of(self_in), &err), err);
        return mp_const_none;
    }

    static mp_obj_t get_state(mp_obj_t self_in, mp_obj_t out_in) {
        Error err;
        check(A.state_get(of(self_in), array_arg(out_in, MP_BUFFER_RW), &err), err);
        return mp_const_none;
    }

    static mp_obj_t set_state(mp_obj_t self_in, mp_obj_t values_in) {
        Error err;
        check(A.state_set(of(self_in), array_arg(values_in, MP_BUFFER_READ), &err), err);
        return mp_const_none;
    }
};

} // namespace iir
} // namespace natmod

// Defines the function objects of new() and of the methods of the filters FILTER (a
// natmod::iir::Filter), and iir_filter_init(type name), which makes the type and stores new() in
// the module.
#define NATMOD_IIR_FILTER(FILTER)                                                                  \
    static MP_DEFINE_CONST_FUN_OBJ_1(iir_new_obj, FILTER::create);                                 \
    static MP_DEFINE_CONST_FUN_OBJ_2(iir_run_obj, FILTER::run);                                    \
    static MP_DEFINE_CONST_FUN_OBJ_1(iir_reset_obj, FILTER::reset);                                \
    static MP_DEFINE_CONST_FUN_OBJ_2(iir_get_state_obj, FILTER::get_state);                        \
    static MP_DEFINE_CONST_FUN_OBJ_2(iir_set_state_obj, FILTER::set_state);                        \
    static MP_DEFINE_CONST_DICT(iir_locals_dict, iir_filter_locals_table);                         \
    static void iir_filter_init(qstr name) {                                                       \
        natmod::iir::init_type(name, &iir_run_obj, &iir_reset_obj, &iir_get_state_obj,             \
                               &iir_set_state_obj, &iir_locals_dict);                              \
        mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&iir_new_obj));                               \
    }
