#include "views/view_registry.h"

#include "views/dropout_view.h"
#include "views/examples_view.h"
#include "views/gradients_view.h"
#include "views/neurons_view.h"
#include "views/retraining_view.h"
#include "views/rewinding_view.h"
#include "views/training_view.h"

#include <QCoreApplication>
#include <QLabel>
#include <QTabWidget>

#include <cstddef>
#include <vector>

namespace memloc::ui {

const std::vector<ViewInfo>& viewInfos() {
    static const std::vector<ViewInfo> views = {
        {QStringLiteral("training"), QObject::tr("Training"),
         QObject::tr("Accuracy per epoch on clean examples, on mislabeled examples against their wrong given label "
                     "(memorization) and on the test set."),
         QStringLiteral("training"), [](QWidget* p) { return new TrainingView(p); },
         QObject::tr("Accuracy per epoch on the %2 examples, on the %1 examples against their given label (how "
                     "well they are fitted) and on the test set.")},
        {QStringLiteral("gradients"), QObject::tr("Gradients"),
         QObject::tr("How much of each layer group's gradient comes from the clean and from the mislabeled examples, "
                     "epoch by epoch."),
         QStringLiteral("gradients"), [](QWidget* p) { return new GradientsView(p); },
         QObject::tr("How much of each layer group's gradient comes from the %1 and from the %2 examples, epoch "
                     "by epoch.")},
        {QStringLiteral("rewinding"), QObject::tr("Rewinding"),
         QObject::tr("One layer group of the final model at a time put back to an earlier checkpoint: which groups "
                     "does memorization need?"),
         QStringLiteral("rewinding"), [](QWidget* p) { return new RewindingView(p); },
         QObject::tr("One layer group of the final model at a time put back to an earlier checkpoint: which groups "
                     "does fitting the %1 examples need?")},
        {QStringLiteral("retraining"), QObject::tr("Retraining"),
         QObject::tr("One layer group at a time rewound and trained alone on clean examples only: does memorization "
                     "come back?"),
         QStringLiteral("retraining"), [](QWidget* p) { return new RetrainingView(p); },
         QObject::tr("One layer group at a time rewound and trained alone on the %2 examples only: does the fit of "
                     "the %1 examples come back?")},
        {QStringLiteral("neurons"), QObject::tr("Neurons"),
         QObject::tr("Memorization scores per unit; click units to drop them and watch the accuracies change live."),
         QStringLiteral("neurons"), [](QWidget* p) { return new NeuronsView(p); },
         QObject::tr("Per-unit scores of what fits the %1 examples; click units to drop them and watch the "
                     "accuracies change live.")},
        {QStringLiteral("examples"), QObject::tr("Examples"),
         QObject::tr("Every training example with its prediction, loss and margin, and how many units must be zeroed "
                     "to flip its prediction."),
         QStringLiteral("examples"), [](QWidget* p) { return new ExamplesView(p); }},
        {QStringLiteral("dropout"), QObject::tr("Dropout"),
         QObject::tr("A model trained with example-tied dropout, evaluated with and without its memorization "
                     "channels."),
         QStringLiteral("dropout"), [](QWidget* p) { return new DropoutView(p); }},
    };
    return views;
}

QString viewNote(const ViewInfo& info, const SetNames& names) {
    return names.pick(info.note, info.focusNote.isEmpty() ? info.note : info.focusNote);
}

QString viewNoteHtml(const ViewInfo& info, const SetNames& names) {
    return QStringLiteral("%1 <a href=\"%2\">%3</a>")
        .arg(viewNote(info, names).toHtmlEscaped(), info.guideAnchor,
             QCoreApplication::translate("MainWindow", "What am I looking at?"));
}

void setViewNotes(QTabWidget* tabs, const SetNames& names) {
    const std::vector<ViewInfo>& infos = viewInfos();
    for (int i = 0; i < tabs->count() && i < static_cast<int>(infos.size()); ++i)
        if (auto* note = tabs->widget(i)->findChild<QLabel*>(QStringLiteral("viewNote")))
            note->setText(viewNoteHtml(infos[static_cast<std::size_t>(i)], names));
}

} // namespace memloc::ui
