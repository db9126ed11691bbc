// ResNet-9 and MLP against the Python reference: names, shapes, outputs, layer groups.
#include <torch/torch.h>

#include "memloc/error.h"
#include "models/channel_gate.h"
#include "models/model.h"
#include "error_of.h"

#include <QtTest>

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

struct Reference {
    ModelSpec spec;
    std::map<std::string, std::string> shapes;  // name -> "AxBxC"
};

std::vector<Reference> readReferences() {
    std::ifstream in((kFixtures + "model_reference.txt").toStdString());
    std::vector<Reference> refs;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream s(line);
        std::string first;
        s >> first;
        if (first == "model") {
            Reference r;
            s >> r.spec.architecture >> r.spec.width >> r.spec.inChannels >> r.spec.imageSize >> r.spec.numClasses;
            refs.push_back(r);
        } else {
            std::string shape;
            s >> shape;
            refs.back().shapes[first] = shape;
        }
    }
    return refs;
}

std::string shapeText(const torch::Tensor& t) {
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

} // namespace

class TestModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void namesAndShapesMatchPython() {
        const auto refs = readReferences();
        QVERIFY2(refs.size() >= 4, "fixture model_reference.txt missing or empty");
        for (const auto& ref : refs) {
            auto model = buildModel(ref.spec);
            std::map<std::string, std::string> ours;
            for (const auto& [name, t] : stateOf(*model)) ours[name] = shapeText(t);
            const QString what = QString::fromStdString(ref.spec.architecture + " width " + std::to_string(ref.spec.width));
            QVERIFY2(ours.size() == ref.shapes.size(), qPrintable(what + ": different number of tensors"));
            for (const auto& [name, shape] : ref.shapes) {
                QVERIFY2(ours.count(name), qPrintable(what + ": missing " + QString::fromStdString(name)));
                QCOMPARE(ours[name], shape);
            }
        }
    }

    void logitsMatchPython() {
        std::ifstream in((kFixtures + "resnet9_w0125.pt").toStdString(), std::ios::binary);
        QVERIFY(in.good());
        std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const c10::IValue value = torch::pickle_load(bytes);
        QVERIFY(value.isGenericDict());
        std::map<std::string, torch::Tensor> saved;
        for (const auto& item : value.toGenericDict()) saved[item.key().toStringRef()] = item.value().toTensor();

        auto model = buildModel({"resnet9", 0.125, 1, 28, 10, {}});
        torch::NoGradGuard noGrad;
        for (auto& [name, t] : stateOf(*model)) {
            QVERIFY2(saved.count(name), name.c_str());
            t.copy_(saved[name]);
        }
        model->eval();
        const torch::Tensor logits = model->forward(saved["__input"]);
        QVERIFY(torch::allclose(logits, saved["__logits"], 1e-4, 1e-5));
    }

    void layerGroupsCoverEveryParameterOnce() {
        for (const char* arch : {"resnet9", "mlp"}) {
            auto model = buildModel({arch, 0.25, 1, 28, 10, {}});
            std::multiset<std::string> grouped;
            for (const auto& g : model->layerGroups())
                for (const auto& p : g.parameters) grouped.insert(p);
            std::set<std::string> params;
            for (const auto& p : model->named_parameters()) params.insert(p.key());
            QCOMPARE(grouped.size(), params.size());
            for (const auto& p : params) QCOMPARE(grouped.count(p), std::size_t{1});
        }
    }

    void resnet9GroupsAndUnits() {
        auto model = buildModel({"resnet9", 1.0, 3, 32, 10, {}});
        const auto groups = model->layerGroups();
        QCOMPARE(groups.size(), std::size_t{9});
        const std::vector<std::int64_t> units = {64, 128, 128, 128, 256, 256, 256, 128, 10};
        for (std::size_t i = 0; i < groups.size(); ++i) QCOMPARE(groups[i].units, units[i]);
        QCOMPARE(groups[2].prefix, std::string("2.module.0"));
        QCOMPARE(groups.back().name, std::string("fc"));
        // A group's units are the output channels of its first parameter.
        auto state = stateOf(*model);
        for (const auto& g : groups) QCOMPARE(state[g.parameters.front()].size(0), g.units);
    }

    void outputShape() {
        auto model = buildModel({"resnet9", 0.25, 3, 32, 7, {}});
        model->eval();
        torch::NoGradGuard noGrad;
        QCOMPARE(model->forward(torch::randn({5, 3, 32, 32})).sizes().vec(), (std::vector<std::int64_t>{5, 7}));
    }

    void rejectsBadSpecs_data() {
        QTest::addColumn<QString>("arch");
        QTest::addColumn<double>("width");
        QTest::addColumn<int>("size");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown") << "vgg" << 1.0 << 28 << "unknown model 'vgg'";
        QTest::newRow("zero width") << "resnet9" << 0.0 << 28 << "width";
        QTest::newRow("negative width") << "mlp" << -1.0 << 28 << "width";
        QTest::newRow("tiny image") << "resnet9" << 1.0 << 8 << "at least 12x12";
    }
    void rejectsBadSpecs() {
        QFETCH(QString, arch);
        QFETCH(double, width);
        QFETCH(int, size);
        QFETCH(QString, message);
        try {
            buildModel({arch.toStdString(), width, 1, size, 10, {}});
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
        }
    }

    // Generalization channels of example-tied dropout: round (memloc's default) against floor (the
    // published code's int(p_gen * C)), where they differ and where they agree; both keep 1..C.
    void etdGeneralizationChannels_data() {
        QTest::addColumn<qint64>("channels");
        QTest::addColumn<double>("pGen");
        QTest::addColumn<qint64>("round");
        QTest::addColumn<qint64>("floor");
        QTest::newRow("64 x 0.2 = 12.8") << qint64(64) << 0.2 << qint64(13) << qint64(12);
        QTest::newRow("128 x 0.2 = 25.6") << qint64(128) << 0.2 << qint64(26) << qint64(25);
        QTest::newRow("10 x 0.25 = 2.5") << qint64(10) << 0.25 << qint64(3) << qint64(2);
        QTest::newRow("256 x 0.2 = 51.2") << qint64(256) << 0.2 << qint64(51) << qint64(51);
        QTest::newRow("16 x 0.2 = 3.2") << qint64(16) << 0.2 << qint64(3) << qint64(3);
        QTest::newRow("64 x 0.5 = 32") << qint64(64) << 0.5 << qint64(32) << qint64(32);
        // Python's 0.29 * 100 is 28.999999999999996, so int() gives 28; so must floor.
        QTest::newRow("100 x 0.29") << qint64(100) << 0.29 << qint64(29) << qint64(28);
        QTest::newRow("below one channel") << qint64(2) << 0.2 << qint64(0) << qint64(0);
        QTest::newRow("0.6 of a channel") << qint64(3) << 0.2 << qint64(1) << qint64(0);
        QTest::newRow("at most C") << qint64(8) << 1.0 << qint64(8) << qint64(8);
    }
    void etdGeneralizationChannels() {
        QFETCH(qint64, channels);
        QFETCH(double, pGen);
        QFETCH(qint64, round);
        QFETCH(qint64, floor);
        QCOMPARE(qint64(memloc::core::etdGeneralizationChannels(channels, pGen)), round);
        QCOMPARE(qint64(memloc::core::etdGeneralizationChannels(channels, pGen, EtdSpec::Rounding::Round)), round);
        QCOMPARE(qint64(memloc::core::etdGeneralizationChannels(channels, pGen, EtdSpec::Rounding::Floor)), floor);

        // The gate and the masks use the spec's rounding: in drop mode the generalization channels
        // are rescaled and the rest zeroed; in example mode the generalization channels are always on.
        for (const EtdSpec::Rounding rounding : {EtdSpec::Rounding::Round, EtdSpec::Rounding::Floor}) {
            const qint64 gen = rounding == EtdSpec::Rounding::Floor ? floor : round;
            EtdSpec spec;
            spec.enabled = true;
            spec.pGen = pGen;
            spec.pMem = 0.1;
            spec.rounding = rounding;
            ForwardContext ctx;
            ctx.etdMode = EtdMode::Drop;
            ChannelGate gate(channels);
            gate->configureEtd(spec, 0, &ctx);
            const torch::Tensor out = gate->forward(torch::ones({1, channels, 2, 2}));
            QVERIFY(out.slice(1, 0, gen).gt(1).all().item<bool>());
            QVERIFY(out.slice(1, gen).eq(0).all().item<bool>());
            const torch::Tensor mask = etdExampleMask(torch::arange(200, torch::kLong), 0, channels, spec);
            QVERIFY(mask.slice(1, 0, gen).all().item<bool>());
            if (gen < channels) QVERIFY(!mask.slice(1, gen, gen + 1).all().item<bool>());
        }
    }

    void etdRoundingNames() {
        QCOMPARE(QString(etdRoundingName(EtdSpec::Rounding::Round)), QStringLiteral("round"));
        QCOMPARE(QString(etdRoundingName(EtdSpec::Rounding::Floor)), QStringLiteral("floor"));
        QVERIFY(etdRoundingFromName("floor") == EtdSpec::Rounding::Floor);
        QVERIFY(etdRoundingFromName("round") == EtdSpec::Rounding::Round);
        QVERIFY(memloc::core::testing::errorOf([] { etdRoundingFromName("ceil"); }).contains("etd_rounding must be round or floor"));
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "test_models.moc"
