#pragma once
// File > Reproduction Report: the paper's experiment suite and its report as a background job,
// opened in the browser and in a Compare window when done.

#include "memloc/reproduce.h"

namespace memloc::ui {

class MainWindow;
class ReproduceJob;

/// Shows the ReproduceDialog and starts the reproduction it asks for. When the folder already
/// holds a finished reproduction of the same plan (reproductionComplete), asks instead whether to
/// open its report or to re-check it (every run is found done: only the report is rewritten).
void reproduceInteractively(MainWindow* window);

/// Starts `request` as a ReproduceJob in the window's job panel (MainWindow::startJob, which shows
/// a failure's message). When it finishes it opens report.html with QDesktopServices and the
/// experiment in a Compare window, as File > Open Experiment does; failed runs are reported in a
/// message box. The job belongs to the window's job list.
ReproduceJob* startReproduction(MainWindow* window, const core::ReproduceRequest& request);

/// Whether `request.folder` holds report.html and an experiment of the same plan whose runs are
/// all done. Quick: reads experiment.json only; false on any problem (the job then reports it).
bool reproductionComplete(const core::ReproduceRequest& request);

} // namespace memloc::ui
