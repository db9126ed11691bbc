#include "views/set_names.h"

#include <QCoreApplication>

namespace memloc::ui {

SetNames::SetNames()
    : m_set(QCoreApplication::translate("SetNames", "noisy")),
      m_rest(QCoreApplication::translate("SetNames", "clean")) {}

SetNames::SetNames(const core::FocusNames& names) : SetNames() {
    if (names.labelNoise) return;
    m_labelNoise = false;
    m_set = QString::fromStdString(names.set);
    m_rest = QString::fromStdString(names.rest);
}

QString SetNames::label(SetPart part, const QString& noiseText) const {
    if (m_labelNoise) return noiseText;
    switch (part) {
    case SetPart::None: return noiseText;
    case SetPart::Rest: return m_rest;
    case SetPart::SetGiven: return QCoreApplication::translate("SetNames", "%1 (fitted)").arg(m_set);
    case SetPart::SetTrue: return QCoreApplication::translate("SetNames", "%1, true label").arg(m_set);
    }
    return noiseText;
}

QString SetNames::pick(const QString& noiseText, const QString& focusText) const {
    if (m_labelNoise) return noiseText;
    // One pass over both placeholders, so a name containing "%2" stays as it is.
    const bool set = focusText.contains(QLatin1String("%1")), rest = focusText.contains(QLatin1String("%2"));
    if (set && rest) return focusText.arg(m_set, m_rest);
    if (set) return focusText.arg(m_set);
    return rest ? focusText.arg(m_rest) : focusText;  // arg() fills the lowest placeholder, here %2
}

bool SetNames::operator==(const SetNames& other) const {
    return m_labelNoise == other.m_labelNoise && m_set == other.m_set && m_rest == other.m_rest;
}

} // namespace memloc::ui
