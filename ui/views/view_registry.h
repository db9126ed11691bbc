#pragma once
// The list of central views. A new analysis view is one more entry here.

#include "views/set_names.h"

#include <QString>

class QTabWidget;

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
    /// The note for runs with a focus set, %1 = the set's name, %2 = the rest's ("" = note).
    QString focusNote = {};
};

/// The note above `info`'s view for a run whose studied set is named by `names`.
QString viewNote(const ViewInfo& info, const SetNames& names);
/// viewNote as rich text, followed by a link to the view's guide section.
QString viewNoteHtml(const ViewInfo& info, const SetNames& names);
/// Sets the label named "viewNote" on each page of `tabs` (one page per view, in tab order).
void setViewNotes(QTabWidget* tabs, const SetNames& names);

/// Every view, in tab order.
const std::vector<ViewInfo>& viewInfos();

} // namespace memloc::ui
