// The rules that judge the paper's claims: one function per claim, each with its rule written out
// (the same text goes into the report), deciding only from the evidence handed to it.

#include "memloc/reproduce.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

bool measured(const Band& b) { return b.n > 0 && !std::isnan(b.mean); }

std::string number(double v, const char* format) {
    char text[64];
    std::snprintf(text, sizeof text, format, v);
    return text;
}

/// "0.83 [0.61, 1.02]" (or with percentages "97% [95%, 99%]"); "n/a" when nothing was measured.
std::string show(const Band& b, bool percent = false) {
    if (!measured(b)) return "n/a";
    const char* f = percent ? "%.0f%%" : "%.3g";
    const double k = percent ? 100.0 : 1.0;
    if (b.n == 1) return number(b.mean * k, f);
    return number(b.mean * k, f) + " [" + number(b.min * k, f) + ", " + number(b.max * k, f) + "]";
}

ClaimVerdict notMeasured(const std::string& rule, const std::string& why) {
    return {Verdict::NotMeasured, rule, why};
}

bool allMeasured(const std::vector<Band>& bands) {
    return !bands.empty() && std::all_of(bands.begin(), bands.end(), measured);
}

/// The groups (names) whose rewinding drop is critical.
std::vector<std::size_t> criticalGroups(const std::vector<Band>& drop) {
    std::vector<std::size_t> out;
    for (std::size_t g = 0; g < drop.size(); ++g)
        if (drop[g].mean >= kCriticalRewindDrop) out.push_back(g);
    return out;
}

std::string names(const std::vector<std::string>& groups, const std::vector<std::size_t>& which) {
    std::string out;
    for (std::size_t g : which) out += (out.empty() ? "" : ", ") + groups[g];
    return out.empty() ? "none" : out;
}

/// "drop per group: conv1 12% [10%, 15%]; conv2 ...;"
std::string perGroup(const char* label, const std::vector<std::string>& groups, const std::vector<Band>& values,
                     bool percent) {
    std::string text = std::string(label) + " per group:";
    for (std::size_t g = 0; g < values.size(); ++g) text += " " + groups.at(g) + " " + show(values[g], percent) + ";";
    return text;
}

} // namespace

std::string verdictName(Verdict verdict) {
    switch (verdict) {
    case Verdict::Holds: return "holds";
    case Verdict::Partly: return "partly";
    case Verdict::DoesNotHold: return "does not hold";
    case Verdict::NotMeasured: return "not measured";
    }
    return "not measured";
}

ClaimVerdict judgeGradientAccounting(const AccountingEvidence& e) {
    const std::string rule =
        "Per layer group, over the memorization phase (the epochs whose memorized accuracy lies between 10% and 90% "
        "of its final value): noisy/clean gradient norm ratio and clean/noisy cosine, averaged over the runs. Holds if "
        "the ratio is >= 0.5 and the cosine <= -0.1 in every group and no group stands out (largest ratio <= 3 x the "
        "median ratio); partly if at least half the groups meet both the ratio and the cosine condition; does not "
        "hold otherwise.";
    if (!allMeasured(e.ratio) || e.cosine.size() != e.ratio.size() || !allMeasured(e.cosine))
        return notMeasured(rule, "no gradient accounting in the memorization phase");
    std::size_t both = 0;
    bool ratioEverywhere = true, cosineEverywhere = true;
    std::vector<double> ratios;
    for (std::size_t g = 0; g < e.ratio.size(); ++g) {
        const bool r = e.ratio[g].mean >= 0.5, c = e.cosine[g].mean <= -0.1;
        ratioEverywhere = ratioEverywhere && r;
        cosineEverywhere = cosineEverywhere && c;
        both += r && c;
        ratios.push_back(e.ratio[g].mean);
    }
    std::sort(ratios.begin(), ratios.end());
    const double median = ratios[ratios.size() / 2];
    const bool noneStandsOut = ratios.back() <= 3 * median;
    std::string text = perGroup("ratio", e.groups, e.ratio, false) + " " + perGroup("cosine", e.groups, e.cosine, false);
    text += " largest/median ratio " + number(ratios.back() / median, "%.2f");
    Verdict v = Verdict::DoesNotHold;
    if (ratioEverywhere && cosineEverywhere && noneStandsOut) v = Verdict::Holds;
    else if (2 * both >= e.ratio.size()) v = Verdict::Partly;
    return {v, rule, text};
}

