// The fuzz input read as a stream of values: past its end, every read gives zeros, so a target
// never needs to count what is left before it reads.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

struct FuzzReader {
    const uint8_t* data;
    size_t size;
    size_t pos = 0;

    size_t left() const { return size - pos; }
    uint8_t byte() { return pos < size ? data[pos++] : 0; }
    template <typename T> T value() {
        T v{};
        if (left() >= sizeof(T)) {
            memcpy(&v, data + pos, sizeof(T));
            pos += sizeof(T);
        } else {
            pos = size;
        }
        return v;
    }
    template <typename T> std::vector<T> values(size_t n) {
        std::vector<T> out(n);
        for (auto& v : out) {
            v = value<T>();
        }
        return out;
    }
};
