// State access shared by the IIR engines (float and q15): the same checks, another element type.
#pragma once
#include "status.h"

namespace microlearn {

// From and To may differ (a double state read into floats); each value is converted.
template <typename From, typename To>
inline Status filter_state_copy(bool ready, uint32_t state_len, const From* from, To* to,
                                uint32_t len) {
    if (!ready) {
        return Status::NotReady;
    }
    if (len != state_len) {
        return Status::SizeMismatch;
    }
    if ((from == nullptr || to == nullptr) && len > 0) {
        return Status::InvalidArgument;
    }
    for (uint32_t i = 0; i < len; ++i) {
        to[i] = To(from[i]);
    }
    return Status::Ok;
}

template <typename T> inline Status filter_state_clear(bool ready, T* state, uint32_t len) {
    if (!ready) {
        return Status::NotReady;
    }
    for (uint32_t i = 0; i < len; ++i) {
        state[i] = T(0);
    }
    return Status::Ok;
}

} // namespace microlearn
