// Shared glue for the MicroPython native modules (built with py/dynruntime.mk). Included once by
// each module's single binding file: it turns objects into api::BufferView and api::Error into
// exceptions, and supplies the few libc symbols the compiler may emit.
#pragma once
extern "C" {
#include "py/dynruntime.h"
#include "py/objarray.h"
}
#include "api.h"

#if defined(__XTENSA__)
// xtensa: GCC folds a constant index into the literal that holds the qstr table's address
// (mp_native_qstr_table+8), and mpy_ld cannot relocate a literal with an addend ("AssertionError:
// ('mp_native_qstr_table+0x8', '.external.qstr_table')"). Every qstr outside MicroPython's static
// list expands to mp_native_qstr_table[i] (the build's config.h): hiding the table's address behind
// an empty asm makes GCC load the plain address and add the offset itself (one addi). Inside the
// macro, mp_native_qstr_table is not expanded again and names the table.
inline const uint16_t* natmod_qstr_table(const uint16_t* table) {
    __asm__("" : "+r"(table));
    return table;
}
#define mp_native_qstr_table (natmod_qstr_table(mp_native_qstr_table))
#endif

// Each module is compiled as one translation unit with -fwhole-program (natmod.mk), which makes
// every symbol static unless marked with this. mpy_ld needs mpy_init and the memory functions
// below as global symbols, and the module's writable globals (type objects, method tables: they
// live in .bss) too, because it rejects a PC-relative (static) reference into .bss.
#define NATMOD_VISIBLE __attribute__((externally_visible))

