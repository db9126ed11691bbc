#pragma once
// The list of central views. A new analysis view is one more entry here.

#include <QString>

#include <functional>
#include <vector>

class QWidget;

namespace memloc::ui {

class RunView;

struct ViewInfo {
    QString id;     ///< stable name: command line (--view), settings, report file prefixes
    QString title;  ///< tab text
    QString note;   ///< one sentence shown above the view: what it shows
    QString guideAnchor;  ///< the view's section in the user guide's analyses.html
    std::function<RunView*(QWidget* parent)> create;
};

/// Every view, in tab order.
const std::vector<ViewInfo>& viewInfos();

} // namespace memloc::ui
