#include "plots/export_settings.h"

#include <QSettings>
#include <QSizeF>

namespace memloc::ui {

namespace {
constexpr auto kGroup = "export";
}

ExportSettings ExportSettings::load() {
    ExportSettings s;
    QSettings settings;
    settings.beginGroup(QLatin1String(kGroup));
    s.dpi = qBound(72, settings.value(QStringLiteral("dpi"), s.dpi).toInt(), 1200);
    s.size = static_cast<Size>(qBound(0, settings.value(QStringLiteral("size"), static_cast<int>(s.size)).toInt(), 2));
    s.lastFolder = settings.value(QStringLiteral("lastFolder")).toString();
    s.reportFormats = settings.value(QStringLiteral("reportFormats"), s.reportFormats).toStringList();
    return s;
}

void ExportSettings::save() const {
    QSettings settings;
    settings.beginGroup(QLatin1String(kGroup));
    settings.setValue(QStringLiteral("dpi"), dpi);
    settings.setValue(QStringLiteral("size"), static_cast<int>(size));
    settings.setValue(QStringLiteral("lastFolder"), lastFolder);
    settings.setValue(QStringLiteral("reportFormats"), reportFormats);
}

QSizeF ExportSettings::inches(Size size) {
    switch (size) {
    case Size::OneColumn: return {3.5, 2.6};   // a single column of a two-column paper
    case Size::TwoColumn: return {7.0, 3.0};   // the full text width
    case Size::Screen: break;
    }
    return {0, 0};
}

QString ExportSettings::sizeName(Size size) {
    switch (size) {
    case Size::OneColumn: return QStringLiteral("One column (3.5 x 2.6 in)");
    case Size::TwoColumn: return QStringLiteral("Two columns (7.0 x 3.0 in)");
    case Size::Screen: break;
    }
    return QStringLiteral("As on screen");
}

} // namespace memloc::ui
