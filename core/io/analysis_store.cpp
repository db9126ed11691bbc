#include "io/analysis_store.h"

#include "io/run_file.h"
#include "io/safe_save.h"
#include "memloc/error.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include <unistd.h>

namespace memloc::core {

namespace {
// Room for HDF5's own additions beyond the copied objects (headers, heaps, B-tree nodes).
constexpr std::uint64_t kSlack = 1 << 20;
}

AnalysisWriter::AnalysisWriter(std::string path, std::string name) : m_path(std::move(path)), m_name(std::move(name)) {
    RunFileReader validate(m_path);
    // Saving replaces the run file by a copy made in its folder: say now, not after the analysis
    // ran, if that cannot work.
    const std::string folder = std::filesystem::absolute(m_path).parent_path().string();
    if (::access(m_path.c_str(), W_OK) != 0)
        throw Error(m_path + ": cannot store analysis '" + m_name + "': the run file is not writable (" + std::strerror(errno) + ")");
    if (::access(folder.c_str(), W_OK) != 0)
        throw Error(m_path + ": cannot store analysis '" + m_name + "': its folder " + folder + " is not writable (" +
                    std::strerror(errno) + ")");
    H5::Exception::dontPrint();
    try {
        m_memory = createMemoryFile(m_path + " (analysis '" + m_name + "')");
        m_group = m_memory.createGroup(m_name);
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "preparing analysis '" + m_name + "'", e);
    }
}

void AnalysisWriter::commit() {
    std::uint64_t size = 0;
    try {
        m_memory.flush(H5F_SCOPE_GLOBAL);
        size = static_cast<std::uint64_t>(m_memory.getFileSize());
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "storing analysis '" + m_name + "'", e);
    }
    editCopy(m_path, "analysis '" + m_name + "'", "; the run file is unchanged", 2 * size + kSlack, [&](H5::H5File& file) {
        if (!file.nameExists("analyses")) file.createGroup("analyses");
        H5::Group analyses = file.openGroup("analyses");
        if (analyses.nameExists(m_name)) analyses.unlink(m_name);
        if (H5Ocopy(m_memory.getId(), m_name.c_str(), analyses.getId(), m_name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
            throw H5::GroupIException("H5Ocopy", "copying the result into the run file failed");
    });
}

H5::Group openAnalysis(const H5::H5File& file, const std::string& path, const std::string& name,
                       const std::string& command) {
    if (!file.nameExists("analyses") || !file.openGroup("analyses").nameExists(name))
        throw Error(path + ": no '" + name + "' analysis stored (run: memloc-cli " + command + " " + path + ")");
    return file.openGroup("analyses").openGroup(name);
}

} // namespace memloc::core
