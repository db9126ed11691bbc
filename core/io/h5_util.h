#pragma once
// Small helpers over the HDF5 C++ API for run files (internal: includes torch).

#include <H5Cpp.h>
#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace memloc::core::h5 {

void writeAttr(H5::H5Object& obj, const std::string& name, const std::string& value);
void writeAttr(H5::H5Object& obj, const std::string& name, std::int64_t value);
void writeAttr(H5::H5Object& obj, const std::string& name, double value);
void writeAttr(H5::H5Object& obj, const std::string& name, const std::vector<double>& values);
void writeAttr(H5::H5Object& obj, const std::string& name, const std::vector<std::int64_t>& values);

bool hasAttr(const H5::H5Object& obj, const std::string& name);
std::string readStringAttr(const H5::H5Object& obj, const std::string& name);
std::int64_t readIntAttr(const H5::H5Object& obj, const std::string& name);
double readDoubleAttr(const H5::H5Object& obj, const std::string& name);
std::vector<double> readDoubleVectorAttr(const H5::H5Object& obj, const std::string& name);
std::vector<std::int64_t> readIntVectorAttr(const H5::H5Object& obj, const std::string& name);

/// The CPU, contiguous form in which writeTensor stores `tensor` (bool becomes uint8) and its
/// HDF5 element type. Throws Error for other element types.
torch::Tensor storedForm(const torch::Tensor& tensor, const std::string& name, const H5::PredType** type);

/// Writes a CPU-copied tensor (float32, float64, int64 or bool->uint8) as a dataset of its shape.
void writeTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor);
/// Creates a dataset with room for a tensor like `like` (writeTensor's type and shape) whose data
/// can later be overwritten in place: contiguous, its space allocated now, never filled (it reads
/// as zeros until written), no object times. Writes no data.
void allocateTensor(H5::Group& group, const std::string& name, const torch::Tensor& like);
/// Writes `tensor` into the existing dataset `name` (same type and shape as writeTensor would
/// store); throws Error naming the dataset otherwise.
void overwriteTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor);

/// Creates a group whose object header records no times (see allocateTensor).
H5::Group createUntimedGroup(const H5::H5Location& parent, const std::string& name);
/// Reads a dataset written by writeTensor back into a CPU tensor of the stored type.
torch::Tensor readTensor(const H5::Group& group, const std::string& name);

/// A 1-D list of variable-length UTF-8 strings.
void writeStrings(H5::Group& group, const std::string& name, const std::vector<std::string>& values);
std::vector<std::string> readStrings(const H5::Group& group, const std::string& name);

// Lists: format 3 stores every list as a dataset; older files hold some as attributes or under
// other names. The readers below take whichever the file has.

/// A 1-D int64 / float64 dataset.
void writeInts(H5::Group& group, const std::string& name, const std::vector<std::int64_t>& values);
void writeDoubles(H5::Group& group, const std::string& name, const std::vector<double>& values);
/// The dataset `name` of `group` or, where the file has none (format 1 and 2), its attribute `name`.
std::vector<std::int64_t> readIntList(const H5::Group& group, const std::string& name);
std::vector<double> readDoubleList(const H5::Group& group, const std::string& name);
/// The first of `names` that `group` has as a child (a format 3 name first, then older ones);
/// throws H5::GroupIException naming the first when it has none.
std::string childName(const H5::Group& group, const std::vector<std::string>& names);

/// Creates an extendible float64 dataset of shape [rows, cols] (cols = 0: 1-D [rows]). Rows
/// given here are allocated now and hold NaN (as do rows added later), and the dataset records
/// no object times, so they can be overwritten in place.
void createSeries(H5::Group& group, const std::string& name, hsize_t cols, hsize_t rows = 0);
/// Writes `row` (cols values; one for 1-D) at row index `index`, growing the dataset if needed.
void writeSeriesRow(H5::Group& group, const std::string& name, hsize_t index, const std::vector<double>& row);
/// Shrinks a series to `rows` rows (drops rows of an epoch that was not completed).
void truncateSeries(H5::Group& group, const std::string& name, hsize_t rows);
/// Reads a series as rows of values.
std::vector<std::vector<double>> readSeries(const H5::Group& group, const std::string& name);

bool exists(const H5::Group& group, const std::string& path);

// Locating data in the file, for writing it without HDF5 (plain writes at these offsets change
// only those bytes). Offsets count from the start of the file.

/// Where the data of dataset `name` begins: a contiguous dataset, its space allocated, holding a
/// tensor of `stored`'s shape and element type `type` (see storedForm). Empty otherwise.
std::optional<std::uint64_t> tensorDataOffset(const H5::Group& group, const std::string& name,
                                              const torch::Tensor& stored, const H5::PredType& type);
/// Where row `row` of a series (createSeries) begins in the file: the series has `cols` columns
/// and that row, in an allocated chunk without filters. Empty otherwise.
std::optional<std::uint64_t> seriesRowOffset(const H5::Group& group, const std::string& name, hsize_t row, hsize_t cols);
/// Where the value of attribute `name` of `obj` lies in the file, read from its object header
/// (version 1, as files made with the earliest formats have) through `fd`: only a fixed-point
/// little-endian attribute of `elements` values of `elementBytes` bytes, unshared, whose stored
/// bytes equal `expected`. Empty when it is not found so.
std::optional<std::uint64_t> attributeValueOffset(const H5::H5Object& obj, const std::string& name, int fd,
                                                  std::size_t elementBytes, std::uint64_t elements,
                                                  const std::string& expected);

} // namespace memloc::core::h5
