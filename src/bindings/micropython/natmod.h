// Shared glue for the MicroPython native modules (built with py/dynruntime.mk). Included once by
// each module's single binding file: it turns objects into api::BufferView and api::Error into
// exceptions, and supplies the few libc symbols the compiler may emit.
#pragma once
extern "C" {
#include "py/dynruntime.h"
}
#include "api.h"

namespace natmod {

using microlearn::api::BufferView;
using microlearn::api::Error;
using microlearn::api::ErrorType;

inline BufferView buffer_view(mp_obj_t obj, mp_uint_t flags) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(obj, &info, flags);
    // bytearray (and a memoryview of one) reports BYTEARRAY_TYPECODE (1): the api calls it 'B'.
    return BufferView{info.buf, info.len, info.typecode == 1 ? 'B' : char(info.typecode)};
}

// Copies the message into a str object: raise_msg would keep a pointer to our stack.
MP_NORETURN inline void raise(const Error& err) {
    const mp_obj_type_t* type = &mp_type_ValueError;
    if (err.type == ErrorType::TypeError) {
        type = &mp_type_TypeError;
    } else if (err.type == ErrorType::MemoryError) {
        type = static_cast<const mp_obj_type_t*>(MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_MemoryError)));
    } else if (err.type == ErrorType::RuntimeError) {
        type = &mp_type_RuntimeError;
    }
    mp_raise_type_arg(type, mp_obj_new_str(err.message, err.length));
}

// An int argument clamped to int32 (the api rejects out-of-range values with a message).
inline int32_t get_int32(mp_obj_t obj) {
    const mp_int_t v = mp_obj_get_int(obj);
    return v > 0x7fffffff ? 0x7fffffff : (v < -0x7fffffff ? -0x7fffffff : int32_t(v));
}

// Cheap enough for every call: a bit test and one compare, no call through the function table.
inline void check_type(mp_obj_t obj, const mp_obj_full_type_t* type, const char* message) {
    if (!mp_obj_is_obj(obj) || static_cast<const mp_obj_base_t*>(MP_OBJ_TO_PTR(obj))->type !=
                                   reinterpret_cast<const mp_obj_type_t*>(type)) {
        mp_raise_TypeError(message);
    }
}

} // namespace natmod

// The compiler may emit calls to these for struct copies and zeroing loops; MicroPython exports
// its own through the function table.
extern "C" {
void* memset(void* s, int c, size_t n) { return mp_fun_table.memset_(s, c, n); }
void* memcpy(void* dst, const void* src, size_t n) { return mp_fun_table.memmove_(dst, src, n); }
void* memmove(void* dst, const void* src, size_t n) { return mp_fun_table.memmove_(dst, src, n); }
}
