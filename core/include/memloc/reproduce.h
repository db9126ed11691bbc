#pragma once
// Reproducing the paper: the experiment suite of Maini et al. (ICML 2023) as one experiment
// folder, and a report that checks each of the paper's claims against the runs with a rule fixed
// in code before any number is seen.

#include "memloc/compare.h"
#include "memloc/experiment.h"
#include "memloc/run_config.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core {

// ---- The experiment ----------------------------------------------------------------------------

/// A preset of the suite: the base run config (JSON, every key) and the analyses' options.
struct ReproduceScale {
    std::string name;          ///< demo | paper | test
    std::string description;   ///< one line for people
    std::string baseConfig;    ///< JSON of a RunConfig
    SweepAnalysisOptions options;
};

/// The scales: "demo" (Fashion-MNIST, small enough for a laptop CPU), "paper" (the paper's
/// setup: 60000 images, full width, 50 epochs, batch 512; for a GPU) and "test" (tiny synthetic
/// runs, for the test suite). Throws Error naming the scale and the known ones otherwise.
ReproduceScale reproduceScale(const std::string& name);
/// "demo, paper or test".
std::string reproduceScaleList();

/// The paper's label noise rates: "0.05", "0.1", "0.2".
std::vector<std::string> reproduceNoiseRates();

/// The varied settings: noise `noise` (default the paper's rates) x dropout none, example-tied.
std::vector<SweepAxis> reproduceAxes(const std::vector<std::string>& noise = reproduceNoiseRates());

/// The experiment of the suite in `folder` over `baseConfigJson`, with every sweep analysis.
Experiment planReproduction(const std::string& folder, const std::string& baseConfigJson,
                            const std::vector<std::string>& noise = reproduceNoiseRates());

// ---- Claims and their rules --------------------------------------------------------------------

enum class Verdict { Holds, Partly, DoesNotHold, NotMeasured };
/// "holds", "partly", "does not hold", "not measured".
std::string verdictName(Verdict verdict);

/// What a rule decided: the verdict, the rule itself (fixed text) and the measured values it used.
struct ClaimVerdict {
    Verdict verdict = Verdict::NotMeasured;
    std::string rule;
    std::string measured;   ///< the values the rule looked at, "mean [min, max]" over the runs
};

/// The layer group fraction of rewinding's accuracy drop from which a group counts as critical.
constexpr double kCriticalRewindDrop = 0.2;

/// Claim 1: gradient accounting over the memorization phase, per layer group: the noisy/clean
/// ratio of gradient norm contributions and the clean/noisy cosine (bands over the runs).
struct AccountingEvidence {
    std::vector<std::string> groups;
    std::vector<Band> ratio, cosine;
};
ClaimVerdict judgeGradientAccounting(const AccountingEvidence& e);

/// Claim 2: memorized-example accuracy lost by rewinding each group alone (model order).
struct RewindEvidence {
    std::vector<std::string> groups;
    std::vector<Band> drop;
};
ClaimVerdict judgeRewinding(const RewindEvidence& e);

/// Claim 3: memorized-example accuracy after retraining each group on clean examples, with
/// rewinding's drop telling critical groups apart (same groups, same order).
struct RetrainEvidence {
    std::vector<std::string> groups;
    std::vector<Band> recovered, rewindDrop;
};
ClaimVerdict judgeRetraining(const RetrainEvidence& e);

/// Claim 4: median units to flip a memorized / a clean example, and the accuracy on the other
/// clean training examples that the edit costs (mean over the flipped examples).
struct FlipEvidence {
    Band unitsNoisy, unitsClean, costNoisy, costClean;
};
ClaimVerdict judgeFlipping(const FlipEvidence& e);

/// Claim 5: the share of the units zeroed to flip memorized examples in each group (model order).
struct SpreadEvidence {
    std::vector<std::string> groups;
    std::vector<Band> share;
};
ClaimVerdict judgeSpread(const SpreadEvidence& e);

/// Claim 6: example-tied dropout runs evaluated in standard and drop mode; the generalization
/// gap (clean training - test accuracy) in drop mode and of the runs without dropout.
struct DropoutEvidence {
    Band standardMemorized, dropMemorized, standardClean, dropClean, gapDrop, gapNoDropout;
};
ClaimVerdict judgeDropout(const DropoutEvidence& e);

/// Claim 7: claims 1-6 judged separately at each noise rate, and how many datasets were run.
struct NoiseRateVerdicts {
    std::string noise;                 ///< "0.05"
    std::vector<Verdict> verdicts;     ///< claims 1..6
};
ClaimVerdict judgeAcrossSettings(const std::vector<NoiseRateVerdicts>& rates, int datasets);

/// Headline numbers: units to flip a memorized example, drop-mode memorization, the noisy/clean
/// gradient norm ratio at 10% noise (mean over groups), the final layer's role.
ClaimVerdict judgeHeadlineUnits(const Band& unitsNoisy);
ClaimVerdict judgeHeadlineDropout(const Band& standardMemorized, const Band& dropMemorized);
ClaimVerdict judgeHeadlineGradient(const Band& meanRatio);
ClaimVerdict judgeHeadlineFinalLayer(const Band& lastRewindDrop, const Band& lastRetrained, const Band& finalMemorized);

