// memloc-cli train: train a new run (or resume one) with a progress bar and clean Ctrl-C.

#include "analysis_command.h"
#include "commands.h"
#include "interrupt.h"
#include "progress_bar.h"

#include "memloc/error.h"
#include "memloc/run_config.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>

namespace memloc::cli {

namespace {

std::string flagToKey(std::string flag) {
    for (char& c : flag)
        if (c == '-') c = '_';
    return flag;
}

std::string percent(double v) {
    if (v != v) return "  n/a";
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", v * 100.0);
    return buf;
}

// Runs with a focus set name the set and the rest instead of "clean" and "noisy"; the focus
// set's accuracy against the true labels is its given-label accuracy unless labels are noisy too.
void printEpoch(const core::EpochMetrics& m, std::int64_t planned, const SetWords& words) {
    const std::string& rest = words.rest;
    const std::string& given = words.givenShort;
    const std::string& truth = words.truth;
    if (m.epoch == 0)
        std::printf("epoch %3lld/%lld  (initialisation)           ", static_cast<long long>(m.epoch),
                    static_cast<long long>(planned));
    else
        std::printf("epoch %3lld/%lld  loss %.4f  lr %.4f  %5.1fs", static_cast<long long>(m.epoch),
                    static_cast<long long>(planned), m.trainLoss, m.lr, m.seconds);
    std::printf("  %s %s  %s %s  %s %s  test %s\n", rest.c_str(), percent(m.trainCleanAcc).c_str(), given.c_str(),
                percent(m.trainNoisyGivenAcc).c_str(), truth.c_str(), percent(m.trainNoisyTrueAcc).c_str(),
                percent(m.testAcc).c_str());
    std::fflush(stdout);
}

} // namespace

// Turns "--batch-size 64" style options into config JSON, typed by the config's own fields.
core::RunConfig applyConfigFlags(const Arguments& args, const core::RunConfig& base, const std::set<std::string>& own) {
    const nlohmann::json current = nlohmann::json::parse(core::configToJson(base));
    nlohmann::json overrides = nlohmann::json::object();
    for (const auto& name : args.names()) {
        if (own.count(name)) continue;
        const std::string key = flagToKey(name);
        if (!current.contains(key)) throw UsageError{"unknown option --" + name + " (see memloc-cli help train)"};
        const std::string v = args.value(name);
        const nlohmann::json& kind = current[key];
        try {
            std::size_t used = 0;
            if (kind.is_boolean()) {
                if (v != "true" && v != "false" && v != "1" && v != "0") throw std::invalid_argument(v);
                overrides[key] = (v == "true" || v == "1");
            } else if (kind.is_number_integer()) {
                overrides[key] = std::stoll(v, &used);
            } else if (kind.is_number() || kind.is_null()) {  // null: an optional number left unset
                const double number = std::stod(v, &used);
                if (!std::isfinite(number)) throw std::invalid_argument(v);  // JSON has no nan/inf
                overrides[key] = number;
            } else {
                overrides[key] = v;
                used = v.size();
            }
            if (!kind.is_boolean() && used != v.size()) throw std::invalid_argument(v);
        } catch (const std::exception&) {
            const char* what = kind.is_boolean() ? "true or false" : kind.is_number_integer() ? "an integer" : "a finite number";
            throw UsageError{"option --" + name + " expects " + what + ", got '" + v + "'"};
        }
    }
    return core::configFromJson(overrides.dump(), "command line", base);
}

int trainCommand(const Arguments& args) {
    const std::set<std::string> own = {"config", "out", "resume", "overwrite", "quiet"};
    const bool quiet = args.has("quiet");
    const std::string resume = args.value("resume");
    core::RunConfig config;
    std::string out;
    std::int64_t firstEpoch = 0;
    if (!resume.empty()) {
        for (const auto& name : args.names())
            if (name != "resume" && name != "device" && name != "threads" && name != "quiet")
                throw UsageError{"--resume takes only --device, --threads and --quiet (the run keeps its own settings); got --" + name};
        out = resume;
        const core::RunSummary summary = core::readRunSummary(resume);
        config = summary.config;
        firstEpoch = summary.epochsCompleted;
    } else {
        if (args.has("config")) config = core::loadConfigFile(args.value("config"));
        config = applyConfigFlags(args, config, own);
        out = args.value("out");
        if (out.empty()) throw UsageError{"train needs --out RUN.h5 (or --resume RUN.h5)"};
    }
    if (!args.positionals().empty()) throw UsageError{"unexpected argument '" + args.positionals().front() + "'"};

    const std::int64_t epochs = config.epochs;
    const SetWords names = setWords(core::focusNames(config));
    ProgressBar bar(epochs, !quiet);
    core::TrainCallbacks cb;
    cb.cancel = &installInterrupt();
    std::int64_t currentEpoch = firstEpoch;
    cb.progress = [&](const core::Progress& p) {
        bar.update(currentEpoch * p.total + p.done, p);
    };
    cb.epochDone = [&](const core::EpochMetrics& m) {
        bar.clear();
        currentEpoch = m.epoch;
        if (!quiet) printEpoch(m, epochs, names);
    };

    core::TrainResult result = resume.empty() ? core::trainRun(config, out, cb, args.has("overwrite"))
                                              : core::resumeRun(resume, cb, args.value("device"), args.intValue("threads", -1));
    bar.clear();
    restoreInterrupt();
    if (result.cancelled) {
        std::fprintf(stderr, "interrupted: %lld of %lld epochs are saved in %s; continue with: memloc-cli train --resume %s\n",
                     static_cast<long long>(result.epochsCompleted), static_cast<long long>(result.epochsPlanned),
                     out.c_str(), out.c_str());
        return kExitInterrupted;
    }
    if (!quiet)
        std::printf("done: %lld/%lld epochs on %s, saved in %s\n", static_cast<long long>(result.epochsCompleted),
                    static_cast<long long>(result.epochsPlanned), result.device.c_str(), out.c_str());
    return kExitOk;
}

} // namespace memloc::cli
