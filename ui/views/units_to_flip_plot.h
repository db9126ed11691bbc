#pragma once
// The histogram of units zeroed to flip an example (flipping analysis), the studied set against the rest.

#include "plots/plot_widget.h"
#include "views/set_names.h"

#include "memloc/flipping.h"

#include <memory>

namespace memloc::ui {

/// Bars of how many examples flipped after zeroing n units, of the studied set (noisy, or a focus
/// set, named by `names`) and of the rest side by side; the
/// examples not flipped within the analysis' budget at budget + 1. Its CSV has one row per example
/// the analysis tried. Empty without a flipping analysis.
class UnitsToFlipPlot : public PlotWidget {
    Q_OBJECT

public:
    explicit UnitsToFlipPlot(QWidget* parent = nullptr);
    void setFlipping(std::shared_ptr<const core::FlipResult> flipping, const SetNames& names = SetNames());

private:
    CsvTable table() const;

    std::shared_ptr<const core::FlipResult> m_flipping;
};

} // namespace memloc::ui