// ---- The report --------------------------------------------------------------------------------

/// One row of the claims table.
struct ClaimRow {
    std::string id;        ///< "claim-1" ... "claim-7", "headline-units", ...
    std::string title;     ///< the claim in a few words
    std::string paper;     ///< the paper's own figure or number
    ClaimVerdict verdict;
    std::string figure;    ///< anchor of the figure / section in report.html
    std::vector<std::string> runs;  ///< run files it used, relative to the experiment folder
};

/// A figure's data: named series over x positions or categories, each value a band over runs.
struct FigureSeries {
    std::string name;
    std::vector<Band> values;
};
struct Figure {
    std::string id, title, xLabel, yLabel;
    bool bars = false;                    ///< grouped bars over `categories`; else lines over `x`
    std::vector<double> x;
    std::vector<std::string> categories;
    std::vector<FigureSeries> series;
    std::string note;
};

struct ReproduceReport {
    std::string folder;
    std::string scale;
    std::string baseConfig;
    /// The studied set and the rest, by name ("mislabeled" / "clean" unless the base config
    /// names a focus file), and for a focus set where it came from ("FILE, score below T").
    FocusNames studied;
    std::string studiedSource;
    std::vector<std::string> runs;   ///< "name: path (state)"
    std::vector<ClaimRow> claims;
    std::vector<NoiseRateVerdicts> perRate;   ///< claims 1-6 at each noise rate (claim 7)
    std::vector<Figure> figures;
};

/// Reads the experiment in `folder` (manifest, run summaries, gradient accounting and stored
/// analyses, never a checkpoint) and judges every claim. Throws Error naming the folder when it
/// holds no experiment or no run file yet.
ReproduceReport buildReproduceReport(const std::string& folder, const std::string& scale);

/// Writes FOLDER/report.html (self-contained: inline SVG figures, no external file), report.json
/// (the same content) and report-*.csv (the claims and each figure's data). Throws Error naming a
/// file that cannot be written.
void writeReproduceReport(const ReproduceReport& report);

/// report.json's text.
std::string reportToJson(const ReproduceReport& report);
/// report.html's text.
std::string reportToHtml(const ReproduceReport& report);

// ---- Running it --------------------------------------------------------------------------------

/// Everything one reproduction needs. The caller may change any member after reproduceRequest()
/// (e.g. edit baseConfigJson or the analysis options) before runReproduction().
struct ReproduceRequest {
    std::string folder;              ///< the experiment folder; created when missing
    std::string scale = "demo";      ///< the preset's name, as the report names it
    std::string baseConfigJson;      ///< the base run config (JSON, every key); noise and dropout are the suite's
    /// The label noise rates the suite varies (with a focus set, e.g. {"0"} studies it alone).
    std::vector<std::string> noise = reproduceNoiseRates();
    SweepAnalysisOptions options;    ///< the analyses' sizes
    std::string device = "auto";     ///< auto | cpu | cuda | cuda:N
    std::int64_t threads = 0;        ///< CPU threads; 0 = every core
};

/// The request for scale `scale` into `folder`: the scale's base config, with the keys of the JSON
/// run config file `configFile` over it when that is not empty, and the scale's analysis options.
/// Throws Error naming the scale (and the known ones) or the config file. Quick (reads one file).
ReproduceRequest reproduceRequest(const std::string& scale, const std::string& folder,
                                  const std::string& configFile = std::string());

/// Makes every run of the request study the focus set of `file` (indices, or scores below
/// `threshold`; see RunConfig::focus) under the name `name` ("" = the file's name) instead of
/// the mislabeled examples: sets the focus keys of request.baseConfigJson, with `file` made
/// absolute. Throws Error naming the file when it does not exist.
void setReproduceFocus(ReproduceRequest& request, const std::string& file, std::optional<double> threshold,
                       const std::string& name);

/// What runReproduction reports besides the sweep's own events; every member is optional and is
/// called on the calling thread.
struct ReproduceCallbacks {
    SweepCallbacks sweep;                              ///< the sweep's events, progress and cancel flag
    std::function<void(const Experiment&)> planned;    ///< the experiment as opened, before any run
    std::function<void()> reporting;                   ///< the sweep has ended; the report is being written
};

/// The outcome of runReproduction.
struct ReproduceResult {
    ReproduceReport report;
    std::size_t runCount = 0;   ///< runs in the experiment
    int failedRuns = 0;         ///< runs that failed (recorded in experiment.json with the reason)
};

/// Runs the whole reproduction: creates `request.folder`, opens or creates its experiment
/// (planReproduction over request.baseConfigJson), brings every run and analysis up to date
/// (runSweep; a folder left by an interrupted or finished reproduction resumes, finished runs are
/// skipped), then judges the claims and writes the report (buildReproduceReport,
/// writeReproduceReport). Blocks for the whole sweep, from minutes to hours. Throws Error naming
/// the folder, the manifest or a report file it cannot create or write, or the setting of an
/// invalid config; throws Cancelled when callbacks.sweep.cancel is set (every finished epoch and
/// analysis is kept, and no report is written). Failed runs do not throw: see failedRuns.
ReproduceResult runReproduction(const ReproduceRequest& request, const ReproduceCallbacks& callbacks = {});

} // namespace memloc::core
