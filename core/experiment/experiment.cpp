#include "memloc/experiment.h"

#include "io/safe_save.h"
#include "memloc/error.h"
#include "memloc/run_config.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kFormat = "memloc-experiment";
constexpr int kFormatVersion = 1;

/// A value as the config's JSON reader wants it: a number or boolean when it reads as one, else text.
Json typedValue(const std::string& text) {
    try {
        Json v = Json::parse(text);
        if (v.is_number() || v.is_boolean()) return v;
    } catch (const Json::exception&) {
    }
    return text;
}

/// "noise-0.1_seed-0": a file name made of the settings, safe on every file system.
std::string fileStem(const std::vector<std::pair<std::string, std::string>>& settings) {
    std::string stem;
    for (const auto& [key, value] : settings) {
        if (!stem.empty()) stem += '_';
        for (char c : key + "-" + value) stem += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '-';
    }
    return stem.empty() ? "run" : stem;
}

Json runToJson(const ExperimentRun& r) {
    return {{"name", r.name},           {"settings", r.settings},         {"path", r.path},
            {"state", r.state},         {"epochs_completed", r.epochsCompleted},
            {"analyses_done", r.analysesDone}, {"error", r.error}};
}

ExperimentRun runFromJson(const Json& j) {
    ExperimentRun r;
    r.name = j.at("name").get<std::string>();
    r.settings = j.at("settings").get<std::map<std::string, std::string>>();
    r.path = j.at("path").get<std::string>();
    r.state = j.value("state", "planned");
    r.epochsCompleted = j.value("epochs_completed", std::int64_t{0});
    r.analysesDone = j.value("analyses_done", std::vector<std::string>{});
    r.error = j.value("error", "");
    return r;
}

Json toJson(const Experiment& e) {
    Json axes = Json::array(), runs = Json::array();
    for (const auto& a : e.axes) axes.push_back({{"key", a.key}, {"values", a.values}});
    for (const auto& r : e.runs) runs.push_back(runToJson(r));
    return {{"format", kFormat}, {"format_version", kFormatVersion}, {"base_config", Json::parse(e.baseConfig)},
            {"vary", axes},       {"analyses", e.analyses},           {"runs", runs}};
}

void writeJsonFile(const std::string& path, const Json& j) {
    writeNewFile(path, j.dump(2) + "\n", "the experiment manifest");
}

/// Holds an exclusive lock on FOLDER/experiment.json.lock while it lives.
class ManifestLock {
public:
    explicit ManifestLock(const std::string& folder) {
        const std::string path = manifestPath(folder) + ".lock";
        m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) throw Error(path + ": cannot lock the experiment manifest");
    }
    ~ManifestLock() {
        if (m_fd >= 0) ::close(m_fd);  // closing releases the lock
    }
    ManifestLock(const ManifestLock&) = delete;
    ManifestLock& operator=(const ManifestLock&) = delete;

private:
    int m_fd = -1;
};

} // namespace

const std::vector<std::string>& sweepAnalysisNames() {
    static const std::vector<std::string> names = {"rewind", "retrain", "flip", "neurons", "dropout-eval"};
    return names;
}

Experiment planExperiment(const std::string& folder, const std::string& baseConfigJson,
                          const std::vector<SweepAxis>& axes, const std::vector<std::string>& analyses) {
    Experiment e;
    e.folder = folder;
    e.baseConfig = configToJson(configFromJson(baseConfigJson, "the base config"));
    std::set<std::string> keys;
    for (SweepAxis axis : axes) {
        std::replace(axis.key.begin(), axis.key.end(), '-', '_');
        if (axis.key.empty() || axis.values.empty())
            throw Error("--vary " + axis.key + ": give a setting and at least one value (KEY=V1,V2,...)");
        if (!keys.insert(axis.key).second) throw Error("--vary " + axis.key + ": the setting is varied twice");
        e.axes.push_back(axis);
    }
    const std::set<std::string> wanted(analyses.begin(), analyses.end());
    for (const auto& a : wanted)
        if (std::find(sweepAnalysisNames().begin(), sweepAnalysisNames().end(), a) == sweepAnalysisNames().end())
            throw Error("analysis '" + a + "' is unknown (expected rewind, retrain, flip, neurons or dropout-eval)");
    for (const auto& a : sweepAnalysisNames())
        if (wanted.count(a)) e.analyses.push_back(a);

    std::size_t count = 1;
    for (const auto& a : e.axes) count *= a.values.size();
    std::set<std::string> stems;
    for (std::size_t i = 0; i < count; ++i) {
        ExperimentRun run;
        std::vector<std::pair<std::string, std::string>> ordered;
        std::size_t rest = i;
        for (std::size_t k = e.axes.size(); k-- > 0;) {  // the last axis varies fastest
            const auto& values = e.axes[k].values;
            ordered.insert(ordered.begin(), {e.axes[k].key, values[rest % values.size()]});
            rest /= values.size();
        }
        for (const auto& [key, value] : ordered) {
            run.settings[key] = value;
            run.name += (run.name.empty() ? "" : ",") + key + "=" + value;
        }
        if (run.name.empty()) run.name = "base";
        std::string stem = fileStem(ordered);
        if (!stems.insert(stem).second) throw Error("--vary: two runs would share the file name " + stem + ".h5");
        run.path = "runs/" + stem + ".h5";
        e.runs.push_back(run);
        experimentRunConfig(e, e.runs.size() - 1);  // a bad value fails here, before anything trains
    }
    return e;
}

