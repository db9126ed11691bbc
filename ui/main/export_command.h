#pragma once
// `memloc export RUN.h5 --out DIR`: every figure of a run, without a display.

#include <QStringList>

namespace memloc::ui {

/// Runs the export command on `arguments` (those after "export"). Needs a QApplication (the
/// offscreen platform is enough). Prints written files on stdout, problems on stderr. Returns the
/// exit status: 0 ok, 1 bad run file or failed write, 2 bad command line.
int runExportCommand(const QStringList& arguments);

} // namespace memloc::ui
