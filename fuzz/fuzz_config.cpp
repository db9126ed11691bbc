// Fuzzes the run configuration: JSON parsing with key and type checks, validation, the
// normalisation and integer-list syntaxes, and the JSON round trip.

#include "config/int_list.h"
#include "fuzz_util.h"
#include "memloc/error.h"
#include "memloc/run_config.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string json(reinterpret_cast<const char*>(data), size);
    try {
        const memloc::core::RunConfig config = memloc::core::configFromJson(json, "fuzz.json");
        // Whatever parses must serialise and parse back to the same JSON.
        const std::string again = memloc::core::configToJson(config);
        if (memloc::core::configToJson(memloc::core::configFromJson(again, "round trip")) != again) std::abort();
        memloc::core::parseNormalization(config.normalize);
        memloc::core::parseIntList(config.dropoutBlocks, "dropout_blocks");
        memloc::core::validateConfig(config);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
