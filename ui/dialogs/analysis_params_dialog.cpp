#include "dialogs/analysis_params_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace memloc::ui {

namespace {
QString title(AnalysisKind kind) {
    switch (kind) {
    case AnalysisKind::Rewinding: return AnalysisParamsDialog::tr("Layer Rewinding");
    case AnalysisKind::Retraining: return AnalysisParamsDialog::tr("Retraining");
    case AnalysisKind::Flipping: return AnalysisParamsDialog::tr("Neuron Flipping");
    case AnalysisKind::NeuronScores: return AnalysisParamsDialog::tr("Neuron Scores");
    case AnalysisKind::DropoutEval: return AnalysisParamsDialog::tr("Dropout Evaluation");
    }
    return {};
}

QString joined(const std::vector<std::int64_t>& values) {
    QStringList items;
    for (std::int64_t v : values) items << QString::number(v);
    return items.join(QStringLiteral(", "));
}

QString joined(const std::vector<std::string>& values) {
    QStringList items;
    for (const std::string& v : values) items << QString::fromStdString(v);
    return items.join(QStringLiteral(", "));
}
} // namespace

AnalysisParamsDialog::AnalysisParamsDialog(const AnalysisParams& params, const SetNames& names, QWidget* parent)
    : QDialog(parent), m_params(params) {
    setObjectName(QStringLiteral("analysisParamsDialog"));
    setWindowTitle(tr("%1 Parameters").arg(title(params.kind)));
    m_form = new QFormLayout;
    const QString evalTip = names.pick(tr("Evaluate on the first N clean, noisy and test examples; 0 = all"),
                                       tr("Evaluate on the first N %2, %1 and test examples; 0 = all"));

    switch (params.kind) {
    case AnalysisKind::Rewinding: {
        const core::RewindOptions& o = params.rewinding;
        m_epochs = new QLineEdit(joined(o.epochs));
        m_epochs->setPlaceholderText(tr("default: 0 and a spread over the run"));
        m_epochs->setToolTip(tr("Checkpoint epochs to rewind to, comma-separated, each before the final epoch"));
        m_form->addRow(tr("Rewind epochs:"), m_epochs);
        connect(m_epochs, &QLineEdit::textChanged, this, &AnalysisParamsDialog::validate);
        m_groups = addGroups(o.groups);
        m_evalSubset = addCount(tr("Evaluation subset:"), o.evalSubset, 0, evalTip);
        break;
    }
    case AnalysisKind::Retraining: {
        const core::RetrainOptions& o = params.retraining;
        m_groups = addGroups(o.groups);
        m_fromEpoch = addCount(tr("Rewind to epoch:"), o.fromEpoch, 0,
                               tr("Checkpoint the group is rewound to before retraining; 0 = initialisation"));
        m_maxEpochs = addCount(tr("Max epochs:"), o.maxEpochs, 1, tr("Retraining epochs per group, at most"));
        m_lr = new QDoubleSpinBox;
        m_lr->setDecimals(5);
        m_lr->setRange(1e-5, 10.0);
        m_lr->setSingleStep(0.001);
        m_lr->setValue(o.lr);
        m_lr->setToolTip(tr("Constant SGD learning rate"));
        m_form->addRow(tr("Learning rate:"), m_lr);
        m_evalSubset = addCount(tr("Evaluation subset:"), o.evalSubset, 0, evalTip);
        break;
    }
    case AnalysisKind::Flipping: {
        const core::FlipOptions& o = params.flipping;
        m_noisy = addCount(names.pick(tr("Noisy examples:"), tr("%1 examples:")), o.noisy, 0,
                           names.pick(tr("Memorized noisy examples to flip"),
                                      tr("Fitted %1 examples (predicted as their given label) to flip")));
        m_clean = addCount(names.pick(tr("Clean examples:"), tr("%2 examples:")), o.clean, 0,
                           names.pick(tr("Correctly predicted clean examples to flip"),
                                      tr("Correctly predicted %2 examples to flip")));
        m_batch = addCount(tr("Batch:"), o.batch, 1, tr("Other training examples in the objective"));
        m_eot = addCount(tr("EOT copies:"), o.eot, 1, tr("Noisy input copies averaged (1 = none; the paper's robust option: 5)"));
        m_mode = new QComboBox;
        m_mode->addItem(tr("channel"), QStringLiteral("channel"));
        m_mode->addItem(tr("weight"), QStringLiteral("weight"));
        m_mode->setCurrentIndex(qMax(0, m_mode->findData(QString::fromStdString(o.mode))));
        m_mode->setToolTip(tr("channel: conv weights scored per output channel; weight: per element"));
        m_form->addRow(tr("Unit:"), m_mode);
        m_maxUnits = addCount(tr("Max units:"), o.maxUnits, 1, tr("Give up after this many units (not flipped)"));
        m_evalSubset = addCount(tr("Evaluation subset:"), o.evalSubset, 0, evalTip);
        m_seed = addCount(tr("Seed:"), o.seed, 0, tr("Choice of examples and of the other batch members"));
        break;
    }
    case AnalysisKind::NeuronScores: {
        const core::NeuronOptions& o = params.neurons;
        m_attribution = addCount(tr("Attribution examples:"), o.attributionExamples, 1,
                                 names.pick(tr("Noisy and clean examples averaged for the attribution score"),
                                            tr("%1 and %2 examples averaged for the attribution score")));
        m_evalSubset = addCount(tr("Evaluation subset:"), o.evalSubset, 0,
                                names.pick(tr("Clean and noisy examples for the ablation accuracies; 0 = all"),
                                           tr("%2 and %1 examples for the ablation accuracies; 0 = all")));
        break;
    }
    case AnalysisKind::DropoutEval:
        m_evalSubset = addCount(tr("Evaluation subset:"), params.dropoutEvalSubset, 0, evalTip);
        break;
    }

    m_error = new QLabel;
    m_error->setStyleSheet(QStringLiteral("color: #c0392b"));
    m_error->setVisible(false);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Run"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(m_form);
    layout->addWidget(m_error);
    layout->addWidget(m_buttons);
    setMinimumWidth(360);
    validate();
}

