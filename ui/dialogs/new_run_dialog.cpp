#include "dialogs/new_run_dialog.h"

#include "dialogs/form_widgets.h"
#include "dialogs/run_presets.h"

#include "memloc/error.h"
#include "memloc/run_config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <string>

namespace memloc::ui {

namespace {
using form::choiceBox;
using form::intBox;
using form::kMaxInt;
using form::realBox;

QString text(const std::string& s) { return QString::fromStdString(s); }

QString defaultOutputPath() {
    QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (folder.isEmpty()) folder = QDir::homePath();
    return QDir(folder).filePath(QStringLiteral("memloc/run-%1.h5")
                                     .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
}
} // namespace

NewRunDialog::NewRunDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("New Training Run"));

    m_preset = new QComboBox;
    m_preset->addItem(tr("Custom"));
    for (const RunPreset& preset : runPresets()) m_preset->addItem(preset.name);
    m_presetInfo = new QLabel;
    m_presetInfo->setWordWrap(true);
    m_presetInfo->setEnabled(false);
    connect(m_preset, &QComboBox::activated, this, [this](int index) {
        if (index > 0) applyPreset(index - 1);
    });
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset:")));
    presetRow->addWidget(m_preset, 1);

    auto* columns = new QGridLayout;
    columns->addWidget(buildDataGroup(), 0, 0, 2, 1);
    columns->addWidget(buildModelGroup(), 0, 1);
    columns->addWidget(buildTrainingGroup(), 1, 1);
    columns->setColumnStretch(0, 1);
    columns->setColumnStretch(1, 1);

