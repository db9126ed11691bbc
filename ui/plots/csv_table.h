#pragma once
// The data behind a plot, as a table that is written as CSV.

#include <QList>
#include <QString>
#include <QStringList>

namespace memloc::ui {

/// A header row and data rows of text cells (RFC 4180 quoting on write).
struct CsvTable {
    QStringList header;
    QList<QStringList> rows;

    /// Full-precision text for a number; "" for NaN (undefined, e.g. no noisy example).
    static QString number(double value);
    QString toText() const;
    /// Writes the table to `path`; on failure returns false and sets `error`.
    bool write(const QString& path, QString* error = nullptr) const;
};

} // namespace memloc::ui
