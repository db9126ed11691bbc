// ResNet-50 and the ViT against the Python reference (tests/fixtures/make_reference_more.py):
// names, shapes, logits, layer groups, block ranges, unit gates, a training step, a CLI smoke run.
#include <torch/torch.h>

#include "memloc/error.h"
#include "models/model.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace memloc::core;

namespace {

const QString kFixtures = QStringLiteral(MEMLOC_SOURCE_DIR "/tests/fixtures/");

ModelSpec specOf(const std::string& arch, double width, std::int64_t channels, std::int64_t size, std::int64_t classes,
                 const std::string& stem = "imagenet", std::int64_t patch = 2) {
    ModelSpec s;
    s.architecture = arch;
    s.width = width;
    s.inChannels = channels;
    s.imageSize = size;
    s.numClasses = classes;
    s.resnetStem = stem;
    s.patchSize = patch;
    return s;
}

struct Reference {
    ModelSpec spec;
    std::vector<std::pair<std::string, std::string>> shapes;  // name, "AxBxC" ("scalar" for 0-d)
};

std::vector<Reference> readReferences() {
    std::ifstream in((kFixtures + "model_reference_more.txt").toStdString());
    std::vector<Reference> refs;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::string first, shape;
        s >> first;
        if (first == "model") {
            Reference r;
            s >> r.spec.architecture >> r.spec.width >> r.spec.inChannels >> r.spec.imageSize >> r.spec.numClasses >>
                r.spec.resnetStem >> r.spec.patchSize;
            refs.push_back(r);
        } else {
            s >> shape;
            refs.back().shapes.emplace_back(first, shape);
        }
    }
    return refs;
}

std::string shapeText(const torch::Tensor& t) {
    if (t.dim() == 0) return "scalar";
    std::string out;
    for (std::int64_t i = 0; i < t.dim(); ++i) out += (i ? "x" : "") + std::to_string(t.size(i));
    return out;
}

std::map<std::string, torch::Tensor> stateOf(Net& model) {
    std::map<std::string, torch::Tensor> state;
    for (const auto& p : model.named_parameters()) state[p.key()] = p.value();
    for (const auto& b : model.named_buffers()) state[b.key()] = b.value();
    return state;
}

std::map<std::string, torch::Tensor> loadPickle(const QString& file) {
    std::ifstream in(file.toStdString(), std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::map<std::string, torch::Tensor> out;
    if (bytes.empty()) return out;
    for (const auto& item : torch::pickle_load(bytes).toGenericDict()) out[item.key().toStringRef()] = item.value().toTensor();
    return out;
}

// Small models of each kind (and each ResNet-50 stem), cheap enough for every test.
std::vector<ModelSpec> smallSpecs() {
    return {specOf("resnet50", 1.0 / 32, 3, 20, 10), specOf("resnet50", 1.0 / 32, 1, 12, 6, "cifar"),
            specOf("vit", 1.0 / 32, 1, 12, 10), specOf("vit", 1.0 / 16, 3, 8, 4, "imagenet", 4)};
}

QString label(const ModelSpec& s) {
    return QString::fromStdString(s.architecture + " " + s.resnetStem + " width " + std::to_string(s.width));
}

} // namespace

