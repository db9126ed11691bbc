#include "plots/csv_table.h"

#include <QSaveFile>

#include <cmath>

namespace memloc::ui {

namespace {
QString quoted(const QString& cell) {
    if (!cell.contains(QLatin1Char(',')) && !cell.contains(QLatin1Char('"')) && !cell.contains(QLatin1Char('\n')))
        return cell;
    QString escaped = cell;
    escaped.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QStringLiteral("\"%1\"").arg(escaped);
}

void appendRow(QString& out, const QStringList& cells) {
    for (int i = 0; i < cells.size(); ++i) {
        if (i > 0) out += QLatin1Char(',');
        out += quoted(cells[i]);
    }
    out += QLatin1Char('\n');
}
} // namespace

QString CsvTable::number(double value) {
    if (std::isnan(value)) return {};
    return QString::number(value, 'g', 10);
}

QString CsvTable::toText() const {
    QString out;
    appendRow(out, header);
    for (const QStringList& row : rows) appendRow(out, row);
    return out;
}

bool CsvTable::write(const QString& path, QString* error) const {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(toText().toUtf8()) < 0 || !file.commit()) {
        if (error) *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace memloc::ui
