#pragma once
// Writing an analysis result into a run file so that re-running replaces the old result at once.

#include <H5Cpp.h>

#include <string>

namespace memloc::core {

/// Opens a run file for writing one analysis group /analyses/<name>. Everything is written into
/// /analyses/<name>.partial; commit() then swaps it in place of any previous result (unlink +
/// move, then flush), so readers see either the old complete result or the new one. Destroying
/// an uncommitted writer removes the partial group. Throws Error (naming the file) on I/O errors.
class AnalysisWriter {
public:
    AnalysisWriter(std::string path, std::string name);
    ~AnalysisWriter();
    AnalysisWriter(const AnalysisWriter&) = delete;
    AnalysisWriter& operator=(const AnalysisWriter&) = delete;

    /// The group to write the result into (attributes = parameters, datasets = results).
    H5::Group& group() { return m_group; }
    void commit();

private:
    std::string m_path, m_name;
    H5::H5File m_file;
    H5::Group m_group;
    bool m_committed = false;
};

/// Opens /analyses/<name> of a run file read-only; throws Error if the run has no such analysis
/// (message says which command makes it).
H5::Group openAnalysis(const H5::H5File& file, const std::string& path, const std::string& name,
                       const std::string& command);

} // namespace memloc::core
