#pragma once
// Writing an analysis result into a run file so that re-running replaces the old result at once.

#include <H5Cpp.h>

#include <string>

namespace memloc::core {

/// Writes one analysis result, /analyses/<name>, into a run file. The result is built in an
/// in-memory HDF5 file; commit() then copies it into a copy of the run file that replaces the run
/// file when complete and on disk (editCopy), so a kill, a full disk or a failed write at any
/// moment leaves the run file as it was, with any previous result. Destroying an uncommitted
/// writer stores nothing. Throws Error (naming the file) on I/O errors.
class AnalysisWriter {
public:
    AnalysisWriter(std::string path, std::string name);
    AnalysisWriter(const AnalysisWriter&) = delete;
    AnalysisWriter& operator=(const AnalysisWriter&) = delete;

    /// The group to write the result into (attributes = parameters, datasets = results).
    H5::Group& group() { return m_group; }
    void commit();

private:
    std::string m_path, m_name;
    H5::H5File m_memory;
    H5::Group m_group;
};

/// Opens /analyses/<name> of a run file read-only; throws Error if the run has no such analysis
/// (message says which command makes it).
H5::Group openAnalysis(const H5::H5File& file, const std::string& path, const std::string& name,
                       const std::string& command);

} // namespace memloc::core