class TestModelsMore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void namesAndShapesMatchPython() {
        const auto refs = readReferences();
        QVERIFY2(refs.size() >= 4, "fixture model_reference_more.txt missing or empty");
        for (const auto& ref : refs) {
            auto model = buildModel(ref.spec);
            const auto ours = stateOf(*model);
            const QString what = label(ref.spec);
            QVERIFY2(ours.size() == ref.shapes.size(), qPrintable(what + ": different number of tensors"));
            for (const auto& [name, shape] : ref.shapes) {
                QVERIFY2(ours.count(name), qPrintable(what + ": missing " + QString::fromStdString(name)));
                QCOMPARE(shapeText(ours.at(name)), shape);
            }
        }
    }

    void logitsMatchPython_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<double>("width");
        QTest::addColumn<QString>("stem");
        QTest::newRow("resnet50 imagenet stem") << "resnet50_ref.pt" << "resnet50" << 1.0 / 32 << "imagenet";
        QTest::newRow("resnet50 cifar stem") << "resnet50_cifar_ref.pt" << "resnet50" << 1.0 / 64 << "cifar";
        QTest::newRow("vit") << "vit_ref.pt" << "vit" << 1.0 / 32 << "imagenet";
    }
    void logitsMatchPython() {
        QFETCH(QString, file);
        QFETCH(QString, arch);
        QFETCH(double, width);
        QFETCH(QString, stem);
        auto saved = loadPickle(kFixtures + file);
        QVERIFY2(saved.count("__input") && saved.count("__logits"), qPrintable(file + " missing or damaged"));
        const torch::Tensor input = saved["__input"];
        auto model = buildModel(specOf(arch.toStdString(), width, input.size(1), input.size(2), 10, stem.toStdString()));
        torch::NoGradGuard noGrad;
        const auto state = stateOf(*model);
        QCOMPARE(state.size() + 2, saved.size());
        for (const auto& [name, t] : state) {
            QVERIFY2(saved.count(name), name.c_str());
            QCOMPARE(shapeText(t), shapeText(saved[name]));
            t.copy_(saved[name]);
        }
        model->eval();
        const torch::Tensor logits = model->forward(input);
        const double diff = (logits - saved["__logits"]).abs().max().item<double>();
        qInfo("%s: max |logit difference| vs Python = %.3g", qPrintable(file), diff);
        QVERIFY(torch::allclose(logits, saved["__logits"], 1e-4, 1e-5));
    }

    void layerGroupsCoverEveryParameterOnce() {
        for (const auto& spec : smallSpecs()) {
            auto model = buildModel(spec);
            const auto groups = model->layerGroups();
            QCOMPARE(model->unitGateCount(), groups.size());
            std::multiset<std::string> grouped;
            auto named = model->named_parameters();
            for (std::size_t g = 0; g < groups.size(); ++g) {
                const LayerGroup& group = groups[g];
                QCOMPARE(model->unitGate(g).channels(), group.units);
                QVERIFY(blockOfGroup(group) < model->blockCount());
                for (const auto& p : group.parameters) grouped.insert(p);
                // Unit parameters are group parameters laid out along the units.
                std::size_t along = 0;
                for (const auto& p : group.parameters)
                    if (group.indexesUnits(p)) {
                        ++along;
                        QVERIFY2(named.find(p) && named[p].dim() > 0 && named[p].size(0) == group.units,
                                 qPrintable(label(spec) + ": " + QString::fromStdString(p)));
                    }
                QVERIFY(along > 0);
                for (const auto& path : group.modulePaths()) {
                    bool found = false;
                    for (const auto& m : model->named_modules()) found = found || m.key() == path;
                    QVERIFY2(found, path.c_str());
                }
            }
            std::set<std::string> params;
            for (const auto& p : named) params.insert(p.key());
            QVERIFY2(grouped.size() == params.size(), qPrintable(label(spec)));
            for (const auto& p : params) QVERIFY2(grouped.count(p) == 1, qPrintable(label(spec) + ": " + QString::fromStdString(p)));
        }
    }

    void groupsAndUnitsAtWidthOne() {
        auto resnet = buildModel(specOf("resnet50", 1.0, 3, 32, 10));
        auto groups = resnet->layerGroups();
        const std::vector<std::string> names = {"stem", "layer1", "layer2", "layer3", "layer4", "fc"};
        const std::vector<std::int64_t> units = {64, 256, 512, 1024, 2048, 10};
        QCOMPARE(groups.size(), names.size());
        QCOMPARE(resnet->blockCount(), std::size_t{6});
        for (std::size_t i = 0; i < groups.size(); ++i) {
            QCOMPARE(groups[i].name, names[i]);
            QCOMPARE(groups[i].units, units[i]);
            QCOMPARE(blockOfGroup(groups[i]), i);
        }
        QCOMPARE(groups[0].modulePaths(), (std::vector<std::string>{"conv1", "bn1"}));

        auto vit = buildModel(specOf("vit", 1.0, 3, 32, 10));
        groups = vit->layerGroups();
        QCOMPARE(groups.size(), std::size_t{8});
        QCOMPARE(vit->blockCount(), std::size_t{8});
        QCOMPARE(groups.front().name, std::string("embed"));
        QCOMPARE(groups[1].name, std::string("block1"));
        QCOMPARE(groups.back().name, std::string("head"));
        for (std::size_t i = 0; i < groups.size(); ++i) QCOMPARE(blockOfGroup(groups[i]), i);
        QCOMPARE(groups[0].units, std::int64_t{512});
        QCOMPARE(groups[3].units, std::int64_t{512});
        QCOMPARE(groups.back().units, std::int64_t{10});
    }

    void forwardRangeSplitsForward() {
        for (const auto& spec : smallSpecs()) {
            auto model = buildModel(spec);
            model->eval();
            torch::NoGradGuard noGrad;
            const torch::Tensor x = torch::randn({3, spec.inChannels, spec.imageSize, spec.imageSize});
            const torch::Tensor full = model->forward(x);
            QCOMPARE(full.sizes().vec(), (std::vector<std::int64_t>{3, spec.numClasses}));
            for (std::size_t k = 0; k <= model->blockCount(); ++k) {
                const torch::Tensor split = model->forwardRange(model->forwardRange(x, 0, k), k, model->blockCount());
                QVERIFY2(torch::equal(split, full), qPrintable(label(spec) + " split at " + QString::number(k)));
            }
        }
    }

    // Dropping unit c of a group zeroes channel c of the group's output (ResNet-50, ViT embed and
    // head) or, in a ViT block, acts exactly like zeroing hidden unit c of its feed-forward layer.
    void unitGatesDrop() {
        for (const auto& spec : smallSpecs()) {
            auto model = buildModel(spec);
            model->eval();
            torch::NoGradGuard noGrad;
            const torch::Tensor x = torch::randn({2, spec.inChannels, spec.imageSize, spec.imageSize});
            const auto groups = model->layerGroups();
            for (std::size_t g = 0; g < groups.size(); ++g) {
                const bool vitBlock = spec.architecture == "vit" && g > 0 && g + 1 < groups.size();
                const bool tokens = spec.architecture == "vit" && g == 0;
                const std::size_t end = blockOfGroup(groups[g]) + 1;
                const torch::Tensor plain = model->forwardRange(x, 0, end);
                // The most active unit, so that dropping it must change something.
                const torch::Tensor perUnit = tokens ? plain.abs().sum(std::vector<std::int64_t>{0, 1}) : plain.abs().transpose(0, 1).reshape({groups[g].units, -1}).sum(1);
                const std::int64_t c = vitBlock ? groups[g].units / 2 : perUnit.argmax().item<std::int64_t>();
                torch::Tensor keep = torch::ones({groups[g].units});
                keep[c] = 0.0;
                model->unitGate(g).setKeep(keep);
                const torch::Tensor out = model->forwardRange(x, 0, end);
                const torch::Tensor logits = model->forward(x);
                model->clearUnitMasks();
                const QString what = label(spec) + " group " + QString::fromStdString(groups[g].name);
                if (vitBlock) {
                    const std::string prefix = groups[g].prefix + ".1.net.1.";
                    auto named = model->named_parameters();
                    const torch::Tensor w = named[prefix + "weight"].clone(), b = named[prefix + "bias"].clone();
                    named[prefix + "weight"][c].zero_();
                    named[prefix + "bias"][c].zero_();
                    const torch::Tensor expected = model->forward(x);
                    named[prefix + "weight"].copy_(w);
                    named[prefix + "bias"].copy_(b);
                    QVERIFY2(torch::allclose(logits, expected, 1e-5, 1e-6), qPrintable(what));
                    QVERIFY2(!torch::equal(logits, model->forward(x)), qPrintable(what + ": no effect"));
                } else {
                    QVERIFY2((tokens ? out.select(-1, c) : out.select(1, c)).abs().max().item<double>() == 0.0, qPrintable(what));
                    QVERIFY2((tokens ? plain.select(-1, c) : plain.select(1, c)).abs().max().item<double>() > 0.0,
                             qPrintable(what + ": unit inactive"));
                    QVERIFY2(torch::equal(tokens ? out.select(-1, 0) : out.select(1, 0), tokens ? plain.select(-1, 0) : plain.select(1, 0)) || c == 0,
                             qPrintable(what + ": other units changed"));
                }
            }
        }
    }

    void sgdStepTrains() {
        for (const auto& spec : smallSpecs()) {
            auto model = buildModel(spec);
            model->train();
            torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(5e-4));
            std::map<std::string, torch::Tensor> before;
            for (const auto& p : model->named_parameters()) before[p.key()] = p.value().detach().clone();
            const torch::Tensor x = torch::randn({4, spec.inChannels, spec.imageSize, spec.imageSize});
            const torch::Tensor y = torch::randint(0, spec.numClasses, {4});
            sgd.zero_grad();
            const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), y);
            loss.backward();
            QVERIFY(std::isfinite(loss.item<double>()));
            for (const auto& p : model->named_parameters())
                QVERIFY2(p.value().grad().defined(), qPrintable(label(spec) + ": no gradient for " + QString::fromStdString(p.key())));
            sgd.step();
            for (const auto& p : model->named_parameters())
                QVERIFY2(!torch::equal(p.value(), before[p.key()]), qPrintable(label(spec) + ": unchanged " + QString::fromStdString(p.key())));
        }
    }

    void rejectsBadSpecs_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<double>("width");
        QTest::addColumn<QString>("stem");
        QTest::addColumn<int>("patch");
        QTest::addColumn<bool>("etd");
        QTest::addColumn<QString>("message");
        QTest::newRow("vit dim not a multiple of 8") << "vit" << 0.01 << "imagenet" << 2 << false << "multiple";
        QTest::newRow("vit patch not dividing") << "vit" << 0.125 << "imagenet" << 3 << false << "must divide";
        QTest::newRow("unknown stem") << "resnet50" << 0.125 << "tiny" << 2 << false << "stem";
        QTest::newRow("resnet50 example-tied") << "resnet50" << 0.125 << "imagenet" << 2 << true << "resnet9 only";
        QTest::newRow("vit example-tied") << "vit" << 0.125 << "imagenet" << 2 << true << "resnet9 only";
    }
    void rejectsBadSpecs() {
        QFETCH(QString, arch);
        QFETCH(double, width);
        QFETCH(QString, stem);
        QFETCH(int, patch);
        QFETCH(bool, etd);
        QFETCH(QString, message);
        ModelSpec spec = specOf(arch.toStdString(), width, 1, 28, 10, stem.toStdString(), patch);
        spec.etd.enabled = etd;
        spec.etd.blocks = {1};
        try {
            buildModel(spec);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
        }
    }

    // memloc-cli trains each model for one epoch on tiny synthetic data and the per-unit analysis
    // (attribution + ablation over the new layer groups) runs on the result.
    void cliTrainSmoke_data() {
        QTest::addColumn<QStringList>("modelArgs");
        QTest::addColumn<int>("groups");
        QTest::newRow("resnet50") << QStringList{"--model", "resnet50", "--width", "0.0625", "--resnet-stem", "cifar"} << 6;
        QTest::newRow("vit") << QStringList{"--model", "vit", "--width", "0.03125", "--patch-size", "4"} << 8;
    }
    void cliTrainSmoke() {
        QFETCH(QStringList, modelArgs);
        QFETCH(int, groups);
        QTemporaryDir dir;
        const QString run = dir.filePath("m.h5");
        auto cli = [](const QStringList& args) {
            QProcess p;
            p.start(QStringLiteral(MEMLOC_CLI), args);
            if (!p.waitForFinished(120000)) p.kill();
            p.waitForFinished();
            if (p.exitCode() != 0) qWarning("%s", p.readAllStandardError().constData());
            return std::make_pair(p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput());
        };
        const auto train = cli(QStringList{"train", "--dataset", "synthetic", "--synthetic-train", "64", "--synthetic-test",
                                           "32", "--synthetic-size", "12", "--epochs", "1", "--batch-size", "32",
                                           "--device", "cpu", "--quiet", "--out", run} +
                               modelArgs);
        QCOMPARE(train.first, 0);
        const auto neurons = cli({"neurons", run, "--attribution-examples", "8", "--eval-subset", "16", "--json", "--device", "cpu"});
        QCOMPARE(neurons.first, 0);
        const QJsonObject o = QJsonDocument::fromJson(neurons.second).object();
        QCOMPARE(o["attribution"].toArray().size(), groups);
    }
};

QTEST_GUILESS_MAIN(TestModelsMore)
#include "test_models_more.moc"
