#include "io/analysis_store.h"

#include "io/run_file.h"
#include "memloc/error.h"

namespace memloc::core {

namespace {
constexpr const char* kPartialSuffix = ".partial";
}

AnalysisWriter::AnalysisWriter(std::string path, std::string name) : m_path(std::move(path)), m_name(std::move(name)) {
    RunFileReader validate(m_path);
    H5::Exception::dontPrint();
    try {
        m_file.openFile(m_path, H5F_ACC_RDWR);
        if (!m_file.nameExists("analyses")) m_file.createGroup("analyses");
        H5::Group analyses = m_file.openGroup("analyses");
        const std::string partial = m_name + kPartialSuffix;
        if (analyses.nameExists(partial)) analyses.unlink(partial);
        m_group = analyses.createGroup(partial);
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "opening it to store analysis '" + m_name + "'", e);
    }
}

AnalysisWriter::~AnalysisWriter() {
    if (m_committed) return;
    try {
        m_group.close();
        H5::Group analyses = m_file.openGroup("analyses");
        analyses.unlink(m_name + kPartialSuffix);
        m_file.close();
    } catch (const H5::Exception&) {
        // Best effort: readers ignore ".partial" groups anyway.
    }
}

void AnalysisWriter::commit() {
    try {
        m_group.close();
        H5::Group analyses = m_file.openGroup("analyses");
        if (analyses.nameExists(m_name)) analyses.unlink(m_name);
        analyses.move(m_name + kPartialSuffix, m_name);
        m_file.flush(H5F_SCOPE_GLOBAL);
        m_file.close();
        m_committed = true;
    } catch (const H5::Exception& e) {
        rethrowH5(m_path, "storing analysis '" + m_name + "'", e);
    }
}

H5::Group openAnalysis(const H5::H5File& file, const std::string& path, const std::string& name,
                       const std::string& command) {
    if (!file.nameExists("analyses") || !file.openGroup("analyses").nameExists(name))
        throw Error(path + ": no '" + name + "' analysis stored (run: memloc-cli " + command + " " + path + ")");
    return file.openGroup("analyses").openGroup(name);
}

} // namespace memloc::core
