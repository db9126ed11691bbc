#pragma once
// Reading one vector of integers (labels or 0/1 flags) from .npy, .txt, .csv or HDF5 (internal).

#include <torch/torch.h>

#include <string>

namespace memloc::core {

/// Reads `spec` = FILE or FILE:DATASET (HDF5 only) as int64 [K]. Formats by extension:
/// .npy (1-D, integer or bool dtype, little-endian, C order), .txt (whitespace-separated),
/// .csv (one value per line, or the first column; a non-numeric header line is skipped),
/// .h5/.hdf5 (the named dataset, or the file's only 1-D dataset). Throws Error naming the file.
torch::Tensor readIntVectorFile(const std::string& spec);

} // namespace memloc::core
