#include "io/run_layout.h"

#include "io/h5_util.h"
#include "io/safe_save.h"

#include <cstdio>
#include <iterator>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

namespace memloc::core {

namespace {

/// Room per HDF5 object (its header, its entry in the group's symbol table and name heap) and for
/// the file's fixed structures, in layoutBytes: upper bounds with room to spare.
constexpr std::uint64_t kObjectBytes = 1024;
constexpr std::uint64_t kGroupBytes = 4096;
constexpr std::uint64_t kFixedBytes = 256 * 1024;
/// Rows per chunk of the series (h5::createSeries).
constexpr std::uint64_t kSeriesChunk = 64;

std::uint64_t storedBytes(const torch::Tensor& t) {
    return static_cast<std::uint64_t>(t.numel()) * (t.scalar_type() == torch::kBool ? 1 : t.element_size());
}

std::uint64_t roundUp(std::uint64_t n, std::uint64_t to) { return (n + to - 1) / to * to; }

/// An open file descriptor, closed on scope exit.
struct Descriptor {
    int fd;
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

/// The plain writes that save one epoch, collected before any is made.
class EpochWrites {
public:
    explicit EpochWrites(int fd) : m_fd(fd) {}

    /// Adds the write of `value` into dataset `name` of `group`; false if it has no room for it.
    bool tensor(const H5::Group& group, const std::string& name, const torch::Tensor& value) {
        const H5::PredType* type = nullptr;
        const torch::Tensor stored = h5::storedForm(value, name, &type);
        if (stored.numel() == 0) return group.nameExists(name);
        const auto at = h5::tensorDataOffset(group, name, stored, *type);
        if (at) add(*at, stored);
        return at.has_value();
    }

    /// Adds the write of `values` into row `row` of series `name`; false if it has no such row.
    bool row(const H5::Group& group, const std::string& name, hsize_t row, const std::vector<double>& values) {
        const auto at = h5::seriesRowOffset(group, name, row, values.size());
        if (at) add(*at, torch::tensor(values, torch::kDouble));
        return at.has_value();
    }

    /// Adds the write of `values` over the int64 attribute `name` of `obj` (same number of values).
    bool attr(const H5::H5Object& obj, const std::string& name, const std::vector<std::int64_t>& values) {
        const auto at = attrOffset(obj, name, values.size());
        if (at) add(*at, torch::tensor(values, torch::kLong));
        return at.has_value();
    }

    /// Where the value of int64 attribute `name` of `obj`, of `count` values, lies in the file.
    std::optional<std::uint64_t> attrOffset(const H5::H5Object& obj, const std::string& name, std::size_t count) const {
        if (!obj.attrExists(name)) return std::nullopt;
        const std::vector<std::int64_t> current = h5::readIntVectorAttr(obj, name);
        if (current.size() != count) return std::nullopt;
        const std::string expected(reinterpret_cast<const char*>(current.data()), count * sizeof(std::int64_t));
        return h5::attributeValueOffset(obj, name, m_fd, sizeof(std::int64_t), count, expected);
    }

    const std::vector<RawWrite>& writes() const { return m_writes; }

private:
    void add(std::uint64_t offset, torch::Tensor bytes) {
        m_keep.push_back(bytes);
        m_writes.push_back({offset, bytes.data_ptr(), bytes.nbytes()});
    }

    int m_fd;
    std::vector<torch::Tensor> m_keep;  // owners of the bytes in m_writes
    std::vector<RawWrite> m_writes;
};

} // namespace

std::string checkpointName(std::int64_t epoch) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "epoch_%04lld", static_cast<long long>(epoch));
    return buf;
}

std::vector<double> metricRow(const EpochMetrics& m) {
    return {static_cast<double>(m.epoch), m.trainLoss, m.trainCleanAcc, m.trainNoisyGivenAcc,
            m.trainNoisyTrueAcc, m.testAcc, m.lr, m.seconds};
}

std::uint64_t layoutBytes(Net& model, std::int64_t epochs, bool momentum, std::size_t accountingGroups,
                          std::uint64_t otherBytes) {
    const auto checkpoints = static_cast<std::uint64_t>(epochs + 1);
    std::uint64_t checkpoint = 0, parameters = 0, parameterCount = 0;
    for (const auto& p : model.named_parameters()) {
        parameters += storedBytes(p.value());
        ++parameterCount;
    }
    for (const auto& b : model.named_buffers()) checkpoint += storedBytes(b.value());
    checkpoint += parameters;
    const std::uint64_t tensors = parameterCount + model.named_buffers().size();
    std::uint64_t bytes = otherBytes + kFixedBytes + checkpoints * (checkpoint + tensors * kObjectBytes + kGroupBytes);
    bytes += 2 * (kGroupBytes + parameterCount * kObjectBytes + (momentum ? parameters : 0));
    bytes += std::size(kMetricNames) * (kObjectBytes + roundUp(checkpoints, kSeriesChunk) * sizeof(double));
    if (accountingGroups > 0)
        bytes += kGroupBytes + std::size(kAccountingNames) *
                                   (kObjectBytes + roundUp(checkpoints, kSeriesChunk) * accountingGroups * sizeof(double));
    return bytes;
}

