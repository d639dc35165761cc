// A float's bit pattern and back, for the soft-float tests.
#pragma once
#include <cstdint>
#include <cstring>

inline float to_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

inline uint32_t to_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
