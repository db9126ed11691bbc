// The reproduction report written out: report.html (self-contained: inline style and SVG, links
// only to files beside it), report.json with the same content, and CSVs of the claims and figures.

#include "experiment/report_svg.h"
#include "io/safe_save.h"
#include "memloc/error.h"
#include "memloc/reproduce.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr const char* kPaper =
    "Maini, Mozer, Sedghi, Lipton, Kolter, Zhang: Can Neural Network Memorization Be Localized? ICML 2023, arXiv 2307.09542";

Json value(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json bandsToJson(const std::vector<Band>& bands) {
    Json mean = Json::array(), min = Json::array(), max = Json::array(), n = Json::array();
    for (const Band& b : bands) {
        mean.push_back(value(b.mean));
        min.push_back(value(b.min));
        max.push_back(value(b.max));
        n.push_back(b.n);
    }
    return {{"mean", mean}, {"min", min}, {"max", max}, {"n", n}};
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csvNumber(double v) {
    if (!std::isfinite(v)) return "";
    std::ostringstream s;
    s.precision(9);
    s << v;
    return s.str();
}

std::string claimsCsv(const ReproduceReport& r) {
    std::string out = "id,title,paper,verdict,measured,rule,figure\n";
    for (const ClaimRow& c : r.claims)
        out += csvField(c.id) + "," + csvField(c.title) + "," + csvField(c.paper) + "," +
               csvField(verdictName(c.verdict.verdict)) + "," + csvField(c.verdict.measured) + "," +
               csvField(c.verdict.rule) + "," + csvField(c.figure) + "\n";
    return out;
}

std::string figureCsv(const Figure& f) {
    std::string out = std::string(f.bars ? "category" : "x") + ",series,mean,min,max,n\n";
    for (const FigureSeries& s : f.series)
        for (std::size_t i = 0; i < s.values.size(); ++i) {
            const std::string at = f.bars ? (i < f.categories.size() ? f.categories[i] : "")
                                          : (i < f.x.size() ? csvNumber(f.x[i]) : "");
            const Band& b = s.values[i];
            out += csvField(at) + "," + csvField(s.name) + "," + csvNumber(b.mean) + "," + csvNumber(b.min) + "," +
                   csvNumber(b.max) + "," + std::to_string(b.n) + "\n";
        }
    return out;
}

std::string csvName(const std::string& id) { return "report-" + id + ".csv"; }

const char* const kStyle = R"(body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 6px;vertical-align:top;font-size:13px}
th{background:#eee}.holds{background:#d8f0d8}.partly{background:#fff1c6}.does-not-hold{background:#f6d0d0}
.not-measured{background:#e4e4e4}.rule{color:#555;font-size:12px}section{margin:2em 0}code{font-size:12px})";

std::string verdictClass(Verdict v) {
    std::string name = verdictName(v);
    for (char& c : name)
        if (c == ' ') c = '-';
    return name;
}

std::string runLinks(const std::vector<std::string>& runs) {
    std::string out;
    for (const std::string& run : runs)
        out += (out.empty() ? "" : "<br>") + std::string("<a href='") + escapeHtml(run) + "'>" + escapeHtml(run) + "</a>";
    return out;
}

} // namespace

std::string reportToJson(const ReproduceReport& r) {
    Json claims = Json::array(), perRate = Json::array(), figures = Json::array();
    for (const ClaimRow& c : r.claims)
        claims.push_back({{"id", c.id},
                          {"title", c.title},
                          {"paper", c.paper},
                          {"verdict", verdictName(c.verdict.verdict)},
                          {"measured", c.verdict.measured},
                          {"rule", c.verdict.rule},
                          {"figure", c.figure},
                          {"runs", c.runs}});
    for (const NoiseRateVerdicts& rate : r.perRate) {
        Json verdicts = Json::object();
        for (std::size_t i = 0; i < rate.verdicts.size(); ++i)
            verdicts["claim-" + std::to_string(i + 1)] = verdictName(rate.verdicts[i]);
        perRate.push_back({{"noise", rate.noise}, {"verdicts", verdicts}});
    }
    for (const Figure& f : r.figures) {
        Json series = Json::array();
        for (const FigureSeries& s : f.series) series.push_back({{"name", s.name}, {"values", bandsToJson(s.values)}});
        Json fig = {{"id", f.id},        {"title", f.title},  {"kind", f.bars ? "bars" : "lines"},
                    {"x_label", f.xLabel}, {"y_label", f.yLabel}, {"series", series},
                    {"note", f.note},    {"csv", csvName(f.id)}};
        if (f.bars) fig["categories"] = f.categories;
        else fig["x"] = f.x;
        figures.push_back(fig);
    }
    const Json j = {{"format", "memloc-reproduction-report"},
                    {"format_version", 1},
                    {"paper", kPaper},
                    {"scale", r.scale},
                    {"base_config", Json::parse(r.baseConfig)},
                    {"studied_set", {{"name", r.studied.set}, {"rest", r.studied.rest}, {"label_noise", r.studied.labelNoise},
                                     {"source", r.studiedSource}}},
                    {"runs", r.runs},
                    {"claims", claims},
                    {"per_noise_rate", perRate},
                    {"figures", figures}};
    return j.dump(2) + "\n";
}

std::string reportToHtml(const ReproduceReport& r) {
    std::string h = "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>memloc: reproducing the paper</title><style>";
    h += kStyle;
    h += "</style></head><body>\n<h1>Reproducing \"Can Neural Network Memorization Be Localized?\"</h1>\n<p>";
    std::string rates;
    for (const NoiseRateVerdicts& rate : r.perRate) rates += (rates.empty() ? "" : ", ") + rate.noise;
    h += escapeHtml(kPaper) + ". Scale <b>" + escapeHtml(r.scale) + "</b>; " + std::to_string(r.runs.size()) +
         " runs (noise " + escapeHtml(rates) + " &times; dropout none, example-tied), every analysis stored in each run file. "
         "Each verdict comes from the rule printed under it, fixed in memloc's code before any run. A value is the "
         "mean over the runs it names with [min, max] when there are several.</p>\n";
    if (!r.studied.labelNoise)
        h += "<p class='studied'>Studied set: <b>" + escapeHtml(r.studied.set) + "</b> (" + escapeHtml(r.studiedSource) +
             "), in place of the mislabeled examples. Where a claim speaks of noisy or memorized examples, memloc measured "
             "this set; where it speaks of clean examples, the " + escapeHtml(r.studied.rest) +
             " training examples. Label noise, where a run has some, is trained on as usual.</p>\n";
    h += "<h2 id='claims'>Claims</h2>\n<table><tr><th>#</th><th>claim</th><th>paper</th><th>memloc measured</th>"
         "<th>verdict and rule</th><th>figure, runs</th></tr>\n";
    for (const ClaimRow& c : r.claims) {
        h += "<tr id='" + escapeHtml(c.id) + "'><td>" + escapeHtml(c.id) + "</td><td>" + escapeHtml(c.title) + "</td><td>" +
             escapeHtml(c.paper) + "</td><td>" + escapeHtml(c.verdict.measured) + "</td><td class='" +
             verdictClass(c.verdict.verdict) + "'><b>" + escapeHtml(verdictName(c.verdict.verdict)) +
             "</b><div class='rule'>" + escapeHtml(c.verdict.rule) + "</div></td><td><a href='#" + escapeHtml(c.figure) +
             "'>" + escapeHtml(c.figure) + "</a><br>" + runLinks(c.runs) + "</td></tr>\n";
    }
    h += "</table>\n<p>The same as CSV: <a href='" + csvName("claims") + "'>" + csvName("claims") +
         "</a>; everything as JSON: <a href='report.json'>report.json</a>.</p>\n";
    h += "<section id='per-rate'><h2>Claims 1-6 at each noise rate</h2>\n<table><tr><th>noise</th>";
    for (int c = 1; c <= 6; ++c) h += "<th>claim " + std::to_string(c) + "</th>";
    h += "</tr>\n";
    for (const NoiseRateVerdicts& rate : r.perRate) {
        h += "<tr><td>" + escapeHtml(rate.noise) + "</td>";
        for (Verdict v : rate.verdicts) h += "<td class='" + verdictClass(v) + "'>" + escapeHtml(verdictName(v)) + "</td>";
        h += "</tr>\n";
    }
    h += "</table></section>\n";
    for (const Figure& f : r.figures) {
        h += "<section id='" + escapeHtml(f.id) + "'><h2>" + escapeHtml(f.title) + "</h2>\n" + figureToSvg(f) + "\n<p>" +
             escapeHtml(f.note) + " Data: <a href='" + csvName(f.id) + "'>" + csvName(f.id) + "</a>.</p></section>\n";
    }
    h += "<section id='runs'><h2>Runs</h2><ul>\n";
    for (const std::string& run : r.runs) h += "<li>" + escapeHtml(run) + "</li>\n";
    h += "</ul><p>Base configuration:</p><pre><code>" + escapeHtml(r.baseConfig) + "</code></pre></section>\n";
    return h + "</body></html>\n";
}

void writeReproduceReport(const ReproduceReport& report) {
    const fs::path folder(report.folder);
    writeNewFile((folder / "report.json").string(), reportToJson(report), "the reproduction report");
    writeNewFile((folder / "report.html").string(), reportToHtml(report), "the reproduction report");
    writeNewFile((folder / csvName("claims")).string(), claimsCsv(report), "the claims table");
    for (const Figure& f : report.figures)
        writeNewFile((folder / csvName(f.id)).string(), figureCsv(f), "a figure's data");
}

} // namespace memloc::core
