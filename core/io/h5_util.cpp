#include "io/h5_util.h"

#include "memloc/error.h"

namespace memloc::core::h5 {

namespace {

H5::StrType utf8String() {
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    return type;
}

H5::DataSpace vectorSpace(std::size_t n) {
    const hsize_t dims[1] = {static_cast<hsize_t>(n)};
    return H5::DataSpace(1, dims);
}

template <typename T>
std::vector<T> readVectorAttr(const H5::H5Object& obj, const std::string& name, const H5::PredType& type) {
    H5::Attribute attr = obj.openAttribute(name);
    const hssize_t n = attr.getSpace().getSimpleExtentNpoints();
    std::vector<T> values(static_cast<std::size_t>(n));
    if (n > 0) attr.read(type, values.data());
    return values;
}

} // namespace

void writeAttr(H5::H5Object& obj, const std::string& name, const std::string& value) {
    if (obj.attrExists(name)) obj.removeAttr(name);
    H5::StrType type = utf8String();
    obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}

void writeAttr(H5::H5Object& obj, const std::string& name, std::int64_t value) {
    if (obj.attrExists(name)) obj.removeAttr(name);
    obj.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_INT64, &value);
}

void writeAttr(H5::H5Object& obj, const std::string& name, double value) {
    if (obj.attrExists(name)) obj.removeAttr(name);
    obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR))
        .write(H5::PredType::NATIVE_DOUBLE, &value);
}

void writeAttr(H5::H5Object& obj, const std::string& name, const std::vector<double>& values) {
    if (obj.attrExists(name)) obj.removeAttr(name);
    obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE, vectorSpace(values.size()))
        .write(H5::PredType::NATIVE_DOUBLE, values.data());
}

void writeAttr(H5::H5Object& obj, const std::string& name, const std::vector<std::int64_t>& values) {
    if (obj.attrExists(name)) obj.removeAttr(name);
    obj.createAttribute(name, H5::PredType::NATIVE_INT64, vectorSpace(values.size()))
        .write(H5::PredType::NATIVE_INT64, values.data());
}

bool hasAttr(const H5::H5Object& obj, const std::string& name) { return obj.attrExists(name); }

std::string readStringAttr(const H5::H5Object& obj, const std::string& name) {
    H5::Attribute attr = obj.openAttribute(name);
    std::string value;
    attr.read(attr.getStrType(), value);
    return value;
}

std::int64_t readIntAttr(const H5::H5Object& obj, const std::string& name) {
    std::int64_t value = 0;
    obj.openAttribute(name).read(H5::PredType::NATIVE_INT64, &value);
    return value;
}

double readDoubleAttr(const H5::H5Object& obj, const std::string& name) {
    double value = 0;
    obj.openAttribute(name).read(H5::PredType::NATIVE_DOUBLE, &value);
    return value;
}

std::vector<double> readDoubleVectorAttr(const H5::H5Object& obj, const std::string& name) {
    return readVectorAttr<double>(obj, name, H5::PredType::NATIVE_DOUBLE);
}

std::vector<std::int64_t> readIntVectorAttr(const H5::H5Object& obj, const std::string& name) {
    return readVectorAttr<std::int64_t>(obj, name, H5::PredType::NATIVE_INT64);
}

void writeTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor) {
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const H5::PredType* type = nullptr;
    switch (t.scalar_type()) {
        case torch::kFloat: type = &H5::PredType::NATIVE_FLOAT; break;
        case torch::kDouble: type = &H5::PredType::NATIVE_DOUBLE; break;
        case torch::kLong: type = &H5::PredType::NATIVE_INT64; break;
        case torch::kBool: t = t.to(torch::kUInt8); type = &H5::PredType::NATIVE_UINT8; break;
        case torch::kByte: type = &H5::PredType::NATIVE_UINT8; break;
        default: throw Error("cannot store tensor '" + name + "' of type " + std::string(c10::toString(t.scalar_type())));
    }
    std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
    H5::DataSpace space = dims.empty() ? H5::DataSpace(H5S_SCALAR)
                                       : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
    if (group.nameExists(name)) group.unlink(name);
    group.createDataSet(name, *type, space).write(t.data_ptr(), *type);
}

