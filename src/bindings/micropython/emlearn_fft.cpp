// emlearn_fft as a MicroPython native module: argument conversion only; the contract lives in
// src/api/fft_api.cpp.
#include "fft_api.h"
#include "natmod.h"
#include "natmod_args.h"

using namespace microlearn;

struct FftObject {
    mp_obj_base_t base;
    api::FftHandle handle;
    uint32_t storage[]; // the twiddle table, sized at FFT(n); rfft/irfft read it too
};

extern "C" {
NATMOD_VISIBLE mp_obj_full_type_t fft_type;
NATMOD_VISIBLE mp_map_elem_t fft_locals_table[5];
}

static FftObject* self_of(mp_obj_t obj) {
    natmod::check_type(obj, &fft_type, "expecting an emlearn_fft.FFT");
    return static_cast<FftObject*>(MP_OBJ_TO_PTR(obj));
}

static void check(bool ok, const api::Error& err) {
    if (!ok) {
        natmod::raise(err);
    }
}

static mp_obj_t fft_make_new(const mp_obj_type_t* type, size_t n_args, size_t n_kw,
                             const mp_obj_t* args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    api::Error err{}; // zeroed: see natmod::malloc_sum
    const int32_t n = natmod::int_arg(args[0]);
    size_t bytes = 0;
    check(api::fft_storage_size(n, &bytes, &err), err);
    FftObject* o = static_cast<FftObject*>(natmod::malloc_sum(sizeof(FftObject), bytes));
    o->base.type = type;
    check(api::fft_new(&o->handle, n, o->storage, bytes, &err), err);
    return MP_OBJ_FROM_PTR(o);
}

static mp_obj_t fft_run(mp_obj_t self_in, mp_obj_t real_in, mp_obj_t imag_in) {
    FftObject* o = self_of(self_in);
    api::Error err;
    check(api::fft_run(&o->handle, natmod::array_arg(real_in, MP_BUFFER_RW),
                       natmod::array_arg(imag_in, MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fft_run_obj, fft_run);

static mp_obj_t fft_ifft(mp_obj_t self_in, mp_obj_t real_in, mp_obj_t imag_in) {
    FftObject* o = self_of(self_in);
    api::Error err;
    check(api::fft_ifft(&o->handle, natmod::array_arg(real_in, MP_BUFFER_RW),
                        natmod::array_arg(imag_in, MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fft_ifft_obj, fft_ifft);

static mp_obj_t fft_rfft(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    FftObject* o = self_of(args[0]);
    api::Error err;
    check(api::fft_rfft(&o->handle, natmod::array_arg(args[1], MP_BUFFER_READ),
                        natmod::array_arg(args[2], MP_BUFFER_RW),
                        natmod::array_arg(args[3], MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fft_rfft_obj, 4, 4, fft_rfft);

static mp_obj_t fft_irfft(size_t n_args, const mp_obj_t* args) {
    (void)n_args;
    FftObject* o = self_of(args[0]);
    api::Error err;
    check(api::fft_irfft(&o->handle, natmod::array_arg(args[1], MP_BUFFER_RW),
                         natmod::array_arg(args[2], MP_BUFFER_RW),
                         natmod::array_arg(args[3], MP_BUFFER_RW), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(fft_irfft_obj, 4, 4, fft_irfft);

static mp_obj_t fft_fill_tables(mp_obj_t self_in, mp_obj_t sin_in, mp_obj_t cos_in) {
    FftObject* o = self_of(self_in);
    api::Error err;
    check(api::fft_fill_tables(&o->handle, natmod::array_arg(sin_in, MP_BUFFER_READ),
                               natmod::array_arg(cos_in, MP_BUFFER_READ), &err),
          err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_3(fft_fill_tables_obj, fft_fill_tables);

// fill(fft, n), the module function.
static mp_obj_t fft_fill(mp_obj_t fft_in, mp_obj_t n_in) {
    FftObject* o = self_of(fft_in);
    api::Error err;
    check(api::fft_fill(&o->handle, natmod::int_arg(n_in), &err), err);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(fft_fill_obj, fft_fill);

static MP_DEFINE_CONST_DICT(fft_locals_dict, fft_locals_table);

extern "C" NATMOD_VISIBLE mp_obj_t mpy_init(mp_obj_fun_bc_t* self, size_t n_args, size_t n_kw,
                                            mp_obj_t* args) {
    MP_DYNRUNTIME_INIT_ENTRY

    fft_type.base.type = static_cast<const mp_obj_type_t*>((void*)&mp_type_type);
    fft_type.flags = MP_TYPE_FLAG_NONE;
    fft_type.name = MP_QSTR_FFT;
    MP_OBJ_TYPE_SET_SLOT(&fft_type, make_new, (void*)fft_make_new, 0);
    // run first: the method table is searched in order on every call.
    fft_locals_table[0] = {MP_OBJ_NEW_QSTR(MP_QSTR_run), MP_OBJ_FROM_PTR(&fft_run_obj)};
    fft_locals_table[1] = {MP_OBJ_NEW_QSTR(MP_QSTR_rfft), MP_OBJ_FROM_PTR(&fft_rfft_obj)};
    fft_locals_table[2] = {MP_OBJ_NEW_QSTR(MP_QSTR_irfft), MP_OBJ_FROM_PTR(&fft_irfft_obj)};
    fft_locals_table[3] = {MP_OBJ_NEW_QSTR(MP_QSTR_ifft), MP_OBJ_FROM_PTR(&fft_ifft_obj)};
    fft_locals_table[4] = {MP_OBJ_NEW_QSTR(MP_QSTR_fill), MP_OBJ_FROM_PTR(&fft_fill_tables_obj)};
    MP_OBJ_TYPE_SET_SLOT(&fft_type, locals_dict, (void*)&fft_locals_dict, 1);

    mp_store_global(MP_QSTR_FFT, MP_OBJ_FROM_PTR(&fft_type));
    mp_store_global(MP_QSTR_fill, MP_OBJ_FROM_PTR(&fft_fill_obj));

    MP_DYNRUNTIME_INIT_EXIT
}
