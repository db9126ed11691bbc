#include "io/h5_util.h"

#include "memloc/error.h"

#include <cerrno>
#include <limits>
#include <utility>

#include <unistd.h>

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

/// The dataspace of a tensor's shape (scalar for 0-d tensors).
H5::DataSpace tensorSpace(const torch::Tensor& t) {
    std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
    return dims.empty() ? H5::DataSpace(H5S_SCALAR) : H5::DataSpace(static_cast<int>(dims.size()), dims.data());
}

bool sameShape(const H5::DataSpace& space, const torch::Tensor& t) {
    if (space.getSimpleExtentNdims() != t.dim()) return false;
    std::vector<hsize_t> dims(static_cast<std::size_t>(t.dim()));
    if (t.dim() > 0) space.getSimpleExtentDims(dims.data());
    for (std::int64_t i = 0; i < t.dim(); ++i)
        if (dims[static_cast<std::size_t>(i)] != static_cast<hsize_t>(t.size(i))) return false;
    return true;
}

/// Object creation settings without access, modification, change and birth times: with them,
/// HDF5 would rewrite object headers to record when data or attributes were written.
void untimed(H5::PropList& props) {
    if (H5Pset_obj_track_times(props.getId(), false) < 0)
        throw H5::PropListIException("H5Pset_obj_track_times", "cannot turn off object times");
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

torch::Tensor storedForm(const torch::Tensor& tensor, const std::string& name, const H5::PredType** type) {
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    switch (t.scalar_type()) {
        case torch::kFloat: *type = &H5::PredType::NATIVE_FLOAT; break;
        case torch::kDouble: *type = &H5::PredType::NATIVE_DOUBLE; break;
        case torch::kLong: *type = &H5::PredType::NATIVE_INT64; break;
        case torch::kBool: t = t.to(torch::kUInt8); *type = &H5::PredType::NATIVE_UINT8; break;
        case torch::kByte: *type = &H5::PredType::NATIVE_UINT8; break;
        default: throw Error("cannot store tensor '" + name + "' of type " + std::string(c10::toString(t.scalar_type())));
    }
    return t;
}

void writeTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor) {
    const H5::PredType* type = nullptr;
    const torch::Tensor t = storedForm(tensor, name, &type);
    if (group.nameExists(name)) group.unlink(name);
    group.createDataSet(name, *type, tensorSpace(t)).write(t.data_ptr(), *type);
}

void allocateTensor(H5::Group& group, const std::string& name, const torch::Tensor& like) {
    const H5::PredType* type = nullptr;
    const torch::Tensor t = storedForm(like, name, &type);
    H5::DSetCreatPropList props;
    props.setLayout(H5D_CONTIGUOUS);
    props.setAllocTime(H5D_ALLOC_TIME_EARLY);
    props.setFillTime(H5D_FILL_TIME_NEVER);
    untimed(props);
    if (group.nameExists(name)) group.unlink(name);
    group.createDataSet(name, *type, tensorSpace(t), props);
}

void overwriteTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor) {
    const H5::PredType* type = nullptr;
    const torch::Tensor t = storedForm(tensor, name, &type);
    H5::DataSet ds = group.openDataSet(name);
    if (!(ds.getDataType() == *type) || !sameShape(ds.getSpace(), t))
        throw Error("dataset '" + name + "' does not have the type and shape of the tensor written into it");
    if (t.numel() > 0) ds.write(t.data_ptr(), *type);
}

H5::Group createUntimedGroup(const H5::H5Location& parent, const std::string& name) {
    H5::PropList props(H5P_GROUP_CREATE);
    untimed(props);
    const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, props.getId(), H5P_DEFAULT);
    if (id < 0) throw H5::GroupIException("H5Gcreate2", "cannot create group '" + name + "'");
    H5Gclose(id);
    return parent.openGroup(name);
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

void writeInts(H5::Group& group, const std::string& name, const std::vector<std::int64_t>& values) {
    writeTensor(group, name, torch::tensor(values, torch::kLong));
}

void writeDoubles(H5::Group& group, const std::string& name, const std::vector<double>& values) {
    writeTensor(group, name, torch::tensor(values, torch::kDouble));
}

