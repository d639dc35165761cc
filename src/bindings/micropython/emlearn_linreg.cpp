// emlearn_linreg as a MicroPython native module: argument conversion only; the contract lives in
// src/api/linreg_api.cpp (train() included: the reference has it in Python).
#include "linreg_api.h"
#include "natmod.h"
#define MICROLEARN_NATMOD_TRAIN
#include "natmod_args.h"

using namespace microlearn;

struct LinregObject {
    mp_obj_base_t base;
    api::LinregHandle handle;
    float storage[]; // weights and gradients, sized at new()
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t linreg_type;
NATMOD_VISIBLE mp_map_elem_t linreg_locals_table[8];
}

static api::LinregHandle* handle_of(mp_obj_t obj) {
    natmod::check_type(obj, &linreg_type, "expecting an emlearn_linreg model");
    return &static_cast<LinregObject*>(MP_OBJ_TO_PTR(obj))->handle;
}

static mp_obj_t linreg_new(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t n_features = natmod::int_arg(args[0]);
    const size_t bytes = api::linreg_storage_bytes(n_features, &err);
    if (bytes == 0) {
        natmod::raise(err);
    }
    LinregObject* o = static_cast<LinregObject*>(natmod::malloc_sum(sizeof(LinregObject), bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&linreg_type);
    if (!api::linreg_new(&o->handle, n_features, mp_obj_get_float_to_f(args[1]),
                         mp_obj_get_float_to_f(args[2]), mp_obj_get_float_to_f(args[3]), o->storage,
                         bytes, &err)) {
        natmod::raise(err);
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(linreg_new_obj, 4, 4, linreg_new);

static mp_obj_t linreg_predict(mp_obj_t self_in, mp_obj_t x_in) {
    api::LinregHandle* h = handle_of(self_in);
    api::Error err;
    float out = 0.0f;
    if (!api::linreg_predict(h, natmod::array_arg(x_in, MP_BUFFER_READ), &out, &err)) {
        natmod::raise(err);
    }
    return mp_obj_new_float_from_f(out);
}
static MP_DEFINE_CONST_FUN_OBJ_2(linreg_predict_obj, linreg_predict);

static mp_obj_t linreg_step(mp_obj_t self_in, mp_obj_t X_in, mp_obj_t y_in) {
    api::LinregHandle* h = handle_of(self_in);
    api::Error err;
    if (!api::linreg_step(h, natmod::array_arg(X_in, MP_BUFFER_READ),
                          natmod::array_arg(y_in, MP_BUFFER_READ), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(linreg_step_obj, linreg_step);

static mp_obj_t linreg_score_mse(mp_obj_t self_in, mp_obj_t X_in, mp_obj_t y_in) {
    api::LinregHandle* h = handle_of(self_in);
    api::Error err;
    float mse = 0.0f;
    if (!api::linreg_score_mse(h, natmod::array_arg(X_in, MP_BUFFER_READ),
                               natmod::array_arg(y_in, MP_BUFFER_READ), &mse, &err)) {
        natmod::raise(err);
    }
    return mp_obj_new_float_from_f(mse);
}
static MP_DEFINE_CONST_FUN_OBJ_3(linreg_score_mse_obj, linreg_score_mse);

static mp_obj_t linreg_get_weights(mp_obj_t self_in, mp_obj_t out_in) {
    api::LinregHandle* h = handle_of(self_in);
    api::Error err;
    if (!api::linreg_get_weights(h, natmod::array_arg(out_in, MP_BUFFER_WRITE), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(linreg_get_weights_obj, linreg_get_weights);

static mp_obj_t linreg_set_weights(mp_obj_t self_in, mp_obj_t w_in) {
    api::LinregHandle* h = handle_of(self_in);
    api::Error err;
    if (!api::linreg_set_weights(h, natmod::array_arg(w_in, MP_BUFFER_READ), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(linreg_set_weights_obj, linreg_set_weights);

static mp_obj_t linreg_get_bias(mp_obj_t self_in) {
    return mp_obj_new_float_from_f(handle_of(self_in)->model.bias);
}
static MP_DEFINE_CONST_FUN_OBJ_1(linreg_get_bias_obj, linreg_get_bias);

static mp_obj_t linreg_set_bias(mp_obj_t self_in, mp_obj_t bias_in) {
    handle_of(self_in)->model.bias = mp_obj_get_float_to_f(bias_in);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(linreg_set_bias_obj, linreg_set_bias);

static mp_obj_t linreg_get_n_features(mp_obj_t self_in) {
    return mp_obj_new_int_from_uint(handle_of(self_in)->model.n_features);
}
static MP_DEFINE_CONST_FUN_OBJ_1(linreg_get_n_features_obj, linreg_get_n_features);

// train(model, X_train, y_train, max_iterations=100, tolerance=1e-6, check_interval=10,
//       divergence_factor=10.0, score_limit=None, verbose=0) -> (iteration, mse)
static mp_obj_t linreg_train(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    natmod::TrainCall call;
    natmod::parse_train(n_args, pos, kw, &call);
    api::LinregHandle* h = handle_of(call.model);
    natmod::train_data(&call);
    call.prefix = NATMOD_STR("emlearn_linreg:");
    call.format = NATMOD_STR("Iteration %d mse=%s");
    api::Error err;
    TrainResult result;
    if (!api::linreg_train(h, call.X_data, call.y_data, call.args, natmod::train_on_check, &call,
                           &result, &err)) {
        natmod::raise(err);
    }
    return natmod::train_finish(&call, result);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(linreg_train_obj, 0, linreg_train);

static MP_DEFINE_CONST_DICT(linreg_locals_dict, linreg_locals_table);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    linreg_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    linreg_type.flags = MP_TYPE_FLAG_NONE;
    linreg_type.name = MP_QSTR_elasticnet;
    mp_map_elem_t* t = linreg_locals_table;
    t[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&linreg_predict_obj)};
    t[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_step), MP_OBJ_FROM_PTR(&linreg_step_obj)};
    t[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_score_mse), MP_OBJ_FROM_PTR(&linreg_score_mse_obj)};
    t[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_weights), MP_OBJ_FROM_PTR(&linreg_get_weights_obj)};
    t[4] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_weights), MP_OBJ_FROM_PTR(&linreg_set_weights_obj)};
    t[5] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_bias), MP_OBJ_FROM_PTR(&linreg_get_bias_obj)};
    t[6] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_bias), MP_OBJ_FROM_PTR(&linreg_set_bias_obj)};
    t[7] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_n_features), MP_OBJ_FROM_PTR(&linreg_get_n_features_obj)};
    MP_OBJ_TYPE_SET_SLOT(&linreg_type, locals_dict, (void*)&linreg_locals_dict, 0);

    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&linreg_new_obj));
    mp_store_global(MP_QSTR_train, MP_OBJ_FROM_PTR(&linreg_train_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
