#include "memloc/run_config.h"

#include "memloc/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

using Json = nlohmann::json;

// One table maps every JSON key to its member, so parsing, writing and the unknown-key check
// cannot drift apart.
struct Field {
    std::function<void(RunConfig&, const Json&)> read;
    std::function<Json(const RunConfig&)> write;
    bool optionalNumber = false;  ///< a number or null (unset)
};

template <typename T>
Field field(T RunConfig::*member) {
    return {[member](RunConfig& c, const Json& j) { c.*member = j.get<T>(); },
            [member](const RunConfig& c) { return Json(c.*member); }};
}

/// An optional number: JSON null (or absent) is unset.
Field optionalField(std::optional<double> RunConfig::*member) {
    return {[member](RunConfig& c, const Json& j) {
                if (j.is_null()) c.*member = std::nullopt;
                else c.*member = j.get<double>();
            },
            [member](const RunConfig& c) { return (c.*member) ? Json(*(c.*member)) : Json(nullptr); }, true};
}

const std::map<std::string, Field>& fields() {
    static const std::map<std::string, Field> table = {
        {"dataset", field(&RunConfig::dataset)},
        {"data_dir", field(&RunConfig::dataDir)},
        {"subset", field(&RunConfig::subset)},
        {"subset_mode", field(&RunConfig::subsetMode)},
        {"subset_seed", field(&RunConfig::subsetSeed)},
        {"test_subset", field(&RunConfig::testSubset)},
        {"noise", field(&RunConfig::noise)},
        {"noise_seed", field(&RunConfig::noiseSeed)},
        {"labels", field(&RunConfig::labels)},
        {"normalize", field(&RunConfig::normalize)},
        {"focus", field(&RunConfig::focus)},
        {"focus_threshold", optionalField(&RunConfig::focusThreshold)},
        {"focus_name", field(&RunConfig::focusName)},
        {"synthetic_train", field(&RunConfig::syntheticTrain)},
        {"synthetic_test", field(&RunConfig::syntheticTest)},
        {"synthetic_size", field(&RunConfig::syntheticSize)},
        {"synthetic_classes", field(&RunConfig::syntheticClasses)},
        {"model", field(&RunConfig::model)},
        {"width", field(&RunConfig::width)},
        {"resnet_stem", field(&RunConfig::resnetStem)},
        {"patch_size", field(&RunConfig::patchSize)},
        {"dropout", field(&RunConfig::dropout)},
        {"p_gen", field(&RunConfig::pGen)},
        {"p_mem", field(&RunConfig::pMem)},
        {"dropout_blocks", field(&RunConfig::dropoutBlocks)},
        {"etd_rounding", field(&RunConfig::etdRounding)},
        {"epochs", field(&RunConfig::epochs)},
        {"batch_size", field(&RunConfig::batchSize)},
        {"lr", field(&RunConfig::lr)},
        {"momentum", field(&RunConfig::momentum)},
        {"nesterov", field(&RunConfig::nesterov)},
        {"weight_decay", field(&RunConfig::weightDecay)},
        {"schedule", field(&RunConfig::schedule)},
        {"warmup", field(&RunConfig::warmup)},
        {"peak_epoch", field(&RunConfig::peakEpoch)},
        {"seed", field(&RunConfig::seed)},
        {"accounting", field(&RunConfig::accounting)},
        {"eval_batch_size", field(&RunConfig::evalBatchSize)},
        {"precision", field(&RunConfig::precision)},
        {"memory_format", field(&RunConfig::memoryFormat)},
        {"device", field(&RunConfig::device)},
        {"threads", field(&RunConfig::threads)},
    };
    return table;
}

// What a setting's current value says it must be, in words.
std::string expected(const Json& j) {
    if (j.is_boolean()) return "true or false";
    if (j.is_number_integer()) return "an integer";
    if (j.is_number()) return "a number";
    return "a string";
}

std::string typeName(const Json& j) { return j.type_name(); }

// The ViT's dim for a width: 512 x width rounded as scaledWidth() (models/model.h) does.
std::int64_t scaledVitDim(double width) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::nearbyint(512.0 * width)));
}

// Shortest round-trip text of a number for messages ("1.5", not "1.500000").
std::string num(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

} // namespace

