// memloc-cli dropout-eval: an example-tied dropout run in standard, test, drop and
// drop-recalibrated modes.

#include "analysis_command.h"
#include "commands.h"

#include "memloc/dropout_eval.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <string>

namespace memloc::cli {

int dropoutEvalCommand(const Arguments& args) {
    std::set<std::string> known = kAnalysisOptions;
    known.insert("eval-subset");
    args.requireKnown(known);
    if (args.positionals().size() != 1) throw UsageError{"dropout-eval takes one run file: memloc-cli dropout-eval RUN.h5"};
    AnalysisCommand command(args);
    const core::DropoutEvalResult r =
        core::runDropoutEval(args.positionals().front(), args.intValue("eval-subset", 0), command.runOptions());
    command.finish();
    if (args.has("json")) {
        nlohmann::json modes = nlohmann::json::object();
        for (const auto& m : r.modes)
            modes[m.mode] = {{"clean_acc", m.clean}, {"noisy_given_acc", m.noisyGiven}, {"noisy_true_acc", m.noisyTrue}, {"test_acc", m.test}};
        std::printf("%s\n", nlohmann::json({{"p_gen", r.pGen}, {"p_mem", r.pMem}, {"blocks", r.blocks}, {"modes", modes}}).dump(2).c_str());
        return kExitOk;
    }
    std::printf("example-tied dropout (p_gen %g, p_mem %g) on %s\n", r.pGen, r.pMem, args.positionals().front().c_str());
    const SetWords w = runSetWords(args.positionals().front());
    std::printf("%-10s %8s %22s %11s %8s\n", "mode", w.rest.c_str(), w.given.c_str(), w.truth.c_str(), "test");
    for (const auto& m : r.modes)
        std::printf("%-10s %8s %22s %11s %8s\n", m.mode.c_str(), percent(m.clean).c_str(), percent(m.noisyGiven).c_str(),
                    percent(m.noisyTrue).c_str(), percent(m.test).c_str());
    std::printf("stored as /analyses/dropout_eval\n");
    return kExitOk;
}

} // namespace memloc::cli
