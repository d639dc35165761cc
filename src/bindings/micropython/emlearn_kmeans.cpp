// emlearn_kmeans as a MicroPython native module: argument conversion only; the contract lives in
// src/api/kmeans_api.cpp. cluster_iter() returns an iterator object whose __next__ is one step of
// the engine's state machine (the reference's Python generator, without Python in the loop).
#include "kmeans_api.h"
#include "natmod.h"
#include "natmod_args.h"

using namespace microlearn;

struct ClusterIterObject {
    mp_obj_base_t base;
    // The arrays stay referenced here (alive for the GC); their buffers are taken again at every
    // step, since the caller may resize an array between two steps.
    mp_obj_t values;
    mp_obj_t centroids;
    mp_obj_t assignments;
    int32_t features;
    KmeansIter iter;
    uint32_t scratch[]; // per-cluster sums and counts
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t cluster_iter_type;
}

static bool view_problem(KmeansProblem* p, mp_obj_t values, mp_obj_t centroids,
                         mp_obj_t assignments, int32_t features, api::Error* err) {
    return api::kmeans_setup(p, natmod::array_arg(values, MP_BUFFER_READ),
                             natmod::array_arg(centroids, MP_BUFFER_RW),
                             natmod::array_arg(assignments, MP_BUFFER_RW), features, err);
}

static mp_obj_t euclidean_argmin(mp_obj_t vectors_in, mp_obj_t point_in) {
    api::Error err;
    api::KmeansArgmin r;
    if (!api::kmeans_euclidean_argmin(natmod::array_arg(vectors_in, MP_BUFFER_READ),
                                      natmod::array_arg(point_in, MP_BUFFER_READ), &r, &err)) {
        natmod::raise(err);
    }
    const mp_obj_t items[2] = {mp_obj_new_int_from_uint(r.index),
                               r.is_float ? mp_obj_new_float_from_f(r.float_distance)
                                          : natmod::new_uint64(r.distance)};
    return mp_obj_new_tuple(2, items);
}
static MP_DEFINE_CONST_FUN_OBJ_2(euclidean_argmin_obj, euclidean_argmin);

static ClusterIterObject* new_cluster_iter(mp_obj_t values, mp_obj_t centroids,
                                           mp_obj_t assignments, int32_t features, int32_t max_iter,
                                           int32_t stop_changes) {
    api::Error err{}; // zeroed: see natmod::malloc_sum
    KmeansProblem problem;
    if (!view_problem(&problem, values, centroids, assignments, features, &err)) {
        natmod::raise(err);
    }
    const size_t scratch_bytes = api::kmeans_scratch_size(&problem);
    ClusterIterObject* o = static_cast<ClusterIterObject*>(
        natmod::malloc_sum(sizeof(ClusterIterObject), scratch_bytes));
    o->base.type = reinterpret_cast<const mp_obj_type_t*>(&cluster_iter_type);
    o->values = values;
    o->centroids = centroids;
    o->assignments = assignments;
    o->features = features;
    if (!api::kmeans_iter_start(&o->iter, &problem, max_iter, stop_changes, o->scratch,
                                scratch_bytes, &err)) {
        natmod::raise(err);
    }
    return o;
}

static mp_obj_t cluster_iter_next(mp_obj_t self_in) {
    ClusterIterObject* o = static_cast<ClusterIterObject*>(MP_OBJ_TO_PTR(self_in));
    if (api::kmeans_iter_done(&o->iter)) {
        return MP_OBJ_STOP_ITERATION;
    }
    api::Error err;
    if (!api::kmeans_iter_rebind(&o->iter, natmod::array_arg(o->values, MP_BUFFER_READ),
                                 natmod::array_arg(o->centroids, MP_BUFFER_RW),
                                 natmod::array_arg(o->assignments, MP_BUFFER_RW), o->features,
                                 &err)) {
        natmod::raise(err);
    }
    bool produced = false;
    uint32_t changes = 0;
    if (!api::kmeans_iter_step(&o->iter, &produced, &changes, &err)) {
        natmod::raise(err);
    }
    return produced ? mp_obj_new_int_from_uint(changes) : MP_OBJ_STOP_ITERATION;
}

