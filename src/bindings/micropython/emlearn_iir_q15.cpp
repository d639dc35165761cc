// emlearn_iir_q15 as a MicroPython native module: argument conversion only (the filter object in
// iir_natmod.h, shared with emlearn_iir); the contract lives in src/api/iir_q15_api.cpp.
#include "iir_natmod.h"
#include "iir_q15_api.h"
#include "natmod_args.h"

using namespace microlearn;
using natmod::iir::check;

constexpr char kTypeError[] = "expecting an emlearn_iir_q15 filter";
using Filter = natmod::iir::Filter<IirQ15Cascade, api::kIirQ15Api, kTypeError>;
NATMOD_IIR_FILTER(Filter)

// sos as rows of 6 values: a float array ('f' or 'd'), a flat list/tuple of numbers, or a
// list/tuple of 6-number rows (what sos.tolist() gives).
struct SosSource {
    mp_buffer_info_t buffer; // typecode 'f' or 'd' when list is null
    mp_obj_t list;           // the list or tuple, read item by item (natmod::sequence_item)
    bool rows;
};

static size_t open_sos(mp_obj_t sos, SosSource* src) {
    src->list = MP_OBJ_NULL;
    src->rows = false;
    if (mp_get_buffer(sos, &src->buffer, MP_BUFFER_READ)) {
        if (src->buffer.typecode == 'f') {
            return src->buffer.len / sizeof(float);
        }
        if (src->buffer.typecode == 'd') {
            return src->buffer.len / sizeof(double);
        }
        api::Error err;
        check(api::iir_q15_convert_source_error(&err), err);
    }
    const mp_obj_type_t* type = mp_obj_get_type(sos);
    if (type != &mp_type_list && type != &mp_type_tuple) {
        api::Error err;
        check(api::iir_q15_convert_source_error(&err), err);
    }
    src->list = sos;
    size_t n_items;
    mp_obj_t* items;
    mp_obj_get_array(sos, &n_items, &items);
    if (n_items == 0) {
        return 0;
    }
    const mp_obj_type_t* first = mp_obj_get_type(items[0]);
    src->rows = first == &mp_type_list || first == &mp_type_tuple;
    return src->rows ? n_items * kIirQ15ValuesPerStage : n_items;
}

// A value's __float__ may resize a list: each item is fetched afresh, and one gone is a wrong row.
static void read_stage(const SosSource* src, size_t stage, float out[6]) {
    if (src->list == MP_OBJ_NULL) {
        for (size_t k = 0; k < 6; k++) {
            const size_t i = stage * 6 + k;
            out[k] = src->buffer.typecode == 'f'
                         ? static_cast<const float*>(src->buffer.buf)[i]
                         : float(static_cast<const double*>(src->buffer.buf)[i]);
        }
        return;
    }
    mp_obj_t seq = src->list;
    size_t first = stage * 6;
    if (src->rows) {
        // A row that is not a list or tuple is a wrong row, as on CPython (not mp_obj_get_array's
        // TypeError).
        seq = natmod::sequence_item(src->list, stage);
        size_t n = 0;
        if (seq != MP_OBJ_NULL) {
            const mp_obj_type_t* type = mp_obj_get_type(seq);
            mp_obj_t* items;
            if (type == &mp_type_list || type == &mp_type_tuple) {
                mp_obj_get_array(seq, &n, &items);
            }
        }
        if (n != 6) {
            api::Error err;
            check(api::iir_q15_convert_row_error(uint32_t(stage), &err), err);
        }
        first = 0;
    }
    for (size_t k = 0; k < 6; k++) {
        const mp_obj_t item = natmod::sequence_item(seq, first + k);
        if (item == MP_OBJ_NULL) {
            api::Error err;
            check(api::iir_q15_convert_row_error(uint32_t(stage), &err), err);
        }
        out[k] = float(mp_obj_get_float_to_d(item));
    }
}

// convert_coefficients(c, scale=2**13-1) -> array('h') in the layout new() takes.
static mp_obj_t convert_coefficients(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    const qstr names[2] = {MP_QSTR_c, MP_QSTR_scale};
    mp_arg_val_t v[2];
    natmod::parse_args(n_args, pos, kw, names, 2, 1, v);
    // scale=None is the default, as on CPython.
    const double scale = v[1].u_obj == MP_OBJ_NULL || v[1].u_obj == mp_const_none
                             ? api::kIirQ15DefaultScale
                             : mp_obj_get_float_to_d(v[1].u_obj);
    SosSource src;
    const size_t n_values = open_sos(v[0].u_obj, &src);
    api::Error err{}; // zeroed: see natmod::malloc_sum
    uint32_t n_stages;
    check(api::iir_q15_convert_check(n_values, scale, &n_stages, &err), err);
    int16_t* converted = static_cast<int16_t*>(natmod::malloc_sum(
        1, n_values > (~size_t(0) >> 2) ? ~size_t(0) : n_values * sizeof(int16_t)));
    for (size_t s = 0; s < n_stages; s++) {
        float stage[6];
        read_stage(&src, s, stage);
        check(api::iir_q15_convert_stage(stage, scale, uint32_t(s), converted + s * 6, &err), err);
    }
    const mp_obj_t array_module =
        mp_import_name(MP_QSTR_array, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    const mp_obj_t args[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_h),
                              mp_obj_new_bytearray_by_ref(n_values * sizeof(int16_t), converted)};
    // `converted` is left to the collector, not freed: `array` may be Python code (an array.py
    // on sys.path shadows the built-in) that keeps the bytearray over it.
    return mp_call_function_n_kw(mp_load_attr(array_module, MP_QSTR_array), 2, 0, args);
}
static MP_DEFINE_CONST_FUN_OBJ_KW(convert_coefficients_obj, 0, convert_coefficients);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    iir_filter_init(MP_QSTR_emliirq15);
    mp_store_global(MP_QSTR_convert_coefficients, MP_OBJ_FROM_PTR(&convert_coefficients_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