ClaimVerdict judgeRewinding(const RewindEvidence& e) {
    const std::string rule =
        "Memorized-example accuracy lost by rewinding one group alone to the middle of training; a group is critical "
        "when it loses >= 20 points. Holds if rewinding the last group costs < 10 points, 1 to half of the groups are "
        "critical and a critical group lies outside the last third of the groups; partly if the last group costs < 10 "
        "points but the rest fails; does not hold if the last group costs >= 10 points.";
    if (!allMeasured(e.drop)) return notMeasured(rule, "no layer rewinding stored");
    const std::vector<std::size_t> critical = criticalGroups(e.drop);
    const std::size_t n = e.drop.size();
    const bool lastHarmless = e.drop.back().mean < 0.1;
    const bool few = !critical.empty() && 2 * critical.size() <= n;
    const bool early = std::any_of(critical.begin(), critical.end(), [&](std::size_t g) { return 3 * g < 2 * n; });
    std::string text = perGroup("drop", e.groups, e.drop, true);
    text += " critical: " + names(e.groups, critical);
    const Verdict v = !lastHarmless ? Verdict::DoesNotHold : (few && early ? Verdict::Holds : Verdict::Partly);
    return {v, rule, text};
}

ClaimVerdict judgeRetraining(const RetrainEvidence& e) {
    const std::string rule =
        "Memorized-example accuracy after retraining one group alone (rewound to initialisation, every other "
        "parameter frozen) on clean examples only; critical groups as for rewinding. Holds if the non-critical groups "
        "recover >= 50% memorized accuracy on average and the critical ones at least 20 points less; partly if the "
        "non-critical groups recover >= 50% but no group is critical or the gap is smaller; does not hold if they "
        "recover < 50% (or every group is critical).";
    if (!allMeasured(e.recovered) || e.rewindDrop.size() != e.recovered.size() || !allMeasured(e.rewindDrop))
        return notMeasured(rule, "no retraining or no rewinding stored");
    const std::vector<std::size_t> critical = criticalGroups(e.rewindDrop);
    std::vector<double> crit, non;
    for (std::size_t g = 0; g < e.recovered.size(); ++g)
        (std::find(critical.begin(), critical.end(), g) != critical.end() ? crit : non).push_back(e.recovered[g].mean);
    std::string text = perGroup("recovered", e.groups, e.recovered, true);
    const Band nonBand = bandOf(non), critBand = bandOf(crit);
    auto meanText = [](const std::vector<double>& values, const Band& band) {
        return values.empty() ? std::string("n/a") : number(100 * band.mean, "%.0f%%");
    };
    text += " non-critical mean " + meanText(non, nonBand) + ", critical (" + names(e.groups, critical) + ") mean " +
            meanText(crit, critBand);
    Verdict v = Verdict::DoesNotHold;
    if (!non.empty() && nonBand.mean >= 0.5)
        v = !crit.empty() && nonBand.mean - critBand.mean >= 0.2 ? Verdict::Holds : Verdict::Partly;
    return {v, rule, text};
}

