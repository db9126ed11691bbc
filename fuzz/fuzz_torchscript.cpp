// Fuzzes TorchScript loading through JitNet (torch::jit::load of an in-memory archive, then the
// parameter mirroring and layer-group discovery memloc does on top).

#include "fuzz_util.h"
#include "memloc/error.h"
#include "models/jit_net.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string archive(reinterpret_cast<const char*>(data), size);
    memloc::core::JitNet::looksLikeTorchScript(archive);
    try {
        memloc::core::JitNet net(archive, "", "fuzz.pt");
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
