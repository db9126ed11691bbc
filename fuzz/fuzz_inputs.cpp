// The fuzz targets' bodies, one function per reader, shared by the libFuzzer executables
// (fuzz_<reader>.cpp) and the corpus regression test (tests/core/test_fuzz_corpus.cpp).
// Each feeds one input to a reader; bad input must end in core::Error, which is caught.
// Anything else (a crash, a sanitizer report, another exception escaping) is a bug.

#include "fuzz_inputs.h"

#include "fuzz_util.h"

#include "config/int_list.h"
#include "data/dataset.h"
#include "io/run_file.h"
#include "io/safetensors.h"
#include "io/torch_file.h"
#include "io/unpickler.h"
#include "memloc/error.h"
#include "memloc/run_config.h"
#include "memloc/run_summary.h"
#include "models/jit_net.h"
#include "models/model.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <tuple>

namespace memloc::fuzz {

namespace core = memloc::core;

namespace {

// The IDX readers (plain and gzipped image and label files).
void fuzzIdx(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeInput(data, size, "input-idx-ubyte");
    try {
        core::readIdxImages(path);
    } catch (const core::Error&) {
    }
    try {
        core::readIdxLabels(path);
    } catch (const core::Error&) {
    }
}

// The CIFAR-10 binary reader: the input is the test batch of a CIFAR-10 folder.
void fuzzCifar(const std::uint8_t* data, std::size_t size) {
    writeInput(data, size, "test_batch.bin");
    try {
        core::loadCifar10Split(tempDir(), false);
    } catch (const core::Error&) {
    }
}

// The torch.save reader (zip archive, CRC checks, the safe unpickler, tensor rebuilding).
void fuzzTorchFile(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeInput(data, size, "input.pt");
    try {
        core::loadTorchFile(path);
    } catch (const core::Error&) {
    }
}

// The safe unpickler directly on raw pickle bytes (the zip and CRC layers of a torch.save
// file stop most mutations before they reach it). Storage records are served as zero bytes of the
// requested size.
void fuzzUnpickler(const std::uint8_t* data, std::size_t size) {
    const std::string pickle(reinterpret_cast<const char*>(data), size);
    auto loader = [](const std::string& key) -> std::tuple<at::DataPtr, std::size_t> {
        // The key names the record; give every record 64 bytes.
        (void)key;
        constexpr std::size_t kBytes = 64;
        void* bytes = std::calloc(kBytes, 1);
        return {at::DataPtr(bytes, bytes, std::free, at::kCPU), kBytes};
    };
    try {
        core::unpickle("fuzz.pkl", pickle, loader);
    } catch (const core::Error&) {
    }
}

// The safetensors reader (header length, JSON header, dtypes, shapes, offsets).
void fuzzSafetensors(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeInput(data, size, "input.safetensors");
    try {
        core::loadSafetensors(path);
    } catch (const core::Error&) {
    }
}

// TorchScript loading through JitNet (torch::jit::load of an in-memory archive, then the
// parameter mirroring and layer-group discovery memloc does on top).
void fuzzTorchscript(const std::uint8_t* data, std::size_t size) {
    const std::string archive(reinterpret_cast<const char*>(data), size);
    core::JitNet::looksLikeTorchScript(archive);
    try {
        core::JitNet net(archive, "", "fuzz.pt");
    } catch (const core::Error&) {
    }
}

// The run-file reader: what `memloc-cli inspect` reads (header, config, summary, metrics,
// accounting), then the model description and the last stored checkpoint.
void fuzzRunFile(const std::uint8_t* data, std::size_t size) {
    const std::string path = writeInput(data, size, "input.h5");
    try {
        core::readRunSummary(path);
    } catch (const core::Error&) {
    }
    try {
        core::readAccounting(path);
    } catch (const core::Error&) {
    }
    try {
        core::RunFileReader reader(path);
        const core::ModelSpec spec = reader.modelSpec();
        std::shared_ptr<core::Net> model = core::buildModel(spec);
        reader.loadCheckpoint(reader.epochsCompleted(), *model);
    } catch (const core::Error&) {
    }
}

// The run configuration: JSON parsing with key and type checks, validation, the
// normalisation and integer-list syntaxes, and the JSON round trip.
void fuzzConfig(const std::uint8_t* data, std::size_t size) {
    const std::string json(reinterpret_cast<const char*>(data), size);
    try {
        const core::RunConfig config = core::configFromJson(json, "fuzz.json");
        // Whatever parses must serialise and parse back to the same JSON.
        const std::string again = core::configToJson(config);
        if (core::configToJson(core::configFromJson(again, "round trip")) != again) std::abort();
        core::parseNormalization(config.normalize);
        core::parseIntList(config.dropoutBlocks, "dropout_blocks");
        core::validateConfig(config);
    } catch (const core::Error&) {
    }
}

} // namespace

const std::vector<std::string>& fuzzTargets() {
    static const std::vector<std::string> names = {"fuzz_idx",         "fuzz_cifar",       "fuzz_torch_file",
                                                   "fuzz_unpickler",   "fuzz_safetensors", "fuzz_torchscript",
                                                   "fuzz_run_file",    "fuzz_config"};
    return names;
}

void runFuzzInput(const std::string& target, const std::uint8_t* data, std::size_t size) {
    using Fn = void (*)(const std::uint8_t*, std::size_t);
    static const std::map<std::string, Fn> fns = {
        {"fuzz_idx", fuzzIdx},           {"fuzz_cifar", fuzzCifar},
        {"fuzz_torch_file", fuzzTorchFile}, {"fuzz_unpickler", fuzzUnpickler},
        {"fuzz_safetensors", fuzzSafetensors}, {"fuzz_torchscript", fuzzTorchscript},
        {"fuzz_run_file", fuzzRunFile},   {"fuzz_config", fuzzConfig}};
    initOnce();
    const auto it = fns.find(target);
    if (it == fns.end()) throw std::invalid_argument("no fuzz target " + target);
    it->second(data, size);
}

} // namespace memloc::fuzz