ClaimVerdict judgeFlipping(const FlipEvidence& e) {
    const std::string rule =
        "Median units zeroed to flip a memorized and a clean example, and the clean training accuracy each edit costs. "
        "Holds if memorized examples need <= 10 units, fewer than clean examples, and flipping clean examples costs "
        "more accuracy than flipping memorized ones; partly if memorized examples need fewer units than clean ones "
        "but one of the other two fails; does not hold if they need as many or more.";
    if (!measured(e.unitsNoisy) || !measured(e.unitsClean)) return notMeasured(rule, "no neuron flipping stored");
    const bool fewer = e.unitsNoisy.mean < e.unitsClean.mean;
    const bool few = e.unitsNoisy.mean <= 10;
    const bool costlier = measured(e.costNoisy) && measured(e.costClean) && e.costClean.mean > e.costNoisy.mean;
    const std::string text = "units: memorized " + show(e.unitsNoisy) + ", clean " + show(e.unitsClean) +
                             "; accuracy cost: memorized " + show(e.costNoisy, true) + ", clean " +
                             show(e.costClean, true);
    const Verdict v = !fewer ? Verdict::DoesNotHold : (few && costlier ? Verdict::Holds : Verdict::Partly);
    return {v, rule, text};
}

ClaimVerdict judgeSpread(const SpreadEvidence& e) {
    const std::string rule =
        "Share of the units zeroed to flip memorized examples that lie in each group. Holds if at least 3 groups "
        "hold >= 10% of the units each and the last group holds < 50%; partly if one of the two; does not hold if "
        "neither.";
    if (!allMeasured(e.share)) return notMeasured(rule, "no flipped memorized example");
    const auto wide = std::count_if(e.share.begin(), e.share.end(), [](const Band& b) { return b.mean >= 0.1; });
    const bool spread = wide >= 3, notLast = e.share.back().mean < 0.5;
    std::string text = perGroup("share", e.groups, e.share, true);
    text += " groups with >= 10%: " + std::to_string(wide);
    const Verdict v = spread && notLast ? Verdict::Holds : (spread || notLast ? Verdict::Partly : Verdict::DoesNotHold);
    return {v, rule, text};
}

ClaimVerdict judgeDropout(const DropoutEvidence& e) {
    const std::string rule =
        "Example-tied dropout runs, standard against drop mode. Holds if drop mode lowers memorized accuracy by >= 50 "
        "points to <= 25%, keeps clean accuracy within 10 points of standard mode, and its generalization gap (clean "
        "training - test accuracy) is below that of the runs without dropout; partly if memorization falls so but "
        "clean accuracy or the gap fails; does not hold otherwise.";
    if (!measured(e.standardMemorized) || !measured(e.dropMemorized) || !measured(e.standardClean) ||
        !measured(e.dropClean))
        return notMeasured(rule, "no example-tied dropout evaluation stored");
    const bool falls = e.dropMemorized.mean <= 0.25 && e.standardMemorized.mean - e.dropMemorized.mean >= 0.5;
    const bool keeps = e.dropClean.mean >= e.standardClean.mean - 0.1;
    const bool gap = measured(e.gapDrop) && measured(e.gapNoDropout) && e.gapDrop.mean < e.gapNoDropout.mean;
    const std::string text = "memorized: standard " + show(e.standardMemorized, true) + ", drop " +
                             show(e.dropMemorized, true) + "; clean: standard " + show(e.standardClean, true) +
                             ", drop " + show(e.dropClean, true) + "; gap: drop mode " + show(e.gapDrop, true) +
                             ", without dropout " + show(e.gapNoDropout, true);
    const Verdict v = !falls ? Verdict::DoesNotHold : (keeps && gap ? Verdict::Holds : Verdict::Partly);
    return {v, rule, text};
}

ClaimVerdict judgeAcrossSettings(const std::vector<NoiseRateVerdicts>& rates, int datasets) {
    const std::string rule =
        "Claims 1-6 judged again at each noise rate alone. Holds if every one holds at every rate and more than one "
        "dataset was run; partly if at least half of the (claim, rate) verdicts that could be measured hold (with one "
        "dataset, partly at best: the datasets part is not measured); does not hold otherwise.";
    std::size_t judged = 0, holds = 0;
    std::string text;
    for (const auto& r : rates) {
        text += (text.empty() ? "" : "; ") + std::string("noise ") + r.noise + ":";
        for (std::size_t c = 0; c < r.verdicts.size(); ++c) {
            text += " " + std::to_string(c + 1) + " " + verdictName(r.verdicts[c]) + (c + 1 < r.verdicts.size() ? "," : "");
            if (r.verdicts[c] == Verdict::NotMeasured) continue;
            ++judged;
            holds += r.verdicts[c] == Verdict::Holds;
        }
    }
    text += "; datasets run: " + std::to_string(datasets);
    if (judged == 0) return notMeasured(rule, text);
    Verdict v = Verdict::DoesNotHold;
    if (holds == judged && datasets > 1) v = Verdict::Holds;
    else if (2 * holds >= judged) v = Verdict::Partly;
    return {v, rule, text};
}

