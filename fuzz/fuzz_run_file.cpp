// Fuzzes the run-file reader: what `memloc-cli inspect` reads (header, config, summary, metrics,
// accounting), then the model description and the last stored checkpoint.

#include "fuzz_util.h"
#include "io/run_file.h"
#include "memloc/error.h"
#include "memloc/run_summary.h"
#include "models/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    memloc::fuzz::initOnce();
    const std::string path = memloc::fuzz::writeInput(data, size, "input.h5");
    try {
        memloc::core::readRunSummary(path);
    } catch (const memloc::core::Error&) {
    }
    try {
        memloc::core::readAccounting(path);
    } catch (const memloc::core::Error&) {
    }
    try {
        memloc::core::RunFileReader reader(path);
        const memloc::core::ModelSpec spec = reader.modelSpec();
        std::shared_ptr<memloc::core::Net> model = memloc::core::buildModel(spec);
        reader.loadCheckpoint(reader.epochsCompleted(), *model);
    } catch (const memloc::core::Error&) {
    }
    return 0;
}
