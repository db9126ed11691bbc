// Fuzzes the safetensors reader (header length, JSON header, dtypes, shapes, offsets).

#include "fuzz_util.h"
#include "io/safetensors.h"
#include "memloc/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string path = memloc::fuzz::writeInput(data, size, "input.safetensors");
    try {
        memloc::core::loadSafetensors(path);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
