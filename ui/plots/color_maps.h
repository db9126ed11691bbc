#pragma once
// Colour maps of memloc's figures.

#include "plots/qcustomplot_wrapper.h"

namespace memloc::ui {

/// Matplotlib's viridis (perceptually uniform, colour-blind safe): magnitudes in [min, max].
QCPColorGradient viridisGradient();
/// Blue - white - red (ColorBrewer RdBu reversed): signed values; centre the data range on 0.
QCPColorGradient divergingGradient();
/// The colour of layer group / series / condition `index` (matplotlib's tab10, cycled).
QColor seriesColour(int index);

} // namespace memloc::ui
