#include "dialogs/import_dialog.h"

#include "dialogs/form_widgets.h"
#include "memloc/error.h"
#include "memloc/run_config.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <string>

namespace memloc::ui {

namespace {

using form::choiceBox;
using form::intBox;
using form::kMaxInt;
using form::realBox;

/// A line edit with a "..." button that asks for a file (or folder).
QWidget* withBrowse(QLineEdit* edit, QWidget* owner, const QString& title, const QString& filter, bool folderButton = false) {
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* file = new QPushButton(folderButton ? QObject::tr("File...") : QObject::tr("Browse..."));
    QObject::connect(file, &QPushButton::clicked, owner, [edit, owner, title, filter] {
        const QString path = QFileDialog::getOpenFileName(owner, title, QFileInfo(edit->text()).absolutePath(), filter);
        if (!path.isEmpty()) edit->setText(path);
    });
    layout->addWidget(file);
    if (folderButton) {
        auto* folder = new QPushButton(QObject::tr("Folder..."));
        folder->setToolTip(QObject::tr("A folder of per-epoch checkpoints (epoch number in each file name)"));
        QObject::connect(folder, &QPushButton::clicked, owner, [edit, owner, title] {
            const QString path = QFileDialog::getExistingDirectory(owner, title, edit->text());
            if (!path.isEmpty()) edit->setText(path);
        });
        layout->addWidget(folder);
    }
    return row;
}

const QString kLabelFilter = QObject::tr("Label files (*.npy *.txt *.csv *.h5 *.hdf5);;All files (*)");

} // namespace

ImportDialog::ImportDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Import Checkpoints"));
    m_error = form::errorLabel();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ImportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* intro = new QLabel(tr("A PyTorch state_dict or checkpoint (.pt, .pth), safetensors, TorchScript, or a folder of "
                                "per-epoch checkpoints. memloc reads only tensors, never code. Tell it the data the model "
                                "was trained on and which labels were noisy."));
    intro->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(buildSourceGroup());
    auto* columns = new QHBoxLayout;
    columns->addWidget(buildDataGroup(), 1);
    columns->addWidget(buildLabelsGroup(), 1);
    layout->addLayout(columns);
    layout->addWidget(buildOutputGroup());
    layout->addWidget(m_error);
    layout->addWidget(buttons);
    setMinimumWidth(820);
    updateEnabled();
}

QWidget* ImportDialog::buildSourceGroup() {
    auto* group = new QGroupBox(tr("Checkpoints"));
    auto* form = new QFormLayout(group);
    m_source = new QLineEdit;
    m_source->setObjectName(QStringLiteral("importSource"));
    connect(m_source, &QLineEdit::editingFinished, this, [this] {
        if (m_output->text().isEmpty() && !m_source->text().isEmpty()) setSource(m_source->text());
    });
    form->addRow(tr("File or folder:"),
                 withBrowse(m_source, this, tr("Checkpoint"),
                            tr("Checkpoints (*.pt *.pth *.ckpt *.bin *.tar *.safetensors);;All files (*)"), true));
    m_model = choiceBox({tr("Detect from the tensors"), QStringLiteral("resnet9"), QStringLiteral("mlp"),
                         QStringLiteral("resnet50"), QStringLiteral("vit"), QStringLiteral("torchscript")});
    m_model->setToolTip(tr("Built-in architectures are recognised by their parameter names and shapes (width too); "
                           "a TorchScript module of another architecture is kept as TorchScript"));
    form->addRow(tr("Architecture:"), m_model);
    m_groups = new QLineEdit;
    m_groups->setPlaceholderText(tr("TorchScript only: name=module.path,...  (default: one group per top-level block)"));
    form->addRow(tr("Layer groups:"), m_groups);
    connect(m_model, &QComboBox::currentIndexChanged, this, &ImportDialog::updateEnabled);
    return group;
}

