#include "import/label_file.h"

#include "io/file_util.h"
#include "memloc/error.h"

#include <H5Cpp.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace memloc::core {

namespace fs = std::filesystem;

namespace {

// One value of a text file; `integers` rejects fractions.
double parseValue(const std::string& token, const std::string& path, std::size_t line, bool integers) {
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(token, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != token.size() || !std::isfinite(v) || (integers && v != std::floor(v)))
        throw Error(path + ": line " + std::to_string(line) + ": '" + token + "' is not " + (integers ? "an integer" : "a finite number"));
    return v;
}

std::vector<double> nonEmpty(std::vector<double> values, const std::string& path) {
    if (values.empty()) throw Error(path + ": holds no values");
    return values;
}

bool startsNumber(const std::string& text) {
    const char c = text.empty() ? ' ' : text[0];
    return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.';
}

std::vector<double> readText(const std::string& path, bool csv, bool integers) {
    std::istringstream in(readFileBytes(path));
    std::vector<double> values;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!csv && line.find('#') != std::string::npos) line.erase(line.find('#'));
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (csv) {
            std::string first = line.substr(0, line.find(','));
            first.erase(0, first.find_first_not_of(" \t\""));
            first.erase(first.find_last_not_of(" \t\"") + 1);
            // A header line (first value not a number) is allowed only as the first line.
            if (values.empty() && number == 1 && !first.empty() && !startsNumber(first)) continue;
            values.push_back(parseValue(first, path, number, integers));
        } else {
            std::istringstream tokens(line);
            std::string token;
            while (tokens >> token) values.push_back(parseValue(token, path, number, integers));
        }
    }
    return nonEmpty(std::move(values), path);
}

std::vector<double> readNpy(const std::string& path, bool integers) {
    const std::string bytes = readFileBytes(path);
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw Error(path + ": not a NumPy .npy file (bad magic)");
    const int major = static_cast<unsigned char>(bytes[6]);
    std::size_t headerLength = 0, offset = 0;
    if (major == 1) {
        headerLength = static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
        offset = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) throw Error(path + ": truncated .npy header");
        for (int i = 0; i < 4; ++i) headerLength |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
        offset = 12;
    } else {
        throw Error(path + ": unsupported .npy version " + std::to_string(major));
    }
    if (offset + headerLength > bytes.size()) throw Error(path + ": truncated .npy header");
    const std::string header = bytes.substr(offset, headerLength);
    std::smatch m;
    if (!std::regex_search(header, m, std::regex("'descr'\\s*:\\s*'([^']*)'")))
        throw Error(path + ": .npy header lacks 'descr'");
    const std::string descr = m[1];
    if (std::regex_search(header, std::regex("'fortran_order'\\s*:\\s*True")))
        throw Error(path + ": Fortran-ordered .npy arrays are not supported (save with np.ascontiguousarray)");
    if (!std::regex_search(header, m, std::regex("'shape'\\s*:\\s*\\(([^)]*)\\)"))) throw Error(path + ": .npy header lacks 'shape'");
    std::vector<std::int64_t> shape;
    std::stringstream dims(m[1].str());
    std::string dim;
    while (std::getline(dims, dim, ',')) {
        dim.erase(0, dim.find_first_not_of(" "));
        if (!dim.empty()) shape.push_back(std::stoll(dim));
    }
    std::int64_t count = 1;
    for (std::int64_t d : shape) count *= d;
    if (shape.size() > 2 || (shape.size() == 2 && shape[1] != 1))
        throw Error(path + ": expected a 1-D array, found shape (" + m[1].str() + ")");

    struct Kind {
        const char* descr;
        std::size_t size;
    };
    static const Kind kinds[] = {{"<i8", 8}, {"<i4", 4}, {"<i2", 2}, {"|i1", 1}, {"|u1", 1}, {"|b1", 1},
                                 {"<u2", 2}, {"<u4", 4}, {"<u8", 8}, {"<f4", 4}, {"<f8", 8}};
    const Kind* kind = nullptr;
    for (const Kind& k : kinds)
        if (descr == k.descr && (!integers || descr[1] != 'f')) kind = &k;
    if (!kind)
        throw Error(path + ": .npy dtype '" + descr + "' is not " +
                    (integers ? "an integer or bool type (expected e.g. <i8, |u1, |b1)" : "a number type (expected e.g. <f4, <f8, <i8)"));
    const std::size_t dataOffset = offset + headerLength;
    if (bytes.size() - dataOffset < static_cast<std::size_t>(count) * kind->size)
        throw Error(path + ": truncated .npy data (" + std::to_string(count) + " values expected)");
    std::vector<double> values(static_cast<std::size_t>(count));
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data() + dataOffset);
    for (std::int64_t i = 0; i < count; ++i) {
        std::uint64_t raw = 0;
        for (std::size_t b = 0; b < kind->size; ++b) raw |= static_cast<std::uint64_t>(data[i * kind->size + b]) << (8 * b);
        double v = 0;
        if (descr[1] == 'f' && kind->size == 4) {
            const auto bits = static_cast<std::uint32_t>(raw);
            float f = 0;
            std::memcpy(&f, &bits, 4);
            v = f;
        } else if (descr[1] == 'f') {
            std::memcpy(&v, &raw, 8);
        } else if (descr[1] == 'i' && kind->size < 8) {  // sign-extend
            const std::uint64_t sign = std::uint64_t{1} << (8 * kind->size - 1);
            v = static_cast<double>(static_cast<std::int64_t>((raw ^ sign) - sign));
        } else {
            v = descr[1] == 'i' ? static_cast<double>(static_cast<std::int64_t>(raw)) : static_cast<double>(raw);
        }
        if (!std::isfinite(v)) throw Error(path + ": value " + std::to_string(i) + " is not a finite number");
        values[static_cast<std::size_t>(i)] = v;
    }
    return nonEmpty(std::move(values), path);
}

