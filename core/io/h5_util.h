#pragma once
// Small helpers over the HDF5 C++ API for run files (internal: includes torch).

#include <H5Cpp.h>
#include <torch/torch.h>

#include <cstdint>
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

/// Writes a CPU-copied tensor (float32, float64, int64 or bool->uint8) as a dataset of its shape.
void writeTensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor);
/// Reads a dataset written by writeTensor back into a CPU tensor of the stored type.
torch::Tensor readTensor(const H5::Group& group, const std::string& name);

/// A 1-D list of variable-length UTF-8 strings.
void writeStrings(H5::Group& group, const std::string& name, const std::vector<std::string>& values);
std::vector<std::string> readStrings(const H5::Group& group, const std::string& name);

/// Creates an extendible float64 dataset of shape [0, cols] (cols = 0: 1-D [0]).
void createSeries(H5::Group& group, const std::string& name, hsize_t cols);
/// Writes `row` (cols values; one for 1-D) at row index `index`, growing the dataset if needed.
void writeSeriesRow(H5::Group& group, const std::string& name, hsize_t index, const std::vector<double>& row);
/// Shrinks a series to `rows` rows (drops rows of an epoch that was not completed).
void truncateSeries(H5::Group& group, const std::string& name, hsize_t rows);
/// Reads a series as rows of values.
std::vector<std::vector<double>> readSeries(const H5::Group& group, const std::string& name);

bool exists(const H5::Group& group, const std::string& path);

} // namespace memloc::core::h5
