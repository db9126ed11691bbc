#pragma once
// The one way ui/ includes QCustomPlot: qcustomplot.h uses Qt's `signals` and `foreach` keywords,
// which QT_NO_KEYWORDS (needed next to LibTorch) switches off; define them around it only.

#ifndef signals
#define signals Q_SIGNALS
#define MEMLOC_QCP_DEFINED_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define MEMLOC_QCP_DEFINED_FOREACH
#endif

#include <qcustomplot.h>

#ifdef MEMLOC_QCP_DEFINED_SIGNALS
#undef signals
#undef MEMLOC_QCP_DEFINED_SIGNALS
#endif
#ifdef MEMLOC_QCP_DEFINED_FOREACH
#undef foreach
#undef MEMLOC_QCP_DEFINED_FOREACH
#endif
