#pragma once
// The engine thread behind live neuron dropping: a core::DropSession and a one-slot request queue.

#include "memloc/neurons.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace memloc::ui {

/// One evaluation to do: drop `units`, predict `example` (-1: none). `serial` grows with every
/// request, so the GUI can tell the answer to its latest request from older ones.
struct DropRequest {
    quint64 serial = 0;
    std::vector<core::UnitRef> units;
    qint64 example = -1;
};

/// The answer to a DropRequest, as a value (crosses threads by copy).
struct DropOutcome {
    quint64 serial = 0;
    std::vector<core::UnitRef> units;
    qint64 example = -1;
    core::DropResult result;
    QString error;  ///< non-empty: the evaluation failed (core::Error text); result is unset
};

/// The requests waiting for the engine thread: at most one. A newer request replaces a pending
/// one that has not started (coalescing), so a burst of clicks costs at most one evaluation
/// beyond the one already running. Shared by the GUI thread (post) and the engine thread (take).
class DropRequestSlot {
public:
    /// Stores `request` in place of any pending one. Returns true when the engine thread must be
    /// woken (nothing was scheduled); false when a wake-up is already on its way.
    bool post(DropRequest request);
    /// Takes the pending request; when there is none, marks the slot idle and returns nullopt.
    std::optional<DropRequest> take();

private:
    std::mutex m_mutex;
    std::optional<DropRequest> m_pending;
    bool m_scheduled = false;
};

/// Lives on the engine thread. Loads the run's DropSession on the first request (blocking that
/// thread only, never the GUI) and answers every request taken from the slot.
class DropWorker : public QObject {
    Q_OBJECT

public:
    DropWorker(const QString& runPath, qint64 evalSubset, std::shared_ptr<DropRequestSlot> slot);
    ~DropWorker() override;

    /// Engine thread: evaluates pending requests until the slot is empty.
    void process();

Q_SIGNALS:
    /// The session is loaded (or failed to load: error non-empty).
    void loaded(const QString& error);
    void evaluated(const memloc::ui::DropOutcome& outcome);

private:
    QString m_runPath;
    qint64 m_evalSubset;
    std::shared_ptr<DropRequestSlot> m_slot;
    std::unique_ptr<core::DropSession> m_session;
    QString m_loadError;
};

} // namespace memloc::ui

Q_DECLARE_METATYPE(memloc::ui::DropOutcome)
