// libFuzzer target for the TinyMaix .tmdl reader (cnn_init through the api layer) and the layers
// it lets run: whatever loads must run on any image without reading or writing outside the
// model, the input, the output or the work buffer (each sized exactly, so ASan sees any overrun).
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <vector>

#include "cnn_api.h"

using namespace microlearn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The model copy, 8-aligned as the bindings make it.
    std::vector<uint64_t> storage((size + 7) / 8);
    if (size > 0) {
        memcpy(storage.data(), data, size);
    }
    const uint8_t* model = reinterpret_cast<const uint8_t*>(storage.data());
    api::Error err;
    const CnnKind kind = size > 4 && data[4] == 2 ? CnnKind::Fp32 : CnnKind::Int8;
    CnnModel m{};
    if (!api::cnn_new(&m, model, size, kind, &err)) {
        return 0;
    }
    std::vector<uint8_t> work(cnn_work_bytes(&m));
    std::vector<uint8_t> input(m.in_len);
    for (size_t i = 0; i < input.size(); ++i) {
        input[i] = uint8_t(i * 37u + size);
    }
    std::vector<float> out(m.out_len);
    api::BufferView in{input.data(), input.size(), 'B'};
    api::BufferView o{out.data(), out.size() * sizeof(float), 'f'};
    api::cnn_run(&m, in, o, work.data(), work.size(), &err);
    uint32_t dims[3], n = 0;
    api::cnn_output_dimensions(&m, dims, &n, &err);
    return 0;
}