std::vector<std::int64_t> readIntList(const H5::Group& group, const std::string& name) {
    if (!group.nameExists(name)) return readIntVectorAttr(group, name);
    const torch::Tensor t = readTensor(group, name).to(torch::kLong).contiguous().view({-1});
    return std::vector<std::int64_t>(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
}

std::vector<double> readDoubleList(const H5::Group& group, const std::string& name) {
    if (!group.nameExists(name)) return readDoubleVectorAttr(group, name);
    const torch::Tensor t = readTensor(group, name).to(torch::kDouble).contiguous().view({-1});
    return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

std::string childName(const H5::Group& group, const std::vector<std::string>& names) {
    for (const auto& name : names)
        if (group.nameExists(name)) return name;
    throw H5::GroupIException("childName", "'" + (names.empty() ? std::string() : names.front()) + "' is missing");
}

void createSeries(H5::Group& group, const std::string& name, hsize_t cols, hsize_t rows) {
    const int rank = cols == 0 ? 1 : 2;
    const hsize_t dims[2] = {rows, cols};
    const hsize_t maxDims[2] = {H5S_UNLIMITED, cols};
    const hsize_t chunk[2] = {64, cols == 0 ? 1 : cols};
    H5::DSetCreatPropList props;
    props.setChunk(rank, chunk);
    if (rows > 0) {  // laid out ahead: allocated now, NaN until written, no times
        const double nan = std::numeric_limits<double>::quiet_NaN();
        props.setFillValue(H5::PredType::NATIVE_DOUBLE, &nan);
        props.setAllocTime(H5D_ALLOC_TIME_EARLY);
        untimed(props);
    }
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

std::optional<std::uint64_t> tensorDataOffset(const H5::Group& group, const std::string& name,
                                              const torch::Tensor& stored, const H5::PredType& type) {
    if (!group.nameExists(name)) return std::nullopt;
    const H5::DataSet ds = group.openDataSet(name);
    if (!(ds.getDataType() == type) || !sameShape(ds.getSpace(), stored)) return std::nullopt;
    if (ds.getCreatePlist().getLayout() != H5D_CONTIGUOUS) return std::nullopt;
    const haddr_t offset = H5Dget_offset(ds.getId());
    if (offset == HADDR_UNDEF || ds.getStorageSize() != stored.nbytes()) return std::nullopt;
    return offset;
}

std::optional<std::uint64_t> seriesRowOffset(const H5::Group& group, const std::string& name, hsize_t row, hsize_t cols) {
    if (!group.nameExists(name)) return std::nullopt;
    const H5::DataSet ds = group.openDataSet(name);
    const H5::DataSpace space = ds.getSpace();
    const int rank = space.getSimpleExtentNdims();
    hsize_t dims[2] = {0, 1};
    space.getSimpleExtentDims(dims);
    const H5::DSetCreatPropList props = ds.getCreatePlist();
    if (!(ds.getDataType() == H5::PredType::NATIVE_DOUBLE) || dims[0] <= row || (rank == 2 ? dims[1] : 1) != cols ||
        props.getLayout() != H5D_CHUNKED || props.getNfilters() != 0)
        return std::nullopt;
    hsize_t chunk[2] = {0, 1};
    props.getChunk(rank, chunk);
    if ((rank == 2 ? chunk[1] : 1) != cols) return std::nullopt;
    const hsize_t start[2] = {row - row % chunk[0], 0};
    unsigned filterMask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(ds.getId(), start, &filterMask, &address, &size) < 0 || address == HADDR_UNDEF ||
        filterMask != 0 || size != chunk[0] * cols * sizeof(double))
        return std::nullopt;
    return address + (row % chunk[0]) * cols * sizeof(double);
}

namespace {

std::uint64_t littleEndian(const unsigned char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

bool readAt(int fd, std::uint64_t offset, std::size_t size, std::vector<unsigned char>& out) {
    out.resize(size);
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// In the data of an attribute message (`m`, `size` bytes): where the value begins, if the
/// attribute is `name` with `elements` little-endian fixed-point values of `elementBytes` bytes
/// and neither its type nor its shape is shared. The message holds a version, the sizes of the
/// name, type and shape, then those three and the value; version 1 pads each of the three to 8
/// bytes, versions 2 and 3 do not (3 adds a byte for the name's encoding).
std::optional<std::size_t> attributeValueIn(const unsigned char* m, std::size_t size, const std::string& name,
                                            std::size_t elementBytes, std::uint64_t elements) {
    if (size < 9) return std::nullopt;
    const int version = m[0];
    if (version < 1 || version > 3 || (version > 1 && m[1] != 0)) return std::nullopt;  // shared parts
    const std::size_t nameSize = littleEndian(m + 2, 2), typeSize = littleEndian(m + 4, 2),
                      spaceSize = littleEndian(m + 6, 2);
    auto padded = [&](std::size_t n) { return version == 1 ? (n + 7) / 8 * 8 : n; };
    std::size_t pos = version == 3 ? 9 : 8;
    if (pos + padded(nameSize) + padded(typeSize) + padded(spaceSize) > size || nameSize != name.size() + 1 ||
        name.compare(0, name.size(), reinterpret_cast<const char*>(m + pos), name.size()) != 0)
        return std::nullopt;
    pos += padded(nameSize);
    const unsigned char* type = m + pos;  // class and version, bit fields (byte order), size
    if (typeSize < 8 || (type[0] & 0x0F) != 0 || (type[1] & 0x01) != 0 || littleEndian(type + 4, 4) != elementBytes)
        return std::nullopt;
    pos += padded(typeSize);
    const unsigned char* space = m + pos;  // version (1 or 2), rank, flags, ..., then the dimensions
    const int rank = space[1];
    const std::size_t dimsAt = space[0] == 1 ? 8 : space[0] == 2 ? 4 : 0;
    if (dimsAt == 0 || (space[0] == 2 && space[3] == 2) || dimsAt + 8 * static_cast<std::size_t>(rank) > spaceSize)
        return std::nullopt;
    std::uint64_t count = 1;
    for (int i = 0; i < rank; ++i) count *= littleEndian(space + dimsAt + 8 * i, 8);
    pos += padded(spaceSize);
    if (count != elements || pos + count * elementBytes > size) return std::nullopt;
    return pos;
}

} // namespace

std::optional<std::uint64_t> attributeValueOffset(const H5::H5Object& obj, const std::string& name, int fd,
                                                  std::size_t elementBytes, std::uint64_t elements,
                                                  const std::string& expected) {
    const std::uint16_t probe = 1;
    if (*reinterpret_cast<const unsigned char*>(&probe) != 1) return std::nullopt;  // values are stored little-endian
    // Addresses of 8 bytes and no user block: object header addresses are then file offsets.
    const hid_t fileId = H5Iget_file_id(obj.getId());
    if (fileId < 0) return std::nullopt;
    const hid_t fcpl = H5Fget_create_plist(fileId);
    std::size_t addressSize = 0, lengthSize = 0;
    hsize_t userBlock = 1;
    const bool plain = fcpl >= 0 && H5Pget_sizes(fcpl, &addressSize, &lengthSize) >= 0 &&
                       H5Pget_userblock(fcpl, &userBlock) >= 0 && addressSize == 8 && lengthSize == 8 && userBlock == 0;
    if (fcpl >= 0) H5Pclose(fcpl);
    H5Fclose(fileId);
    H5O_info_t info;
    if (!plain || H5Oget_info2(obj.getId(), &info, H5O_INFO_BASIC) < 0) return std::nullopt;

    // A version 1 object header: a 16-byte prefix (version, message count, reference count, size
    // of the first chunk), then messages, each with an 8-byte header (type, size, flags);
    // continuation messages give the address and length of further chunks of messages.
    std::vector<unsigned char> bytes;
    if (!readAt(fd, info.addr, 16, bytes) || bytes[0] != 1) return std::nullopt;
    std::uint64_t messages = littleEndian(bytes.data() + 2, 2);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> chunks{{info.addr + 16, littleEndian(bytes.data() + 8, 4)}};
    std::optional<std::uint64_t> found;
    for (std::size_t c = 0; c < chunks.size() && c < 64 && messages > 0; ++c) {
        const auto [chunkAt, chunkSize] = chunks[c];
        if (chunkSize > (1u << 24) || !readAt(fd, chunkAt, chunkSize, bytes)) return std::nullopt;
        for (std::size_t p = 0; p + 8 <= chunkSize && messages > 0; --messages) {
            const std::uint64_t type = littleEndian(&bytes[p], 2), size = littleEndian(&bytes[p + 2], 2);
            const bool shared = bytes[p + 4] & 0x02;
            const std::size_t data = p + 8;
            if (data + size > chunkSize) return std::nullopt;
            if (type == 0x10 && size >= 16)  // continuation: address and length of the next chunk
                chunks.emplace_back(littleEndian(&bytes[data], 8), littleEndian(&bytes[data + 8], 8));
            if (type == 0x0C && !shared) {
                if (auto at = attributeValueIn(&bytes[data], size, name, elementBytes, elements)) {
                    if (found) return std::nullopt;  // two candidates: ambiguous
                    found = chunkAt + data + *at;
                }
            }
            p = data + size;
        }
    }
    if (!found || !readAt(fd, *found, expected.size(), bytes) ||
        std::string(bytes.begin(), bytes.end()) != expected || expected.size() != elementBytes * elements)
        return std::nullopt;
    return found;
}

} // namespace memloc::core::h5
