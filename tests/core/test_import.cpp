// Importing checkpoints made by Python (state_dict folders, checkpoint dicts, TorchScript) and
// exporting them back. The fixtures come from tests/python/train_python_run.py, an ordinary
// Python training script, run once per test process.
#include <torch/torch.h>

#include "analysis/loaded_run.h"
#include "import/arch_match.h"
#include "import/checkpoint_source.h"
#include "import/label_file.h"
#include "io/run_file.h"
#include "io/safetensors.h"
#include "io/torch_file.h"
#include "memloc/error.h"
#include "memloc/import.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"
#include "models/jit_net.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include "error_of.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace memloc::core;
using memloc::core::testing::errorOf;
namespace fs = std::filesystem;

namespace {


QString python(const QStringList& args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(MEMLOC_PYTHON), args);
    if (!p.waitForFinished(300000)) return QStringLiteral("python did not finish");
    const QString out = QString::fromUtf8(p.readAll());
    return p.exitCode() == 0 ? out : QStringLiteral("python failed: ") + out;
}

torch::Tensor pickledTensor(const std::string& path, const std::string& key) {
    const PickleValue v = loadTorchFile(path);
    const PickleValue* t = v.find(key);
    return t ? t->tensor : torch::Tensor();
}

} // namespace

class TestImport : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string m_py;  // the Python run's folder
    QJsonObject m_metrics;

    ImportOptions options(const std::string& source, const std::string& out) const {
        ImportOptions o;
        o.source = source;
        o.out = out;
        o.config.subset = 600;
        o.config.testSubset = 500;
        o.config.normalize = "0.2860/0.3530";
        o.givenLabels = m_py + "/given_labels.npy";
        o.noiseMask = m_py + "/noise_mask.npy";
        o.device = "cpu";
        return o;
    }
    std::string path(const std::string& name) const { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }

    /// The final model of an imported run applied to the Python probe batch.
    torch::Tensor probeLogits(const std::string& run) {
        RunFileReader reader(run);
        auto model = buildModel(reader.modelSpec());
        reader.loadCheckpoint(reader.epochsCompleted(), *model);
        model->eval();
        torch::NoGradGuard noGrad;
        return model->forward(pickledTensor(m_py + "/probe.pt", "input"));
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        m_py = path("py");
        const QString out = python({QStringLiteral(MEMLOC_SOURCE_DIR "/tests/python/train_python_run.py"),
                                    QString::fromStdString(m_py)});
        QVERIFY2(!out.startsWith(QStringLiteral("python")), qPrintable(out));
        QFile f(QString::fromStdString(m_py + "/metrics.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        m_metrics = QJsonDocument::fromJson(f.readAll()).object();
    }

    void epochFolderEqualsPython() {
        const std::string run = path("folder.h5");
        const ImportResult r = importCheckpoints(options(m_py + "/checkpoints", run));
        QCOMPARE(r.architecture, std::string("resnet9"));
        QCOMPARE(r.width, 0.125);
        QCOMPARE(r.format, std::string("state_dict"));
        QCOMPARE(r.noisyCount, std::int64_t{60});
        const QJsonArray epochs = m_metrics.value(QStringLiteral("epochs")).toArray();
        QCOMPARE(r.epochs.size(), static_cast<std::size_t>(epochs.size()));
        for (std::size_t i = 0; i < r.epochs.size(); ++i) {
            const QJsonObject py = epochs[static_cast<int>(i)].toObject();
            QCOMPARE(r.epochs[i].epoch, static_cast<std::int64_t>(i));
            QVERIFY(std::abs(r.epochs[i].cleanAcc - py.value(QStringLiteral("clean")).toDouble()) < 1e-6);
            QVERIFY(std::abs(r.epochs[i].memorized - py.value(QStringLiteral("memorized")).toDouble()) < 1e-6);
            QVERIFY(std::abs(r.epochs[i].testAcc - py.value(QStringLiteral("test")).toDouble()) < 1e-6);
        }
        const torch::Tensor diff = (probeLogits(run) - pickledTensor(m_py + "/probe.pt", "logits")).abs().max();
        QVERIFY2(diff.item<double>() < 1e-5, qPrintable(QString::number(diff.item<double>())));

        const RunSummary s = readRunSummary(run);
        QCOMPARE(s.epochsCompleted, std::int64_t{4});
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QVERIFY(!s.importedFrom.empty());
        QCOMPARE(s.config.labels, std::string("stored"));
        QVERIFY(!s.hasAccounting);
        // The run opens for analysis with the stored labels.
        LoadedRun loaded = loadRun(run, "cpu", 0);
        QCOMPARE(loaded.data.noisyCount(), std::int64_t{60});
        QVERIFY(loaded.data.trainGiven.cpu().equal(readIntVectorFile(m_py + "/given_labels.npy")));
    }

    void rewindingRunsOnImport() {
        const std::string run = path("rewind.h5");
        importCheckpoints(options(m_py + "/checkpoints", run));
        RewindOptions o;
        o.groups = {"conv1", "fc"};
        o.run.device = "cpu";
        const RewindResult r = runRewinding(run, o);
        QCOMPARE(r.epochs, (std::vector<std::int64_t>{0, 1, 2, 3}));
        QCOMPARE(r.groups.size(), std::size_t{2});
    }

    void wrappedCheckpointDict() {
        const std::string run = path("wrapped.h5");
        const ImportResult r = importCheckpoints(options(m_py + "/wrapped.pt", run));
        QCOMPARE(r.format, std::string("checkpoint_dict"));
        QCOMPARE(r.epochs.size(), std::size_t{1});
        QCOMPARE(r.epochs[0].epoch, std::int64_t{4});  // the dict's "epoch" entry
        bool stripped = false;
        for (const auto& n : r.notes) stripped = stripped || n.find("module.") != std::string::npos;
        QVERIFY(stripped);
        const torch::Tensor diff = (probeLogits(run) - pickledTensor(m_py + "/probe.pt", "logits")).abs().max();
        QVERIFY(diff.item<double>() < 1e-5);
        // A single checkpoint cannot be rewound: the error says why.
        RewindOptions o;
        o.run.device = "cpu";
        QVERIFY(errorOf([&] { runRewinding(run, o); }).contains(QStringLiteral("no checkpoint before its final one")));
    }

    void torchScriptModule() {
        // Of a built-in architecture: becomes that architecture.
        const ImportResult builtIn = importCheckpoints(options(m_py + "/final_script.pt", path("script.h5")));
        QCOMPARE(builtIn.architecture, std::string("resnet9"));
        // Kept as TorchScript: forward, groups from the module hierarchy, dropping and editing work.
        ImportOptions o = options(m_py + "/final_script.pt", path("script_kept.h5"));
        o.model = "torchscript";
        const ImportResult kept = importCheckpoints(o);
        QCOMPARE(kept.architecture, std::string("torchscript"));
        QCOMPARE(kept.groups, (std::vector<std::string>{"0", "1", "2", "3", "5", "6", "9"}));
        const torch::Tensor logits = pickledTensor(m_py + "/probe.pt", "logits");
        QVERIFY((probeLogits(path("script_kept.h5")) - logits).abs().max().item<double>() < 1e-5);

        RunFileReader reader(path("script_kept.h5"));
        auto model = buildModel(reader.modelSpec());
        reader.loadCheckpoint(reader.epochsCompleted(), *model);
        model->eval();
        const torch::Tensor x = pickledTensor(m_py + "/probe.pt", "input");
        torch::NoGradGuard noGrad;
        // Dropping unit 3 of group "0" (conv+BN+ReLU) equals zeroing that channel's BN affine parameters.
        torch::Tensor keep = torch::ones({model->layerGroups()[0].units});
        keep[3] = 0;
        model->unitGate(0).setKeep(keep);
        const torch::Tensor dropped = model->forward(x);
        model->unitGate(0).setKeep({});
        QVERIFY(model->forward(x).allclose(logits, 1e-5, 1e-5));  // masks are undone after the forward
        torch::Tensor bnWeight, bnBias;
        for (auto& p : model->named_parameters()) {
            if (p.key() == "0.1.weight") bnWeight = p.value();
            if (p.key() == "0.1.bias") bnBias = p.value();
        }
        QVERIFY(bnWeight.defined() && bnBias.defined());
        bnWeight[3] = 0;
        bnBias[3] = 0;
        QVERIFY(model->forward(x).allclose(dropped, 1e-5, 1e-5));

        // Explicit groups; a missing path and overlapping groups are refused.
        o.out = path("script_groups.h5");
        o.overwrite = true;
        o.groups = "stem=0,middle=2.module,head=9";
        QCOMPARE(importCheckpoints(o).groups, (std::vector<std::string>{"stem", "middle", "head"}));
        o.groups = "a=0,b=nothing";
        QVERIFY(errorOf([&] { importCheckpoints(o); }).contains(QStringLiteral("final_script.pt: layer group 'b': no parameters under module 'nothing'")));
        o.groups = "a=2,b=2.module.0";
        QVERIFY(errorOf([&] { importCheckpoints(o); }).contains(QStringLiteral("overlaps")));
    }

    void exportRoundTrip() {
        const std::string run = path("export.h5");
        importCheckpoints(options(m_py + "/checkpoints", run));
        exportCheckpoint(run, 2, path("epoch2.pt"));
        const QString out = python({QStringLiteral("-c"),
                                    QStringLiteral("import torch,sys\n"
                                                   "a=torch.load(sys.argv[1]); b=torch.load(sys.argv[2])\n"
                                                   "assert type(a) is dict and list(a)==list(b), (list(a)[:3], list(b)[:3])\n"
                                                   "assert all(torch.equal(a[k], b[k]) for k in b)\n"
                                                   "print('equal', len(a))"),
                                    QString::fromStdString(path("epoch2.pt")),
                                    QString::fromStdString(m_py + "/checkpoints/epoch_2.pt")});
        QVERIFY2(out.startsWith(QStringLiteral("equal")), qPrintable(out));
        exportCheckpoint(run, -1, path("final.safetensors"));
        const SafetensorsFile st = loadSafetensors(path("final.safetensors"));
        QCOMPARE(st.metadata.at("epoch"), std::string("4"));
        const PickleValue original = loadTorchFile(m_py + "/checkpoints/epoch_4.pt");
        QCOMPARE(st.tensors.size(), original.entries.size());
        for (std::size_t i = 0; i < st.tensors.size(); ++i) {
            QCOMPARE(st.tensors[i].first, original.entries[i].first.text);
            QVERIFY(st.tensors[i].second.equal(original.entries[i].second.tensor));
        }
        // ... and the safetensors file imports again as the same model.
        const ImportResult again = importCheckpoints(options(path("final.safetensors"), path("again.h5")));
        QCOMPARE(again.format, std::string("safetensors"));
        QCOMPARE(again.epochs[0].epoch, std::int64_t{4});
        QVERIFY(errorOf([&] { exportCheckpoint(run, 9, path("x.pt")); }).contains(QStringLiteral("epoch 9")));
        QVERIFY(errorOf([&] { exportCheckpoint(run, 1, path("x.onnx")); }).contains(QStringLiteral(".safetensors")));
    }

    void sparseEpochFolderIsOrdered() {
        const fs::path folder = path("sparse");
        fs::create_directories(folder);
        fs::copy_file(m_py + "/checkpoints/epoch_1.pt", folder / "ckpt-1.pt");
        fs::copy_file(m_py + "/checkpoints/epoch_2.pt", folder / "ckpt-2.pt");
        fs::copy_file(m_py + "/checkpoints/epoch_4.pt", folder / "ckpt-10.pt");
        std::ofstream(folder / "notes.txt") << "not a checkpoint";
        const std::string run = path("sparse.h5");
        const ImportResult r = importCheckpoints(options(folder.string(), run));
        QCOMPARE(r.epochs.size(), std::size_t{3});
        QCOMPARE(r.epochs[2].epoch, std::int64_t{10});
        const RunSummary s = readRunSummary(run);
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{1, 2, 10}));
        QCOMPARE(s.epochsCompleted, std::int64_t{10});
        QVERIFY(std::isnan(s.metrics.at(5).trainCleanAcc));
        QVERIFY(std::isnan(s.metrics.at(0).trainCleanAcc));
        QVERIFY(std::abs(s.metrics.at(10).trainCleanAcc - r.epochs[2].cleanAcc) < 1e-12);
        QCOMPARE(defaultRewindEpochs(10, s.checkpointEpochs), (std::vector<std::int64_t>{1, 2}));

        fs::copy_file(m_py + "/checkpoints/epoch_3.pt", folder / "model_ep10.pt");
        QVERIFY(errorOf([&] { listCheckpointFiles(folder.string()); }).contains(QStringLiteral("two checkpoints of epoch 10")));
        fs::remove(folder / "model_ep10.pt");
        fs::copy_file(m_py + "/checkpoints/epoch_3.pt", folder / "final.pt");
        QVERIFY(errorOf([&] { listCheckpointFiles(folder.string()); }).contains(QStringLiteral("cannot tell the epoch")));
    }

    void labelBindingErrors() {
        ImportOptions o = options(m_py + "/checkpoints", path("labels.h5"));
        o.givenLabels.clear();
        QVERIFY(errorOf([&] { importCheckpoints(o); }).contains(QStringLiteral("--given-labels")));
        QVERIFY(!fs::exists(o.out));

        // Labels of the whole training split are taken at the subset's indices.
        const torch::Tensor given = readIntVectorFile(m_py + "/given_labels.npy");
        {
            std::ofstream txt(path("given_short.txt"));
            for (std::int64_t i = 0; i < 599; ++i) txt << given[i].item<std::int64_t>() << (i % 20 == 19 ? "\n" : " ");
        }
        o = options(m_py + "/checkpoints", path("labels.h5"));
        o.noiseMask.clear();
        o.givenLabels = path("given_short.txt");
        const QString e = errorOf([&] { importCheckpoints(o); });
        QVERIFY2(e.contains(QStringLiteral("599 values")) && e.contains(QStringLiteral("600")), qPrintable(e));

        // A mask that disagrees with the labels is refused.
        {
            std::ofstream csv(path("mask.csv"));
            csv << "noisy\n";
            for (std::int64_t i = 0; i < 600; ++i) csv << (i < 60 ? 1 : 0) << "\n";
        }
        o = options(m_py + "/checkpoints", path("labels.h5"));
        o.noiseMask = path("mask.csv");
        QVERIFY(errorOf([&] { importCheckpoints(o); }).contains(QStringLiteral("disagrees")));
        QVERIFY(!fs::exists(o.out));
    }

    void labelFileFormats() {
        {
            std::ofstream(path("a.txt")) << "1 2\n3\n";
            std::ofstream(path("a.csv")) << "label,other\r\n4,x\r\n5,y\r\n";
            std::ofstream(path("bad.txt")) << "1 2.5\n";
            std::ofstream(path("a.json")) << "[1]";
        }
        QVERIFY(readIntVectorFile(path("a.txt")).equal(torch::tensor({1, 2, 3}, torch::kLong)));
        QVERIFY(readIntVectorFile(path("a.csv")).equal(torch::tensor({4, 5}, torch::kLong)));
        QVERIFY(errorOf([&] { readIntVectorFile(path("bad.txt")); }).contains(QStringLiteral("line 1")));
        QVERIFY(errorOf([&] { readIntVectorFile(path("a.json")); }).contains(QStringLiteral("unknown format")));
        QVERIFY(errorOf([&] { readIntVectorFile(path("none.npy")); }).contains(QStringLiteral("no such file")));
        const QString out = python({QStringLiteral("-c"),
                                    QStringLiteral("import numpy as np, h5py, sys\n"
                                                   "np.save(sys.argv[1]+'/b.npy', np.array([True, False, True]))\n"
                                                   "np.save(sys.argv[1]+'/i16.npy', np.array([-3, 7], dtype=np.int16))\n"
                                                   "np.save(sys.argv[1]+'/f.npy', np.array([1.0]))\n"
                                                   "with h5py.File(sys.argv[1]+'/l.h5','w') as f:\n"
                                                   "    f['labels']=np.arange(4); f['x']=np.arange(2)\n"
                                                   "print('ok')"),
                                    m_dir.path()});
        QVERIFY2(out.startsWith(QStringLiteral("ok")), qPrintable(out));
        QVERIFY(readIntVectorFile(path("b.npy")).equal(torch::tensor({1, 0, 1}, torch::kLong)));
        QVERIFY(readIntVectorFile(path("i16.npy")).equal(torch::tensor({-3, 7}, torch::kLong)));
        QVERIFY(errorOf([&] { readIntVectorFile(path("f.npy")); }).contains(QStringLiteral("not an integer")));
        QVERIFY(readIntVectorFile(path("l.h5") + ":labels").equal(torch::arange(4)));
        QVERIFY(errorOf([&] { readIntVectorFile(path("l.h5")); }).contains(QStringLiteral(":NAME")));
    }

    void architectureMismatchIsPrecise() {
        CheckpointContents c = readCheckpointFile(m_py + "/checkpoints/epoch_4.pt");
        ModelSpec base;
        base.inChannels = 1;
        base.imageSize = 28;
        base.numClasses = 10;
        QCOMPARE(matchArchitecture(c.tensors, base, "", "f.pt").architecture, std::string("resnet9"));
        TensorList broken = c.tensors;
        broken.erase(broken.begin() + 1);  // 0.1.weight
        broken.emplace_back("extra.weight", torch::zeros({2}));
        for (auto& [name, t] : broken)
            if (name == "9.weight") t = torch::zeros({7, t.size(1)});
        const QString e = errorOf([&] { matchArchitecture(broken, base, "", "f.pt"); });
        QVERIFY2(e.contains(QStringLiteral("closest: resnet9")), qPrintable(e));
        QVERIFY(e.contains(QStringLiteral("missing from the file (1): 0.1.weight")));
        QVERIFY(e.contains(QStringLiteral("unexpected in the file (1): extra.weight")));
        QVERIFY(e.contains(QStringLiteral("9.weight: file [7, 16] vs model [10, 16]")));
        QVERIFY(errorOf([&] { matchArchitecture(c.tensors, base, "mlp", "f.pt"); }).contains(QStringLiteral("closest: mlp")));
    }

    void resnet50AndVitAreRecognised() {
        // Python state dicts of the paper's other models (tests/fixtures/make_reference_more.py):
        // width, stem and patch size come from the shapes, and the logits equal Python's.
        struct Case {
            const char* file;
            std::int64_t channels, size;
            const char* architecture;
            double width;
        };
        for (const Case& k : {Case{"resnet50_ref.pt", 3, 20, "resnet50", 1.0 / 32}, Case{"resnet50_cifar_ref.pt", 1, 12, "resnet50", 1.0 / 64},
                              Case{"vit_ref.pt", 1, 12, "vit", 1.0 / 32}}) {
            const PickleValue file = loadTorchFile(std::string(MEMLOC_SOURCE_DIR "/tests/fixtures/") + k.file);
            TensorList tensors;
            for (const auto& [key, value] : file.entries)
                if (key.text.rfind("__", 0) != 0) tensors.emplace_back(key.text, value.tensor);
            ModelSpec base;
            base.inChannels = k.channels;
            base.imageSize = k.size;
            base.numClasses = 10;
            const ModelSpec spec = matchArchitecture(tensors, base, "", k.file);
            QCOMPARE(spec.architecture, std::string(k.architecture));
            QVERIFY(std::abs(spec.width - k.width) < 1e-12);
            auto model = buildModel(spec);
            loadTensors(*model, tensors, k.file);
            model->eval();
            torch::NoGradGuard noGrad;
            const torch::Tensor diff = (model->forward(file.find("__input")->tensor) - file.find("__logits")->tensor).abs().max();
            QVERIFY2(diff.item<double>() < 1e-5, k.file);
        }
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "test_import.moc"
