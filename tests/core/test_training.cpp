// Training: the accounting identity, the optimizer, schedules, determinism and resume.
#include <torch/torch.h>

#include "io/run_file.h"
#include "compat/torch_compat.h"
#include "io/h5_util.h"
#include "memloc/analysis_options.h"
#include "memloc/error.h"
#include "memloc/run_summary.h"
#include "memloc/training.h"
#include "models/model.h"
#include "training/gradient_accountant.h"
#include "training/lr_schedule.h"
#include "training/precision.h"
#include "training/sgd.h"
#include "training/train_step.h"
#include "error_of.h"
#include "tiny_run.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

using namespace memloc::core;
using namespace memloc::core::testing;

namespace {

std::map<std::string, torch::Tensor> grads(Net& model) {
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model.named_parameters()) out[p.key()] = p.value().grad().clone();
    return out;
}

bool sameMetrics(const EpochMetrics& a, const EpochMetrics& b) {
    auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
    return a.epoch == b.epoch && same(a.trainLoss, b.trainLoss) && same(a.trainCleanAcc, b.trainCleanAcc) &&
           same(a.trainNoisyGivenAcc, b.trainNoisyGivenAcc) && same(a.trainNoisyTrueAcc, b.trainNoisyTrueAcc) &&
           same(a.testAcc, b.testAcc) && same(a.lr, b.lr);
}

std::map<std::string, torch::Tensor> checkpoint(const std::string& path, std::int64_t epoch) {
    RunFileReader reader(path);
    auto model = buildModel(reader.modelSpec());
    reader.loadCheckpoint(epoch, *model);
    return snapshot(*model);
}

/// Trains tinyConfig(4) into `path`, cancelling once epoch `epoch` is saved (as Ctrl-C would).
TrainResult trainCancelledAfter(std::int64_t epoch, const std::string& path) {
    CancelToken cancel;
    TrainCallbacks cb;
    cb.cancel = &cancel;
    cb.epochDone = [&](const EpochMetrics& m) {
        if (m.epoch == epoch) cancel.cancel();
    };
    return trainRun(tinyConfig(4), path, cb);
}

} // namespace

class TestTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { torch::set_num_threads(2); }

    // clean part + noisy part == the batch gradient, and each part is its own loss's gradient.
    void accountingIdentity() {
        torch::manual_seed(3);
        auto model = buildModel({"resnet9", 0.125, 1, 16, 4, {}});
        model->train();
        const torch::Tensor x = torch::randn({12, 1, 16, 16});
        const torch::Tensor y = torch::randint(0, 4, {12}, torch::kLong);
        const torch::Tensor noisy = torch::tensor({0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, torch::kBool);
        auto losses = [&] {
            return torch::nn::functional::cross_entropy(model->forward(x), y,
                                                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        };
        // Reference gradients, each from one ordinary backward pass. BatchNorm statistics move with
        // every forward in train mode, which does not change the gradients of these passes.
        model->zero_grad(true);
        losses().mean().backward();
        const auto total = grads(*model);
        model->zero_grad(true);
        (torch::where(noisy, torch::zeros({}), losses()).sum() / 12.0).backward();
        const auto clean = grads(*model);
        model->zero_grad(true);
        (torch::where(noisy, losses(), torch::zeros({})).sum() / 12.0).backward();
        const auto noisyPart = grads(*model);

        GradientAccountant accountant(*model, model->layerGroups());
        accountant.beginEpoch();
        model->zero_grad(true);
        accountant.backward(losses(), noisy, 3);
        const auto accounted = grads(*model);
        // Float32 sums in another order: allow rounding relative to the tensor's largest entry.
        for (const auto& [name, g] : total) {
            const double atol = 1e-5 * g.abs().max().item<double>();
            QVERIFY2(torch::allclose(accounted.at(name), g, 1e-5, atol), name.c_str());
            QVERIFY2(torch::allclose(clean.at(name) + noisyPart.at(name), g, 1e-5, atol), name.c_str());
        }

        // The epoch report is built from exactly these parts.
        const EpochAccounting report = accountant.endEpoch();
        const auto groups = model->layerGroups();
        QCOMPARE(report.cleanNorm.size(), groups.size());
        for (std::size_t gi = 0; gi < groups.size(); ++gi) {
            double c = 0, n = 0, t = 0, cosine = 0;
            for (const auto& name : groups[gi].parameters) {
                const double scale = std::sqrt(static_cast<double>(clean.at(name).numel()));
                c += clean.at(name).norm().item<double>() / scale;
                n += noisyPart.at(name).norm().item<double>() / scale;
                t += total.at(name).norm().item<double>() / scale;
                cosine += torch::cosine_similarity(clean.at(name).flatten(), noisyPart.at(name).flatten(), 0).item<double>();
            }
            cosine /= static_cast<double>(groups[gi].parameters.size());
            QVERIFY(std::abs(report.cleanNorm[gi] - c) <= 1e-4 * c + 1e-9);
            QVERIFY(std::abs(report.noisyNorm[gi] - n) <= 1e-4 * n + 1e-9);
            QVERIFY(std::abs(report.totalNorm[gi] - t) <= 1e-4 * t + 1e-9);
            QVERIFY(std::abs(report.cosine[gi] - cosine) <= 1e-4);
        }
    }

    void accountingBatchWithoutNoisyExamples() {
        torch::manual_seed(4);
        auto model = buildModel({"mlp", 0.05, 1, 8, 3, {}});
        const torch::Tensor x = torch::randn({6, 1, 8, 8});
        const torch::Tensor y = torch::randint(0, 3, {6}, torch::kLong);
        GradientAccountant accountant(*model, model->layerGroups());
        accountant.beginEpoch();
        model->zero_grad(true);
        const torch::Tensor losses = torch::nn::functional::cross_entropy(
            model->forward(x), y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
        accountant.backward(losses, torch::zeros({6}, torch::kBool), 0);
        const EpochAccounting report = accountant.endEpoch();
        for (std::size_t g = 0; g < report.noisyNorm.size(); ++g) {
            QCOMPARE(report.noisyNorm[g], 0.0);
            QVERIFY(report.cleanNorm[g] > 0);
            QCOMPARE(report.cosine[g], 0.0);
        }
    }

    void sgdMatchesTorch() {
        for (bool nesterov : {true, false}) {
            torch::manual_seed(5);
            torch::Tensor a = torch::randn({4, 3}, torch::requires_grad());
            torch::Tensor b = a.detach().clone().requires_grad_(true);
            Sgd ours({a}, 0.9, 5e-4, nesterov);
            torch::optim::SGD reference({b}, torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(5e-4).nesterov(nesterov));
            for (int step = 0; step < 5; ++step) {
                const torch::Tensor target = torch::randn({4, 3});
                a.mutable_grad() = torch::Tensor();
                reference.zero_grad();
                (a - target).pow(2).sum().backward();
                (b - target).pow(2).sum().backward();
                ours.step(0.1);
                reference.step();
                QVERIFY(torch::allclose(a, b, 1e-6, 1e-7));
            }
        }
    }

    void cosineScheduleWarmsUpThenDecays() {
        LrSchedule s("cosine", 0.1, 100, 10, 0.1, 10);
        QVERIFY(std::abs(s.at(0) - 0.01) < 1e-12);
        QVERIFY(std::abs(s.at(9) - 0.1) < 1e-12);
        QVERIFY(std::abs(s.at(10) - 0.1) < 1e-12);
        for (int t = 11; t < 100; ++t) QVERIFY(s.at(t) < s.at(t - 1));
        QVERIFY(s.at(99) > 0 && s.at(99) < 1e-3);
    }

    void triangleSchedulePeaksAtPeakEpoch() {
        LrSchedule s("triangle", 0.2, 200, 10, 0.1, 5);
        QVERIFY(std::abs(s.at(49) - 0.2) < 1e-12);
        QVERIFY(s.at(0) > 0 && s.at(0) < 0.01);
        for (int t = 1; t < 50; ++t) QVERIFY(s.at(t) > s.at(t - 1));
        for (int t = 51; t < 200; ++t) QVERIFY(s.at(t) < s.at(t - 1));
        QVERIFY(s.at(199) < 0.01);
        QVERIFY_THROWS_EXCEPTION(Error, LrSchedule("linear", 0.1, 10, 1, 0, 1));
    }

    void sameSeedSameRun() {
        QTemporaryDir dir;
        const std::string a = dir.filePath("a.h5").toStdString(), b = dir.filePath("b.h5").toStdString();
        RunConfig c = tinyConfig(4);
        c.epochs = 2;
        QCOMPARE(trainRun(c, a).epochsCompleted, std::int64_t{2});
        trainRun(c, b);
        const RunSummary sa = readRunSummary(a), sb = readRunSummary(b);
        QCOMPARE(sa.metrics.size(), std::size_t{3});
        for (std::size_t i = 0; i < sa.metrics.size(); ++i) QVERIFY(sameMetrics(sa.metrics[i], sb.metrics[i]));
        QVERIFY(sameState(checkpoint(a, 2), checkpoint(b, 2)));
        const AccountingSeries aa = readAccounting(a), ab = readAccounting(b);
        QCOMPARE(aa.noisyNorm, ab.noisyNorm);

        c.seed = 1;
        const std::string other = dir.filePath("c.h5").toStdString();
        trainRun(c, other);
        QVERIFY(!sameState(checkpoint(a, 2), checkpoint(other, 2)));
    }

    void trainingLearnsAndRecordsEveryEpoch() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("run.h5").toStdString();
        std::vector<std::int64_t> seen;
        TrainCallbacks cb;
        cb.epochDone = [&](const EpochMetrics& m) { seen.push_back(m.epoch); };
        const TrainResult r = trainRun(tinyConfig(4), path, cb);
        QCOMPARE(r.epochsCompleted, std::int64_t{4});
        QCOMPARE(seen, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        const RunSummary s = readRunSummary(path);
        QCOMPARE(s.checkpointEpochs, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
        QCOMPARE(s.noisyCount, std::int64_t{51});  // floor(0.2 * 256)
        QVERIFY(s.metrics.back().trainCleanAcc > s.metrics.front().trainCleanAcc);
        QVERIFY(s.metrics.back().testAcc > 0.5);
        QCOMPARE(readAccounting(path).cleanNorm.size(), std::size_t{4});
    }

    // channels_last lays out weights and batches as NHWC: the same training up to float rounding,
    // stored in the usual layout; resuming such a run works.
    void channelsLastTrainsLikeContiguous() {
        QTemporaryDir dir;
        const std::string plain = dir.filePath("plain.h5").toStdString(), nhwc = dir.filePath("nhwc.h5").toStdString();
        RunConfig c = tinyConfig(2);
        trainRun(c, plain);
        c.memoryFormat = "channels_last";
        const TrainResult r = trainRun(c, nhwc);
        QCOMPARE(r.epochsCompleted, std::int64_t{2});
        QCOMPARE(readRunSummary(nhwc).config.memoryFormat, std::string("channels_last"));
        // Over epochs, rounding differences grow as in any two float orders of summation; the
        // runs end close, and one step agrees to float precision.
        const auto a = checkpoint(plain, 2), b = checkpoint(nhwc, 2);
        QCOMPARE(a.size(), b.size());
        for (const auto& [name, t] : b) QVERIFY(t.is_contiguous());
        QVERIFY(std::abs(readRunSummary(plain).metrics.back().testAcc - readRunSummary(nhwc).metrics.back().testAcc) < 0.1);
        {
            ModelSpec spec;
            spec.width = 0.125;
            spec.imageSize = 16;
            spec.numClasses = 4;
            torch::manual_seed(5);
            auto m1 = buildModel(spec);
            torch::manual_seed(5);
            auto m2 = buildModel(spec);
            toChannelsLast(*m2);
            QVERIFY(m2->named_parameters()["0.0.weight"].is_contiguous(torch::MemoryFormat::ChannelsLast));
            const torch::Tensor x = torch::randn({32, 1, 16, 16}), y = torch::randint(4, {32}), noisy = torch::rand({32}) < 0.2;
            const std::int64_t count = noisy.sum().item<std::int64_t>();
            Sgd s1(m1->parameters(), 0.9, 5e-4, true), s2(m2->parameters(), 0.9, 5e-4, true);
            GradientAccountant g1(*m1, m1->layerGroups()), g2(*m2, m2->layerGroups());
            m1->train();
            m2->train();
            trainStep(*m1, s1, &g1, x, y, noisy, count, 0.05);
            trainStep(*m2, s2, &g2, x, y, noisy, count, 0.05, 0, TrainingMode{false, true});
            const auto p1 = snapshot(*m1), p2 = snapshot(*m2);
            for (const auto& [name, t] : p1)
                QVERIFY2(torch::allclose(t, p2.at(name), 1e-4, 1e-6), name.c_str());
        }

        // Resume a channels-last run cut after epoch 1: same as uninterrupted.
        const std::string cut = dir.filePath("cut.h5").toStdString();
        CancelToken cancel;
        TrainCallbacks cb;
        cb.cancel = &cancel;
        cb.epochDone = [&](const EpochMetrics& m) {
            if (m.epoch == 1) cancel.cancel();
        };
        QVERIFY(trainRun(c, cut, cb).cancelled);
        QCOMPARE(resumeRun(cut).epochsCompleted, std::int64_t{2});
        QVERIFY(sameState(checkpoint(cut, 2), b));
    }

    // bf16: convolutions and matrix products run in bfloat16 inside the autocast scope only; the
    // stored weights and metrics stay float32 and the run still learns.
    void bf16AutocastTrains() {
        {
            const torch::Tensor x = torch::randn({2, 3, 8, 8}), w = torch::randn({4, 3, 3, 3});
            {
                const AutocastScope scope(true, torch::kCPU);
                QCOMPARE(torch::conv2d(x, w).scalar_type(), torch::kBFloat16);
                QCOMPARE(torch::relu(x).scalar_type(), torch::kFloat);
            }
            QCOMPARE(torch::conv2d(x, w).scalar_type(), torch::kFloat);
            const AutocastScope off(false, torch::kCPU);
            QCOMPARE(torch::conv2d(x, w).scalar_type(), torch::kFloat);
        }
        QTemporaryDir dir;
        const std::string fp32 = dir.filePath("fp32.h5").toStdString(), bf16 = dir.filePath("bf16.h5").toStdString();
        RunConfig c = tinyConfig(4);
        trainRun(c, fp32);
        c.precision = "bf16";
        trainRun(c, bf16);
        const RunSummary s = readRunSummary(bf16), f = readRunSummary(fp32);
        QVERIFY(s.metrics.back().trainCleanAcc > s.metrics.front().trainCleanAcc);
        QVERIFY(s.metrics.back().testAcc > 0.5);
        QVERIFY(std::abs(s.metrics.back().testAcc - f.metrics.back().testAcc) < 0.2);
        QVERIFY(!sameState(checkpoint(fp32, 4), checkpoint(bf16, 4)));  // autocast really was on
        for (const auto& [name, t] : checkpoint(bf16, 4)) QVERIFY(t.scalar_type() != torch::kBFloat16);
        QCOMPARE(readAccounting(bf16).cleanNorm.size(), std::size_t{4});

        RunConfig bad = tinyConfig(1);
        bad.precision = "fp16";
        QVERIFY(errorOf([&] { validateConfig(bad); }).contains("precision must be fp32 or bf16"));
        bad = tinyConfig(1);
        bad.memoryFormat = "nhwc";
        QVERIFY(errorOf([&] { validateConfig(bad); }).contains("memory_format must be auto, contiguous or channels_last"));
    }

    // The autocast switch goes through core/compat (its spelling differs between LibTorch 1.13
    // and 2.x): a scope turns bfloat16 autocast on for its device and restores what was there.
    void autocastScopeRestoresState() {
        const compat::AutocastState before = compat::autocastState(at::kCPU);
        QVERIFY(!before.enabled);
        {
            const AutocastScope scope(true, torch::kCPU);
            const compat::AutocastState inside = compat::autocastState(at::kCPU);
            QVERIFY(inside.enabled);
            QCOMPARE(inside.dtype, at::kBFloat16);
            QVERIFY(!compat::autocastState(at::kCUDA).enabled);  // only the scope's device
            {
                const AutocastScope nested(true, torch::kCPU);
                QVERIFY(compat::autocastState(at::kCPU).enabled);
            }
            QVERIFY(compat::autocastState(at::kCPU).enabled);  // the outer scope is still on
        }
        const compat::AutocastState after = compat::autocastState(at::kCPU);
        QCOMPARE(after.enabled, before.enabled);
        QCOMPARE(after.dtype, before.dtype);
    }

    // memory_format "auto" is channels-last on CUDA devices only; explicit values win.
    void memoryFormatAutoFollowsDevice() {
        RunConfig c;
        QCOMPARE(c.memoryFormat, std::string("auto"));
        const torch::Device cpu(torch::kCPU), gpu(torch::kCUDA, 0);  // a descriptor; no GPU needed
        QVERIFY(!trainingModeOf(c, cpu).channelsLast);
        QVERIFY(trainingModeOf(c, gpu).channelsLast);
        c.memoryFormat = "contiguous";
        QVERIFY(!trainingModeOf(c, gpu).channelsLast);
        c.memoryFormat = "channels_last";
        QVERIFY(trainingModeOf(c, cpu).channelsLast);
        validateConfig(tinyConfig(1));  // "auto" is a valid value
    }

    // Analyses run where the run was trained when this machine has that device, else on "auto".
    void analysesUseTheRunsDevice() {
        QCOMPARE(deviceForRun("cpu"), std::string("cpu"));
        QCOMPARE(deviceForRun("auto"), std::string("auto"));
        const auto gpus = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
        QCOMPARE(deviceForRun("cuda:0"), std::string(gpus > 0 ? "cuda:0" : "auto"));
        QCOMPARE(deviceForRun("cuda:" + std::to_string(gpus)), std::string("auto"));  // one past the last GPU
        QCOMPARE(deviceForRun("cuda"), std::string(gpus > 0 ? "cuda" : "auto"));
    }

    // Cancel after epoch 2, resume: the same metrics and parameters as an uninterrupted run.
    void resumeEqualsUninterrupted() {
        QTemporaryDir dir;
        const std::string whole = dir.filePath("whole.h5").toStdString();
        const std::string cut = dir.filePath("cut.h5").toStdString();
        trainRun(tinyConfig(4), whole);

        const TrainResult first = trainCancelledAfter(2, cut);
        QVERIFY(first.cancelled);
        QCOMPARE(first.epochsCompleted, std::int64_t{2});
        QCOMPARE(readRunSummary(cut).epochsCompleted, std::int64_t{2});

        const TrainResult second = resumeRun(cut);
        QVERIFY(!second.cancelled);
        QCOMPARE(second.epochsCompleted, std::int64_t{4});
        const RunSummary sw = readRunSummary(whole), sc = readRunSummary(cut);
        QCOMPARE(sc.metrics.size(), sw.metrics.size());
        for (std::size_t i = 0; i < sw.metrics.size(); ++i) QVERIFY(sameMetrics(sw.metrics[i], sc.metrics[i]));
        QVERIFY(sameState(checkpoint(whole, 4), checkpoint(cut, 4)));
        QCOMPARE(readAccounting(whole).totalNorm, readAccounting(cut).totalNorm);
        QCOMPARE(resumeRun(cut).epochsCompleted, std::int64_t{4});  // already complete: nothing to do
    }

    // A crash while epoch 3 was being saved leaves its data without the completion mark.
    void resumeDiscardsHalfSavedEpoch() {
        QTemporaryDir dir;
        const std::string whole = dir.filePath("whole.h5").toStdString();
        const std::string cut = dir.filePath("cut.h5").toStdString();
        trainRun(tinyConfig(4), whole);
        trainCancelledAfter(2, cut);
        {
            H5::H5File file(cut, H5F_ACC_RDWR);
            H5::Group checkpoints = file.openGroup("checkpoints");
            H5::Group junk = checkpoints.nameExists("epoch_0003") ? checkpoints.openGroup("epoch_0003")  // format 2: its room
                                                                  : checkpoints.createGroup("epoch_0003");
            h5::writeTensor(junk, "0.0.weight", torch::zeros({3}));
            H5::Group metrics = file.openGroup("metrics");
            h5::writeSeriesRow(metrics, "test_acc", 3, {0.123});
        }
        QCOMPARE(readRunSummary(cut).metrics.size(), std::size_t{3});  // the partial row is not reported
        resumeRun(cut);
        const RunSummary sw = readRunSummary(whole), sc = readRunSummary(cut);
        for (std::size_t i = 0; i < sw.metrics.size(); ++i) QVERIFY(sameMetrics(sw.metrics[i], sc.metrics[i]));
        QVERIFY(sameState(checkpoint(whole, 4), checkpoint(cut, 4)));
    }

    void mlpTrainsWithoutAccounting() {
        QTemporaryDir dir;
        RunConfig c = tinyConfig(4);
        c.model = "mlp";
        c.width = 0.25;
        c.accounting = false;
        c.schedule = "triangle";
        c.peakEpoch = 1;
        const std::string path = dir.filePath("mlp.h5").toStdString();
        trainRun(c, path);
        const RunSummary s = readRunSummary(path);
        QVERIFY(!s.hasAccounting);
        QCOMPARE(s.groups.size(), std::size_t{3});
        QVERIFY_THROWS_EXCEPTION(Error, readAccounting(path));
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
