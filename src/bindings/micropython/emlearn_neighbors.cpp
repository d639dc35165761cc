// emlearn_neighbors as a MicroPython native module: argument conversion only; the contract lives
// in src/api/neighbors_api.cpp.
#define NATMOD_RAISES_OSERROR // save(): a short write
#include "natmod.h"
#include "natmod_args.h"
#include "neighbors_api.h"

using namespace microlearn;

struct NeighborsObject {
    mp_obj_base_t base;
    api::NeighborsHandle handle;
    uint64_t storage[]; // items, labels and ranks, sized at new()
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t neighbors_type;
NATMOD_VISIBLE mp_map_elem_t neighbors_locals_table[9];
}

static NeighborsObject* self_of(mp_obj_t obj) {
    natmod::check_type(obj, &neighbors_type, "expecting an emlearn_neighbors model");
    return static_cast<NeighborsObject*>(MP_OBJ_TO_PTR(obj));
}

static api::NeighborsHandle* handle_of(mp_obj_t obj) {
    return &self_of(obj)->handle;
}

static mp_obj_t neighbors_new(mp_obj_t items_in, mp_obj_t features_in, mp_obj_t k_in) {
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t max_items = natmod::int_arg(items_in);
    const int32_t n_features = natmod::int_arg(features_in);
    const int32_t k = natmod::int_arg(k_in);
    const size_t bytes = api::neighbors_storage_bytes(max_items, n_features, k, &err);
    if (bytes == 0) {
        natmod::raise(err);
    }
    NeighborsObject* o =
        static_cast<NeighborsObject*>(natmod::malloc_sum(sizeof(NeighborsObject), bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&neighbors_type);
    if (!api::neighbors_new(&o->handle, max_items, n_features, k, o->storage, bytes, &err)) {
        natmod::raise(err);
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_3(neighbors_new_obj, neighbors_new);

static mp_obj_t neighbors_predict(mp_obj_t self_in, mp_obj_t x_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    api::Error err;
    int32_t label = 0;
    if (!api::neighbors_predict(h, natmod::array_arg(x_in, MP_BUFFER_READ), &label, &err)) {
        natmod::raise(err);
    }
    return mp_obj_new_int(label);
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_predict_obj, neighbors_predict);

static mp_obj_t neighbors_additem(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t label_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    // The label first: an int's __int__ or __eq__ is Python code, which could resize x after its
    // memory was taken (the order of a call's arguments is the compiler's).
    const int32_t label = natmod::int_arg(label_in);
    api::Error err;
    const int32_t index =
        api::neighbors_additem(h, natmod::array_arg(x_in, MP_BUFFER_READ), label, &err);
    if (index < 0) {
        natmod::raise(err);
    }
    return mp_obj_new_int(index);
}
static MP_DEFINE_CONST_FUN_OBJ_3(neighbors_additem_obj, neighbors_additem);

// getitem(index, out) -> label (the reference returns None; the label is new).
static mp_obj_t neighbors_getitem(mp_obj_t self_in, mp_obj_t index_in, mp_obj_t out_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    const int32_t index = natmod::int_arg(index_in);
    api::Error err;
    int32_t label = 0;
    if (!api::neighbors_getitem(h, index, natmod::array_arg(out_in, MP_BUFFER_WRITE), &label,
                                &err)) {
        natmod::raise(err);
    }
    return mp_obj_new_int(label);
}
static MP_DEFINE_CONST_FUN_OBJ_3(neighbors_getitem_obj, neighbors_getitem);

static mp_obj_t neighbors_getresult(mp_obj_t self_in, mp_obj_t rank_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    api::Error err;
    NeighborsResult r;
    if (!api::neighbors_getresult(h, natmod::int_arg(rank_in), &r, &err)) {
        natmod::raise(err);
    }
    const mp_obj_t items[3] = {mp_obj_new_int_from_uint(r.index),
                               mp_obj_new_int_from_uint(r.distance), mp_obj_new_int(r.label)};
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_getresult_obj, neighbors_getresult);

static mp_obj_t neighbors_replaceitem(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    api::NeighborsHandle* h = handle_of(args[0]);
    const int32_t index = natmod::int_arg(args[1]);
    const int32_t label = natmod::int_arg(args[3]); // before x's memory is taken, as in additem
    api::Error err;
    if (!api::neighbors_replaceitem(h, index, natmod::array_arg(args[2], MP_BUFFER_READ), label,
                                    &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(neighbors_replaceitem_obj, 4, 4, neighbors_replaceitem);

static mp_obj_t neighbors_removeitem(mp_obj_t self_in, mp_obj_t index_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    api::Error err;
    if (!api::neighbors_removeitem(h, natmod::int_arg(index_in), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_removeitem_obj, neighbors_removeitem);

static mp_obj_t neighbors_clear(mp_obj_t self_in) {
    microlearn::neighbors_clear(&handle_of(self_in)->model);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(neighbors_clear_obj, neighbors_clear);

// len(model): the number of items.
static mp_obj_t neighbors_unary_op(mp_unary_op_t op, mp_obj_t self_in) {
    if (op == MP_UNARY_OP_LEN) {
        return mp_obj_new_int_from_uint(handle_of(self_in)->model.n_items);
    }
    return MP_OBJ_NULL; // operation not supported
}

// save(file): anything with write(bytes), e.g. open(path, "wb").
static mp_obj_t neighbors_save(mp_obj_t self_in, mp_obj_t file_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    api::Error err;
    NeighborsFileWriter writer;
    if (!api::neighbors_save_begin(&writer, h, &err)) {
        natmod::raise(err);
    }
    mp_obj_t call[3];
    mp_load_method(file_in, MP_QSTR_write, call);
    uint8_t chunk[128];
    for (;;) {
        size_t n;
        if (!api::neighbors_save_next(&writer, chunk, sizeof chunk, &n, &err)) {
            natmod::raise(err);
        }
        if (n == 0) {
            break;
        }
        call[2] = mp_obj_new_bytes(chunk, n);
        const mp_obj_t wrote = mp_fun_table.call_method_n_kw(1, 0, call);
        if (!api::neighbors_save_wrote(
                n, wrote == mp_const_none ? int64_t(n) : natmod::int_arg(wrote), &err)) {
            natmod::raise(err);
        }
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_save_obj, neighbors_save);

// load(file): anything with read(n) returning bytes, e.g. open(path, "rb"). Replaces the items;
// a file that fails validation leaves the model empty.
static mp_obj_t neighbors_load(mp_obj_t self_in, mp_obj_t file_in) {
    api::NeighborsHandle* h = handle_of(self_in);
    api::Error err;
    NeighborsFileReader reader;
    if (!api::neighbors_load_begin(&reader, h, &err)) {
        natmod::raise(err);
    }
    mp_obj_t call[3];
    mp_load_method(file_in, MP_QSTR_read, call);
    for (;;) {
        call[2] = MP_OBJ_NEW_SMALL_INT(128);
        const mp_obj_t chunk = mp_fun_table.call_method_n_kw(1, 0, call);
        if (natmod::is_str(chunk)) {
            api::neighbors_load_text_error(&err);
            natmod::raise(err);
        }
        const api::BufferView data = natmod::array_arg(chunk, MP_BUFFER_READ);
        if (data.bytes == 0) {
            break;
        }
        if (!api::neighbors_load_feed(&reader, data.data, data.bytes, &err)) {
            natmod::raise(err);
        }
    }
    if (!api::neighbors_load_end(&reader, &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(neighbors_load_obj, neighbors_load);

static MP_DEFINE_CONST_DICT(neighbors_locals_dict, neighbors_locals_table);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    neighbors_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    neighbors_type.flags = MP_TYPE_FLAG_NONE;
    neighbors_type.name = MP_QSTR_emlneighbors;
    // predict first: the method table is searched in order on every call.
    mp_map_elem_t* t = neighbors_locals_table;
    t[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&neighbors_predict_obj)};
    t[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_getresult), MP_OBJ_FROM_PTR(&neighbors_getresult_obj)};
    t[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_additem), MP_OBJ_FROM_PTR(&neighbors_additem_obj)};
    t[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_getitem), MP_OBJ_FROM_PTR(&neighbors_getitem_obj)};
    t[4] = {MP_OBJ_NEW_QSTR(MP_QSTR_replaceitem), MP_OBJ_FROM_PTR(&neighbors_replaceitem_obj)};
    t[5] = {MP_OBJ_NEW_QSTR(MP_QSTR_removeitem), MP_OBJ_FROM_PTR(&neighbors_removeitem_obj)};
    t[6] = {MP_OBJ_NEW_QSTR(MP_QSTR_clear), MP_OBJ_FROM_PTR(&neighbors_clear_obj)};
    t[7] = {MP_OBJ_NEW_QSTR(MP_QSTR_save), MP_OBJ_FROM_PTR(&neighbors_save_obj)};
    t[8] = {MP_OBJ_NEW_QSTR(MP_QSTR_load), MP_OBJ_FROM_PTR(&neighbors_load_obj)};
    MP_OBJ_TYPE_SET_SLOT(&neighbors_type, locals_dict, (void*)&neighbors_locals_dict, 0);
    MP_OBJ_TYPE_SET_SLOT(&neighbors_type, unary_op, (void*)neighbors_unary_op, 1);

    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&neighbors_new_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
