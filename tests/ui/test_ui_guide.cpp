// The user guide: shipped with the app, reachable from the Help menu and from every view's note,
// and whole (every link between its pages and every anchor they name exists).
#include "main/help_window.h"
#include "main/main_window.h"
#include "views/view_registry.h"

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QRegularExpression>
#include <QSet>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

using namespace memloc::ui;

namespace {

QString readText(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return QString();
    return QString::fromUtf8(file.readAll());
}

/// The anchors a guide page defines: <a name="x"> and id="x".
QSet<QString> anchorsOf(const QString& html) {
    QSet<QString> anchors;
    static const QRegularExpression pattern(QStringLiteral("(?:\\bname|\\bid)\\s*=\\s*\"([^\"]+)\""));
    for (auto it = pattern.globalMatch(html); it.hasNext();) anchors.insert(it.next().captured(1));
    return anchors;
}

} // namespace

class TestUiGuide : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void guideIsFoundAndHasItsPages() {
        const QString dir = HelpWindow::guideDirectory();
        QVERIFY2(!dir.isEmpty(), qPrintable(HelpWindow::guideSearchPath().join(QStringLiteral(", "))));
        for (const char* page : {"index.html", "analyses.html", "walkthrough.html", "cli.html", "run-file.html",
                                 "python.html"})
            QVERIFY2(QFile::exists(dir + QLatin1Char('/') + QLatin1String(page)), page);
    }

    // Every relative link of every page names an existing file, and its #anchor exists there;
    // every image exists. Nothing points outside the guide folder but to the web or the Python reader.
    void everyLinkAndImageResolves() {
        const QDir dir(HelpWindow::guideDirectory());
        const QStringList pages = dir.entryList({QStringLiteral("*.html")}, QDir::Files);
        QVERIFY(pages.size() >= 6);
        static const QRegularExpression link(QStringLiteral("(href|src)\\s*=\\s*\"([^\"]+)\""));
        int checked = 0;
        for (const QString& page : pages) {
            const QString html = readText(dir.filePath(page));
            QVERIFY2(!html.isEmpty(), qPrintable(page));
            for (auto it = link.globalMatch(html); it.hasNext();) {
                const auto m = it.next();
                const QString target = m.captured(2);
                if (target.startsWith(QLatin1String("http://")) || target.startsWith(QLatin1String("https://")) ||
                    target.startsWith(QLatin1String("mailto:")))
                    continue;
                const QString file = target.section(QLatin1Char('#'), 0, 0);
                const QString anchor = target.section(QLatin1Char('#'), 1);
                const QString path = file.isEmpty() ? dir.filePath(page) : dir.filePath(file);
                QVERIFY2(QFile::exists(path), qPrintable(page + QStringLiteral(": missing ") + target));
                if (!anchor.isEmpty())
                    QVERIFY2(anchorsOf(readText(path)).contains(anchor),
                             qPrintable(page + QStringLiteral(": no anchor ") + target));
                ++checked;
            }
        }
        QVERIFY(checked > 20);
    }

    void helpMenuOpensTheGuide() {
        MainWindow w;
        w.show();
        QVERIFY(!w.helpWindow());
        w.showGuide(QStringLiteral("index.html"));
        QVERIFY(w.helpWindow() && w.helpWindow()->isVisible());
        const QUrl source = w.helpWindow()->browser()->source();
        QVERIFY(source.isLocalFile());
        QCOMPARE(QFileInfo(source.toLocalFile()).fileName(), QStringLiteral("index.html"));
        QVERIFY(w.helpWindow()->browser()->toPlainText().contains(QStringLiteral("memloc")));
    }

    // Each tab carries a note whose link opens that view's own section of analyses.html.
    void everyViewNoteLinksToItsSection() {
        MainWindow w;
        w.show();
        const QSet<QString> anchors =
            anchorsOf(readText(HelpWindow::guideDirectory() + QStringLiteral("/analyses.html")));
        QCOMPARE(w.viewTabs()->count(), int(viewInfos().size()));
        for (int i = 0; i < w.viewTabs()->count(); ++i) {
            const ViewInfo& info = viewInfos()[size_t(i)];
            auto* note = w.viewTabs()->widget(i)->findChild<QLabel*>(QStringLiteral("viewNote"));
            QVERIFY2(note, qPrintable(info.id));
            QVERIFY(note->text().contains(QStringLiteral("What am I looking at?")));
            QVERIFY2(anchors.contains(info.guideAnchor), qPrintable(info.guideAnchor));
            Q_EMIT note->linkActivated(info.guideAnchor);
            QVERIFY(w.helpWindow() && w.helpWindow()->isVisible());
            const QUrl source = w.helpWindow()->browser()->source();
            QCOMPARE(QFileInfo(source.toLocalFile()).fileName(), QStringLiteral("analyses.html"));
            QCOMPARE(source.fragment(), info.guideAnchor);
        }
    }

    // MEMLOC_GUIDE_DIR comes first; a folder without index.html is passed over.
    void guideFolderFromTheEnvironment() {
        QTemporaryDir copy;
        QVERIFY(QFile::copy(HelpWindow::guideDirectory() + QStringLiteral("/index.html"), copy.filePath(QStringLiteral("index.html"))));
        qputenv("MEMLOC_GUIDE_DIR", copy.path().toUtf8());
        QCOMPARE(HelpWindow::guideDirectory(), copy.path());
        qputenv("MEMLOC_GUIDE_DIR", QByteArrayLiteral("/nonexistent-guide"));
        QCOMPARE(HelpWindow::guideSearchPath().first(), QStringLiteral("/nonexistent-guide"));
        QVERIFY(HelpWindow::guideDirectory() != QStringLiteral("/nonexistent-guide"));
        qunsetenv("MEMLOC_GUIDE_DIR");
    }
};

QTEST_MAIN(TestUiGuide)
#include "test_ui_guide.moc"
