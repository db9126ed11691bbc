// Fuzzes the torch.save reader (zip archive, CRC checks, the safe unpickler, tensor rebuilding).

#include "fuzz_util.h"
#include "io/torch_file.h"
#include "memloc/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string path = memloc::fuzz::writeInput(data, size, "input.pt");
    try {
        memloc::core::loadTorchFile(path);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
