#include "dialogs/reproduce_dialog.h"

#include "dialogs/form_widgets.h"

#include "memloc/error.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <exception>

namespace memloc::ui {

namespace {

/// A line edit with a "Browse..." button that asks for a folder (or, with a filter, a file).
QWidget* browseRow(QLineEdit* edit, QWidget* owner, const QString& title, const QString& filter = QString()) {
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QPushButton(QObject::tr("Browse..."));
    QObject::connect(browse, &QPushButton::clicked, owner, [edit, owner, title, filter] {
        const QString start = edit->text().isEmpty() ? QDir::homePath() : edit->text();
        const QString path = filter.isEmpty() ? QFileDialog::getExistingDirectory(owner, title, start)
                                              : QFileDialog::getOpenFileName(owner, title, start, filter);
        if (!path.isEmpty()) edit->setText(QDir::toNativeSeparators(path));
    });
    layout->addWidget(browse);
    return row;
}

/// The path typed, "~/" read as the home folder.
QString expandHome(const QString& text) {
    const QString path = QDir::fromNativeSeparators(text.trimmed());
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/"))) return QDir::homePath() + path.mid(1);
    return path;
}

} // namespace

ReproduceDialog::ReproduceDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("reproduceDialog"));
    setWindowTitle(tr("Reproduction Report"));

    auto* intro = new QLabel(
        tr("Runs the experiments of Maini et al., \"Can Neural Network Memorization Be Localized?\" (ICML 2023) "
           "and writes a report that checks each of the paper's claims by a fixed rule: six runs (label noise "
           "0.05, 0.1 and 0.2 x dropout none and example-tied), each trained with gradient accounting and analysed "
           "by rewinding, retraining, flipping, neuron scores and dropout evaluation. The folder is resumable: "
           "choosing it again continues where a cancelled or interrupted reproduction stopped."));
    intro->setWordWrap(true);

    m_scale = new QComboBox;
    m_scale->addItem(tr("Demo (CPU, minutes)"), QStringLiteral("demo"));
    m_scale->addItem(tr("Paper (GPU, hours)"), QStringLiteral("paper"));
    m_description = new QLabel;
    m_description->setWordWrap(true);
    m_description->setObjectName(QStringLiteral("scaleDescription"));
    m_folder = new QLineEdit;
    m_folder->setToolTip(tr("The experiment folder: experiment.json, runs/ and the report (report.html, "
                            "report.json, report-*.csv). Created when missing."));
    m_config = new QLineEdit;
    m_config->setPlaceholderText(tr("none: the scale's preset"));
    m_config->setToolTip(tr("A JSON run config whose keys replace the preset's (another dataset, more epochs, ...); "
                            "noise and dropout stay the suite's own"));
    m_device = form::deviceBox();
    m_threads = form::intBox(0, 1024, tr("all cores"));
    connect(m_scale, &QComboBox::currentIndexChanged, this, &ReproduceDialog::scaleChanged);

    auto* group = new QGroupBox(tr("Reproduction"));
    auto* form = new QFormLayout(group);
    form->addRow(tr("Scale:"), m_scale);
    form->addRow(QString(), m_description);
    form->addRow(tr("Output folder:"), browseRow(m_folder, this, tr("Experiment Folder")));
    form->addRow(tr("Base config:"), browseRow(m_config, this, tr("Base Run Config"),
                                               tr("Run configs (*.json);;All files (*)")));
    form->addRow(tr("Device:"), m_device);
    form->addRow(tr("CPU threads:"), m_threads);

    m_error = form::errorLabel();
    m_error->setObjectName(QStringLiteral("reproduceError"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ReproduceDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(group);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addWidget(buttons);
    setMinimumWidth(640);
    scaleChanged();
}

QString ReproduceDialog::defaultFolder(const QString& scale) {
    return QDir::toNativeSeparators(QDir::home().filePath(QStringLiteral("memloc-reproduce-") + scale));
}

void ReproduceDialog::scaleChanged() {
    const QString name = scale();
    try {
        m_description->setText(QString::fromStdString(core::reproduceScale(name.toStdString()).description));
    } catch (const core::Error& e) {
        m_description->setText(QString::fromStdString(e.what()));
    }
    // A folder the user typed stays; the previous scale's default follows the scale.
    if (m_folder->text().isEmpty() || m_folder->text() == defaultFolder(m_shownScale)) m_folder->setText(defaultFolder(name));
    m_shownScale = name;
}

core::ReproduceRequest ReproduceDialog::request() const {
    const QString config = expandHome(m_config->text());
    core::ReproduceRequest request =
        core::reproduceRequest(scale().toStdString(), QDir::cleanPath(folder()).toStdString(), config.toStdString());
    request.device = m_device->currentData().toString().toStdString();
    request.threads = m_threads->value();
    return request;
}

QString ReproduceDialog::validate() const {
    const QString path = folder();
    if (path.isEmpty()) return tr("Choose the output folder.");
    const QFileInfo info(path);
    if (info.exists() && !info.isDir()) return tr("%1 is a file, not a folder.").arg(path);
    try {
        (void)request();
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString ReproduceDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void ReproduceDialog::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ReproduceDialog::accept() {
    const QString problem = validate();
    showError(problem);
    if (problem.isEmpty()) QDialog::accept();
}

void ReproduceDialog::setScale(const QString& name) {
    int index = m_scale->findData(name);
    if (index < 0) {
        m_scale->addItem(name, name);
        index = m_scale->count() - 1;
    }
    m_scale->setCurrentIndex(index);
}

QString ReproduceDialog::scale() const { return m_scale->currentData().toString(); }

void ReproduceDialog::setFolder(const QString& folder) { m_folder->setText(QDir::toNativeSeparators(folder)); }

QString ReproduceDialog::folder() const { return expandHome(m_folder->text()); }

void ReproduceDialog::setConfigFile(const QString& path) { m_config->setText(QDir::toNativeSeparators(path)); }

void ReproduceDialog::setDevice(const QString& device) {
    int index = m_device->findData(device);
    if (index < 0) {
        m_device->addItem(tr("%1: not found on this machine").arg(device), device);
        index = m_device->count() - 1;
    }
    m_device->setCurrentIndex(index);
}

void ReproduceDialog::setThreads(int threads) { m_threads->setValue(threads); }

} // namespace memloc::ui
