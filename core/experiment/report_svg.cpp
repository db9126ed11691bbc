// The reproduction report's figures as inline SVG: line charts over epochs and grouped bar charts,
// each value drawn as its mean with the min-max band over the runs when there are several.

#include "experiment/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

constexpr double kWidth = 720, kHeight = 300, kLeft = 60, kRight = 200, kTop = 20, kBottom = 50;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"};

std::string formatted(double v, const char* format) {
    char text[32];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

std::string num(double v) { return formatted(v, "%.1f"); }
std::string tick(double v) { return formatted(v, "%.3g"); }

bool finite(const Band& b) { return b.n > 0 && std::isfinite(b.mean); }

/// The y range of every band's min and max (and 0), widened a little.
std::pair<double, double> yRange(const Figure& f) {
    double lo = 0, hi = 0;
    for (const auto& s : f.series)
        for (const Band& b : s.values)
            if (finite(b)) {
                lo = std::min({lo, b.min, b.mean});
                hi = std::max({hi, b.max, b.mean});
            }
    if (hi - lo < 1e-9) hi = lo + 1;
    return {lo, hi + 0.05 * (hi - lo)};
}

struct Frame {
    double yLo, yHi;
    double y(double v) const { return kTop + (kHeight - kTop - kBottom) * (1 - (v - yLo) / (yHi - yLo)); }
};

std::string axes(const Figure& f, const Frame& frame) {
    std::string s;
    const double bottom = kHeight - kBottom, right = kWidth - kRight;
    s += "<line x1='" + num(kLeft) + "' y1='" + num(bottom) + "' x2='" + num(right) + "' y2='" + num(bottom) +
         "' stroke='#333'/>";
    s += "<line x1='" + num(kLeft) + "' y1='" + num(kTop) + "' x2='" + num(kLeft) + "' y2='" + num(bottom) +
         "' stroke='#333'/>";
    for (int k = 0; k <= 4; ++k) {
        const double v = frame.yLo + (frame.yHi - frame.yLo) * k / 4.0;
        const double y = frame.y(v);
        s += "<line x1='" + num(kLeft) + "' y1='" + num(y) + "' x2='" + num(right) + "' y2='" + num(y) +
             "' stroke='#ddd'/><text x='" + num(kLeft - 5) + "' y='" + num(y + 4) + "' text-anchor='end'>" + tick(v) +
             "</text>";
    }
    if (frame.yLo < 0)
        s += "<line x1='" + num(kLeft) + "' y1='" + num(frame.y(0)) + "' x2='" + num(right) + "' y2='" +
             num(frame.y(0)) + "' stroke='#333'/>";
    s += "<text x='" + num((kLeft + right) / 2) + "' y='" + num(kHeight - 8) + "' text-anchor='middle'>" +
         escapeHtml(f.xLabel) + "</text>";
    s += "<text transform='translate(14," + num((kTop + bottom) / 2) + ") rotate(-90)' text-anchor='middle'>" +
         escapeHtml(f.yLabel) + "</text>";
    for (std::size_t i = 0; i < f.series.size(); ++i) {
        const double y = kTop + 16.0 * static_cast<double>(i);
        s += "<rect x='" + num(right + 10) + "' y='" + num(y) + "' width='12' height='10' fill='" + kColors[i % 8] +
             "'/><text x='" + num(right + 26) + "' y='" + num(y + 9) + "'>" + escapeHtml(f.series[i].name) + "</text>";
    }
    return s;
}

std::string lines(const Figure& f, const Frame& frame) {
    std::string s;
    if (f.x.empty()) return s;
    const double x0 = f.x.front(), x1 = f.x.size() > 1 ? f.x.back() : x0 + 1;
    auto x = [&](double v) { return kLeft + (kWidth - kRight - kLeft) * (v - x0) / (x1 - x0); };
    const std::size_t step = std::max<std::size_t>(1, f.x.size() / 10);
    for (std::size_t i = 0; i < f.x.size(); i += step)
        s += "<text x='" + num(x(f.x[i])) + "' y='" + num(kHeight - kBottom + 16) + "' text-anchor='middle'>" +
             tick(f.x[i]) + "</text>";
    for (std::size_t k = 0; k < f.series.size(); ++k) {
        const auto& v = f.series[k].values;
        std::string band, upper, lower, line;
        for (std::size_t i = 0; i < v.size() && i < f.x.size(); ++i) {
            if (!finite(v[i])) continue;
            line += num(x(f.x[i])) + "," + num(frame.y(v[i].mean)) + " ";
            if (v[i].n > 1) {
                upper += num(x(f.x[i])) + "," + num(frame.y(v[i].max)) + " ";
                lower = num(x(f.x[i])) + "," + num(frame.y(v[i].min)) + " " + lower;
            }
        }
        if (!upper.empty())
            s += "<polygon points='" + upper + lower + "' fill='" + kColors[k % 8] + "' opacity='0.2'/>";
        s += "<polyline points='" + line + "' fill='none' stroke='" + kColors[k % 8] + "' stroke-width='2'/>";
    }
    return s;
}

std::string bars(const Figure& f, const Frame& frame) {
    std::string s;
    const std::size_t nc = std::max<std::size_t>(1, f.categories.size()), ns = std::max<std::size_t>(1, f.series.size());
    const double slot = (kWidth - kRight - kLeft) / static_cast<double>(nc);
    const double bar = slot * 0.8 / static_cast<double>(ns);
    for (std::size_t c = 0; c < f.categories.size(); ++c) {
        const double cx = kLeft + slot * (static_cast<double>(c) + 0.5);
        s += "<text x='" + num(cx) + "' y='" + num(kHeight - kBottom + 16) + "' text-anchor='middle'>" +
             escapeHtml(f.categories[c]) + "</text>";
        for (std::size_t k = 0; k < f.series.size(); ++k) {
            if (c >= f.series[k].values.size() || !finite(f.series[k].values[c])) continue;
            const Band& b = f.series[k].values[c];
            const double left = kLeft + slot * static_cast<double>(c) + slot * 0.1 + bar * static_cast<double>(k);
            const double top = frame.y(std::max(b.mean, 0.0)), zero = frame.y(std::min(b.mean, 0.0));
            s += "<rect x='" + num(left) + "' y='" + num(top) + "' width='" + num(bar * 0.9) + "' height='" +
                 num(std::max(zero - top, 0.5)) + "' fill='" + kColors[k % 8] + "'><title>" +
                 escapeHtml(f.series[k].name + ", " + f.categories[c]) + ": " + tick(b.mean) + "</title></rect>";
            if (b.n > 1) {
                const double mid = left + bar * 0.45;
                s += "<line x1='" + num(mid) + "' y1='" + num(frame.y(b.min)) + "' x2='" + num(mid) + "' y2='" +
                     num(frame.y(b.max)) + "' stroke='#000'/>";
            }
        }
    }
    return s;
}

} // namespace

std::string escapeHtml(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string figureToSvg(const Figure& figure) {
    const auto [lo, hi] = yRange(figure);
    const Frame frame{lo, hi};
    std::string s = "<svg width='" + num(kWidth) + "' height='" + num(kHeight) + "' viewBox='0 0 " + num(kWidth) + " " +
                    num(kHeight) + "' font-family='sans-serif' font-size='11' role='img'><title>" +
                    escapeHtml(figure.title) + "</title>";
    s += axes(figure, frame);
    s += figure.bars ? bars(figure, frame) : lines(figure, frame);
    return s + "</svg>";
}

} // namespace memloc::core
