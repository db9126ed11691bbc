#pragma once

namespace memloc::ui {

/// Registers memloc.qrc (icons, embedded presets). memloc_ui is a static library, so its
/// resources must be initialised explicitly; safe to call more than once.
void initResources();

} // namespace memloc::ui
