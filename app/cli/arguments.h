#pragma once
// Command-line parsing for memloc-cli: "--key value", "--key=value", "--flag" and positionals.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace memloc::cli {

/// Thrown for a malformed command line; main() prints it and exits with status 2.
struct UsageError {
    std::string message;
};

class Arguments {
public:
    /// Parses argv[first..]. `flags` are options that take no value; every other "--name"
    /// takes one. Throws UsageError on a missing value.
    Arguments(int argc, char** argv, int first, const std::set<std::string>& flags);

    bool has(const std::string& name) const { return m_values.count(name) > 0; }
    std::string value(const std::string& name, const std::string& fallback = "") const;
    std::int64_t intValue(const std::string& name, std::int64_t fallback) const;
    double doubleValue(const std::string& name, double fallback) const;
    /// A comma-separated option as its non-empty items; UsageError if given but empty.
    std::vector<std::string> listValue(const std::string& name) const;
    /// A comma-separated list of integers; UsageError on anything else.
    std::vector<std::int64_t> intListValue(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }
    /// Options given, in order (names without "--").
    const std::vector<std::string>& names() const { return m_order; }
    /// Throws UsageError naming the first option not in `known`.
    void requireKnown(const std::set<std::string>& known) const;

private:
    std::map<std::string, std::string> m_values;
    std::vector<std::string> m_order;
    std::vector<std::string> m_positionals;
};

/// The items of `text` between `separator`s, empty ones included ("a,,b" -> a, "", b).
std::vector<std::string> splitList(const std::string& text, char separator);

} // namespace memloc::cli
