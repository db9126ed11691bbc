// memloc-cli: the headless face of memloc (links the core only).

#include "arguments.h"
#include "../common/openmp_wait.h"
#include "commands.h"

#include "memloc/distributed.h"
#include "memloc/error.h"
#include "memloc/version.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

const char* const kUsage = R"(memloc-cli - find where a neural network memorizes (headless)

usage: memloc-cli COMMAND [options]

commands:
  train    train a run with label noise into an HDF5 run file
           --out RUN.h5 [--config FILE.json] [--SETTING VALUE ...] [--overwrite] [--quiet]
           --resume RUN.h5 [--device D] [--threads N]    continue an interrupted run
           settings (also JSON keys, '-' for '_'): --dataset fashion-mnist|mnist|cifar10|cifar100|svhn|synthetic
           --data-dir DIR --subset N --subset-mode first|random --subset-seed S --test-subset N
           --noise P --noise-seed S --model resnet9|mlp|resnet50|vit --width W --epochs E --batch-size B
           --lr LR --momentum M --nesterov true|false --weight-decay WD
           --schedule cosine|triangle|constant --warmup F --peak-epoch E --seed S
           --accounting true|false --eval-batch-size B --device auto|cpu|cuda[:N] --threads N
           --dropout none|example-tied --p-gen P --p-mem Q --dropout-blocks 2,3,5,6
           --etd-rounding round|floor   generalization channels: round(p_gen x C) or int() as published
           --focus FILE [--focus-threshold T] [--focus-name NAME]   study this example set
           instead of the mislabeled ones: FILE (.txt .csv .npy or FILE.h5:DATASET) lists
           training-split indices, or with --focus-threshold holds one score per training-split
           example (e.g. consistency scores) and the examples scoring below T form the set
  inspect  RUN.h5 [--json]      config, data, epochs, final metrics, layer groups, analyses
  rewind   RUN.h5 [--epochs LIST] [--groups LIST] [--eval-subset N] [--batch-size B]
           [--device D] [--threads N] [--json]
           layer rewinding: put one group's weights back to an earlier epoch, measure
           memorization (groups x epochs grid); stored in the run as /analyses/rewinding
  retrain  RUN.h5 [--groups LIST] [--from-epoch E] [--max-epochs K] [--lr LR] [--batch-size B]
           [--eval-subset N] [--device D] [--threads N] [--json]
           rewind one group, train only it on clean examples only, see whether memorization
           comes back; stored in the run as /analyses/retraining
  flip     RUN.h5 [--noisy 50] [--clean 50] [--batch 128] [--eot 1] [--eot-noise 0.01]
           [--mode channel|weight] [--max-units 50] [--eval-subset 500] [--seed 0] [--json]
           fewest units to zero so an example's prediction changes (stored in the run)
  neurons  RUN.h5 [--attribution-examples 128] [--eval-subset 500] [--include-classifier] [--json]
           per-unit scores: flip frequency, attribution (noisy - clean), ablation (stored);
           the rankings leave out the final classifier group (its units are the output
           classes) unless --include-classifier
  drop     RUN.h5 --units G:C[,G:C...] [--example ID] [--eval-subset 500] [--repeat N] [--json]
           accuracy with those units' activations masked to zero, and one example's prediction
  dropout-eval RUN.h5 [--eval-subset 0] [--json]
           an example-tied dropout run in standard / test / drop / drop-recalibrated modes
           (drop with BatchNorm statistics re-estimated in drop mode; stored)
  import   SOURCE --out RUN.h5 [--dataset D --data-dir DIR --subset N ...] [--normalize subset|none|M,../S,..]
           [--noise P --noise-seed S | --given-labels FILE [--noise-mask FILE]] [--model ARCH]
           [--groups NAME=MODULE,...] [--epoch N] [--overwrite] [--json]
           a PyTorch state_dict / checkpoint dict (.pt .pth), safetensors, TorchScript, or a
           folder of per-epoch checkpoints (epoch number in each name) becomes a run; label
           files: .npy .txt .csv or FILE.h5:DATASET, one value per training example
  export-checkpoint RUN.h5 --out FILE.pt|FILE.safetensors [--epoch N]
           a stored checkpoint (default: final) for Python's torch.load or safetensors
  sweep    --out FOLDER [--config BASE.json] --vary KEY=V1,V2,... [--vary ...]
           [--analyses rewind,retrain,flip,neurons,dropout-eval] [--eval-subset 500]
           [--retrain-epochs 20] [--flip-examples 50] [--device D] [--threads N] [--quiet]
           [--rank R --processes P]
           every combination of the varied settings over the base config, trained and analysed
           into FOLDER/runs/*.h5, each run's settings and state in FOLDER/experiment.json; the
           same command again skips finished runs and resumes an interrupted one; under
           torchrun (RANK, WORLD_SIZE) or a Slurm job array, run i goes to process i mod P
           (cuda:LOCAL_RANK when LOCAL_RANK is set and GPUs are present)
  reproduce [--scale demo|paper] [--out DIR] [--config BASE.json] [--eval-subset N]
           [--retrain-epochs K] [--flip-examples N] [--device D] [--threads N] [--quiet]
           [--focus FILE [--focus-threshold T] [--focus-name NAME]] [--noise LIST]
           the paper's experiment suite (noise 0.05,0.1,0.2 x dropout none,example-tied, every
           analysis) as an experiment folder (default memloc-reproduce-SCALE; the same command
           again resumes it), then DIR/report.html, report.json and report-*.csv: each of the
           paper's claims with the paper's number, memloc's, and a verdict by a fixed rule;
           demo: Fashion-MNIST cut down to about 10 minutes on 2 CPU cores; paper: the
           paper's setup (60000 images, width 1, 50 epochs, batch 512), for a GPU
  compare  RUN.h5|FOLDER ... [--json]
           runs and experiment folders side by side: runs differing only in their seeds form
           a condition; per condition the final accuracies, units to flip, rewinding drops,
           retraining and dropout modes as mean [min, max] and sd over the seeds
  demo     [--out DIR] [--config FILE.json] [--device D] [--threads N] [--quiet]
           the embedded default end to end: trains the demo run and its example-tied dropout
           twin, runs every analysis, prints the findings and writes DIR/summary.json;
           --config: the same on another base run (keys over the demo's; no dropout)
  bench    [--widths 1.0,0.25] [--batches 20] [--batch-size 128] [--device D] [--threads N]
           [--precision fp32,bf16] [--memory-format contiguous,channels_last]
           training images/s of ResNet-9 with and without gradient accounting, for every
           listed width, precision and memory format, and the FLOP/s achieved against the
           device's measured conv2d peak
  bench    --suite side-by-side [--train 2048] [--width 0.25] [--epochs 4] [--eval-subset 500]
           [--flip-examples 4] [--repeats 3] [--threads 2] [--python /usr/bin/python3]
           [--python-script PATH] [--memory true|false] [--history-epochs 5,50] [--work-dir DIR]
           memloc against the published Python (tests/python/bench_reference.py) on the same
           run: training epoch, rewinding grid, flipping, neuron drop; peak memory
  bench    --suite saving [--width 1.0] [--epochs 50] [--format 1|2|both] [--dir DIR]
           seconds per saved epoch of a ResNet-9 run (random weights): "2" = the laid-out
           file saved in place (formats 2 and 3 share that layout) against "1" (a copy of the
           file per epoch)
  help     this text (also COMMAND --help); the user guide (docs/guide, installed in
           share/memloc/guide) explains every analysis and the run file
  --version

several processes: train, rewind, retrain, flip and neurons split their work when started
  torchrun-style (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT; c10d Gloo on CPU,
  NCCL on CUDA); rank 0 prints and writes. See the guide's command line reference.

exit status: 0 ok, 1 error (bad input, I/O), 2 bad command line, 130 interrupted (Ctrl-C)
)";

} // namespace

namespace {
int runCommand(const std::string& command, int argc, char** argv);
} // namespace

int main(int argc, char** argv) {
    using namespace memloc::cli;
    memloc::app::ensurePassiveOpenMpWait(argv);
    if (argc < 2 || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
        std::fputs(kUsage, stdout);
        return argc < 2 ? kExitUsage : kExitOk;
    }
    // "memloc-cli COMMAND --help" (or -h anywhere) prints the same reference as "help".
    for (int i = 2; i < argc; ++i)
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs(kUsage, stdout);
            return kExitOk;
        }
    const std::string command = argv[1];
    bool distributed = false;
    try {
        // torchrun-style launches (WORLD_SIZE > 1): train, rewind, retrain, flip and neurons split their work over
        // the processes; rank 0 alone prints and writes the run file.
        const memloc::core::LaunchInfo launch = memloc::core::launchFromEnvironment();
        // A sweep's processes each do their own runs (run i on process i mod P): no process group.
        if (launch.distributed() && command != "sweep") {
            if (command != "train" && command != "rewind" && command != "retrain" && command != "flip" && command != "neurons")
                throw UsageError{"'" + command + "' runs in one process; under torchrun (WORLD_SIZE=" +
                                 std::to_string(launch.worldSize) + ") use train, rewind, retrain, flip, neurons or sweep"};
            std::string device = "cpu";
            for (int i = 2; i + 1 < argc; ++i)
                if (!std::strcmp(argv[i], "--device")) device = argv[i + 1];
            memloc::core::initDistributed(launch, device);
            distributed = true;
            if (launch.rank != 0 && !std::freopen("/dev/null", "w", stdout))
                std::fprintf(stderr, "memloc-cli: rank %d: cannot silence stdout\n", launch.rank);
        }
    } catch (const UsageError& e) {
        std::fprintf(stderr, "memloc-cli: %s\n", e.message.c_str());
        return kExitUsage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "memloc-cli: error: %s\n", e.what());
        return kExitError;
    }
    const int status = runCommand(command, argc, argv);
    // Each rank says what it computed itself, so a launch whose processes silently ran alone
    // (each doing all the work) is seen at once.
    if (distributed && status == kExitOk) {
        std::fprintf(stderr, "memloc-cli: %s\n", memloc::core::workReport().c_str());
        try {
            memloc::core::finalizeDistributed();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "memloc-cli: error: %s\n", e.what());
            return kExitError;
        }
    }
    return status;
}

namespace {

int runCommand(const std::string& command, int argc, char** argv) {
    using namespace memloc::cli;
    try {
        if (command == "--version" || command == "version") {
            std::printf("%s\n", memloc::core::versionReport().c_str());
            return kExitOk;
        }
        if (command == "train") return trainCommand(Arguments(argc, argv, 2, {"overwrite", "quiet"}));
        if (command == "inspect") return inspectCommand(Arguments(argc, argv, 2, {"json"}));
        if (command == "bench") return benchCommand(Arguments(argc, argv, 2, {}));
        if (command == "rewind") return rewindCommand(Arguments(argc, argv, 2, {"json", "quiet"}));
        if (command == "neurons") return neuronsCommand(Arguments(argc, argv, 2, {"json", "quiet", "include-classifier"}));
        if (command == "drop") return dropCommand(Arguments(argc, argv, 2, {"json"}));
        if (command == "dropout-eval") return dropoutEvalCommand(Arguments(argc, argv, 2, {"json", "quiet"}));
        if (command == "demo") return demoCommand(Arguments(argc, argv, 2, {"quiet"}));
        if (command == "flip") return flipCommand(Arguments(argc, argv, 2, {"json", "quiet"}));
        if (command == "retrain") return retrainCommand(Arguments(argc, argv, 2, {"json", "quiet"}));
        if (command == "import") return importCommand(Arguments(argc, argv, 2, {"json", "quiet", "overwrite"}));
        if (command == "sweep") return sweepCommand(argc, argv);
        if (command == "compare") return compareCommand(Arguments(argc, argv, 2, {"json"}));
        if (command == "reproduce") return reproduceCommand(Arguments(argc, argv, 2, {"quiet"}));
        if (command == "export-checkpoint") return exportCheckpointCommand(Arguments(argc, argv, 2, {}));
        throw UsageError{"unknown command '" + command + "' (try memloc-cli help)"};
    } catch (const UsageError& e) {
        std::fprintf(stderr, "memloc-cli: %s\n", e.message.c_str());
        return kExitUsage;
    } catch (const memloc::core::Cancelled&) {
        std::fprintf(stderr, "memloc-cli: interrupted; stored results are unchanged\n");
        return kExitInterrupted;
    } catch (const memloc::core::Error& e) {
        std::fprintf(stderr, "memloc-cli: error: %s\n", e.what());
        return kExitError;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "memloc-cli: error: %s\n", e.what());
        return kExitError;
    }
}

} // namespace
