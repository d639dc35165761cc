// emlearn_iir as a MicroPython native module: argument conversion only; the contract lives in
// src/api/iir_api.cpp.
#include "iir_api.h"
#include "natmod.h"

using namespace microlearn;

struct IirObject {
    mp_obj_base_t base;
    IirCascade filter;
    uint32_t storage[]; // coefficients and state, sized at new()
};

extern "C" {
mp_obj_full_type_t iir_type;
mp_map_elem_t iir_locals_table[4];
}

static IirCascade* filter_of(mp_obj_t obj) {
    natmod::check_type(obj, &iir_type, "expecting an emlearn_iir filter");
    return &static_cast<IirObject*>(MP_OBJ_TO_PTR(obj))->filter;
}

static void check(bool ok, const api::Error& err) {
    if (!ok) {
        natmod::raise(err);
    }
}

static mp_obj_t iir_new(mp_obj_t coefficients_in) {
    api::Error err;
    const api::BufferView c = natmod::buffer_view(coefficients_in, MP_BUFFER_READ);
    size_t bytes = 0;
    check(api::iir_storage_size(c, &bytes, &err), err);
    IirObject* o = static_cast<IirObject*>(m_malloc(sizeof(IirObject) + bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&iir_type);
    check(api::iir_new(&o->filter, c, o->storage, bytes, &err), err);
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_1(iir_new_obj, iir_new);

static mp_obj_t iir_run(mp_obj_t self_in, mp_obj_t values_in) {
    api::Error err;
    check(api::iir_run(filter_of(self_in), natmod::buffer_view(values_in, MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(iir_run_obj, iir_run);

static mp_obj_t iir_reset(mp_obj_t self_in) {
    api::Error err;
    check(api::iir_reset_state(filter_of(self_in), &err), err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(iir_reset_obj, iir_reset);

static mp_obj_t iir_get_state(mp_obj_t self_in, mp_obj_t out_in) {
    api::Error err;
    check(api::iir_state_get(filter_of(self_in), natmod::buffer_view(out_in, MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(iir_get_state_obj, iir_get_state);

static mp_obj_t iir_set_state(mp_obj_t self_in, mp_obj_t values_in) {
    api::Error err;
    check(api::iir_state_set(filter_of(self_in), natmod::buffer_view(values_in, MP_BUFFER_READ),
                             &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(iir_set_state_obj, iir_set_state);

static MP_DEFINE_CONST_DICT(iir_locals_dict, iir_locals_table);

extern "C" mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw, mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    iir_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    iir_type.flags = MP_TYPE_FLAG_NONE;
    iir_type.name = MP_QSTR_emliir;
    // run first: the method table is searched in order on every call.
    iir_locals_table[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&iir_run_obj)};
    iir_locals_table[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_reset), MP_OBJ_FROM_PTR(&iir_reset_obj)};
    iir_locals_table[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_state), MP_OBJ_FROM_PTR(&iir_get_state_obj)};
    iir_locals_table[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_state), MP_OBJ_FROM_PTR(&iir_set_state_obj)};
    MP_OBJ_TYPE_SET_SLOT(&iir_type, locals_dict, (void*)&iir_locals_dict, 0);

    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&iir_new_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
