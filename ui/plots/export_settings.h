#pragma once
// How figures are exported; remembered between sessions (QSettings group "export").

#include <QSizeF>
#include <QString>
#include <QStringList>

namespace memloc::ui {

/// Export choices the user made last time.
struct ExportSettings {
    enum class Size { OneColumn, TwoColumn, Screen };

    int dpi = 300;                 ///< PNG resolution
    Size size = Size::OneColumn;   ///< figure size of PNG / PDF / SVG exports
    QString lastFolder;            ///< folder of the last export (file dialogs start there)
    QStringList reportFormats = {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("svg"),
                                 QStringLiteral("csv")};

    static ExportSettings load();
    void save() const;

    /// Figure size in inches for `size`; {0, 0} for Size::Screen (the widget's own size).
    static QSizeF inches(Size size);
    static QString sizeName(Size size);
};

} // namespace memloc::ui
