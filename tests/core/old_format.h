#pragma once
// Test helpers for the run file's naming: rewriting a format 3 file with the names of format 2
// (as memloc before format 3 wrote them), and checking the naming rule of format 3.

#include "io/h5_util.h"

#include <H5Cpp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core::testing {

namespace detail {

inline void renameChild(H5::Group& g, const std::string& from, const std::string& to) {
    if (g.nameExists(from)) g.moveLink(from, to);
}

inline std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
    return out;
}

/// Replaces the 1-D int64 or float64 dataset `name` by an attribute of the same name and values.
inline void datasetToAttr(H5::Group& g, const std::string& name, const std::string& attr) {
    if (!g.nameExists(name)) return;
    if (g.openDataSet(name).getDataType().getClass() == H5T_FLOAT) {
        const std::vector<double> v = h5::readDoubleList(g, name);
        g.unlink(name);
        h5::writeAttr(g, attr, v);
    } else {
        const std::vector<std::int64_t> v = h5::readIntList(g, name);
        g.unlink(name);
        h5::writeAttr(g, attr, v);
    }
}

inline void renameAttr(H5::Group& g, const std::string& from, const std::string& to) {
    if (g.attrExists(from)) g.renameAttr(from, to);
}

inline void collectViolations(const H5::Group& g, const std::string& path, std::vector<std::string>& out) {
    std::vector<std::string> children;
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) children.push_back(g.getObjnameByIdx(i));
    for (int i = 0; i < g.getNumAttrs(); ++i) {
        const H5::Attribute a = g.openAttribute(static_cast<unsigned>(i));
        const std::string name = a.getName();
        for (const auto& c : children)
            if (c == name) out.push_back(path + ": attribute and child '" + name + "'");
        // The one list attribute: an optimizer slot's per-parameter flags, whose group's datasets
        // are named by the model (rewritten in place with the epoch it belongs to).
        const bool slotFlags = name == "stored" && path.rfind("/optimizer/slot_", 0) == 0;
        if (a.getSpace().getSimpleExtentNdims() != 0 && !slotFlags)
            out.push_back(path + ": attribute '" + name + "' is not a single value");
        if (a.getDataType().getClass() == H5T_STRING && name != "config" && name != "data_dir" &&
            name != "imported_from" && name != "device") {
            std::string value;
            a.read(a.getStrType(), value);
            if (value.find(',') != std::string::npos) out.push_back(path + ": attribute '" + name + "' lists '" + value + "'");
        }
    }
    for (const auto& c : children)
        if (g.childObjType(c) == H5O_TYPE_GROUP) collectViolations(g.openGroup(c), (path == "/" ? "" : path) + "/" + c, out);
}

} // namespace detail

/// Rewrites the run file at `path` (written by this memloc) with the names of format 2:
/// format_version 2, array attributes where format 3 has datasets, and the analyses' old names
/// (including the comma-joined group attributes and the rewinding attribute epochs).
inline void downgradeToFormat2(const std::string& path) {
    using namespace detail;
    H5::H5File f(path, H5F_ACC_RDWR);
    h5::writeAttr(f, "format_version", std::int64_t{2});
    H5::Group ds = f.openGroup("dataset");
    for (const char* name : {"image_shape", "normalize_mean", "normalize_std"}) datasetToAttr(ds, name, name);
    H5::Group model = f.openGroup("model");
    datasetToAttr(model, "dropout_blocks", "dropout_blocks");
    if (f.nameExists("accounting")) {
        H5::Group acc = f.openGroup("accounting");
        renameChild(acc, "group_names", "groups");
    }
    if (!f.nameExists("analyses")) return;
    H5::Group analyses = f.openGroup("analyses");
    if (analyses.nameExists("rewinding")) {
        H5::Group g = analyses.openGroup("rewinding");
        h5::writeAttr(g, "groups", joined(h5::readStrings(g, "group_names")));
        h5::writeAttr(g, "epochs", h5::readIntList(g, "rewind_epochs"));
        renameChild(g, "rewind_epochs", "epochs");
    }
    if (analyses.nameExists("retraining")) {
        H5::Group g = analyses.openGroup("retraining");
        h5::writeAttr(g, "groups", joined(h5::readStrings(g, "group_names")));
    }
    if (analyses.nameExists("flipping")) {
        H5::Group g = analyses.openGroup("flipping");
        renameAttr(g, "noisy_requested", "noisy");
        renameAttr(g, "clean_requested", "clean");
        renameChild(g, "group_names", "groups");
        renameChild(g, "parameter_names", "parameters");
    }
    if (analyses.nameExists("neurons")) {
        H5::Group g = analyses.openGroup("neurons");
        renameChild(g, "group_names", "groups");
        renameChild(g, "group_units", "units");
    }
    if (analyses.nameExists("dropout_eval")) {
        H5::Group g = analyses.openGroup("dropout_eval");
        datasetToAttr(g, "dropout_blocks", "blocks");
        renameChild(g, "mode_names", "modes");
        renameChild(g, "column_names", "columns");
    }
}

/// Where the run file at `path` breaks the naming rule of format 3 (empty: nowhere): an attribute
/// named like a dataset or group beside it, an attribute holding more than one value, or a
/// string attribute holding a comma-separated list.
inline std::vector<std::string> namingRuleViolations(const std::string& path) {
    std::vector<std::string> out;
    const H5::H5File f(path, H5F_ACC_RDONLY);
    detail::collectViolations(f.openGroup("/"), "/", out);
    return out;
}

} // namespace memloc::core::testing
