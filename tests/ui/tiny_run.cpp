#include "tiny_run.h"

#include "memloc/training.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>

namespace memloc::test {

core::RunConfig tinyConfig() {
    core::RunConfig c;
    c.dataset = "synthetic";
    c.syntheticTrain = 128;
    c.syntheticTest = 32;
    c.syntheticSize = 12;
    c.noise = 0.25;
    c.model = "resnet9";
    c.width = 0.125;
    c.epochs = 2;
    c.batchSize = 32;
    c.device = "cpu";
    return c;
}

void trainTinyRun(const QString& path) { core::trainRun(tinyConfig(), path.toStdString(), {}, true); }

void trainTinyFocusRun(const QString& path, const QString& focusFile) {
    QFile file(focusFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) qFatal("cannot write %s", qPrintable(focusFile));
    file.write("# every fourth training example\n");
    for (int i = 0; i < 128; i += 4) file.write(QByteArray::number(i) + '\n');
    file.close();
    core::RunConfig c = tinyConfig();
    c.focus = focusFile.toStdString();
    c.focusName = "atypical";
    core::trainRun(c, path.toStdString(), {}, true);
}

core::RunConfig tinyFashionConfig() {
    core::RunConfig c = tinyConfig();
    c.dataset = "fashion-mnist";
    c.subset = 128;
    c.testSubset = 32;
    c.noise = 0.1;
    c.epochs = 1;
    return c;
}

bool hasFashionMnist() { return QDir(QString::fromStdString(core::defaultDataDir("fashion-mnist"))).exists(); }

void useTestSettings(const QString& application) {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("memloc-test"));
    QCoreApplication::setApplicationName(application);
    QSettings().clear();
}

} // namespace memloc::test
