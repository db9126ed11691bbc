#pragma once
// Reading one vector of numbers (labels, 0/1 flags, ids or scores) from .npy, .txt, .csv or HDF5
// (internal).

#include <torch/torch.h>

#include <string>

namespace memloc::core {

/// Reads `spec` = FILE or FILE:DATASET (HDF5 only) as int64 [K]. Formats by extension:
/// .npy (1-D, integer or bool dtype, little-endian, C order), .txt (whitespace-separated; '#'
/// starts a comment),
/// .csv (one value per line, or the first column; a non-numeric header line is skipped),
/// .h5/.hdf5 (the named dataset, or the file's only 1-D dataset). Throws Error naming the file.
torch::Tensor readIntVectorFile(const std::string& spec);

/// As readIntVectorFile, but any finite numbers (also float .npy and HDF5 datasets), as float64.
torch::Tensor readNumberVectorFile(const std::string& spec);

} // namespace memloc::core