    m_error = form::errorLabel();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Train"));
    connect(buttons, &QDialogButtonBox::accepted, this, &NewRunDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(presetRow);
    layout->addWidget(m_presetInfo);
    layout->addLayout(columns);
    layout->addWidget(buildOutputGroup());
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    setMinimumWidth(860);
    applyPreset(0);  // the demo: minutes on a CPU
    setOutputPath(defaultOutputPath());
}

QWidget* NewRunDialog::buildDataGroup() {
    QStringList datasets;
    for (const std::string& name : core::datasetNames()) datasets << QString::fromStdString(name);
    m_dataset = choiceBox(datasets);
    m_dataset->setToolTip(tr("fashion-mnist ships with Debian (dataset-fashion-mnist); MNIST (IDX), CIFAR-10 and "
                             "CIFAR-100 (binary versions) and SVHN (train_32x32.mat, test_32x32.mat) are read from "
                             "the folder you choose; synthetic data is for quick checks"));
    m_dataDir = new QLineEdit;
    m_dataDir->setMinimumWidth(220);
    auto* browse = new QPushButton(tr("Browse..."));
    connect(browse, &QPushButton::clicked, this, &NewRunDialog::browseDataDir);
    auto* dirRow = new QHBoxLayout;
    dirRow->addWidget(m_dataDir, 1);
    dirRow->addWidget(browse);
    m_subset = intBox(0, kMaxInt, tr("all"));
    m_testSubset = intBox(0, kMaxInt, tr("all"));
    m_noise = realBox(0.0, 0.95, 3, 0.05);
    m_noise->setToolTip(tr("Fraction of training labels replaced by a wrong label (exactly floor(p x N) examples)"));
    m_noiseSeed = intBox(0, kMaxInt);

    m_synthetic = new QGroupBox(tr("Synthetic data"));
    m_synTrain = intBox(2, 1000000);
    m_synTest = intBox(1, 1000000);
    m_synSize = intBox(4, 256);
    m_synSize->setSuffix(tr(" px"));
    m_synClasses = intBox(2, 1000);
    auto* synForm = new QFormLayout(m_synthetic);
    synForm->addRow(tr("Training examples:"), m_synTrain);
    synForm->addRow(tr("Test examples:"), m_synTest);
    synForm->addRow(tr("Image side:"), m_synSize);
    synForm->addRow(tr("Classes:"), m_synClasses);

    auto* group = new QGroupBox(tr("Data"));
    auto* form = new QFormLayout(group);
    form->addRow(tr("Dataset:"), m_dataset);
    form->addRow(tr("Data folder:"), dirRow);
    form->addRow(tr("Training subset:"), m_subset);
    form->addRow(tr("Test subset:"), m_testSubset);
    form->addRow(tr("Label noise:"), m_noise);
    form->addRow(tr("Noise seed:"), m_noiseSeed);
    form->addRow(m_synthetic);
    connect(m_dataset, &QComboBox::currentIndexChanged, this, &NewRunDialog::updateEnabled);
    return group;
}

QWidget* NewRunDialog::buildModelGroup() {
    m_model = choiceBox({QStringLiteral("resnet9"), QStringLiteral("mlp"), QStringLiteral("resnet50"), QStringLiteral("vit")});
    m_width = realBox(0.01, 16.0, 3, 0.125);
    m_width->setToolTip(tr("Multiplier of every channel (or hidden unit) count"));
    m_seed = intBox(0, kMaxInt);
    m_seed->setToolTip(tr("Seed of the initialisation and of the shuffling"));
    // Example-tied dropout (resnet9 only).
    m_dropout = choiceBox({QStringLiteral("none"), QStringLiteral("example-tied")});
    m_dropout->setToolTip(tr("example-tied: each example keeps its own random set of memorization channels"));
    m_pGen = realBox(0.01, 0.99, 3, 0.05);
    m_pGen->setToolTip(tr("Fraction of channels that are generalization channels (always on)"));
    m_pMem = realBox(0.01, 1.0, 3, 0.05);
    m_pMem->setToolTip(tr("Probability that a memorization channel is on for a given example"));
    m_etdRounding = choiceBox({QStringLiteral("round"), QStringLiteral("floor")});
    m_etdRounding->setToolTip(tr("How p_gen x channels becomes a count of generalization channels: round (to "
                                 "nearest, memloc's default) or floor (truncation, as the paper's published code)"));
    m_dropoutBlocks = new QLineEdit;
    m_dropoutBlocks->setToolTip(tr("Top-level blocks followed by dropout, e.g. 2,3,5,6"));
    connect(m_dropout, &QComboBox::currentIndexChanged, this, &NewRunDialog::updateEnabled);
    connect(m_model, &QComboBox::currentIndexChanged, this, &NewRunDialog::updateEnabled);
    auto* group = new QGroupBox(tr("Model"));
    auto* form = new QFormLayout(group);
    form->addRow(tr("Architecture:"), m_model);
    form->addRow(tr("Width:"), m_width);
    form->addRow(tr("Seed:"), m_seed);
    form->addRow(tr("Dropout:"), m_dropout);
    form->addRow(tr("p_gen:"), m_pGen);
    form->addRow(tr("p_mem:"), m_pMem);
    form->addRow(tr("p_gen rounding:"), m_etdRounding);
    form->addRow(tr("Dropout blocks:"), m_dropoutBlocks);
    return group;
}

QWidget* NewRunDialog::buildTrainingGroup() {
    m_epochs = intBox(1, 100000);
    m_batchSize = intBox(1, 1000000);
    m_lr = realBox(0.00001, 10.0, 5, 0.01);
    m_lr->setToolTip(tr("Peak learning rate (SGD with momentum; stepped every iteration)"));
    m_schedule = choiceBox({QStringLiteral("cosine"), QStringLiteral("triangle"), QStringLiteral("constant")});
    m_warmup = realBox(0.0, 0.99, 3, 0.05);
    m_warmup->setToolTip(tr("cosine: fraction of iterations spent warming up linearly"));
    m_peakEpoch = realBox(0.1, 100000.0, 1, 1.0);
    m_peakEpoch->setToolTip(tr("triangle: epoch at which the learning rate peaks"));
    m_accounting = new QCheckBox(tr("Gradient accounting (clean vs noisy, per layer group)"));
    m_accounting->setToolTip(tr("Needed by the Gradients view; costs about 1.6x the training time"));
    m_device = form::deviceBox();  // the devices this build sees; the item data is the config value
    m_threads = intBox(0, 1024, tr("all cores"));
    m_precision = choiceBox({QStringLiteral("fp32"), QStringLiteral("bf16")});
    m_precision->setToolTip(tr("bf16: forward passes under bfloat16 autocast (weights, BatchNorm, losses and the "
                               "optimizer stay float32). Faster on GPUs and bf16-capable CPUs; changes results."));
    m_memoryFormat = choiceBox({QStringLiteral("auto"), QStringLiteral("contiguous"), QStringLiteral("channels_last")});
    m_memoryFormat->setToolTip(tr("auto: channels_last on a GPU, contiguous on the CPU.\n"
                                  "channels_last: weights and batches laid out NHWC while training; the same "
                                  "values up to rounding, often faster convolutions"));
    connect(m_schedule, &QComboBox::currentIndexChanged, this, &NewRunDialog::updateEnabled);

    auto* group = new QGroupBox(tr("Training"));
    auto* form = new QFormLayout(group);
    form->addRow(tr("Epochs:"), m_epochs);
    form->addRow(tr("Batch size:"), m_batchSize);
    form->addRow(tr("Learning rate:"), m_lr);
    form->addRow(tr("Schedule:"), m_schedule);
    form->addRow(tr("Warm-up fraction:"), m_warmup);
    form->addRow(tr("Peak epoch:"), m_peakEpoch);
    form->addRow(m_accounting);
    form->addRow(tr("Device:"), m_device);
    form->addRow(tr("CPU threads:"), m_threads);
    form->addRow(tr("Precision:"), m_precision);
    form->addRow(tr("Memory format:"), m_memoryFormat);
    return group;
}

QWidget* NewRunDialog::buildOutputGroup() {
    m_output = new QLineEdit;
    m_output->setMinimumWidth(420);
    auto* browse = new QPushButton(tr("Browse..."));
    connect(browse, &QPushButton::clicked, this, &NewRunDialog::browseOutput);
    m_overwrite = new QCheckBox(tr("Overwrite"));
    m_overwrite->setToolTip(tr("Replace the file if it exists"));
    auto* group = new QGroupBox(tr("Run file"));
    auto* row = new QHBoxLayout(group);
    row->addWidget(m_output, 1);
    row->addWidget(browse);
    row->addWidget(m_overwrite);
    return group;
}

void NewRunDialog::setConfig(const core::RunConfig& c) {
    m_base = c;
    m_dataset->setCurrentText(text(c.dataset));
    m_dataDir->setText(text(c.dataDir));
    m_subset->setValue(static_cast<int>(c.subset));
    m_testSubset->setValue(static_cast<int>(c.testSubset));
    m_noise->setValue(c.noise);
    m_noiseSeed->setValue(static_cast<int>(c.noiseSeed));
    m_synTrain->setValue(static_cast<int>(c.syntheticTrain));
    m_synTest->setValue(static_cast<int>(c.syntheticTest));
    m_synSize->setValue(static_cast<int>(c.syntheticSize));
    m_synClasses->setValue(static_cast<int>(c.syntheticClasses));
    m_model->setCurrentText(text(c.model));
    m_width->setValue(c.width);
    m_seed->setValue(static_cast<int>(c.seed));
    m_dropout->setCurrentText(text(c.dropout));
    m_pGen->setValue(c.pGen);
    m_pMem->setValue(c.pMem);
    m_etdRounding->setCurrentText(text(c.etdRounding));
    m_dropoutBlocks->setText(text(c.dropoutBlocks));
    m_epochs->setValue(static_cast<int>(c.epochs));
    m_batchSize->setValue(static_cast<int>(c.batchSize));
    m_lr->setValue(c.lr);
    m_schedule->setCurrentText(text(c.schedule));
    m_warmup->setValue(c.warmup);
    m_peakEpoch->setValue(c.peakEpoch);
    m_accounting->setChecked(c.accounting);
    setDevice(QString::fromStdString(c.device == "cuda" ? std::string("cuda:0") : c.device));
    m_threads->setValue(static_cast<int>(c.threads));
    m_precision->setCurrentText(text(c.precision));
    m_memoryFormat->setCurrentText(text(c.memoryFormat));
    updateEnabled();
}

core::RunConfig NewRunDialog::config() const {
    core::RunConfig c = m_base;
    c.dataset = m_dataset->currentText().toStdString();
    c.dataDir = m_dataDir->text().trimmed().toStdString();
    c.subset = m_subset->value();
    c.testSubset = m_testSubset->value();
    c.noise = m_noise->value();
    c.noiseSeed = m_noiseSeed->value();
    c.syntheticTrain = m_synTrain->value();
    c.syntheticTest = m_synTest->value();
    c.syntheticSize = m_synSize->value();
    c.syntheticClasses = m_synClasses->value();
    c.model = m_model->currentText().toStdString();
    c.width = m_width->value();
    c.seed = m_seed->value();
    c.dropout = m_dropout->currentText().toStdString();
    c.pGen = m_pGen->value();
    c.pMem = m_pMem->value();
    c.etdRounding = m_etdRounding->currentText().toStdString();
    c.dropoutBlocks = m_dropoutBlocks->text().trimmed().toStdString();
    c.epochs = m_epochs->value();
    c.batchSize = m_batchSize->value();
    c.lr = m_lr->value();
    c.schedule = m_schedule->currentText().toStdString();
    c.warmup = m_warmup->value();
    c.peakEpoch = m_peakEpoch->value();
    c.accounting = m_accounting->isChecked();
    c.device = m_device->currentData().toString().toStdString();
    c.threads = m_threads->value();
    c.precision = m_precision->currentText().toStdString();
    c.memoryFormat = m_memoryFormat->currentText().toStdString();
    return c;
}

void NewRunDialog::setDevice(const QString& device) {
    int index = m_device->findData(device);
    if (index < 0) {
        // A preset or an earlier run asks for a GPU this machine does not have: keep it visible
        // (starting the run then says which devices exist) rather than silently train elsewhere.
        m_device->addItem(tr("%1: not found on this machine").arg(device), device);
        index = m_device->count() - 1;
    }
    m_device->setCurrentIndex(index);
}

void NewRunDialog::setOutputPath(const QString& path) { m_output->setText(path); }

QString NewRunDialog::outputPath() const { return m_output->text().trimmed(); }

bool NewRunDialog::overwrite() const { return m_overwrite->isChecked(); }

void NewRunDialog::applyPreset(int index) {
    const QList<RunPreset> presets = runPresets();
    if (index < 0 || index >= presets.size()) return;
    setConfig(presets[index].config);
    m_preset->setCurrentIndex(index + 1);
    m_presetInfo->setText(presets[index].description);
    showError({});
}

QString NewRunDialog::validate() const {
    const core::RunConfig c = config();
    try {
        core::validateConfig(c);
    } catch (const core::Error& e) {
        return QString::fromStdString(e.what());
    }
    if (c.dataset != "synthetic") {
        const QString dir = c.dataDir.empty() ? text(core::defaultDataDir(c.dataset)) : text(c.dataDir);
        if (dir.isEmpty()) return tr("Choose the folder that holds the %1 files.").arg(text(c.dataset));
        if (!QFileInfo(dir).isDir()) return tr("The data folder %1 does not exist.").arg(dir);
    }
    const QString out = outputPath();
    if (out.isEmpty()) return tr("Choose the run file to write (.h5).");
    const QFileInfo info(out);
    if (info.isDir()) return tr("%1 is a folder; choose a file name.").arg(out);
    if (info.exists() && !overwrite())
        return tr("%1 exists. Tick Overwrite to replace it, or choose another name.").arg(out);
    return {};
}

QString NewRunDialog::errorText() const { return m_error->isVisible() ? m_error->text() : QString(); }

void NewRunDialog::accept() {
    const QString error = validate();
    showError(error);
    if (!error.isEmpty()) return;
    const QString folder = QFileInfo(outputPath()).absolutePath();
    if (!QDir().mkpath(folder)) {
        showError(tr("Cannot create the folder %1.").arg(folder));
        return;
    }
    QDialog::accept();
}

void NewRunDialog::updateEnabled() {
    const QString dataset = m_dataset->currentText();
    const bool synthetic = dataset == QLatin1String("synthetic");
    m_synthetic->setVisible(synthetic);
    m_dataDir->setEnabled(!synthetic);
    m_dataDir->setPlaceholderText(synthetic ? QString()
                                            : text(core::defaultDataDir(dataset.toStdString())).isEmpty()
                                                ? tr("required: the folder with the %1 files").arg(dataset)
                                                : text(core::defaultDataDir(dataset.toStdString())));
    m_warmup->setEnabled(m_schedule->currentText() == QLatin1String("cosine"));
    m_peakEpoch->setEnabled(m_schedule->currentText() == QLatin1String("triangle"));
    const bool resnet = m_model->currentText() == QLatin1String("resnet9");
    m_dropout->setEnabled(resnet);
    const bool tied = resnet && m_dropout->currentText() == QLatin1String("example-tied");
    for (QWidget* w : std::initializer_list<QWidget*>{m_pGen, m_pMem, m_etdRounding, m_dropoutBlocks}) w->setEnabled(tied);
}

void NewRunDialog::browseDataDir() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Data Folder"), m_dataDir->text());
    if (!dir.isEmpty()) m_dataDir->setText(dir);
}

void NewRunDialog::browseOutput() {
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Run File"), outputPath(), tr("memloc runs (*.h5)"), nullptr,
                                     QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) m_output->setText(path.endsWith(QLatin1String(".h5")) ? path : path + QStringLiteral(".h5"));
}

void NewRunDialog::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

} // namespace memloc::ui