namespace natmod {

using microlearn::api::BufferView;
using microlearn::api::Error;
using microlearn::api::ErrorType;

// The types of array.array and bytearray, learnt from the first one passed in (buffer_of_object):
// a natmod cannot name mp_type_array, and mp_type_bytearray is a global lookup per use.
extern "C" const mp_obj_type_t* natmod_array_types[2];
NATMOD_VISIBLE const mp_obj_type_t* natmod_array_types[2];

// Element size of the typecodes read directly (b B h H i I f); 0 sends the rest to mp_get_buffer.
inline size_t array_item_size(size_t typecode) {
    switch (typecode | 0x20) { // upper case (unsigned) to lower case
    case 'b':
        return 1;
    case 'h':
        return 2;
    case 'i':
    case 'f':
        return 4; // no array has typecode F
    default:
        return 0;
    }
}

// Copies the message into a str object: raise_msg would keep a pointer to our stack.
// A binding whose api raises OSError defines NATMOD_RAISES_OSERROR before including this file;
// the others do without the branch (8 bytes on armv6m, 32 on x64).
MP_NORETURN inline void raise(const Error& err) {
    const mp_obj_type_t* type = &mp_type_ValueError;
    if (err.type == ErrorType::TypeError) {
        type = &mp_type_TypeError;
#ifdef NATMOD_RAISES_OSERROR
    } else if (err.type == ErrorType::MemoryError || err.type == ErrorType::OSError) {
        // neither is in the table native modules get
        type = static_cast<const mp_obj_type_t*>(MP_OBJ_TO_PTR(mp_load_global(
            err.type == ErrorType::OSError ? MP_QSTR_OSError : MP_QSTR_MemoryError)));
#else
    } else if (err.type == ErrorType::MemoryError) {
        // not in the table native modules get
        type =
            static_cast<const mp_obj_type_t*>(MP_OBJ_TO_PTR(mp_load_global(MP_QSTR_MemoryError)));
#endif
    } else if (err.type == ErrorType::RuntimeError) {
        type = &mp_type_RuntimeError;
    }
    mp_raise_type_arg(type, mp_obj_new_str(err.message, err.length));
}

// Any object with the buffer protocol (str too: load_model's text chunks); learns the types of
// array.array and bytearray on the way.
__attribute__((noinline)) BufferView buffer_of_object(mp_obj_t obj, mp_uint_t flags) {
    mp_buffer_info_t info;
    mp_get_buffer_raise(obj, &info, flags);
    if (mp_obj_is_obj(obj)) {
        // The built-in types, not classes defined in Python (a memoryview has a name of its own).
        const mp_obj_type_t* type = static_cast<const mp_obj_base_t*>(MP_OBJ_TO_PTR(obj))->type;
        if (!(type->flags & MP_TYPE_FLAG_INSTANCE_TYPE)) {
            if (type->name == MP_QSTR_array) {
                natmod_array_types[0] = type;
            } else if (type->name == MP_QSTR_bytearray) {
                natmod_array_types[1] = type;
            }
        }
    }
    // bytearray (and a memoryview of one) reports BYTEARRAY_TYPECODE (1): the api calls it 'B'.
    return BufferView{info.buf, info.len, info.typecode == 1 ? 'B' : char(info.typecode)};
}

// A str, interned or not, on any firmware: mp_obj_is_str() is a macro of the object
// representation this module is compiled for (REPR_A), and the ESP8266 port uses REPR_C, which
// encodes interned strings otherwise; the type comes from the firmware itself.
inline bool is_str(mp_obj_t obj) {
    return mp_obj_get_type(obj) == &mp_type_str;
}

// An array argument that is not an array.array. The api's TypeError for a str (read as bytes by
// MicroPython's buffer protocol; CPython's str has none) and for a read-only buffer where the call
// writes (MicroPython's own message would be "object with buffer protocol required").
__attribute__((noinline)) BufferView array_of_object(mp_obj_t obj, mp_uint_t flags) {
    microlearn::api::BufferFault fault;
    mp_buffer_info_t info;
    if (is_str(obj)) {
        fault = microlearn::api::BufferFault::Text;
    } else if ((flags & MP_BUFFER_WRITE) && !mp_get_buffer(obj, &info, flags) &&
               mp_get_buffer(obj, &info, MP_BUFFER_READ)) {
        fault = microlearn::api::BufferFault::ReadOnly;
    } else {
        return buffer_of_object(obj, flags);
    }
    Error err;
    microlearn::api::raise_buffer_fault(&err, fault);
    raise(err);
}

// An array argument. An array.array or a bytearray is read straight from its object (the layout
// of py/objarray.h, the same in MicroPython 1.20 to 1.29): no call through the function table, no
// stack frame, which is a tenth of a small predict() and a third of euclidean_argmin().
BufferView array_arg(mp_obj_t obj, mp_uint_t flags) {
    const mp_obj_array_t* array = static_cast<const mp_obj_array_t*>(MP_OBJ_TO_PTR(obj));
    if (mp_obj_is_obj(obj) &&
        (array->base.type == natmod_array_types[0] || array->base.type == natmod_array_types[1])) {
        // bytearray's typecode is BYTEARRAY_TYPECODE (1); the api calls it 'B'.
        const char typecode = array->typecode == 1 ? 'B' : char(array->typecode);
        const size_t size = array_item_size(typecode);
        if (size != 0) {
            return BufferView{array->items, array->len * size, typecode};
        }
    }
    return array_of_object(obj, flags);
}

// Item i of a list or tuple, fetched afresh, or MP_OBJ_NULL past its end. mp_obj_get_float() and
// mp_obj_get_int() call a class's __float__/__int__, which may resize the list and free the item
// array an earlier mp_obj_get_array() returned.
inline mp_obj_t sequence_item(mp_obj_t seq, size_t i) {
    size_t n;
    mp_obj_t* items;
    mp_obj_get_array(seq, &n, &items);
    return i < n ? items[i] : MP_OBJ_NULL;
}

// Zeroes the stack below the caller's frame. MicroPython's collector takes every word on the
// stack for a pointer; words left there by an earlier call (a network's run(), a k-NN predict())
// can hold the address of an object since deleted, and the collection that an allocation
// triggers then keeps it alive: a model deleted and made again without gc.collect() needed room
// for two (a soak test's MemoryError on a 64 KB heap). The frames of the allocation's callees
// (m_malloc, the collector) are laid over zeroes instead.
__attribute__((noinline)) inline void scrub_stack() {
    // Whole words: the collector reads the stack a word at a time, at word alignment.
    volatile uintptr_t area[512 / sizeof(uintptr_t)];
    for (size_t i = 0; i < sizeof area / sizeof area[0]; ++i) {
        area[i] = 0;
    }
}

// Functions that make a model zero their api::Error (`api::Error err{};`) for the same reason: it
// is the largest buffer in their own frame, which the scrub cannot reach.
//
// m_malloc(header + bytes), for an object with its engine's memory after it. A sum past size_t (a
// 32-bit port asked for nearly 4 GB: neighbors.new(65535, 32765, 21841)) wrapped to a few bytes
// the engine then wrote past; it asks for half the address space instead, and m_malloc raises
// MemoryError.
inline void* malloc_sum(size_t header, size_t bytes) {
    size_t total;
    if (__builtin_add_overflow(header, bytes, &total)) {
        total = ~size_t(0) >> 1;
    }
    scrub_stack();
    return m_malloc(total);
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
// its own through the function table. On xtensa (ESP8266, call0 ABI) mpy_ld links them to the
// ROM's, at the fixed addresses of the ROM symbol list natmod.mk passes, and a definition here
// would be dead code; xtensawin (ESP32, windowed ABI) has no such list and uses these.
#if !defined(__XTENSA__) || defined(__XTENSA_WINDOWED_ABI__)
extern "C" {
NATMOD_VISIBLE void* memset(void* s, int c, size_t n) {
    return mp_fun_table.memset_(s, c, n);
}
NATMOD_VISIBLE void* memcpy(void* dst, const void* src, size_t n) {
    return mp_fun_table.memmove_(dst, src, n);
}
NATMOD_VISIBLE void* memmove(void* dst, const void* src, size_t n) {
    return mp_fun_table.memmove_(dst, src, n);
}
}
#endif
