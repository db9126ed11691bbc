#include "runs/run_snapshot.h"

#include <algorithm>
#include <exception>
#include <string>

namespace memloc::ui {

namespace {
// Reads one stored analysis if the summary lists it; a damaged one is reported, not fatal, so the
// other views still show their data.
template <typename Result, typename Reader>
std::shared_ptr<const Result> readStored(RunSnapshot& s, const char* name, Reader reader) {
    if (!s.hasAnalysis(name)) return nullptr;
    try {
        return std::make_shared<const Result>(reader(s.summary.path));
    } catch (const std::exception& e) {
        s.analysisErrors << QString::fromStdString(e.what());
        return nullptr;
    }
}
} // namespace

bool RunSnapshot::hasAnalysis(const char* name) const {
    return std::find(summary.analyses.begin(), summary.analyses.end(), name) != summary.analyses.end();
}

RunSnapshotPtr readRunSnapshot(const QString& path) {
    auto snapshot = std::make_shared<RunSnapshot>();
    const std::string file = path.toStdString();
    snapshot->summary = core::readRunSummary(file);
    if (snapshot->summary.hasAccounting) snapshot->accounting = core::readAccounting(file);
    RunSnapshot& s = *snapshot;
    s.rewinding = readStored<core::RewindResult>(s, "rewinding", core::readRewinding);
    s.retraining = readStored<core::RetrainResult>(s, "retraining", core::readRetraining);
    s.flipping = readStored<core::FlipResult>(s, "flipping", core::readFlipping);
    s.neurons = readStored<core::NeuronScores>(s, "neurons", core::readNeuronScores);
    s.dropoutEval = readStored<core::DropoutEvalResult>(s, "dropout_eval", core::readDropoutEval);
    return snapshot;
}

} // namespace memloc::ui
