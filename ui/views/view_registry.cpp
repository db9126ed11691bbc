#include "views/view_registry.h"

#include "views/gradients_view.h"
#include "views/training_view.h"

namespace memloc::ui {

const std::vector<ViewInfo>& viewInfos() {
    static const std::vector<ViewInfo> views = {
        {QStringLiteral("training"), QObject::tr("Training"), [](QWidget* p) { return new TrainingView(p); }},
        {QStringLiteral("gradients"), QObject::tr("Gradients"), [](QWidget* p) { return new GradientsView(p); }},
    };
    return views;
}

} // namespace memloc::ui
