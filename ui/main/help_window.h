#pragma once
// The user guide, shown in a window of the app from the HTML files shipped with memloc.

#include <QWidget>

class QLabel;
class QTextBrowser;

namespace memloc::ui {

/// A browser for the user guide (docs/guide: index.html, analyses.html, ...). The guide is read
/// from local files only: MEMLOC_GUIDE_DIR when set, the installed copy beside the binary
/// (../share/memloc/guide), or the source tree memloc was built from. Links between guide pages
/// stay in the window; links to other sites open in the system browser.
class HelpWindow : public QWidget {
    Q_OBJECT

public:
    explicit HelpWindow(QWidget* parent = nullptr);

    /// Shows guide page `page` (a file name such as "analyses.html"), scrolled to `anchor` when
    /// given. Without a guide folder the window says where it looked.
    void showPage(const QString& page, const QString& anchor = QString());
    QTextBrowser* browser() const { return m_browser; }

    /// The folder holding the guide's index.html, or an empty string when none is found.
    static QString guideDirectory();
    /// The folders guideDirectory() tries, in order.
    static QStringList guideSearchPath();

private:
    QTextBrowser* m_browser;
    QLabel* m_location;
};

} // namespace memloc::ui
