#include "config/int_list.h"

#include "memloc/error.h"

#include <sstream>
#include <stdexcept>

namespace memloc::core {

std::vector<std::int64_t> parseIntList(const std::string& text, const std::string& what) {
    std::vector<std::int64_t> out;
    std::stringstream s(text);
    for (std::string item; std::getline(s, item, ',');) {
        const auto first = item.find_first_not_of(' '), last = item.find_last_not_of(' ');
        if (first == std::string::npos) continue;
        item = item.substr(first, last - first + 1);
        try {
            std::size_t used = 0;
            out.push_back(std::stoll(item, &used));
            if (used != item.size()) throw std::invalid_argument(item);
        } catch (const std::exception&) {
            throw Error(what + ": expected integers separated by commas, got '" + item + "'");
        }
    }
    return out;
}

} // namespace memloc::core