RunConfig configFromJson(const std::string& json, const std::string& origin, const RunConfig& base) {
    Json j;
    try {
        j = Json::parse(json);
    } catch (const Json::exception& e) {  // parse_error, and out_of_range for 1e999 (found by fuzz_config)
        throw Error(origin + ": not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw Error(origin + ": expected a JSON object of settings, found " + typeName(j));
    RunConfig config = base;
    for (const auto& [key, value] : j.items()) {
        auto it = fields().find(key);
        if (it == fields().end()) throw Error(origin + ": unknown setting \"" + key + "\" (see README, Configuration keys)");
        // Reject silent conversions (a string where a number belongs, a fraction for an integer).
        const Json current = it->second.write(config);
        const bool optional = it->second.optionalNumber;
        const bool ok = (optional && (value.is_number() || value.is_null())) ||
                        (current.is_boolean() && value.is_boolean()) || (current.is_string() && value.is_string()) ||
                        (current.is_number_integer() && value.is_number_integer()) ||
                        (current.is_number_float() && value.is_number());
        if (!ok)
            throw Error(origin + ": setting \"" + key + "\" must be " + (optional ? std::string("a number or null") : expected(current)) +
                        ", found " + typeName(value) + " " +
                        value.dump());
        it->second.read(config, value);
    }
    return config;
}

RunConfig loadConfigFile(const std::string& path, const RunConfig& base) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open config file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return configFromJson(buffer.str(), path, base);
}

std::string configToJson(const RunConfig& config) {
    Json j = Json::object();
    for (const auto& [key, f] : fields()) j[key] = f.write(config);
    return j.dump(2);
}

FocusNames focusNames(const RunConfig& config) {
    if (config.focus.empty()) return {"mislabeled", "clean", true};
    std::string name = config.focusName;
    if (name.empty()) {
        name = config.focus.substr(config.focus.find_last_of('/') + 1);
        const std::size_t colon = name.find(':');  // FILE.h5:DATASET
        if (colon != std::string::npos) name.erase(colon);
        const std::size_t dot = name.find('.');
        if (dot != std::string::npos && dot > 0) name.erase(dot);
    }
    return {name, "other", false};
}

void validateConfig(const RunConfig& c) {
    auto fail = [](const std::string& msg) { throw Error("invalid config: " + msg); };
    const std::vector<std::string>& datasets = datasetNames();
    if (std::find(datasets.begin(), datasets.end(), c.dataset) == datasets.end())
        fail("dataset '" + c.dataset + "' is unknown (expected " + datasetList() + ")");
    if (c.subset < 0) fail("subset must be >= 0 (0 = all), got " + std::to_string(c.subset));
    if (c.testSubset < 0) fail("test_subset must be >= 0 (0 = all), got " + std::to_string(c.testSubset));
    if (c.subsetMode != "first" && c.subsetMode != "random") fail("subset_mode must be first or random, got '" + c.subsetMode + "'");
    if (!(c.noise >= 0.0 && c.noise < 1.0)) fail("noise must be a fraction in [0, 1), got " + num(c.noise));
    if (c.labels != "seeded" && c.labels != "stored") fail("labels must be seeded or stored, got '" + c.labels + "'");
    if (c.focusThreshold && !std::isfinite(*c.focusThreshold))
        fail("focus_threshold must be a finite number, got " + num(*c.focusThreshold));
    if (c.focusThreshold && c.focus.empty()) fail("focus_threshold needs a focus file (focus)");
    if (!c.focusName.empty() && c.focus.empty()) fail("focus_name names a focus set, but no focus file is set (focus)");
    if (c.etdRounding != "round" && c.etdRounding != "floor")
        fail("etd_rounding must be round or floor, got '" + c.etdRounding + "'");
    try {
        parseNormalization(c.normalize);
    } catch (const Error& e) {
        fail(e.what());
    }
    if (c.dataset == "synthetic" && (c.syntheticTrain < 2 || c.syntheticTest < 1 || c.syntheticSize < 4 || c.syntheticClasses < 2))
        fail("synthetic data needs synthetic_train >= 2, synthetic_test >= 1, synthetic_size >= 4, synthetic_classes >= 2");
    if (c.model != "resnet9" && c.model != "mlp" && c.model != "resnet50" && c.model != "vit")
        fail("model '" + c.model + "' is unknown (expected resnet9, mlp, resnet50 or vit)");
    if (c.resnetStem != "imagenet" && c.resnetStem != "cifar")
        fail("resnet_stem must be imagenet or cifar, got '" + c.resnetStem + "'");
    if (c.patchSize < 1) fail("patch_size must be >= 1 (and divide the image size), got " + std::to_string(c.patchSize));
    if (c.model == "vit" && c.width > 0.0 && scaledVitDim(c.width) % 8 != 0)
        fail("vit: width " + num(c.width) + " gives dim " + std::to_string(scaledVitDim(c.width)) +
             ", not a multiple of the 8 heads (use a width k/64)");
    if (c.dropout != "none" && c.dropout != "example-tied")
        fail("dropout must be none or example-tied, got '" + c.dropout + "'");
    if (c.dropout == "example-tied") {
        if (c.model != "resnet9") fail("example-tied dropout is available for model resnet9 only");
        if (!(c.pGen > 0.0 && c.pGen <= 1.0)) fail("p_gen must be in (0, 1], got " + num(c.pGen));
        if (!(c.pMem >= 0.0 && c.pMem <= 1.0)) fail("p_mem must be in [0, 1], got " + num(c.pMem));
        if (c.dropoutBlocks.find_first_not_of("0123456789, ") != std::string::npos || c.dropoutBlocks.find_first_of("0123456789") == std::string::npos)
            fail("dropout_blocks must list top-level block indices like \"2,3,5,6\", got '" + c.dropoutBlocks + "'");
    }
    if (!(c.width > 0.0 && c.width <= 16.0)) fail("width must be in (0, 16], got " + num(c.width));
    if (c.epochs < 1) fail("epochs must be >= 1, got " + std::to_string(c.epochs));
    if (c.batchSize < 1) fail("batch_size must be >= 1, got " + std::to_string(c.batchSize));
    if (c.evalBatchSize < 1) fail("eval_batch_size must be >= 1, got " + std::to_string(c.evalBatchSize));
    if (!(c.lr > 0.0) || !std::isfinite(c.lr)) fail("lr must be > 0, got " + num(c.lr));
    if (!(c.momentum >= 0.0 && c.momentum < 1.0)) fail("momentum must be in [0, 1), got " + num(c.momentum));
    if (c.nesterov && c.momentum == 0.0) fail("nesterov needs momentum > 0");
    if (!(c.weightDecay >= 0.0)) fail("weight_decay must be >= 0, got " + num(c.weightDecay));
    if (c.schedule != "cosine" && c.schedule != "triangle" && c.schedule != "constant")
        fail("schedule '" + c.schedule + "' is unknown (expected cosine, triangle or constant)");
    if (!(c.warmup >= 0.0 && c.warmup < 1.0)) fail("warmup must be a fraction in [0, 1), got " + num(c.warmup));
    if (!(c.peakEpoch > 0.0)) fail("peak_epoch must be > 0, got " + num(c.peakEpoch));
    if (c.precision != "fp32" && c.precision != "bf16") fail("precision must be fp32 or bf16, got '" + c.precision + "'");
    if (c.memoryFormat != "auto" && c.memoryFormat != "contiguous" && c.memoryFormat != "channels_last")
        fail("memory_format must be auto, contiguous or channels_last, got '" + c.memoryFormat + "'");
    if (c.threads < 0) fail("threads must be >= 0 (0 = every core), got " + std::to_string(c.threads));
    if (c.device != "auto" && c.device != "cpu" && c.device.rfind("cuda", 0) != 0)
        fail("device '" + c.device + "' is unknown (expected auto, cpu, cuda or cuda:N)");
}

std::optional<Normalization> parseNormalization(const std::string& text) {
    if (text == "subset") return std::nullopt;
    if (text == "none") return Normalization{};
    const std::size_t slash = text.find('/');
    auto numbers = [&](const std::string& part) {
        std::vector<double> out;
        std::stringstream in(part);
        std::string item;
        while (std::getline(in, item, ',')) {
            std::size_t used = 0;
            double v = 0;
            try {
                v = std::stod(item, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (used == 0 || item.find_first_not_of(" ", used) != std::string::npos || !std::isfinite(v))
                throw Error("normalize: '" + item + "' is not a number in \"" + text + "\"");
            out.push_back(v);
        }
        return out;
    };
    if (slash == std::string::npos)
        throw Error("normalize must be subset, none or per-channel \"MEAN,.../STD,...\", got \"" + text + "\"");
    Normalization n;
    n.mean = numbers(text.substr(0, slash));
    n.stddev = numbers(text.substr(slash + 1));
    if (n.mean.empty() || n.mean.size() != n.stddev.size())
        throw Error("normalize: \"" + text + "\" needs as many means as standard deviations (one per channel)");
    for (double s : n.stddev)
        if (!(s > 0)) throw Error("normalize: standard deviations must be > 0 in \"" + text + "\"");
    return n;
}

const std::vector<std::string>& datasetNames() {
    static const std::vector<std::string> names = {"fashion-mnist", "mnist", "cifar10", "cifar100", "svhn", "synthetic"};
    return names;
}

std::string datasetList() {
    const std::vector<std::string>& names = datasetNames();
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i)
        text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return text;
}

std::string defaultDataDir(const std::string& dataset) {
    // Debian's dataset-fashion-mnist package installs the first; the others follow its layout.
    if (dataset == "synthetic") return "";
    const std::vector<std::string>& names = datasetNames();
    if (std::find(names.begin(), names.end(), dataset) == names.end()) return "";
    return "/usr/share/datasets/" + dataset;
}

} // namespace memloc::core
