#pragma once
// The state of live neuron dropping for one run: dropped units, selected example, latest result.

#include "jobs/drop_worker.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

#include <memory>
#include <set>
#include <utility>
#include <vector>

class QThread;

namespace memloc::ui {

/// GUI-thread side of live dropping. Owns one engine thread with a DropWorker (created on first
/// use, since loading the run blocks). Every change of the unit set or the example posts a
/// request; a request that has not started is replaced by the newer one (DropRequestSlot), and
/// results come back as DropOutcome values through a queued signal. Never waits on the engine,
/// except at destruction / setRun (quit -> wait for the evaluation in progress).
class LiveDropModel : public QObject {
    Q_OBJECT

public:
    /// Clean / noisy / test examples the live accuracies are computed on.
    static constexpr qint64 kEvalSubset = 500;
    using Unit = std::pair<int, int>;  ///< (group index, channel)

    explicit LiveDropModel(QObject* parent = nullptr);
    ~LiveDropModel() override;

    /// Switches to a run (its path and layer group names); keeps the state when nothing changed,
    /// otherwise stops the engine and clears the units. An empty path: no run.
    void setRun(const QString& runPath, const QStringList& groups, qint64 epochsCompleted);
    const QString& runPath() const { return m_runPath; }

    const std::set<Unit>& units() const { return m_units; }
    bool isDropped(int group, int channel) const { return m_units.count({group, channel}) > 0; }
    qint64 example() const { return m_example; }
    /// The units as core references (group names), in (group, channel) order.
    std::vector<core::UnitRef> unitRefs() const;

    void toggle(int group, int channel);
    void reset();
    void setExample(qint64 example);
    /// Posts a request for the current state (e.g. the baseline when the view is first shown).
    void refresh();

    /// The newest result received (evaluations() == 0: none yet for this run).
    const DropOutcome& outcome() const { return m_outcome; }
    /// The newest result answers the newest request.
    bool isUpToDate() const { return m_outcome.serial == m_serial && m_evaluations > 0; }
    /// Results received since the run was set (coalesced requests are never answered).
    int evaluations() const { return m_evaluations; }

Q_SIGNALS:
    void unitsChanged();
    /// A result arrived (outcome() holds it).
    void evaluated(const memloc::ui::DropOutcome& outcome);

private:
    void stop();
    void post();
    /// An outcome from the engine thread (a member slot, not a lambda: see AnalysisJob).
    void onEvaluated(const DropOutcome& outcome);

    QString m_runPath;
    QStringList m_groups;
    qint64 m_epochs = 0;
    std::set<Unit> m_units;
    qint64 m_example = -1;
    quint64 m_serial = 0;
    int m_evaluations = 0;
    DropOutcome m_outcome;
    std::shared_ptr<DropRequestSlot> m_slot;
    QThread* m_thread = nullptr;
    DropWorker* m_worker = nullptr;
    /// Engines retired by stop(): each deletes itself once its thread ended, unless the model is
    /// destroyed first (then the destructor deletes it after waiting for the thread).
    std::vector<QPointer<DropWorker>> m_retired;
};

} // namespace memloc::ui
