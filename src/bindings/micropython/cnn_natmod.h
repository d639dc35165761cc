// The network object of emlearn_cnn_int8 and emlearn_cnn_fp32 as MicroPython native modules,
// written once over the model kind. Argument conversion only; the contract lives in
// src/api/cnn_api.cpp. Each module's binding file defines NATMOD_CNN_KIND and includes this.
#pragma once
#include "cnn_api.h"
#include "natmod.h"

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t cnn_type;
NATMOD_VISIBLE mp_map_elem_t cnn_locals_table[2];
}

namespace {

using namespace microlearn;

struct CnnObject {
    mp_obj_base_t base;
    CnnModel cnn;
    uint8_t* work;
    size_t work_bytes;
    mp_obj_t source;  // a bytes model read in place (kept alive here), else MP_OBJ_NULL
    uint64_t model[]; // else the file's copy, 8-aligned
};

void check(bool ok, const api::Error& err) {
    if (!ok) {
        natmod::raise(err);
    }
}

CnnObject* self_of(mp_obj_t obj) {
    natmod::check_type(obj, &cnn_type, "expecting an emlearn_cnn network");
    return static_cast<CnnObject*>(MP_OBJ_TO_PTR(obj));
}

mp_obj_t cnn_new(mp_obj_t model_in) {
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const natmod::BufferView b = natmod::array_arg(model_in, MP_BUFFER_READ);
    check(api::cnn_check_model(b, &err), err);
    // bytes cannot change, so a bytes model is read where it is (no copy: in RAM, or in flash
    // for bytes frozen into the firmware); anything else is copied, so that a later change to
    // it cannot reach a model that was checked.
    const bool in_place = mp_obj_get_type(model_in) == &mp_type_bytes &&
                          (reinterpret_cast<uintptr_t>(b.data) & 3u) == 0;
    CnnObject* o =
        static_cast<CnnObject*>(natmod::malloc_sum(sizeof(CnnObject), in_place ? 0 : b.bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&cnn_type);
    o->work = nullptr;
    o->cnn.ready = false;
    o->source = in_place ? model_in : MP_OBJ_NULL;
    if (!in_place) {
        memcpy(o->model, b.data, b.bytes);
    }
    const uint8_t* bin =
        in_place ? static_cast<const uint8_t*>(b.data) : reinterpret_cast<const uint8_t*>(o->model);
    check(api::cnn_new(&o->cnn, bin, b.bytes, NATMOD_CNN_KIND, &err), err);
    o->work_bytes = cnn_work_bytes(&o->cnn);
    o->work = static_cast<uint8_t*>(m_malloc(o->work_bytes));
    return MP_OBJ_FROM_PTR(o);
}
MP_DEFINE_CONST_FUN_OBJ_1(cnn_new_obj, cnn_new);

mp_obj_t cnn_run(mp_obj_t self_in, mp_obj_t input_in, mp_obj_t output_in) {
    CnnObject* o = self_of(self_in);
    api::Error err;
    check(api::cnn_run(&o->cnn, natmod::array_arg(input_in, MP_BUFFER_READ),
                       natmod::array_arg(output_in, MP_BUFFER_RW), o->work, o->work_bytes, &err),
          err);
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_3(cnn_run_obj, cnn_run);

mp_obj_t cnn_output_dimensions(mp_obj_t self_in) {
    CnnObject* o = self_of(self_in);
    api::Error err;
    uint32_t dims[3], n = 0;
    check(api::cnn_output_dimensions(&o->cnn, dims, &n, &err), err);
    mp_obj_t items[3];
    for (uint32_t i = 0; i < n; ++i) {
        items[i] = mp_obj_new_int_from_uint(dims[i]);
    }
    return mp_obj_new_tuple(n, items);
}
MP_DEFINE_CONST_FUN_OBJ_1(cnn_output_dimensions_obj, cnn_output_dimensions);

MP_DEFINE_CONST_DICT(cnn_locals_dict, cnn_locals_table);

} // namespace

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    cnn_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    cnn_type.flags = MP_TYPE_FLAG_NONE;
    cnn_type.name = MP_QSTR_tinymaixcnn;
    // run first: the method table is searched in order on every call.
    cnn_locals_table[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&cnn_run_obj)};
    cnn_locals_table[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_output_dimensions),
                           MP_OBJ_FROM_PTR(&cnn_output_dimensions_obj)};
    MP_OBJ_TYPE_SET_SLOT(&cnn_type, locals_dict, (void*)&cnn_locals_dict, 0);
    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&cnn_new_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
