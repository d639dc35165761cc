// emlearn_logreg as a MicroPython native module: argument conversion only; the contract lives in
// src/api/logreg_api.cpp.
#include "logreg_api.h"
#include "natmod.h"
#define MICROLEARN_NATMOD_TRAIN
#include "natmod_args.h"

using namespace microlearn;

struct LogregObject {
    mp_obj_base_t base;
    api::LogregHandle handle;
    float storage[]; // weights, biases, gradients and scratch, sized at new()
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t logreg_type;
NATMOD_VISIBLE mp_map_elem_t logreg_locals_table[11];
}

static api::LogregHandle* handle_of(mp_obj_t obj) {
    natmod::check_type(obj, &logreg_type, "expecting an emlearn_logreg model");
    return &static_cast<LogregObject*>(MP_OBJ_TO_PTR(obj))->handle;
}

// new(n_features, n_classes, learning_rate=0.1, l2=0.0)
static mp_obj_t logreg_new(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    const qstr names[4] = {MP_QSTR_n_features, MP_QSTR_n_classes, MP_QSTR_learning_rate,
                           MP_QSTR_l2};
    mp_arg_val_t v[4];
    natmod::parse_args(n_args, pos, kw, names, 4, 2, v);
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t n_features = natmod::int_arg(v[0].u_obj);
    const int32_t n_classes = natmod::int_arg(v[1].u_obj);
    const size_t bytes = api::logreg_storage_bytes(n_features, n_classes, &err);
    if (bytes == 0) {
        natmod::raise(err);
    }
    LogregObject* o = static_cast<LogregObject*>(natmod::malloc_sum(sizeof(LogregObject), bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&logreg_type);
    if (!api::logreg_new(&o->handle, n_features, n_classes, natmod::float_or(v[2].u_obj, 0.1f),
                         natmod::float_or(v[3].u_obj, 0.0f), o->storage, bytes, &err)) {
        natmod::raise(err);
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(logreg_new_obj, 0, logreg_new);

static mp_obj_t logreg_predict(mp_obj_t self_in, mp_obj_t x_in) {
    api::LogregHandle* h = handle_of(self_in);
    api::Error err;
    const int32_t klass = api::logreg_predict(h, natmod::array_arg(x_in, MP_BUFFER_READ), &err);
    if (klass < 0) {
        natmod::raise(err);
    }
    return mp_obj_new_int(klass);
}
static MP_DEFINE_CONST_FUN_OBJ_2(logreg_predict_obj, logreg_predict);

// Methods of the shape f(model, a, b) -> None, differing only in the api call and which buffer
// is written.
typedef bool (*TwoBuffers)(api::LogregHandle*, const api::BufferView&, const api::BufferView&,
                           api::Error*);

static mp_obj_t two_buffers(TwoBuffers f, mp_obj_t self_in, mp_obj_t a_in, mp_obj_t b_in,
                            mp_uint_t b_flags) {
    api::LogregHandle* h = handle_of(self_in);
    api::Error err;
    if (!f(h, natmod::array_arg(a_in, MP_BUFFER_READ), natmod::array_arg(b_in, b_flags), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}

static mp_obj_t logreg_predict_proba(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    return two_buffers(api::logreg_predict_proba, self_in, x_in, out_in, MP_BUFFER_WRITE);
}
static MP_DEFINE_CONST_FUN_OBJ_3(logreg_predict_proba_obj, logreg_predict_proba);

static mp_obj_t logreg_decision_function(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    return two_buffers(api::logreg_decision_function, self_in, x_in, out_in, MP_BUFFER_WRITE);
}
static MP_DEFINE_CONST_FUN_OBJ_3(logreg_decision_function_obj, logreg_decision_function);

static mp_obj_t logreg_step(mp_obj_t self_in, mp_obj_t X_in, mp_obj_t y_in) {
    return two_buffers(api::logreg_step, self_in, X_in, y_in, MP_BUFFER_READ);
}
static MP_DEFINE_CONST_FUN_OBJ_3(logreg_step_obj, logreg_step);

static mp_obj_t logreg_score_logloss(mp_obj_t self_in, mp_obj_t X_in, mp_obj_t y_in) {
    api::LogregHandle* h = handle_of(self_in);
    api::Error err;
    float loss = 0.0f;
    if (!api::logreg_score_logloss(h, natmod::array_arg(X_in, MP_BUFFER_READ),
                                   natmod::array_arg(y_in, MP_BUFFER_READ), &loss, &err)) {
        natmod::raise(err);
    }
    return mp_obj_new_float_from_f(loss);
}
static MP_DEFINE_CONST_FUN_OBJ_3(logreg_score_logloss_obj, logreg_score_logloss);

// get_*/set_* take one buffer.
typedef bool (*OneBuffer)(api::LogregHandle*, const api::BufferView&, api::Error*);

static mp_obj_t one_buffer(OneBuffer f, mp_obj_t self_in, mp_obj_t buffer_in, mp_uint_t flags) {
    api::LogregHandle* h = handle_of(self_in);
    api::Error err;
    if (!f(h, natmod::array_arg(buffer_in, flags), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}

static mp_obj_t logreg_get_weights(mp_obj_t self_in, mp_obj_t out_in) {
    return one_buffer(api::logreg_get_weights, self_in, out_in, MP_BUFFER_WRITE);
}
static MP_DEFINE_CONST_FUN_OBJ_2(logreg_get_weights_obj, logreg_get_weights);

static mp_obj_t logreg_set_weights(mp_obj_t self_in, mp_obj_t w_in) {
    return one_buffer(api::logreg_set_weights, self_in, w_in, MP_BUFFER_READ);
}
static MP_DEFINE_CONST_FUN_OBJ_2(logreg_set_weights_obj, logreg_set_weights);

static mp_obj_t logreg_get_bias(mp_obj_t self_in, mp_obj_t out_in) {
    return one_buffer(api::logreg_get_bias, self_in, out_in, MP_BUFFER_WRITE);
}
static MP_DEFINE_CONST_FUN_OBJ_2(logreg_get_bias_obj, logreg_get_bias);

static mp_obj_t logreg_set_bias(mp_obj_t self_in, mp_obj_t b_in) {
    return one_buffer(api::logreg_set_bias, self_in, b_in, MP_BUFFER_READ);
}
static MP_DEFINE_CONST_FUN_OBJ_2(logreg_set_bias_obj, logreg_set_bias);

static mp_obj_t logreg_get_n_features(mp_obj_t self_in) {
    return mp_obj_new_int_from_uint(handle_of(self_in)->model.n_features);
}
static MP_DEFINE_CONST_FUN_OBJ_1(logreg_get_n_features_obj, logreg_get_n_features);

static mp_obj_t logreg_get_n_classes(mp_obj_t self_in) {
    return mp_obj_new_int_from_uint(handle_of(self_in)->model.n_classes);
}
static MP_DEFINE_CONST_FUN_OBJ_1(logreg_get_n_classes_obj, logreg_get_n_classes);

// train(model, X_train, y_train, ...) -> (iteration, log_loss), the same shape as emlearn_linreg.
static mp_obj_t logreg_train(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    natmod::TrainCall call;
    natmod::parse_train(n_args, pos, kw, &call);
    api::LogregHandle* h = handle_of(call.model);
    natmod::train_data(&call);
    call.prefix = NATMOD_STR("emlearn_logreg:");
    call.format = NATMOD_STR("Iteration %d loss=%s");
    api::Error err;
    TrainResult result;
    if (!api::logreg_train(h, call.X_data, call.y_data, call.args, natmod::train_on_check, &call,
                           &result, &err)) {
        natmod::raise(err);
    }
    return natmod::train_finish(&call, result);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(logreg_train_obj, 0, logreg_train);

static MP_DEFINE_CONST_DICT(logreg_locals_dict, logreg_locals_table);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    logreg_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    logreg_type.flags = MP_TYPE_FLAG_NONE;
    logreg_type.name = MP_QSTR_logreg;
    mp_map_elem_t* t = logreg_locals_table;
    t[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&logreg_predict_obj)};
    t[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_predict_proba), MP_OBJ_FROM_PTR(&logreg_predict_proba_obj)};
    t[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_decision_function),
            MP_OBJ_FROM_PTR(&logreg_decision_function_obj)};
    t[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_step), MP_OBJ_FROM_PTR(&logreg_step_obj)};
    t[4] = {MP_OBJ_NEW_QSTR(MP_QSTR_score_logloss), MP_OBJ_FROM_PTR(&logreg_score_logloss_obj)};
    t[5] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_weights), MP_OBJ_FROM_PTR(&logreg_get_weights_obj)};
    t[6] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_weights), MP_OBJ_FROM_PTR(&logreg_set_weights_obj)};
    t[7] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_bias), MP_OBJ_FROM_PTR(&logreg_get_bias_obj)};
    t[8] = {MP_OBJ_NEW_QSTR(MP_QSTR_set_bias), MP_OBJ_FROM_PTR(&logreg_set_bias_obj)};
    t[9] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_n_features), MP_OBJ_FROM_PTR(&logreg_get_n_features_obj)};
    t[10] = {MP_OBJ_NEW_QSTR(MP_QSTR_get_n_classes), MP_OBJ_FROM_PTR(&logreg_get_n_classes_obj)};
    MP_OBJ_TYPE_SET_SLOT(&logreg_type, locals_dict, (void*)&logreg_locals_dict, 0);

    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&logreg_new_obj));
    mp_store_global(MP_QSTR_train, MP_OBJ_FROM_PTR(&logreg_train_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
