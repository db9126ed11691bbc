#pragma once
// Display names of a dataset's classes, for labels shown to people.

#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

/// The names of the `numClasses` classes of dataset `dataset`, in label order. Known datasets
/// (matched ignoring case, '-', '_' and spaces, so "fashion-mnist", "FashionMNIST", "cifar10",
/// "CIFAR-100" and "svhn" all match): Fashion-MNIST (T-shirt/top ... Ankle boot), MNIST and SVHN
/// ("0".."9"; SVHN's label 10 is the digit 0, stored as label 0), CIFAR-10 (airplane ... truck) and
/// CIFAR-100 (its 100 fine labels). Anything else (synthetic data, an unknown name, or a class
/// count that differs from the dataset's) gets the plain numbers "0".."numClasses-1". Empty for
/// numClasses <= 0.
std::vector<std::string> classNames(const std::string& dataset, std::int64_t numClasses);

/// The name of class `label` (classNames(...)[label]), or the number itself when it is out of range.
std::string className(const std::vector<std::string>& names, std::int64_t label);

} // namespace memloc::core