void layOutEpochs(H5::H5File& file, Net& model, std::int64_t epochs, bool momentum) {
    H5::Group checkpoints = file.openGroup("checkpoints");
    for (std::int64_t e = 0; e <= epochs; ++e) {
        H5::Group g = h5::createUntimedGroup(checkpoints, checkpointName(e));
        h5::writeAttr(g, "epoch", e);
        for (const auto& p : model.named_parameters()) h5::allocateTensor(g, p.key(), p.value());
        for (const auto& b : model.named_buffers()) h5::allocateTensor(g, b.key(), b.value());
    }
    H5::Group optimizer = file.openGroup("optimizer");
    const std::vector<std::int64_t> none(model.named_parameters().size(), 0);
    for (const char* name : {"slot_0", "slot_1"}) {
        H5::Group slot = h5::createUntimedGroup(optimizer, name);
        h5::writeAttr(slot, "epoch", std::int64_t{-1});
        h5::writeAttr(slot, "step", std::int64_t{0});
        h5::writeAttr(slot, "stored", none);
        if (momentum)
            for (const auto& p : model.named_parameters()) h5::allocateTensor(slot, p.key(), p.value());
    }
}

bool saveEpochInPlace(const std::string& path, Net& model, const EpochMetrics& metrics,
                      const EpochAccounting* accounting, const std::vector<torch::Tensor>& momentum,
                      std::int64_t step) {
    const Descriptor file{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
    if (file.fd < 0) return false;
    EpochWrites w(file.fd);
    std::optional<std::uint64_t> commitAt;
    H5::Exception::dontPrint();
    try {
        const H5::H5File h5(path, H5F_ACC_RDONLY);
        if (h5::readIntAttr(h5, "format_version") < 2 ||
            h5::readIntAttr(h5, "epochs_completed") != metrics.epoch - 1 || !h5.nameExists("checkpoints"))
            return false;
        const H5::Group checkpoints = h5.openGroup("checkpoints");
        if (!checkpoints.nameExists(checkpointName(metrics.epoch))) return false;
        const H5::Group checkpoint = checkpoints.openGroup(checkpointName(metrics.epoch));
        for (const auto& p : model.named_parameters())
            if (!w.tensor(checkpoint, p.key(), p.value())) return false;
        for (const auto& b : model.named_buffers())
            if (!w.tensor(checkpoint, b.key(), b.value())) return false;

        const H5::Group series = h5.openGroup("metrics");
        const std::vector<double> row = metricRow(metrics);
        for (std::size_t i = 0; i < row.size(); ++i)
            if (!w.row(series, kMetricNames[i], static_cast<hsize_t>(metrics.epoch), {row[i]})) return false;
        if (accounting && h5.nameExists("accounting")) {
            const H5::Group acc = h5.openGroup("accounting");
            const auto index = static_cast<hsize_t>(metrics.epoch - 1);
            if (!w.row(acc, "clean_norm", index, accounting->cleanNorm) ||
                !w.row(acc, "noisy_norm", index, accounting->noisyNorm) ||
                !w.row(acc, "total_norm", index, accounting->totalNorm) || !w.row(acc, "cosine", index, accounting->cosine))
                return false;
        }

        // The slot of this epoch's parity; the other one keeps the state after the last complete epoch.
        const std::string slotName = "slot_" + std::to_string(metrics.epoch % 2);
        if (!h5.openGroup("optimizer").nameExists(slotName)) return false;
        const H5::Group slot = h5.openGroup("optimizer").openGroup(slotName);
        std::vector<std::int64_t> stored;
        std::size_t i = 0;
        for (const auto& p : model.named_parameters()) {
            const bool has = i < momentum.size() && momentum[i].defined();
            if (has && !w.tensor(slot, p.key(), momentum[i])) return false;
            stored.push_back(has ? 1 : 0);
            ++i;
        }
        if (!w.attr(slot, "epoch", {metrics.epoch}) || !w.attr(slot, "step", {step}) || !w.attr(slot, "stored", stored))
            return false;
        commitAt = w.attrOffset(h5, "epochs_completed", 1);
        if (!commitAt) return false;
    } catch (const H5::Exception&) {
        return false;  // not a layout this function knows; the caller's save reports real errors
    }
    const std::int64_t completed = metrics.epoch;
    writeInPlace(file.fd, path, w.writes(), {*commitAt, &completed, sizeof completed},
                 "epoch " + std::to_string(metrics.epoch), kEpochsKept);
    return true;
}

} // namespace memloc::core
