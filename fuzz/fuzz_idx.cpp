// Fuzzes the IDX readers (plain and gzipped image and label files).
// Expected outcome for bad input: memloc::core::Error; anything else (a crash, a sanitizer report,
// another exception escaping) is a bug.

#include "data/dataset.h"
#include "fuzz_util.h"
#include "memloc/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string path = memloc::fuzz::writeInput(data, size, "input-idx-ubyte");
    try {
        memloc::core::readIdxImages(path);
    } catch (const memloc::core::Error&) {
    }
    try {
        memloc::core::readIdxLabels(path);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