std::string experimentRunConfig(const Experiment& e, std::size_t index) {
    const ExperimentRun& run = e.runs.at(index);
    Json overrides = Json::object();
    for (const auto& [key, value] : run.settings) overrides[key] = typedValue(value);
    const RunConfig base = configFromJson(e.baseConfig, "the base config");
    const RunConfig config = configFromJson(overrides.dump(), "--vary (run " + run.name + ")", base);
    try {
        validateConfig(config);
    } catch (const Error& e) {
        throw Error("--vary (run " + run.name + "): " + e.what());
    }
    return configToJson(config);
}

std::string manifestPath(const std::string& folder) { return (fs::path(folder) / "experiment.json").string(); }

Experiment readExperiment(const std::string& folder) {
    const std::string path = manifestPath(folder);
    std::ifstream in(path);
    if (!in) throw Error(path + ": no experiment here (the file is missing; memloc-cli sweep makes it)");
    Json j;
    try {
        in >> j;
    } catch (const Json::exception& ex) {
        throw Error(path + ": not a readable experiment manifest (" + ex.what() + ")");
    }
    if (!j.is_object() || j.value("format", "") != kFormat)
        throw Error(path + ": not a memloc experiment manifest (no \"format\": \"" + kFormat + "\")");
    if (j.value("format_version", 0) > kFormatVersion)
        throw Error(path + ": experiment format " + std::to_string(j.value("format_version", 0)) +
                    " is newer than this memloc reads (" + std::to_string(kFormatVersion) + ")");
    Experiment e;
    try {
        e.folder = folder;
        e.baseConfig = j.at("base_config").dump();
        e.baseConfig = configToJson(configFromJson(e.baseConfig, path + " (base_config)"));  // canonical form
        for (const auto& a : j.at("vary")) e.axes.push_back({a.at("key"), a.at("values")});
        e.analyses = j.at("analyses").get<std::vector<std::string>>();
        for (const auto& r : j.at("runs")) e.runs.push_back(runFromJson(r));
    } catch (const Json::exception& ex) {
        throw Error(path + ": a part of the manifest is missing or of the wrong type (" + ex.what() + ")");
    }
    return e;
}

Experiment openOrCreateExperiment(const Experiment& planned) {
    std::error_code ec;
    fs::create_directories(fs::path(planned.folder) / "runs", ec);
    if (ec) throw Error(planned.folder + ": cannot create the experiment folder: " + ec.message());
    ManifestLock lock(planned.folder);
    if (!fs::exists(manifestPath(planned.folder))) {
        writeJsonFile(manifestPath(planned.folder), toJson(planned));
        return planned;
    }
    const Experiment existing = readExperiment(planned.folder);
    const bool same = existing.baseConfig == planned.baseConfig && existing.analyses == planned.analyses &&
                      existing.runs.size() == planned.runs.size() &&
                      std::equal(existing.runs.begin(), existing.runs.end(), planned.runs.begin(),
                                 [](const ExperimentRun& a, const ExperimentRun& b) {
                                     return a.name == b.name && a.path == b.path;
                                 });
    if (!same)
        throw Error(manifestPath(planned.folder) + ": this folder holds another experiment (other base config, "
                    "varied settings or analyses); continue it with the same command, or choose another folder");
    return existing;
}

void recordExperimentRun(const std::string& folder, const ExperimentRun& run) {
    ManifestLock lock(folder);
    Experiment e = readExperiment(folder);
    bool found = false;
    for (auto& r : e.runs)
        if (r.name == run.name) {
            r = run;
            found = true;
        }
    if (!found) throw Error(manifestPath(folder) + ": the manifest has no run " + run.name);
    writeJsonFile(manifestPath(folder), toJson(e));
}

std::vector<std::size_t> runsOfProcess(std::size_t runCount, int rank, int processes) {
    if (processes < 1 || rank < 0 || rank >= processes)
        throw Error("process " + std::to_string(rank) + " of " + std::to_string(processes) + " is no valid assignment");
    std::vector<std::size_t> mine;
    for (std::size_t i = static_cast<std::size_t>(rank); i < runCount; i += static_cast<std::size_t>(processes))
        mine.push_back(i);
    return mine;
}

} // namespace memloc::core