QSpinBox* AnalysisParamsDialog::addCount(const QString& label, std::int64_t value, int minimum, const QString& tip) {
    auto* box = new QSpinBox;
    box->setRange(minimum, std::numeric_limits<int>::max());
    box->setValue(int(std::clamp<std::int64_t>(value, minimum, std::numeric_limits<int>::max())));
    box->setToolTip(tip);
    m_form->addRow(label, box);
    return box;
}

QLineEdit* AnalysisParamsDialog::addGroups(const std::vector<std::string>& groups) {
    auto* edit = new QLineEdit(joined(groups));
    edit->setPlaceholderText(tr("default: every group"));
    edit->setToolTip(tr("Layer groups by name (res1.a) or index (4), comma-separated"));
    m_form->addRow(tr("Layer groups:"), edit);
    return edit;
}

bool AnalysisParamsDialog::parseEpochs(const QString& text, std::vector<std::int64_t>* epochs) {
    epochs->clear();
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (item.trimmed().isEmpty()) continue;
        bool ok = false;
        const qlonglong v = item.trimmed().toLongLong(&ok);
        if (!ok || v < 0) return false;
        epochs->push_back(v);
    }
    return true;
}

std::vector<std::string> AnalysisParamsDialog::parseGroups(const QString& text) {
    std::vector<std::string> groups;
    for (const QString& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty()) groups.push_back(item.trimmed().toStdString());
    return groups;
}

bool AnalysisParamsDialog::isValid() const {
    std::vector<std::int64_t> epochs;
    return !m_epochs || parseEpochs(m_epochs->text(), &epochs);
}

void AnalysisParamsDialog::validate() {
    const bool ok = isValid();
    m_error->setText(ok ? QString() : tr("Rewind epochs: non-negative whole numbers separated by commas."));
    m_error->setVisible(!ok);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
}

AnalysisParams AnalysisParamsDialog::params() const {
    AnalysisParams p = m_params;
    switch (p.kind) {
    case AnalysisKind::Rewinding:
        parseEpochs(m_epochs->text(), &p.rewinding.epochs);
        p.rewinding.groups = parseGroups(m_groups->text());
        p.rewinding.evalSubset = m_evalSubset->value();
        break;
    case AnalysisKind::Retraining:
        p.retraining.groups = parseGroups(m_groups->text());
        p.retraining.fromEpoch = m_fromEpoch->value();
        p.retraining.maxEpochs = m_maxEpochs->value();
        p.retraining.lr = m_lr->value();
        p.retraining.evalSubset = m_evalSubset->value();
        break;
    case AnalysisKind::Flipping:
        p.flipping.noisy = m_noisy->value();
        p.flipping.clean = m_clean->value();
        p.flipping.batch = m_batch->value();
        p.flipping.eot = m_eot->value();
        p.flipping.mode = m_mode->currentData().toString().toStdString();
        p.flipping.maxUnits = m_maxUnits->value();
        p.flipping.evalSubset = m_evalSubset->value();
        p.flipping.seed = m_seed->value();
        break;
    case AnalysisKind::NeuronScores:
        p.neurons.attributionExamples = m_attribution->value();
        p.neurons.evalSubset = m_evalSubset->value();
        break;
    case AnalysisKind::DropoutEval:
        p.dropoutEvalSubset = m_evalSubset->value();
        break;
    }
    return p;
}

} // namespace memloc::ui
