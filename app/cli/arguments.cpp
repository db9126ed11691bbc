#include "arguments.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>

namespace memloc::cli {

Arguments::Arguments(int argc, char** argv, int first, const std::set<std::string>& flags) {
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--", 0) != 0 || arg == "--") {
            m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::string value;
        const auto eq = name.find('=');
        if (eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (flags.count(name)) {
            value = "true";
        } else {
            if (i + 1 >= argc) throw UsageError{"option --" + name + " needs a value"};
            value = argv[++i];
        }
        if (!m_values.count(name)) m_order.push_back(name);
        m_values[name] = value;
    }
}

std::string Arguments::value(const std::string& name, const std::string& fallback) const {
    auto it = m_values.find(name);
    return it == m_values.end() ? fallback : it->second;
}

std::int64_t Arguments::intValue(const std::string& name, std::int64_t fallback) const {
    if (!has(name)) return fallback;
    const std::string v = value(name);
    try {
        std::size_t used = 0;
        const long long parsed = std::stoll(v, &used);
        if (used == v.size()) return parsed;
    } catch (const std::exception&) {
    }
    throw UsageError{"option --" + name + " expects an integer, got '" + v + "'"};
}

double Arguments::doubleValue(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    const std::string v = value(name);
    try {
        std::size_t used = 0;
        const double parsed = std::stod(v, &used);
        if (used == v.size()) return parsed;
    } catch (const std::exception&) {
    }
    throw UsageError{"option --" + name + " expects a number, got '" + v + "'"};
}

std::vector<std::string> Arguments::listValue(const std::string& name) const {
    std::vector<std::string> out;
    std::stringstream s(value(name));
    for (std::string item; std::getline(s, item, ',');)
        if (!item.empty()) out.push_back(item);
    if (has(name) && out.empty()) throw UsageError{"option --" + name + " expects a list separated by commas"};
    return out;
}

std::vector<std::int64_t> Arguments::intListValue(const std::string& name) const {
    std::vector<std::int64_t> out;
    for (const auto& item : listValue(name)) {
        try {
            std::size_t used = 0;
            out.push_back(std::stoll(item, &used));
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw UsageError{"option --" + name + " expects integers separated by commas, got '" + item + "'"};
        }
    }
    return out;
}

void Arguments::requireKnown(const std::set<std::string>& known) const {
    for (const auto& name : m_order)
        if (!known.count(name)) throw UsageError{"unknown option --" + name + " (see memloc-cli help)"};
}

std::vector<std::string> splitList(const std::string& text, char separator) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(separator, start), text.size());
        items.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return items;
}

} // namespace memloc::cli
