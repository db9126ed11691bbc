// Two memloc-cli processes over c10d/Gloo on loopback (torchrun-style environment) against one
// process: data-parallel training gives the same parameters and gradient accounting, sharded
// flipping and rewinding give identical results. The test starts and reaps its own processes.
#include <torch/torch.h>

#include "io/run_file.h"
#include "memloc/flipping.h"
#include "memloc/neurons.h"
#include "memloc/retraining.h"
#include "memloc/rewinding.h"
#include "memloc/run_summary.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace memloc::core;

namespace {

/// A TCP port that was free a moment ago (the kernel's choice for port 0).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 29500;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

/// Runs memloc-cli with `args` in `world` processes (world 1: plainly); returns "" on success,
/// else what went wrong with every process's output. `outputs` (optional) receives each rank's
/// output (stdout and stderr), in rank order.
QString launch(const QStringList& args, int world, QStringList* outputs = nullptr) {
    const int port = freePort();
    std::vector<std::unique_ptr<QProcess>> procs;
    for (int rank = 0; rank < world; ++rank) {
        auto p = std::make_unique<QProcess>();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        if (world > 1) {
            env.insert(QStringLiteral("WORLD_SIZE"), QString::number(world));
            env.insert(QStringLiteral("RANK"), QString::number(rank));
            env.insert(QStringLiteral("LOCAL_RANK"), QString::number(rank));
            env.insert(QStringLiteral("MASTER_ADDR"), QStringLiteral("127.0.0.1"));
            env.insert(QStringLiteral("MASTER_PORT"), QString::number(port));
        }
        p->setProcessEnvironment(env);
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->start(QStringLiteral(MEMLOC_CLI), args);
        procs.push_back(std::move(p));
    }
    QString problems;
    for (auto& p : procs) {
        if (!p->waitForFinished(180000)) {
            p->kill();
            p->waitForFinished();
            problems += QStringLiteral("a process did not finish; ");
            if (outputs) outputs->append(QString());
            continue;
        }
        const QString out = QString::fromUtf8(p->readAll());
        if (outputs) outputs->append(out);
        if (p->exitStatus() != QProcess::NormalExit || p->exitCode() != 0)
            problems += QStringLiteral("exit %1: %2; ").arg(p->exitCode()).arg(out);
    }
    return problems;
}

/// Checks from each rank's "rank R of P computed: ..." line that the `total` items of kind `what`
/// were split over the ranks: together they did exactly `total`, and each did its share total / P
/// give or take `slack` items (work handed out in lumps of `slack`, e.g. a rewound group's row of
/// epochs). Processes that silently ran alone would each report `total`. Returns "" when the
/// split is right, else what is wrong.
QString checkSplit(const QStringList& outputs, const QString& what, qint64 total, qint64 slack = 1) {
    const qint64 world = outputs.size();
    qint64 sum = 0;
    for (qint64 rank = 0; rank < world; ++rank) {
        const QRegularExpression line(QStringLiteral("rank %1 of %2 computed: ([^\\n]*)").arg(rank).arg(world));
        const QRegularExpressionMatch m = line.match(outputs[static_cast<int>(rank)]);
        if (!m.hasMatch()) return QStringLiteral("rank %1 printed no work report: %2").arg(rank).arg(outputs[static_cast<int>(rank)]);
        const QRegularExpressionMatch n =
            QRegularExpression(QRegularExpression::escape(what) + QStringLiteral(" (\\d+)")).match(m.captured(1));
        const qint64 done = n.hasMatch() ? n.captured(1).toLongLong() : 0;
        if (std::abs(static_cast<double>(done * world - total)) > static_cast<double>(slack * world))
            return QStringLiteral("rank %1 did %2 %3 of %4; its share is %5").arg(rank).arg(done).arg(what).arg(total).arg(
                static_cast<double>(total) / static_cast<double>(world));
        sum += done;
    }
    return sum == total ? QString() : QStringLiteral("the ranks did %1 %2 in all, expected %3").arg(sum).arg(what).arg(total);
}

std::map<std::string, torch::Tensor> finalState(const std::string& run) {
    RunFileReader reader(run);
    auto model = buildModel(reader.modelSpec());
    reader.loadCheckpoint(reader.epochsCompleted(), *model);
    std::map<std::string, torch::Tensor> out;
    for (const auto& p : model->named_parameters()) out[p.key()] = p.value().detach().clone();
    return out;
}

QStringList trainArgs(const QString& model, const QString& out) {
    return {QStringLiteral("train"), QStringLiteral("--dataset"), QStringLiteral("synthetic"), QStringLiteral("--synthetic-size"),
            QStringLiteral("12"), QStringLiteral("--synthetic-train"), QStringLiteral("256"), QStringLiteral("--synthetic-test"),
            QStringLiteral("64"), QStringLiteral("--noise"), QStringLiteral("0.25"), QStringLiteral("--model"), model,
            QStringLiteral("--width"), QStringLiteral("0.125"), QStringLiteral("--epochs"), QStringLiteral("3"),
            QStringLiteral("--batch-size"), QStringLiteral("64"), QStringLiteral("--threads"), QStringLiteral("1"),
            QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--quiet"), QStringLiteral("--out"), out};
}

} // namespace

class TestDistributed : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString path(const QString& name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void dataParallelTrainingEqualsOneProcess() {
        // The MLP has no BatchNorm, so sharding a batch changes nothing but summation order.
        QVERIFY2(launch(trainArgs(QStringLiteral("mlp"), path(QStringLiteral("one.h5"))), 1).isEmpty(), "one process");
        QStringList outputs;
        const QString two = launch(trainArgs(QStringLiteral("mlp"), path(QStringLiteral("two.h5"))), 2, &outputs);
        QVERIFY2(two.isEmpty(), qPrintable(two));
        // 256 training examples x 3 epochs, every batch of 64 split 32 + 32.
        const QString split = checkSplit(outputs, QStringLiteral("training examples"), 256 * 3);
        QVERIFY2(split.isEmpty(), qPrintable(split));
        const auto a = finalState(path(QStringLiteral("one.h5")).toStdString());
        const auto b = finalState(path(QStringLiteral("two.h5")).toStdString());
        QCOMPARE(a.size(), b.size());
        for (const auto& [name, t] : a) QVERIFY2(t.allclose(b.at(name), 1e-5, 1e-6), name.c_str());
        const RunSummary s1 = readRunSummary(path(QStringLiteral("one.h5")).toStdString());
        const RunSummary s2 = readRunSummary(path(QStringLiteral("two.h5")).toStdString());
        QCOMPARE(s2.epochsCompleted, std::int64_t{3});
        QVERIFY(std::abs(s1.metrics.back().trainLoss - s2.metrics.back().trainLoss) < 1e-6);
        const AccountingSeries acc1 = readAccounting(path(QStringLiteral("one.h5")).toStdString());
        const AccountingSeries acc2 = readAccounting(path(QStringLiteral("two.h5")).toStdString());
        for (std::size_t e = 0; e < acc1.cleanNorm.size(); ++e)
            for (std::size_t g = 0; g < acc1.cleanNorm[e].size(); ++g) {
                QVERIFY(std::abs(acc1.cleanNorm[e][g] - acc2.cleanNorm[e][g]) < 1e-6);
                QVERIFY(std::abs(acc1.noisyNorm[e][g] - acc2.noisyNorm[e][g]) < 1e-6);
                QVERIFY(std::abs(acc1.cosine[e][g] - acc2.cosine[e][g]) < 1e-5);
            }
    }

    void shardedAnalysesEqualOneProcess() {
        const QString run = path(QStringLiteral("resnet.h5"));
        QVERIFY(launch(trainArgs(QStringLiteral("resnet9"), run), 1).isEmpty());
        const QStringList flip = {QStringLiteral("flip"), run, QStringLiteral("--noisy"), QStringLiteral("5"),
                                  QStringLiteral("--clean"), QStringLiteral("4"), QStringLiteral("--threads"),
                                  QStringLiteral("1"), QStringLiteral("--quiet")};
        const QStringList rewind = {QStringLiteral("rewind"), run, QStringLiteral("--threads"), QStringLiteral("1"),
                                    QStringLiteral("--quiet")};
        const QStringList neurons = {QStringLiteral("neurons"), run, QStringLiteral("--threads"), QStringLiteral("1"),
                                     QStringLiteral("--quiet")};
        QVERIFY(launch(flip, 1).isEmpty());
        QVERIFY(launch(rewind, 1).isEmpty());
        const QStringList retrain = {QStringLiteral("retrain"), run, QStringLiteral("--groups"), QStringLiteral("conv1,res1.a,fc"),
                                     QStringLiteral("--max-epochs"), QStringLiteral("2"), QStringLiteral("--threads"),
                                     QStringLiteral("1"), QStringLiteral("--quiet")};
        QVERIFY(launch(neurons, 1).isEmpty());
        QVERIFY(launch(retrain, 1).isEmpty());
        const RetrainResult t1 = readRetraining(run.toStdString());
        const FlipResult f1 = readFlipping(run.toStdString());
        const RewindResult r1 = readRewinding(run.toStdString());
        const NeuronScores n1 = readNeuronScores(run.toStdString());
        // Each sharded analysis: the same result as one process, and each rank did half the work.
        QStringList outputs;
        QString two = launch(flip, 2, &outputs);
        QVERIFY2(two.isEmpty(), qPrintable(two));
        QString split = checkSplit(outputs, QStringLiteral("flipped examples"), static_cast<qint64>(f1.examples.size()));
        QVERIFY2(split.isEmpty(), qPrintable(split));
        QCOMPARE(f1.examples.size(), std::size_t{9});
        outputs.clear();
        two = launch(rewind, 2, &outputs);
        QVERIFY2(two.isEmpty(), qPrintable(two));
        split = checkSplit(outputs, QStringLiteral("rewinding cells"), static_cast<qint64>(r1.groups.size() * r1.epochs.size()),
                           static_cast<qint64>(r1.epochs.size()));
        QVERIFY2(split.isEmpty(), qPrintable(split));
        outputs.clear();
        two = launch(neurons, 2, &outputs);
        QVERIFY2(two.isEmpty(), qPrintable(two));
        qint64 units = 0;
        for (const auto& row : n1.ablationNoisy) units += static_cast<qint64>(row.size());
        split = checkSplit(outputs, QStringLiteral("ablated units"), units);
        QVERIFY2(split.isEmpty(), qPrintable(split));
        const NeuronScores n2 = readNeuronScores(run.toStdString());
        QCOMPARE(n2.ablationNoisy, n1.ablationNoisy);
        QCOMPARE(n2.ablationClean, n1.ablationClean);
        QCOMPARE(n2.attribution, n1.attribution);
        outputs.clear();
        two = launch(retrain, 2, &outputs);
        QVERIFY2(two.isEmpty(), qPrintable(two));
        split = checkSplit(outputs, QStringLiteral("retrained groups"), 3);
        QVERIFY2(split.isEmpty(), qPrintable(split));
        const RetrainResult t2 = readRetraining(run.toStdString());
        QCOMPARE(t2.groups.size(), t1.groups.size());
        for (std::size_t i = 0; i < t1.groups.size(); ++i) {
            QCOMPARE(t2.groups[i].group, t1.groups[i].group);
            QCOMPARE(t2.groups[i].series.size(), t1.groups[i].series.size());
            for (std::size_t k = 0; k < t1.groups[i].series.size(); ++k) {
                QCOMPARE(t2.groups[i].series[k].noisyGiven, t1.groups[i].series[k].noisyGiven);
                QCOMPARE(t2.groups[i].series[k].clean, t1.groups[i].series[k].clean);
            }
        }
        const FlipResult f2 = readFlipping(run.toStdString());
        const RewindResult r2 = readRewinding(run.toStdString());
        QCOMPARE(f2.examples.size(), f1.examples.size());
        for (std::size_t i = 0; i < f1.examples.size(); ++i) {
            QCOMPARE(f2.examples[i].id, f1.examples[i].id);
            QCOMPARE(f2.examples[i].flipped, f1.examples[i].flipped);
            QCOMPARE(f2.examples[i].units.size(), f1.examples[i].units.size());
            for (std::size_t k = 0; k < f1.examples[i].units.size(); ++k) {
                QCOMPARE(f2.examples[i].units[k].group, f1.examples[i].units[k].group);
                QCOMPARE(f2.examples[i].units[k].element, f1.examples[i].units[k].element);
            }
            QCOMPARE(f2.examples[i].accClean, f1.examples[i].accClean);
        }
        QCOMPARE(r2.epochs, r1.epochs);
        QCOMPARE(r2.noisyGiven, r1.noisyGiven);
        QCOMPARE(r2.clean, r1.clean);
        QCOMPARE(r2.test, r1.test);
    }

    void badLaunchIsClear() {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("WORLD_SIZE"), QStringLiteral("2"));
        env.insert(QStringLiteral("RANK"), QStringLiteral("5"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(MEMLOC_CLI), {QStringLiteral("inspect"), QStringLiteral("x.h5")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("RANK=5 must be below WORLD_SIZE=2")));
        env.insert(QStringLiteral("RANK"), QStringLiteral("1"));
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(MEMLOC_CLI), {QStringLiteral("dropout-eval"), QStringLiteral("x.h5")});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QStringLiteral("use train, rewind, retrain, flip, neurons or sweep")));
    }
};

QTEST_GUILESS_MAIN(TestDistributed)
#include "test_distributed.moc"

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>
