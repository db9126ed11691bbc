#pragma once
// Tiny real runs for the GUI tests (synthetic data, ResNet-9 x0.125; seconds on a CPU).

#include "main/main_window.h"
#include "views/run_view.h"

#include "memloc/run_config.h"

#include <QString>

namespace memloc::test {

/// 128 synthetic 12x12 training images (25% noisy), 32 test images, 2 epochs, CPU.
core::RunConfig tinyConfig();
/// Trains tinyConfig() into `path` with core::trainRun on the calling thread.
void trainTinyRun(const QString& path);
/// Trains tinyConfig() with a focus set named "atypical" (every fourth training example, 32 of
/// 128, listed in `focusFile`, which it writes) into `path`.
void trainTinyFocusRun(const QString& path, const QString& focusFile);
/// The first 128 Fashion-MNIST training images (10% noisy), 32 test images, 1 epoch, CPU: a run
/// whose classes have names. Needs the dataset at its default folder (hasFashionMnist).
core::RunConfig tinyFashionConfig();
bool hasFashionMnist();

/// Points QSettings at a test location named after `application` and empties it, so a suite
/// never reads or changes a user's settings and starts from the defaults.
void useTestSettings(const QString& application);

/// The main window's view of type View (null if it has none).
template <typename View> View* viewOf(const ui::MainWindow& w) {
    for (ui::RunView* view : w.views())
        if (auto* v = qobject_cast<View*>(view)) return v;
    return nullptr;
}

} // namespace memloc::test
