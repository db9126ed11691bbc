// libFuzzer entry point of fuzz_torchscript (see fuzz_inputs.cpp and tools/fuzz.sh).
#include "fuzz_inputs.h"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::runFuzzInput("fuzz_torchscript", data, size);
    return 0;
}
