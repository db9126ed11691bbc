#include "memloc/run_summary.h"

#include "io/h5_util.h"
#include "io/run_file.h"
#include "io/run_layout.h"
#include "memloc/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

std::vector<double> column(const H5::Group& g, const std::string& name) {
    std::vector<double> out;
    for (const auto& row : h5::readSeries(g, name)) out.push_back(row.at(0));
    return out;
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json metricsJson(const EpochMetrics& m) {
    return {{"epoch", m.epoch},
            {"train_loss", number(m.trainLoss)},
            {"train_clean_acc", number(m.trainCleanAcc)},
            {"train_noisy_given_acc", number(m.trainNoisyGivenAcc)},
            {"train_noisy_true_acc", number(m.trainNoisyTrueAcc)},
            {"test_acc", number(m.testAcc)},
            {"lr", number(m.lr)},
            {"seconds", number(m.seconds)}};
}

} // namespace

RunSummary readRunSummary(const std::string& path) {
    RunFileReader reader(path);  // validates existence, HDF5-ness and format
    RunSummary s;
    s.path = path;
    s.config = reader.config();
    s.focus = focusNames(s.config);
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        s.formatVersion = static_cast<int>(h5::readIntAttr(file, "format_version"));
        s.memlocVersion = h5::readStringAttr(file, "memloc_version");
        s.torchVersion = h5::readStringAttr(file, "torch_version");
        s.created = h5::readStringAttr(file, "created");
        if (h5::hasAttr(file, "imported_from")) {
            s.importedFrom = h5::readStringAttr(file, "imported_from");
            s.sourceFormat = h5::readStringAttr(file, "source_format");
        }
        s.configJson = h5::readStringAttr(file, "config");
        s.epochsCompleted = h5::readIntAttr(file, "epochs_completed");
        s.epochsPlanned = h5::readIntAttr(file, "epochs_planned");

        H5::Group ds = file.openGroup("dataset");
        s.numClasses = h5::readIntAttr(ds, "num_classes");
        s.noisyCount = h5::readIntAttr(ds, "noisy_count");
        s.focusCount = h5::hasAttr(ds, "focus_count") ? h5::readIntAttr(ds, "focus_count") : s.noisyCount;
        s.imageShape = h5::readIntList(ds, "image_shape");  // an attribute before format 3
        s.trainSize = ds.openDataSet("train_indices").getSpace().getSimpleExtentNpoints();
        s.testSize = ds.openDataSet("test_indices").getSpace().getSimpleExtentNpoints();

        H5::Group model = file.openGroup("model");
        const std::vector<std::string> names = h5::readStrings(model, "group_names");
        const torch::Tensor units = h5::readTensor(model, "group_units");
        for (std::size_t i = 0; i < names.size(); ++i) s.groups.push_back({names[i], units[static_cast<long>(i)].item<std::int64_t>()});

        H5::Group metrics = file.openGroup("metrics");
        const auto epoch = column(metrics, "epoch"), loss = column(metrics, "train_loss"),
                   clean = column(metrics, "train_clean_acc"), given = column(metrics, "train_noisy_given_acc"),
                   truth = column(metrics, "train_noisy_true_acc"), test = column(metrics, "test_acc"),
                   lr = column(metrics, "lr"), seconds = column(metrics, "seconds");
        // Rows past epochs_completed belong to epochs not trained yet (NaN from format 2 on) or to an
        // epoch interrupted mid-save: not reported.
        const std::size_t rows = std::min(epoch.size(), static_cast<std::size_t>(s.epochsCompleted + 1));
        for (std::size_t i = 0; i < rows; ++i)
            s.metrics.push_back({static_cast<std::int64_t>(epoch[i]), loss[i], clean[i], given[i], truth[i], test[i], lr[i], seconds[i]});

        // Files of format 2 and later hold a group for every planned epoch: only those up to
        // epochs_completed are checkpoints (imported runs may lack some of them).
        H5::Group checkpoints = file.openGroup("checkpoints");
        for (std::int64_t e = 0; e <= s.epochsCompleted; ++e)
            if (checkpoints.nameExists(checkpointName(e))) s.checkpointEpochs.push_back(e);
        s.hasAccounting = file.nameExists("accounting");
        if (file.nameExists("analyses")) {
            H5::Group analyses = file.openGroup("analyses");
            for (hsize_t i = 0; i < analyses.getNumObjs(); ++i) {
                const std::string name = analyses.getObjnameByIdx(i);
                const std::string partial = ".partial";  // an analysis still being written
                if (name.size() < partial.size() || name.compare(name.size() - partial.size(), partial.size(), partial) != 0)
                    s.analyses.push_back(name);
            }
        }
    } catch (const H5::Exception& e) {
        rethrowH5(path, "reading the run summary", e);
    }
    return s;
}

std::string summaryToJson(const RunSummary& s) {
    nlohmann::json j;
    j["path"] = s.path;
    j["format_version"] = s.formatVersion;
    j["memloc_version"] = s.memlocVersion;
    j["torch_version"] = s.torchVersion;
    j["created"] = s.created;
    if (!s.importedFrom.empty()) {
        j["imported_from"] = s.importedFrom;
        j["source_format"] = s.sourceFormat;
    }
    j["config"] = nlohmann::json::parse(s.configJson);
    j["dataset"] = {{"name", s.config.dataset},
                    {"train_size", s.trainSize},
                    {"test_size", s.testSize},
                    {"num_classes", s.numClasses},
                    {"image_shape", s.imageShape},
                    {"noisy_count", s.noisyCount},
                    {"focus", {{"name", s.focus.set},
                               {"rest", s.focus.rest},
                               {"count", s.focusCount},
                               {"file", s.config.focus},
                               {"threshold", s.config.focusThreshold ? nlohmann::json(*s.config.focusThreshold)
                                                                     : nlohmann::json(nullptr)}}}};
    j["epochs"] = s.epochsCompleted;
    j["epochs_planned"] = s.epochsPlanned;
    j["checkpoint_epochs"] = s.checkpointEpochs;
    j["final"] = s.metrics.empty() ? nlohmann::json(nullptr) : metricsJson(s.metrics.back());
    nlohmann::json history = nlohmann::json::array();
    for (const auto& m : s.metrics) history.push_back(metricsJson(m));
    j["metrics"] = history;
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : s.groups) groups.push_back({{"name", g.name}, {"units", g.units}});
    j["groups"] = groups;
    j["accounting"] = s.hasAccounting;
    j["analyses"] = s.analyses;
    return j.dump(2);
}

AccountingSeries readAccounting(const std::string& path) {
    RunFileReader reader(path);
    AccountingSeries a;
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (!file.nameExists("accounting")) throw Error(path + ": this run was trained without gradient accounting");
        const auto done = static_cast<std::size_t>(h5::readIntAttr(file, "epochs_completed"));
        H5::Group g = file.openGroup("accounting");
        a.groups = h5::readStrings(g, h5::childName(g, {"group_names", "groups"}));  // "groups" before format 3
        auto read = [&](const char* name) {
            auto rows = h5::readSeries(g, name);
            if (rows.size() > done) rows.resize(done);
            return rows;
        };
        a.cleanNorm = read("clean_norm");
        a.noisyNorm = read("noisy_norm");
        a.totalNorm = read("total_norm");
        a.cosine = read("cosine");
    } catch (const H5::Exception& e) {
        rethrowH5(path, "reading the gradient accounting", e);
    }
    return a;
}

} // namespace memloc::core
