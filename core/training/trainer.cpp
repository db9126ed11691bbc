// trainRun / resumeRun: the training loop that fills a run file epoch by epoch.

#include "memloc/error.h"
#include "memloc/training.h"

#include "config/int_list.h"
#include "dist/process_group.h"
#include "io/run_file.h"
#include "models/channel_gate.h"
#include "training/device.h"
#include "training/evaluator.h"
#include "training/gradient_accountant.h"
#include "training/lr_schedule.h"
#include "training/run_data.h"
#include "training/sgd.h"
#include "training/train_step.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t stepsPerEpoch(const RunConfig& c, std::int64_t trainSize) {
    return (trainSize + c.batchSize - 1) / c.batchSize;
}

/// Mixes the run seed and the epoch so each epoch has its own order, reproducible on resume.
std::uint64_t shuffleSeed(std::int64_t seed, std::int64_t epoch) {
    return static_cast<std::uint64_t>(seed) * 1000003ULL + static_cast<std::uint64_t>(epoch) * 7919ULL + 17ULL;
}

ModelSpec modelSpecFor(const RunConfig& c, const RunData& d) {
    ModelSpec spec;
    spec.architecture = c.model;
    spec.width = c.width;
    spec.inChannels = d.trainImages.size(1);
    spec.imageSize = d.trainImages.size(2);
    spec.numClasses = d.numClasses;
    spec.resnetStem = c.resnetStem;
    spec.patchSize = c.patchSize;
    if (c.dropout == "example-tied") {
        spec.etd.enabled = true;
        spec.etd.pGen = c.pGen;
        spec.etd.pMem = c.pMem;
        spec.etd.blocks = parseIntList(c.dropoutBlocks, "dropout_blocks");
        spec.etd.seed = static_cast<std::uint64_t>(c.seed);
        spec.etd.rounding = etdRoundingFromName(c.etdRounding);
    }
    return spec;
}

/// Owns everything one training call needs and runs epochs into the run file.
class TrainingLoop {
public:
    TrainingLoop(RunConfig config, const ComputeDevice& device, RunData data, std::shared_ptr<Net> model,
                 std::string path)
        : m_config(std::move(config)),
          m_device(device),
          m_data(std::move(data)),
          m_mode(trainingModeOf(m_config, device.device)),
          m_model(laidOut(std::move(model), m_mode)),
          m_path(std::move(path)),
          m_steps(stepsPerEpoch(m_config, m_data.trainSize())),
          m_schedule(m_config.schedule, m_config.lr, m_steps * m_config.epochs, m_steps, m_config.warmup,
                     m_config.peakEpoch),
          m_sgd(m_model->parameters(), m_config.momentum, m_config.weightDecay, m_config.nesterov) {
        if (m_config.accounting) m_accountant.emplace(*m_model, m_model->layerGroups());
    }

    Sgd& sgd() { return m_sgd; }
    std::int64_t steps() const { return m_steps; }

    TrainResult run(std::int64_t firstEpoch, const TrainCallbacks& cb) {
        TrainResult result;
        result.epochsPlanned = m_config.epochs;
        result.epochsCompleted = firstEpoch - 1;
        result.device = m_device.description;
        for (std::int64_t epoch = firstEpoch; epoch <= m_config.epochs; ++epoch) {
            std::optional<EpochMetrics> metrics = trainEpoch(epoch, cb);
            if (!metrics) {
                result.cancelled = true;
                return result;
            }
            if (dist::isRoot())
                appendEpoch(m_path, *m_model, *metrics, m_accountant ? &m_lastAccounting : nullptr,
                            m_sgd.momentumBuffers(), epoch * m_steps);
            result.epochsCompleted = epoch;
            if (cb.epochDone) cb.epochDone(*metrics);
        }
        return result;
    }

private:
    std::optional<EpochMetrics> trainEpoch(std::int64_t epoch, const TrainCallbacks& cb) {
        const auto started = Clock::now();
        m_model->train();
        if (m_accountant) m_accountant->beginEpoch();
        const std::int64_t n = m_data.trainSize();
        const torch::Tensor order = torch::randperm(
            n, at::make_generator<at::CPUGeneratorImpl>(shuffleSeed(m_config.seed, epoch)), torch::kLong);
        torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat).device(m_device.device));
        const std::string stage = "epoch " + std::to_string(epoch) + "/" + std::to_string(m_config.epochs);
        double lr = 0;
        // The epoch's order goes to the device once: a blocking copy per batch would make the
        // host wait for the GPU every step. The host copy serves the noisy counts (CPU only).
        const torch::Tensor orderDevice = order.to(m_device.device);
        for (std::int64_t b = 0; b < m_steps; ++b) {
            if (cb.cancel && cb.cancel->isCancelled()) return std::nullopt;
            std::int64_t lo = b * m_config.batchSize, hi = std::min(n, (b + 1) * m_config.batchSize);
            const std::int64_t globalBatch = hi - lo;
            if (dist::active()) {  // data-parallel: this process's shard of the batch
                const auto [shardLo, shardHi] = dist::shard(globalBatch, dist::rank(), dist::worldSize());
                hi = lo + shardHi;
                lo += shardLo;
            }
            const torch::Tensor idx = order.slice(0, lo, hi);
            dist::recordWork("training examples", idx.size(0));
            const torch::Tensor idxDevice = orderDevice.slice(0, lo, hi);
            const std::int64_t noisyCount =
                m_accountant ? m_data.focusMask.index_select(0, idx).sum().item<std::int64_t>() : 0;
            lr = m_schedule.at((epoch - 1) * m_steps + b);
            m_model->context().exampleIds = idxDevice;  // example-tied dropout draws masks by id
            m_model->context().etdMode = EtdMode::Example;
            lossSum += trainStep(*m_model, m_sgd, m_accountant ? &*m_accountant : nullptr,
                                 m_data.trainImages.index_select(0, idxDevice),
                                 m_data.trainGiven.index_select(0, idxDevice),
                                 m_data.focusMaskDevice.index_select(0, idxDevice), noisyCount, lr,
                                 dist::active() ? globalBatch : 0, m_mode);
            if (cb.progress) cb.progress({b + 1, m_steps, stage});
        }
        if (cb.cancel && cb.cancel->isCancelled()) return std::nullopt;
        if (cb.progress) cb.progress({m_steps, m_steps, stage + ": evaluating"});

        m_model->context() = ForwardContext{};  // evaluation: expected (test-mode) dropout
        EpochMetrics m;
        m.epoch = epoch;
        std::vector<torch::Tensor> loss{lossSum};
        dist::allReduceSum(loss);
        m.trainLoss = loss[0].item<double>() / static_cast<double>(n);
        m.lr = lr;
        if (m_accountant) m_accountant->allReduceSums();
        // Every process holds the same model: only rank 0 evaluates and writes the run file.
        if (dist::isRoot()) evaluateRun(*m_model, m_data, m_config.evalBatchSize, m);
        if (m_accountant) m_lastAccounting = m_accountant->endEpoch();
        m.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        return m;
    }

    /// The model with its weights laid out as `mode` asks (before the optimizer sees them).
    static std::shared_ptr<Net> laidOut(std::shared_ptr<Net> model, const TrainingMode& mode) {
        if (mode.channelsLast) toChannelsLast(*model);
        return model;
    }

    RunConfig m_config;
    ComputeDevice m_device;
    RunData m_data;
    TrainingMode m_mode;
    std::shared_ptr<Net> m_model;
    std::string m_path;
    std::int64_t m_steps;
    LrSchedule m_schedule;
    Sgd m_sgd;
    std::optional<GradientAccountant> m_accountant;
    EpochAccounting m_lastAccounting;
};

} // namespace

