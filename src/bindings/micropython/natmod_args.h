// Argument conversion (ints, keyword arguments), big integers and the train() loop glue
// for the MicroPython native modules (included after natmod.h). mp_arg_t tables are filled at run
// time: a natmod's qstr numbers are only known once it is loaded.
#pragma once
#include "natmod.h"

namespace natmod {

inline int32_t saturate_int32(mp_int_t v) {
    return v > 0x7fffffff ? 0x7fffffff : (v < -0x7fffffff ? -0x7fffffff : int32_t(v));
}

// An int beyond a small int: exact when it fits a machine word, else saturated by its sign. The
// natmod mp_obj_get_int truncates a long int to a machine word (2**64 + 1 came in as 1 on a
// 64-bit port, 2**32 as 0 on a 32-bit one), so the value is checked against what it gave.
// (inline: not emitted in a module without int arguments.)
// Only int and bool, as on CPython: mp_obj_get_int would also take an object's __int__.
inline __attribute__((noinline)) int32_t long_int_arg(mp_obj_t obj) {
    if (!mp_obj_is_bool(obj) && mp_obj_get_type(obj) != mp_obj_get_type(MP_OBJ_NEW_SMALL_INT(0))) {
        mp_raise_TypeError("expecting an int");
    }
    const mp_int_t v = mp_obj_get_int(obj);
    if (mp_binary_op(MP_BINARY_OP_EQUAL, obj, mp_obj_new_int(v)) == mp_const_true) {
        return saturate_int32(v);
    }
    return mp_binary_op(MP_BINARY_OP_LESS, obj, MP_OBJ_NEW_SMALL_INT(0)) == mp_const_true
               ? -0x7fffffff
               : 0x7fffffff;
}

// An int argument, saturated to +-(2**31 - 1) (the api rejects the range with its own message),
// as pyglue::get_int32 on CPython (mp_obj_get_int would truncate a long int).
inline int32_t int_arg(mp_obj_t obj) {
    if (mp_obj_is_small_int(obj)) {
        return saturate_int32(MP_OBJ_SMALL_INT_VALUE(obj));
    }
    return long_int_arg(obj);
}

// A str object from a string literal (no strlen in a natmod).
#define NATMOD_STR(literal) mp_obj_new_str(literal, sizeof(literal) - 1)

// Parses (positional..., keyword=...) into vals[i] for names[i]; the first n_required are
// required, the others are MP_OBJ_NULL when absent. TypeError for unknown or missing arguments.
inline void parse_args(size_t n_args, const mp_obj_t* pos, mp_map_t* kw, const qstr* names,
                       size_t n_names, size_t n_required, mp_arg_val_t* vals) {
    mp_arg_t allowed[10];
    for (size_t i = 0; i < n_names; i++) {
        allowed[i].qst = uint16_t(names[i]);
        allowed[i].flags = uint16_t(MP_ARG_OBJ | (i < n_required ? MP_ARG_REQUIRED : 0));
        allowed[i].defval.u_obj = MP_OBJ_NULL;
    }
    mp_arg_parse_all(n_args, pos, kw, n_names, allowed, vals);
}

inline int32_t int_or(mp_obj_t obj, int32_t fallback) {
    return obj == MP_OBJ_NULL ? fallback : int_arg(obj);
}

inline float float_or(mp_obj_t obj, float fallback) {
    return obj == MP_OBJ_NULL ? fallback : mp_obj_get_float_to_f(obj);
}

// An exact int object for any uint64 (squared int16 distances pass 32 bits).
inline mp_obj_t new_uint64(uint64_t v) {
    if (sizeof(mp_uint_t) >= 8 || (v >> 32) == 0) {
        return mp_obj_new_int_from_uint(mp_uint_t(v));
    }
    const mp_obj_t high =
        mp_binary_op(MP_BINARY_OP_LSHIFT, mp_obj_new_int_from_uint(mp_uint_t(v >> 32)),
                     MP_OBJ_NEW_SMALL_INT(32));
    return mp_binary_op(MP_BINARY_OP_OR, high, mp_obj_new_int_from_uint(mp_uint_t(v)));
}

} // namespace natmod

#ifdef MICROLEARN_NATMOD_TRAIN
#include "train_api.h"

