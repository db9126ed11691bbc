#include "plots/color_maps.h"

#include <initializer_list>
#include <utility>

namespace memloc::ui {

namespace {
QCPColorGradient fromStops(std::initializer_list<std::pair<double, QRgb>> stops) {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    for (const auto& [position, rgb] : stops) gradient.setColorStopAt(position, QColor(rgb));
    gradient.setColorInterpolation(QCPColorGradient::ciRGB);
    gradient.setLevelCount(256);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    return gradient;
}
} // namespace

QCPColorGradient viridisGradient() {
    return fromStops({{0.000, 0x440154}, {0.125, 0x472d7b}, {0.250, 0x3b528b}, {0.375, 0x2c728e}, {0.500, 0x21918c},
                      {0.625, 0x28ae80}, {0.750, 0x5ec962}, {0.875, 0xaddc30}, {1.000, 0xfde725}});
}

QCPColorGradient divergingGradient() {
    return fromStops({{0.0, 0x053061}, {0.1, 0x2166ac}, {0.2, 0x4393c3}, {0.3, 0x92c5de}, {0.4, 0xd1e5f0}, {0.5, 0xf7f7f7},
                      {0.6, 0xfddbc7}, {0.7, 0xf4a582}, {0.8, 0xd6604d}, {0.9, 0xb2182b}, {1.0, 0x67001f}});
}

QColor seriesColour(int index) {
    static const QRgb kTab10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                  0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    return QColor(kTab10[index % 10]);
}

} // namespace memloc::ui