TrainResult trainRun(const RunConfig& config, const std::string& outPath, const TrainCallbacks& callbacks,
                     bool overwrite) {
    validateConfig(config);
    const ComputeDevice device = selectDevice(config.device, config.threads);
    RunData data = prepareRunData(config, device.device);
    const ModelSpec spec = modelSpecFor(config, data);
    torch::manual_seed(static_cast<std::uint64_t>(config.seed));
    std::shared_ptr<Net> model = buildModel(spec);
    model->to(device.device);
    std::vector<torch::Tensor> state = model->parameters();
    for (auto& b : model->buffers()) state.push_back(b);
    dist::broadcast(state, 0);  // every process starts from rank 0's initialisation

    EpochMetrics epoch0;
    epoch0.trainLoss = std::numeric_limits<double>::quiet_NaN();
    epoch0.lr = std::numeric_limits<double>::quiet_NaN();
    if (dist::isRoot()) {
        evaluateRun(*model, data, config.evalBatchSize, epoch0);
        RunFileHeader header;
        header.config = config;
        header.modelSpec = spec;
        header.groups = model->layerGroups();
        header.deviceDescription = device.description;
        header.stepsPerEpoch = stepsPerEpoch(config, data.trainSize());
        if (dist::worldSize() > 1) header.deviceDescription += ", " + std::to_string(dist::worldSize()) + " processes";
        createRunFile(outPath, header, data, *model, epoch0, overwrite);
    }
    dist::barrier();
    if (callbacks.epochDone) callbacks.epochDone(epoch0);
    TrainingLoop loop(config, device, std::move(data), model, outPath);
    return loop.run(1, callbacks);
}

TrainResult resumeRun(const std::string& runPath, const TrainCallbacks& callbacks, const std::string& deviceOverride,
                      std::int64_t threadsOverride) {
    RunFileReader reader(runPath);
    RunConfig config = reader.config();
    if (!deviceOverride.empty()) config.device = deviceOverride;
    if (threadsOverride >= 0) config.threads = threadsOverride;
    validateConfig(config);
    if (dist::isRoot()) discardIncompleteEpochs(runPath);
    dist::barrier();
    const std::int64_t done = reader.epochsCompleted();
    const ComputeDevice device = selectDevice(config.device, config.threads);
    if (done >= config.epochs) return {done, config.epochs, false, device.description};

    RunData data = prepareRunData(config, device.device, false);
    useRunFocus(data, reader, config);
    if (!reader.datasetTensor("given_labels").equal(data.trainGiven.cpu()) ||
        !reader.datasetTensor("train_indices").equal(data.trainIndices))
        throw Error(runPath + ": the dataset read now differs from the one this run was trained on (files under '" +
                    data.dataDir + "' changed?); cannot resume");
    std::shared_ptr<Net> model = buildModel(reader.modelSpec());
    reader.loadCheckpoint(done, *model);
    model->to(device.device);

    TrainingLoop loop(config, device, std::move(data), model, runPath);
    if (done > 0) {
        std::vector<torch::Tensor> momentum = reader.loadMomentum(done, *model, nullptr);
        if (momentum.empty())
            throw Error(runPath + ": optimizer state after epoch " + std::to_string(done) + " is missing; cannot resume exactly");
        loop.sgd().setMomentumBuffers(momentum);
    }
    return loop.run(done + 1, callbacks);
}

} // namespace memloc::core