namespace natmod {

// train(model, X_train, y_train, max_iterations=100, tolerance=1e-6, check_interval=10,
//       divergence_factor=10.0, score_limit=None, verbose=0), as the reference's Python function.
struct TrainCall {
    mp_obj_t model;
    mp_obj_t X;
    mp_obj_t y;
    BufferView X_data; // X's and y's memory as training began (train_data())
    BufferView y_data;
    microlearn::api::TrainArgs args;
    // What verbose output needs: print, the "emlearn_xxx:" prefix, "Iteration %d <score>=%s".
    mp_obj_t print;
    mp_obj_t prefix;
    mp_obj_t format;
};

inline void parse_train(size_t n_args, const mp_obj_t* pos, mp_map_t* kw, TrainCall* call) {
    const qstr names[9] = {MP_QSTR_model,
                           MP_QSTR_X_train,
                           MP_QSTR_y_train,
                           MP_QSTR_max_iterations,
                           MP_QSTR_tolerance,
                           MP_QSTR_check_interval,
                           MP_QSTR_divergence_factor,
                           MP_QSTR_score_limit,
                           MP_QSTR_verbose};
    mp_arg_val_t v[9];
    parse_args(n_args, pos, kw, names, 9, 3, v);
    call->model = v[0].u_obj;
    call->X = v[1].u_obj;
    call->y = v[2].u_obj;
    microlearn::api::TrainArgs& a = call->args;
    a = microlearn::api::train_defaults();
    a.max_iterations = int_or(v[3].u_obj, a.max_iterations);
    a.tolerance = float_or(v[4].u_obj, a.tolerance);
    a.check_interval = int_or(v[5].u_obj, a.check_interval);
    a.divergence_factor = float_or(v[6].u_obj, a.divergence_factor);
    a.has_score_limit = v[7].u_obj != MP_OBJ_NULL && v[7].u_obj != mp_const_none;
    a.score_limit = a.has_score_limit ? mp_obj_get_float_to_f(v[7].u_obj) : 0.0f;
    a.verbose = int_or(v[8].u_obj, 0);
    call->print = a.verbose > 0 ? mp_load_global(MP_QSTR_print) : mp_const_none;
}

// After the model's type check, as CPython's order of errors.
inline void train_data(TrainCall* call) {
    call->X_data = array_arg(call->X, MP_BUFFER_READ);
    call->y_data = array_arg(call->y, MP_BUFFER_READ);
}

// The engine's on_check: print(prefix, "Iteration %d mse=%s" % (iteration, score)). print is
// Python code that may resize X or y, whose old memory the engine would go on reading: then the
// api's error is raised, out of the engine's loop.
inline void train_on_check(void* context, uint32_t iteration, float score) {
    const TrainCall* call = static_cast<const TrainCall*>(context);
    const mp_obj_t values[2] = {mp_obj_new_int_from_uint(iteration),
                                mp_obj_new_float_from_f(score)};
    const mp_obj_t args[2] = {
        call->prefix, mp_binary_op(MP_BINARY_OP_MODULO, call->format, mp_obj_new_tuple(2, values))};
    mp_call_function_n_kw(call->print, 2, 0, args);
    microlearn::api::Error err;
    if (!microlearn::api::train_data_unchanged(call->X_data, array_arg(call->X, MP_BUFFER_READ),
                                               call->y_data, array_arg(call->y, MP_BUFFER_READ),
                                               &err)) {
        raise(err);
    }
}

// Prints why training stopped (verbose >= 1) and returns (iteration, score).
inline mp_obj_t train_finish(const TrainCall* call, const microlearn::TrainResult& r) {
    if (call->args.verbose >= 1 && r.stop != microlearn::TrainStop::MaxIterations) {
        const char* text = microlearn::api::train_stop_text(r.stop);
        size_t n = 0;
        while (text[n] != '\0') {
            n++;
        }
        const mp_obj_t args[3] = {call->prefix, mp_obj_new_str(text, n),
                                  mp_obj_new_int_from_uint(r.last_iteration)};
        mp_call_function_n_kw(call->print, 3, 0, args);
    }
    const mp_obj_t items[2] = {mp_obj_new_int_from_uint(r.last_iteration),
                               mp_obj_new_float_from_f(r.score)};
    return mp_obj_new_tuple(2, items);
}

} // namespace natmod
#endif