QWidget* ImportDialog::buildDataGroup() {
    auto* group = new QGroupBox(tr("Data it was trained on"));
    auto* form = new QFormLayout(group);
    QStringList datasets;
    for (const std::string& name : core::datasetNames())
        if (name != "synthetic") datasets << QString::fromStdString(name);
    m_dataset = choiceBox(datasets);
    form->addRow(tr("Dataset:"), m_dataset);
    m_dataDir = new QLineEdit;
    m_dataDir->setPlaceholderText(tr("default location"));
    form->addRow(tr("Data folder:"), m_dataDir);
    m_subset = intBox(0, kMaxInt, tr("all"));
    m_subset->setToolTip(tr("Training examples used (0 = the whole training split)"));
    form->addRow(tr("Training subset:"), m_subset);
    m_subsetMode = choiceBox({QStringLiteral("first"), QStringLiteral("random")});
    form->addRow(tr("Subset:"), m_subsetMode);
    m_subsetSeed = intBox(0, kMaxInt);
    form->addRow(tr("Subset seed:"), m_subsetSeed);
    m_testSubset = intBox(0, kMaxInt, tr("all"));
    form->addRow(tr("Test subset:"), m_testSubset);
    m_normalizeMode = choiceBox({tr("Mean/std of the training subset"), tr("None (pixels in [0, 1])"), tr("These values:")});
    m_normalize = new QLineEdit;
    m_normalize->setPlaceholderText(tr("e.g. 0.2860/0.3530 or 0.49,0.48,0.45/0.25,0.24,0.26"));
    m_normalize->setObjectName(QStringLiteral("importNormalize"));
    connect(m_normalizeMode, &QComboBox::currentIndexChanged, this, &ImportDialog::updateEnabled);
    form->addRow(tr("Normalisation:"), m_normalizeMode);
    form->addRow(QString(), m_normalize);
    connect(m_subsetMode, &QComboBox::currentIndexChanged, this, &ImportDialog::updateEnabled);
    return group;
}

QWidget* ImportDialog::buildLabelsGroup() {
    auto* group = new QGroupBox(tr("Noisy examples"));
    auto* form = new QFormLayout(group);
    m_seeded = new QRadioButton(tr("memloc's seeded label noise"));
    m_seeded->setToolTip(tr("The paper's procedure: floor(p x N) examples drawn with this seed, each given a different label"));
    m_fromFiles = new QRadioButton(tr("Labels from files"));
    m_fromFiles->setChecked(true);
    form->addRow(m_fromFiles);
    m_givenLabels = new QLineEdit;
    m_givenLabels->setObjectName(QStringLiteral("importGivenLabels"));
    m_givenLabels->setPlaceholderText(tr("e.g. given_labels.npy"));
    m_givenLabels->setToolTip(tr("The labels the model was trained on, one per training example: .npy, .txt, .csv or FILE.h5:DATASET"));
    form->addRow(tr("Given labels:"), withBrowse(m_givenLabels, this, tr("Given labels"), kLabelFilter));
    m_noiseMask = new QLineEdit;
    m_noiseMask->setPlaceholderText(tr("optional, e.g. noise_mask.npy"));
    m_noiseMask->setToolTip(tr("0/1 per training example; checked against the given labels"));
    form->addRow(tr("Noise mask:"), withBrowse(m_noiseMask, this, tr("Noise mask"), kLabelFilter));
    form->addRow(m_seeded);
    m_noise = realBox(0.0, 0.99, 3, 0.05);
    m_noise->setValue(0.1);
    form->addRow(tr("Noise fraction:"), m_noise);
    m_noiseSeed = intBox(0, kMaxInt);
    form->addRow(tr("Noise seed:"), m_noiseSeed);
    connect(m_seeded, &QRadioButton::toggled, this, &ImportDialog::updateEnabled);
    return group;
}

QWidget* ImportDialog::buildOutputGroup() {
    auto* group = new QGroupBox(tr("Run file"));
    auto* form = new QFormLayout(group);
    m_output = new QLineEdit;
    m_output->setObjectName(QStringLiteral("importOutput"));
    auto* row = new QHBoxLayout;
    row->addWidget(m_output, 1);
    auto* browse = new QPushButton(tr("Browse..."));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Run File"), m_output->text(), tr("memloc runs (*.h5)"));
        if (!path.isEmpty()) m_output->setText(path.endsWith(QLatin1String(".h5")) ? path : path + QStringLiteral(".h5"));
    });
    row->addWidget(browse);
    form->addRow(tr("Save as:"), row);
    m_overwrite = new QCheckBox(tr("Replace the file if it exists"));
    form->addRow(QString(), m_overwrite);
    return group;
}

void ImportDialog::updateEnabled() {
    const bool files = m_fromFiles->isChecked();
    m_givenLabels->setEnabled(files);
    m_noiseMask->setEnabled(files);
    m_noise->setEnabled(!files);
    m_noiseSeed->setEnabled(!files);
    m_normalize->setEnabled(m_normalizeMode->currentIndex() == 2);
    m_subsetSeed->setEnabled(m_subsetMode->currentIndex() == 1);
    m_groups->setEnabled(m_model->currentIndex() == 0 || m_model->currentText() == QLatin1String("torchscript"));
}

