#pragma once
// What the reproduction report reads of each condition of an experiment (one noise rate and
// dropout setting, averaged over its runs), and bands of those facts over sets of conditions.

#include "memloc/compare.h"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace memloc::core {

/// What the report reads of one condition (one noise rate and dropout, averaged over its runs).
struct Facts {
    std::string noise;       ///< as the manifest spells it
    bool exampleTied = false;
    std::string dataset;
    std::vector<std::string> runs;   ///< paths relative to the experiment folder
    Band finalMemorized, finalClean, finalTest;
    std::vector<Band> memorizedCurve;
    std::vector<std::string> accountingGroups;
    std::vector<double> phaseRatio, phaseCosine, ratioCurve;   ///< per group; per epoch (mean over groups)
    std::vector<std::string> rewindGroups, retrainGroups, flipGroups;
    std::vector<double> rewindDrop, retrained, unitShare;
    double unitsNoisy = NAN, unitsClean = NAN, costNoisy = NAN, costClean = NAN;
    std::vector<std::string> dropoutModes;
    std::vector<double> dropoutMemorized, dropoutClean, dropoutTest;
};

using FactSet = std::vector<const Facts*>;

/// Reads a condition of compareRuns(folder): its comparison figures plus the gradient accounting
/// and flipping details of its run files. Throws Error naming a file that cannot be read.
Facts factsOf(const Condition& c, const std::string& folder);

/// Mean of the values that are not NaN (NaN when none is).
double meanOf(const std::vector<double>& v);

/// The band over the conditions of `set` of one value each.
Band across(const FactSet& set, const std::function<double(const Facts&)>& value);

/// Per-group bands over the conditions whose group list (groupsOf) equals the first one's with
/// values; `groups` receives that list.
std::vector<Band> acrossGroups(const FactSet& set, std::vector<std::string>& groups,
                               const std::function<const std::vector<std::string>&(const Facts&)>& groupsOf,
                               const std::function<const std::vector<double>&(const Facts&)>& values);

/// The value of dropout evaluation mode `mode` (standard, test, drop) in `values`; NaN if absent.
double modeValue(const Facts& f, const std::vector<double>& values, const std::string& mode);

} // namespace memloc::core
