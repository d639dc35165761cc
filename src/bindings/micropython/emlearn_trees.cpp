// emlearn_trees as a MicroPython native module: argument conversion only; the contract lives in
// src/api/trees_api.cpp.
#include "natmod.h"
#include "natmod_args.h"
#include "trees_api.h"

using namespace microlearn;

struct TreesObject {
    mp_obj_base_t base;
    api::TreesHandle handle;
    uint32_t storage[]; // node and root tables, sized at new()
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t trees_type;
NATMOD_VISIBLE mp_map_elem_t trees_locals_table[6];
}

static TreesObject* self_of(mp_obj_t obj) {
    natmod::check_type(obj, &trees_type, "expecting an emlearn_trees model");
    return static_cast<TreesObject*>(MP_OBJ_TO_PTR(obj));
}

// Leaf storage lives on the GC heap; the pointer kept in the object keeps it alive.
static void* allocate_leaves(api::TreesHandle*, size_t bytes) {
    return m_malloc(bytes);
}

static mp_obj_t trees_new(mp_obj_t trees_in, mp_obj_t nodes_in, mp_obj_t leaves_in) {
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t max_trees = natmod::int_arg(trees_in);
    const int32_t max_nodes = natmod::int_arg(nodes_in);
    const int32_t max_leaves = natmod::int_arg(leaves_in);
    const size_t bytes = api::trees_storage_bytes(max_trees, max_nodes, max_leaves, &err);
    if (bytes == 0) {
        natmod::raise(err);
    }
    TreesObject* o = static_cast<TreesObject*>(natmod::malloc_sum(sizeof(TreesObject), bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&trees_type);
    if (!api::trees_new(&o->handle, max_trees, max_nodes, max_leaves, o->storage, bytes,
                        allocate_leaves, &err)) {
        natmod::raise(err);
    }
    return MP_OBJ_FROM_PTR(o);
}
static MP_DEFINE_CONST_FUN_OBJ_3(trees_new_obj, trees_new);

static mp_obj_t trees_predict(mp_obj_t self_in, mp_obj_t x_in, mp_obj_t out_in) {
    TreesObject* o = self_of(self_in);
    api::Error err;
    if (!api::trees_predict(&o->handle, natmod::array_arg(x_in, MP_BUFFER_READ),
                            natmod::array_arg(out_in, MP_BUFFER_WRITE), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(trees_predict_obj, trees_predict);

// The threshold in the module's float type, double for x86, x64 and armv7emdp (a fraction below
// float precision counts). For xtensa and rv32imc dynruntime.mk builds with no float type
// (MICROPY_FLOAT_IMPL none; their boards' firmware is single precision): float32, as everywhere
// else (a double here would bring the soft-float double routines, 400-660 bytes).
#ifdef mp_obj_get_float
#define NATMOD_THRESHOLD(o) mp_obj_get_float(o)
#else
#define NATMOD_THRESHOLD(o) mp_obj_get_float_to_f(o)
#endif

static mp_obj_t trees_addnode(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    api::Error err;
    if (!api::trees_addnode(&self_of(args[0])->handle, natmod::int_arg(args[1]),
                            natmod::int_arg(args[2]), natmod::int_arg(args[3]),
                            NATMOD_THRESHOLD(args[4]), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_addnode_obj, 5, 5, trees_addnode);

static mp_obj_t trees_addroot(mp_obj_t self_in, mp_obj_t root_in) {
    api::Error err;
    if (!api::trees_addroot(&self_of(self_in)->handle, natmod::int_arg(root_in), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(trees_addroot_obj, trees_addroot);

// addleaf(value) with a number, or addleaf(values) with a tuple/list (soft-vote probabilities or
// multi-output regression values).
static mp_obj_t trees_addleaf(mp_obj_t self_in, mp_obj_t leaf_in) {
    TreesObject* o = self_of(self_in);
    float values[kTreesMaxClasses];
    size_t n = 1;
    const mp_obj_type_t* type = mp_obj_get_type(leaf_in);
    if (type == &mp_type_tuple || type == &mp_type_list) {
        mp_obj_t* items;
        mp_obj_get_array(leaf_in, &n, &items);
        if (n > kTreesMaxClasses) {
            n = kTreesMaxClasses + 1; // reported as a size error by the api
        }
        for (size_t i = 0; i < n && i < kTreesMaxClasses; i++) {
            const mp_obj_t item = natmod::sequence_item(leaf_in, i);
            if (item == MP_OBJ_NULL) {
                n = i; // shortened by a value's __float__: the api reports the count
                break;
            }
            values[i] = mp_obj_get_float_to_f(item);
        }
    } else {
        values[0] = mp_obj_get_float_to_f(leaf_in);
    }
    api::Error err;
    if (!api::trees_addleaf(&o->handle, values, uint32_t(n), &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(trees_addleaf_obj, trees_addleaf);

static mp_obj_t trees_setdata(size_t n_args, const mp_obj_t* args) {
    api::Error err;
    // leaf_bits=None is the default, as on CPython.
    const int32_t leaf_bits = n_args > 3 && args[3] != mp_const_none ? natmod::int_arg(args[3]) : 0;
    if (!api::trees_setdata(&self_of(args[0])->handle, natmod::int_arg(args[1]),
                            natmod::int_arg(args[2]), leaf_bits, &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(trees_setdata_obj, 3, 4, trees_setdata);

static mp_obj_t trees_outputs(mp_obj_t self_in) {
    api::Error err;
    const int32_t n = api::trees_outputs(&self_of(self_in)->handle, &err);
    if (n < 0) {
        natmod::raise(err);
    }
    return mp_obj_new_int(n);
}
static MP_DEFINE_CONST_FUN_OBJ_1(trees_outputs_obj, trees_outputs);

static void feed(api::TreesLoader* loader, mp_obj_t chunk, bool add_newline) {
    api::Error err;
    const api::BufferView text = natmod::buffer_of_object(chunk, MP_BUFFER_READ);
    bool ok = api::trees_load_feed(loader, static_cast<const char*>(text.data), text.bytes, &err);
    if (ok && add_newline &&
        (text.bytes == 0 || static_cast<const char*>(text.data)[text.bytes - 1] != '\n')) {
        ok = api::trees_load_feed(loader, "\n", 1, &err);
    }
    if (!ok) {
        natmod::raise(err);
    }
}

// load_model(model, file): `file` is anything with read(n) (a text or binary file, io.StringIO),
// or any iterable of lines (a list, a generator). Read in small chunks: RAM does not grow with the
// file.
static mp_obj_t trees_load_model(mp_obj_t model_in, mp_obj_t file_in) {
    TreesObject* o = self_of(model_in);
    api::TreesLoader loader;
    api::trees_load_begin(&loader, &o->handle);
    mp_obj_t call[3];
    mp_load_method_maybe(file_in, MP_QSTR_read, call);
    if (call[0] != MP_OBJ_NULL) {
        for (;;) {
            call[2] = mp_obj_new_int(128);
            const mp_obj_t chunk = mp_fun_table.call_method_n_kw(1, 0, call);
            const api::BufferView text = natmod::buffer_of_object(chunk, MP_BUFFER_READ);
            if (text.bytes == 0) {
                break;
            }
            feed(&loader, chunk, false);
        }
    } else {
        // Any iterable of lines, as the reference's loader takes (a str is its characters: a
        // ValueError naming a line). The function table's getiter fills iter_buf, iternext
        // reads it.
        mp_obj_iter_buf_t iter_buf;
        mp_fun_table.getiter(file_in, &iter_buf);
        mp_obj_t line;
        while ((line = mp_fun_table.iternext(&iter_buf)) != MP_OBJ_STOP_ITERATION) {
            feed(&loader, line, true);
        }
    }
    api::Error err;
    if (!api::trees_load_end(&loader, &err)) {
        natmod::raise(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(trees_load_model_obj, trees_load_model);

static MP_DEFINE_CONST_DICT(trees_locals_dict, trees_locals_table);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    trees_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    trees_type.flags = MP_TYPE_FLAG_NONE;
    trees_type.name = MP_QSTR_emltrees;
    // predict first: the method table is searched in order on every call.
    trees_locals_table[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_predict), MP_OBJ_FROM_PTR(&trees_predict_obj)};
    trees_locals_table[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_outputs), MP_OBJ_FROM_PTR(&trees_outputs_obj)};
    trees_locals_table[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_addnode), MP_OBJ_FROM_PTR(&trees_addnode_obj)};
    trees_locals_table[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_addleaf), MP_OBJ_FROM_PTR(&trees_addleaf_obj)};
    trees_locals_table[4] = {MP_OBJ_NEW_QSTR(MP_QSTR_addroot), MP_OBJ_FROM_PTR(&trees_addroot_obj)};
    trees_locals_table[5] = {MP_OBJ_NEW_QSTR(MP_QSTR_setdata), MP_OBJ_FROM_PTR(&trees_setdata_obj)};
    MP_OBJ_TYPE_SET_SLOT(&trees_type, locals_dict, (void*)&trees_locals_dict, 0);

    mp_store_global(MP_QSTR_new, MP_OBJ_FROM_PTR(&trees_new_obj));
    mp_store_global(MP_QSTR_load_model, MP_OBJ_FROM_PTR(&trees_load_model_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
