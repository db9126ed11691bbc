#include "main/welcome_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace memloc::ui {

WelcomeWidget::WelcomeWidget(QWidget* parent) : QWidget(parent) {
    auto* icon = new QLabel;
    icon->setPixmap(QIcon(QStringLiteral(":/memloc/icons/memloc.svg")).pixmap(96, 96));
    icon->setAlignment(Qt::AlignCenter);
    auto* text = new QLabel(
        tr("<h2>memloc</h2><p>Where does a neural network memorize its mislabeled examples?</p>"
           "<p>Open a run file (.h5) made by memloc or <tt>memloc-cli train</tt> - or drop one here - "
           "or train a new run; its curves grow live while it trains.</p>"));
    text->setAlignment(Qt::AlignCenter);
    text->setWordWrap(true);
    text->setMaximumWidth(560);

    auto* open = new QPushButton(tr("Open Run..."));
    auto* train = new QPushButton(tr("New Training Run..."));
    connect(open, &QPushButton::clicked, this, &WelcomeWidget::openRequested);
    connect(train, &QPushButton::clicked, this, &WelcomeWidget::newRunRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(open);
    buttons->addWidget(train);
    buttons->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->addStretch(1);
    layout->addWidget(icon);
    layout->addWidget(text, 0, Qt::AlignHCenter);
    layout->addLayout(buttons);
    layout->addStretch(2);
}

} // namespace memloc::ui