void ImportDialog::setSource(const QString& path) {
    m_source->setText(path);
    const QFileInfo info(path);
    const QString base = info.isDir() ? QDir(path).dirName() : info.completeBaseName();
    const QDir parent(info.isDir() ? QFileInfo(QDir(path).absolutePath()).absolutePath() : info.absolutePath());
    m_output->setText(parent.filePath(base + QStringLiteral(".h5")));
    // Label files saved next to the checkpoints under the usual names are proposed.
    auto find = [&](const QStringList& stems) {
        for (const QDir& dir : {info.isDir() ? QDir(path) : parent, parent})
            for (const QString& stem : stems)
                for (const QString& ext : {QStringLiteral("npy"), QStringLiteral("txt"), QStringLiteral("csv")})
                    if (QFileInfo::exists(dir.filePath(stem + QLatin1Char('.') + ext))) return dir.filePath(stem + QLatin1Char('.') + ext);
        return QString();
    };
    if (m_givenLabels->text().isEmpty())
        m_givenLabels->setText(find({QStringLiteral("given_labels"), QStringLiteral("noisy_labels"), QStringLiteral("train_labels")}));
    if (m_noiseMask->text().isEmpty()) m_noiseMask->setText(find({QStringLiteral("noise_mask"), QStringLiteral("noisy_mask")}));
}

core::ImportOptions ImportDialog::options() const {
    core::ImportOptions o;
    o.source = m_source->text().trimmed().toStdString();
    o.out = m_output->text().trimmed().toStdString();
    o.overwrite = m_overwrite->isChecked();
    o.model = m_model->currentIndex() == 0 ? std::string() : m_model->currentText().toStdString();
    o.groups = m_groups->isEnabled() ? m_groups->text().trimmed().toStdString() : std::string();
    core::RunConfig& c = o.config;
    c.dataset = m_dataset->currentText().toStdString();
    c.dataDir = m_dataDir->text().trimmed().toStdString();
    c.subset = m_subset->value();
    c.subsetMode = m_subsetMode->currentText().toStdString();
    c.subsetSeed = m_subsetSeed->value();
    c.testSubset = m_testSubset->value();
    c.normalize = m_normalizeMode->currentIndex() == 0   ? std::string("subset")
                  : m_normalizeMode->currentIndex() == 1 ? std::string("none")
                                                         : m_normalize->text().trimmed().toStdString();
    if (m_fromFiles->isChecked()) {
        o.givenLabels = m_givenLabels->text().trimmed().toStdString();
        o.noiseMask = m_noiseMask->text().trimmed().toStdString();
    } else {
        c.noise = m_noise->value();
        c.noiseSeed = m_noiseSeed->value();
    }
    return o;
}

QString ImportDialog::validate() const {
    const core::ImportOptions o = options();
    if (o.source.empty()) return tr("Choose a checkpoint file or folder.");
    if (!QFileInfo::exists(QString::fromStdString(o.source))) return tr("%1 does not exist.").arg(QString::fromStdString(o.source));
    if (m_fromFiles->isChecked() && o.givenLabels.empty())
        return tr("Choose the file of labels the model was trained on (or use memloc's seeded label noise).");
    if (o.config.normalize.empty()) return tr("Enter the normalisation values (MEAN,.../STD,...).");
    try {
        core::RunConfig check = o.config;
        check.model = "resnet9";
        core::validateConfig(check);
    } catch (const core::Error& e) {
        return QString::fromStdString(e.what());
    }
    if (o.out.empty()) return tr("Choose where to save the run file.");
    const QFileInfo out(QString::fromStdString(o.out));
    if (!out.absoluteDir().exists()) return tr("The folder %1 does not exist.").arg(out.absolutePath());
    if (out.exists() && !o.overwrite) return tr("%1 exists; tick \"Replace\" or choose another name.").arg(out.fileName());
    return {};
}

QString ImportDialog::errorText() const { return m_error->isHidden() ? QString() : m_error->text(); }

void ImportDialog::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

void ImportDialog::accept() {
    const QString problem = validate();
    showError(problem);
    if (problem.isEmpty()) QDialog::accept();
}

} // namespace memloc::ui
