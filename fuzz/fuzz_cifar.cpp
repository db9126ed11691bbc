// Fuzzes the CIFAR-10 binary reader: the input is the test batch of a CIFAR-10 folder.

#include "data/dataset.h"
#include "fuzz_util.h"
#include "memloc/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    memloc::fuzz::writeInput(data, size, "test_batch.bin");
    try {
        memloc::core::loadCifar10Split(memloc::fuzz::tempDir(), false);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