ClaimVerdict judgeHeadlineUnits(const Band& unitsNoisy) {
    const std::string rule =
        "Median units to flip a memorized example. Holds if within a factor 2 of the paper's 5 (2.5 to 10); partly "
        "if below 2.5 (flipping is even easier) or from 10 to 20; does not hold above 20.";
    if (!measured(unitsNoisy)) return notMeasured(rule, "no neuron flipping stored");
    const double u = unitsNoisy.mean;
    const Verdict v = u >= 2.5 && u <= 10 ? Verdict::Holds : (u <= 20 ? Verdict::Partly : Verdict::DoesNotHold);
    return {v, rule, "median units " + show(unitsNoisy)};
}

ClaimVerdict judgeHeadlineDropout(const Band& standardMemorized, const Band& dropMemorized) {
    const std::string rule =
        "Memorized-example accuracy of example-tied dropout runs. Holds if >= 90% in standard mode and <= 10% in "
        "drop mode; partly if <= 25% in drop mode; does not hold otherwise.";
    if (!measured(standardMemorized) || !measured(dropMemorized))
        return notMeasured(rule, "no example-tied dropout evaluation stored");
    const Verdict v = standardMemorized.mean >= 0.9 && dropMemorized.mean <= 0.1
                          ? Verdict::Holds
                          : (dropMemorized.mean <= 0.25 ? Verdict::Partly : Verdict::DoesNotHold);
    return {v, rule, show(standardMemorized, true) + " -> " + show(dropMemorized, true)};
}

ClaimVerdict judgeHeadlineGradient(const Band& meanRatio) {
    const std::string rule =
        "At 10% noise, the noisy/clean gradient norm ratio in the memorization phase, mean over the groups. Holds if "
        "from 0.5 to 2 (comparable); partly if from 0.25 to 4; does not hold otherwise.";
    if (!measured(meanRatio)) return notMeasured(rule, "no gradient accounting at 10% noise");
    const double r = meanRatio.mean;
    const Verdict v = r >= 0.5 && r <= 2 ? Verdict::Holds : (r >= 0.25 && r <= 4 ? Verdict::Partly : Verdict::DoesNotHold);
    return {v, rule, "ratio " + show(meanRatio)};
}

ClaimVerdict judgeHeadlineFinalLayer(const Band& lastRewindDrop, const Band& lastRetrained, const Band& finalMemorized) {
    const std::string rule =
        "The last layer group. Holds if rewinding it costs < 10 points of memorized accuracy and retraining it on "
        "clean examples brings memorized accuracy back to >= 50% of the final model's; partly if one of the two; "
        "does not hold if neither.";
    if (!measured(lastRewindDrop) || !measured(lastRetrained) || !measured(finalMemorized))
        return notMeasured(rule, "no rewinding or retraining stored");
    const bool rewind = lastRewindDrop.mean < 0.1;
    const bool retrain = lastRetrained.mean >= 0.5 * finalMemorized.mean;
    const Verdict v = rewind && retrain ? Verdict::Holds : (rewind || retrain ? Verdict::Partly : Verdict::DoesNotHold);
    return {v, rule,
            "rewinding it costs " + show(lastRewindDrop, true) + "; after retraining it " + show(lastRetrained, true) +
                " memorized (final model " + show(finalMemorized, true) + ")"};
}

} // namespace memloc::core
