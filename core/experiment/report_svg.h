#pragma once
// Figures of the reproduction report drawn as inline SVG (no external file, no script).

#include "memloc/reproduce.h"

#include <string>

namespace memloc::core {

/// `text` with & < > " ' escaped for HTML and SVG.
std::string escapeHtml(const std::string& text);

/// A figure as an <svg> element: lines over figure.x, or grouped bars over figure.categories;
/// a band's min-max shown as a shaded area or an error line when it spans several runs.
std::string figureToSvg(const Figure& figure);

} // namespace memloc::core
