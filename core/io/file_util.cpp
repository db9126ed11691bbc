#include "io/file_util.h"

#include "memloc/error.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace memloc::core {

std::string readFileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open the file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

void removeQuietly(const std::string& path) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
}

void moveIntoPlace(const std::string& partial, const std::string& path) {
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec) {
        removeQuietly(partial);
        throw Error(path + ": cannot rename " + partial + " into place (" + ec.message() + ")");
    }
}

} // namespace memloc::core
