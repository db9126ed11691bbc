#include "fuzz_util.h"

#include <H5Cpp.h>
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace memloc::fuzz {

namespace {

struct TempDir {
    std::string path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "memloc-fuzz-XXXXXX").string();
        if (!mkdtemp(pattern.data())) std::abort();
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

} // namespace

const std::string& tempDir() {
    static TempDir dir;
    return dir.path;
}

std::string writeInput(const std::uint8_t* data, std::size_t size, const std::string& name) {
    const std::string path = tempDir() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();
    return path;
}

void initOnce() {
    static const bool done = [] {
        at::set_num_threads(1);
        H5::Exception::dontPrint();
        return true;
    }();
    (void)done;
}

} // namespace memloc::fuzz
