#pragma once
// The central page shown while no run is open.

#include <QWidget>

namespace memloc::ui {

/// Explains the two ways in (open a run, train one) with a button for each.
class WelcomeWidget : public QWidget {
    Q_OBJECT

public:
    explicit WelcomeWidget(QWidget* parent = nullptr);

Q_SIGNALS:
    void openRequested();
    void newRunRequested();
};

} // namespace memloc::ui
