// Fuzzes the safe unpickler directly on raw pickle bytes (the zip and CRC layers of a torch.save
// file stop most mutations before they reach it). Storage records are served as zero bytes of the
// requested size.

#include "fuzz_util.h"
#include "io/unpickler.h"
#include "memloc/error.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string pickle(reinterpret_cast<const char*>(data), size);
    auto loader = [](const std::string& key) -> std::tuple<at::DataPtr, std::size_t> {
        // The key names the record; give every record 64 bytes.
        (void)key;
        constexpr std::size_t kBytes = 64;
        void* bytes = std::calloc(kBytes, 1);
        return {at::DataPtr(bytes, bytes, std::free, at::kCPU), kBytes};
    };
    try {
        memloc::core::unpickle("fuzz.pkl", pickle, loader);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
