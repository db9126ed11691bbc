#include "views/view_registry.h"

#include "views/dropout_view.h"
#include "views/examples_view.h"
#include "views/gradients_view.h"
#include "views/neurons_view.h"
#include "views/retraining_view.h"
#include "views/rewinding_view.h"
#include "views/training_view.h"

namespace memloc::ui {

const std::vector<ViewInfo>& viewInfos() {
    static const std::vector<ViewInfo> views = {
        {QStringLiteral("training"), QObject::tr("Training"), [](QWidget* p) { return new TrainingView(p); }},
        {QStringLiteral("gradients"), QObject::tr("Gradients"), [](QWidget* p) { return new GradientsView(p); }},
        {QStringLiteral("rewinding"), QObject::tr("Rewinding"), [](QWidget* p) { return new RewindingView(p); }},
        {QStringLiteral("retraining"), QObject::tr("Retraining"), [](QWidget* p) { return new RetrainingView(p); }},
        {QStringLiteral("neurons"), QObject::tr("Neurons"), [](QWidget* p) { return new NeuronsView(p); }},
        {QStringLiteral("examples"), QObject::tr("Examples"), [](QWidget* p) { return new ExamplesView(p); }},
        {QStringLiteral("dropout"), QObject::tr("Dropout"), [](QWidget* p) { return new DropoutView(p); }},
    };
    return views;
}

} // namespace memloc::ui
