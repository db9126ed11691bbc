#include "main/help_window.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBrowser>
#include <QUrl>
#include <QVBoxLayout>

namespace memloc::ui {

QStringList HelpWindow::guideSearchPath() {
    QStringList folders;
    const QString fromEnvironment = qEnvironmentVariable("MEMLOC_GUIDE_DIR");
    if (!fromEnvironment.isEmpty()) folders << fromEnvironment;
    folders << QDir::cleanPath(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/memloc/guide"));
#ifdef MEMLOC_GUIDE_SOURCE_DIR
    folders << QStringLiteral(MEMLOC_GUIDE_SOURCE_DIR);
#endif
    return folders;
}

QString HelpWindow::guideDirectory() {
    for (const QString& folder : guideSearchPath())
        if (QFileInfo(folder + QStringLiteral("/index.html")).isFile()) return folder;
    return QString();
}

HelpWindow::HelpWindow(QWidget* parent) : QWidget(parent, Qt::Window) {
    setObjectName(QStringLiteral("HelpWindow"));
    setWindowTitle(tr("memloc User Guide"));
    resize(900, 760);

    m_browser = new QTextBrowser;
    m_browser->setObjectName(QStringLiteral("guideBrowser"));
    m_browser->setOpenLinks(true);
    m_browser->setOpenExternalLinks(true);  // other sites: the system browser; guide pages: here

    auto* back = new QPushButton(tr("Back"));
    auto* forward = new QPushButton(tr("Forward"));
    auto* contents = new QPushButton(tr("Contents"));
    auto* external = new QPushButton(tr("Open in Web Browser"));
    external->setToolTip(tr("Open this page of the guide (a local file) in the system's web browser"));
    back->setEnabled(false);
    forward->setEnabled(false);
    connect(back, &QPushButton::clicked, m_browser, &QTextBrowser::backward);
    connect(forward, &QPushButton::clicked, m_browser, &QTextBrowser::forward);
    connect(m_browser, &QTextBrowser::backwardAvailable, back, &QPushButton::setEnabled);
    connect(m_browser, &QTextBrowser::forwardAvailable, forward, &QPushButton::setEnabled);
    connect(contents, &QPushButton::clicked, this, [this] { showPage(QStringLiteral("index.html")); });
    connect(external, &QPushButton::clicked, this, [this] {
        if (m_browser->source().isLocalFile()) QDesktopServices::openUrl(m_browser->source());
    });
    m_location = new QLabel;
    m_location->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_browser, &QTextBrowser::sourceChanged, this, [this](const QUrl& url) {
        m_location->setText(QDir::toNativeSeparators(url.toLocalFile()));
        setWindowTitle(tr("memloc User Guide - %1").arg(m_browser->documentTitle()));
    });

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(back);
    buttons->addWidget(forward);
    buttons->addWidget(contents);
    buttons->addStretch(1);
    buttons->addWidget(external);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_browser, 1);
    layout->addWidget(m_location);
}

void HelpWindow::showPage(const QString& page, const QString& anchor) {
    const QString folder = guideDirectory();
    if (folder.isEmpty()) {
        QString text = tr("<h2>The user guide was not found</h2><p>memloc looks for its guide (index.html) in:</p><ul>");
        for (const QString& f : guideSearchPath()) text += QStringLiteral("<li>%1</li>").arg(f.toHtmlEscaped());
        text += tr("</ul><p>Set MEMLOC_GUIDE_DIR to the docs/guide folder of the memloc sources to use another "
                   "copy.</p>");
        m_browser->setHtml(text);
        m_location->clear();
        return;
    }
    QUrl url = QUrl::fromLocalFile(folder + QLatin1Char('/') + page);
    if (!anchor.isEmpty()) url.setFragment(anchor);
    m_browser->setSource(url);
}

} // namespace memloc::ui