std::vector<double> readHdf5(const std::string& path, std::string dataset, bool integers) {
    H5::Exception::dontPrint();
    try {
        H5::H5File file(path, H5F_ACC_RDONLY);
        if (dataset.empty()) {
            std::vector<std::string> candidates;
            for (hsize_t i = 0; i < file.getNumObjs(); ++i) {
                const std::string name = file.getObjnameByIdx(i);
                if (file.childObjType(name) == H5O_TYPE_DATASET && file.openDataSet(name).getSpace().getSimpleExtentNdims() == 1)
                    candidates.push_back(name);
            }
            if (candidates.size() != 1)
                throw Error(path + ": name the dataset as " + path + ":NAME (the file has " + std::to_string(candidates.size()) +
                            " one-dimensional datasets at its root)");
            dataset = candidates.front();
        }
        if (!file.exists(dataset)) throw Error(path + ": no dataset '" + dataset + "'");
        H5::DataSet ds = file.openDataSet(dataset);
        H5::DataSpace space = ds.getSpace();
        if (space.getSimpleExtentNdims() != 1) throw Error(path + ":" + dataset + ": expected a 1-D dataset");
        const H5T_class_t type = ds.getDataType().getClass();
        if (type != H5T_INTEGER && type != H5T_ENUM && (integers || type != H5T_FLOAT))
            throw Error(path + ":" + dataset + ": expected " + (integers ? "integers or booleans" : "numbers"));
        const auto n = static_cast<std::size_t>(space.getSimpleExtentNpoints());
        std::vector<double> values(n);
        if (n > 0) ds.read(values.data(), H5::PredType::NATIVE_DOUBLE);
        for (double v : values)
            if (!std::isfinite(v)) throw Error(path + ":" + dataset + ": holds a value that is not a finite number");
        return nonEmpty(std::move(values), path + ":" + dataset);
    } catch (const H5::Exception& e) {
        throw Error(path + ": cannot read HDF5: " + e.getDetailMsg());
    }
}

} // namespace

namespace {

std::vector<double> readVector(const std::string& spec, bool integers) {
    std::string path = spec, dataset;
    if (!fs::exists(path)) {
        const std::size_t colon = spec.rfind(':');
        if (colon != std::string::npos && fs::exists(spec.substr(0, colon))) {
            path = spec.substr(0, colon);
            dataset = spec.substr(colon + 1);
        } else {
            throw Error(spec + ": no such file");
        }
    }
    const std::string ext = lowerExtension(path);
    if (ext == ".h5" || ext == ".hdf5") return readHdf5(path, dataset, integers);
    if (!dataset.empty()) throw Error(spec + ": only HDF5 files take a :DATASET suffix");
    if (ext == ".npy") return readNpy(path, integers);
    if (ext == ".txt") return readText(path, false, integers);
    if (ext == ".csv") return readText(path, true, integers);
    throw Error(path + ": unknown format '" + ext + "' (expected .npy, .txt, .csv, .h5 or .hdf5)");
}

} // namespace

torch::Tensor readIntVectorFile(const std::string& spec) {
    const std::vector<double> values = readVector(spec, true);
    std::vector<std::int64_t> ints(values.begin(), values.end());
    return torch::tensor(ints, torch::kLong);
}

torch::Tensor readNumberVectorFile(const std::string& spec) {
    return torch::tensor(readVector(spec, false), torch::kDouble);
}

} // namespace memloc::core