// cluster_iter(values, centroids, assignments, features, max_iter=10, stop_changes=0)
static mp_obj_t cluster_iter(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    const qstr names[6] = {MP_QSTR_values,   MP_QSTR_centroids, MP_QSTR_assignments,
                           MP_QSTR_features, MP_QSTR_max_iter,  MP_QSTR_stop_changes};
    mp_arg_val_t v[6];
    natmod::parse_args(n_args, pos, kw, names, 6, 4, v);
    return MP_OBJ_FROM_PTR(
        new_cluster_iter(v[0].u_obj, v[1].u_obj, v[2].u_obj, natmod::int_arg(v[3].u_obj),
                         natmod::int_or(v[4].u_obj, 10), natmod::int_or(v[5].u_obj, 0)));
}
static MP_DEFINE_CONST_FUN_OBJ_KW(cluster_iter_obj, 0, cluster_iter);

// cluster(values, centroids, features, max_iter=10, stop_changes=0) -> array('B') of assignments
static mp_obj_t cluster(size_t n_args, const mp_obj_t* pos, mp_map_t* kw) {
    const qstr names[5] = {MP_QSTR_values, MP_QSTR_centroids, MP_QSTR_features, MP_QSTR_max_iter,
                           MP_QSTR_stop_changes};
    mp_arg_val_t v[5];
    natmod::parse_args(n_args, pos, kw, names, 5, 3, v);
    const int32_t features = natmod::int_arg(v[2].u_obj);
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t n_samples =
        api::kmeans_sample_count(natmod::array_arg(v[0].u_obj, MP_BUFFER_READ), features, &err);
    if (n_samples < 0) {
        natmod::raise(err);
    }
    // array('B', bytearray of 255s): every sample starts unassigned, as in the reference.
    uint8_t* initial = static_cast<uint8_t*>(m_malloc(size_t(n_samples)));
    for (int32_t i = 0; i < n_samples; i++) {
        initial[i] = kKmeansUnassigned;
    }
    const mp_obj_t array_module =
        mp_import_name(MP_QSTR_array, mp_const_none, MP_OBJ_NEW_SMALL_INT(0));
    const mp_obj_t args[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_B),
                              mp_obj_new_bytearray_by_ref(size_t(n_samples), initial)};
    // `initial` is left to the collector, not freed: `array` may be Python code (an array.py on
    // sys.path shadows the built-in) that keeps the bytearray over it.
    const mp_obj_t assignments =
        mp_call_function_n_kw(mp_load_attr(array_module, MP_QSTR_array), 2, 0, args);
    mp_obj_t it = MP_OBJ_FROM_PTR(new_cluster_iter(v[0].u_obj, v[1].u_obj, assignments, features,
                                                   natmod::int_or(v[3].u_obj, 10),
                                                   natmod::int_or(v[4].u_obj, 0)));
    while (cluster_iter_next(it) != MP_OBJ_STOP_ITERATION) {
    }
    return assignments;
}
static MP_DEFINE_CONST_FUN_OBJ_KW(cluster_obj, 0, cluster);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    cluster_iter_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    // The iter slot is __next__; iter() of the object returns the object itself.
    cluster_iter_type.flags = MP_TYPE_FLAG_ITER_IS_ITERNEXT;
    cluster_iter_type.name = MP_QSTR_cluster_iter;
    MP_OBJ_TYPE_SET_SLOT(&cluster_iter_type, iter, (void*)cluster_iter_next, 0);

    mp_store_global(MP_QSTR_euclidean_argmin, MP_OBJ_FROM_PTR(&euclidean_argmin_obj));
    mp_store_global(MP_QSTR_cluster_iter, MP_OBJ_FROM_PTR(&cluster_iter_obj));
    mp_store_global(MP_QSTR_cluster, MP_OBJ_FROM_PTR(&cluster_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
