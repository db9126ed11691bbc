#include "main/resources.h"

#include <QtGlobal>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initMemlocResources() { Q_INIT_RESOURCE(memloc); }

namespace memloc::ui {

void initResources() {
    static const bool done = (initMemlocResources(), true);
    Q_UNUSED(done);
}

} // namespace memloc::ui