torch::Tensor readTensor(const H5::Group& group, const std::string& name) {
    H5::DataSet ds = group.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    const int rank = space.getSimpleExtentNdims();
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) space.getSimpleExtentDims(dims.data());
    std::vector<int64_t> shape(dims.begin(), dims.end());
    const H5::DataType stored = ds.getDataType();
    const H5T_class_t cls = stored.getClass();
    torch::ScalarType st;
    const H5::PredType* type = nullptr;
    if (cls == H5T_FLOAT && stored.getSize() == 4) { st = torch::kFloat; type = &H5::PredType::NATIVE_FLOAT; }
    else if (cls == H5T_FLOAT) { st = torch::kDouble; type = &H5::PredType::NATIVE_DOUBLE; }
    else if (cls == H5T_INTEGER && stored.getSize() == 1) { st = torch::kByte; type = &H5::PredType::NATIVE_UINT8; }
    else if (cls == H5T_INTEGER) { st = torch::kLong; type = &H5::PredType::NATIVE_INT64; }
    else throw Error("dataset '" + name + "' has an unsupported element type");
    torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(st));
    if (t.numel() > 0) ds.read(t.data_ptr(), *type);
    return t;
}

void writeStrings(H5::Group& group, const std::string& name, const std::vector<std::string>& values) {
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    if (group.nameExists(name)) group.unlink(name);
    H5::StrType type = utf8String();
    H5::DataSet ds = group.createDataSet(name, type, vectorSpace(values.size()));
    if (!ptrs.empty()) ds.write(ptrs.data(), type);
}

std::vector<std::string> readStrings(const H5::Group& group, const std::string& name) {
    H5::DataSet ds = group.openDataSet(name);
    const auto n = static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints());
    std::vector<char*> ptrs(n, nullptr);
    H5::StrType type = utf8String();
    if (n > 0) ds.read(ptrs.data(), type);
    std::vector<std::string> out;
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n > 0) H5::DataSet::vlenReclaim(ptrs.data(), type, ds.getSpace());
    return out;
}

void createSeries(H5::Group& group, const std::string& name, hsize_t cols) {
    const int rank = cols == 0 ? 1 : 2;
    const hsize_t dims[2] = {0, cols};
    const hsize_t maxDims[2] = {H5S_UNLIMITED, cols};
    const hsize_t chunk[2] = {64, cols == 0 ? 1 : cols};
    H5::DSetCreatPropList props;
    props.setChunk(rank, chunk);
    group.createDataSet(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(rank, dims, maxDims), props);
}

void writeSeriesRow(H5::Group& group, const std::string& name, hsize_t index, const std::vector<double>& row) {
    H5::DataSet ds = group.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    const int rank = space.getSimpleExtentNdims();
    hsize_t dims[2] = {0, 1};
    space.getSimpleExtentDims(dims);
    const hsize_t cols = rank == 2 ? dims[1] : 1;
    if (row.size() != cols) throw Error("series '" + name + "' expects rows of " + std::to_string(cols) + " values");
    if (dims[0] <= index) {
        dims[0] = index + 1;
        ds.extend(dims);
        space = ds.getSpace();
    }
    const hsize_t start[2] = {index, 0};
    const hsize_t count[2] = {1, cols};
    space.selectHyperslab(H5S_SELECT_SET, count, start);
    H5::DataSpace mem(rank, count);
    ds.write(row.data(), H5::PredType::NATIVE_DOUBLE, mem, space);
}

void truncateSeries(H5::Group& group, const std::string& name, hsize_t rows) {
    H5::DataSet ds = group.openDataSet(name);
    hsize_t dims[2] = {0, 1};
    ds.getSpace().getSimpleExtentDims(dims);
    if (dims[0] > rows) {
        dims[0] = rows;
        ds.extend(dims);  // H5Dset_extent also shrinks
    }
}

std::vector<std::vector<double>> readSeries(const H5::Group& group, const std::string& name) {
    H5::DataSet ds = group.openDataSet(name);
    H5::DataSpace space = ds.getSpace();
    const int rank = space.getSimpleExtentNdims();
    hsize_t dims[2] = {0, 1};
    space.getSimpleExtentDims(dims);
    const hsize_t cols = rank == 2 ? dims[1] : 1;
    std::vector<double> flat(dims[0] * cols);
    if (!flat.empty()) ds.read(flat.data(), H5::PredType::NATIVE_DOUBLE);
    std::vector<std::vector<double>> rows(dims[0]);
    for (hsize_t r = 0; r < dims[0]; ++r) rows[r].assign(flat.begin() + r * cols, flat.begin() + (r + 1) * cols);
    return rows;
}

bool exists(const H5::Group& group, const std::string& path) { return group.nameExists(path); }

} // namespace memloc::core::h5
