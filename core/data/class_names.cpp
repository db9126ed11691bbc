#include "memloc/class_names.h"

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace memloc::core {

namespace {

const std::vector<std::string> kFashion = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
const std::vector<std::string> kDigits = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
const std::vector<std::string> kCifar10 = {"airplane", "automobile", "bird",  "cat",  "deer",
                                           "dog",      "frog",       "horse", "ship", "truck"};
const std::vector<std::string> kCifar100 = {
    "apple",        "aquarium_fish", "baby",        "bear",       "beaver",     "bed",        "bee",
    "beetle",       "bicycle",       "bottle",      "bowl",       "boy",        "bridge",     "bus",
    "butterfly",    "camel",         "can",         "castle",     "caterpillar", "cattle",    "chair",
    "chimpanzee",   "clock",         "cloud",       "cockroach",  "couch",      "crab",       "crocodile",
    "cup",          "dinosaur",      "dolphin",     "elephant",   "flatfish",   "forest",     "fox",
    "girl",         "hamster",       "house",       "kangaroo",   "keyboard",   "lamp",       "lawn_mower",
    "leopard",      "lion",          "lizard",      "lobster",    "man",        "maple_tree", "motorcycle",
    "mountain",     "mouse",         "mushroom",    "oak_tree",   "orange",     "orchid",     "otter",
    "palm_tree",    "pear",          "pickup_truck", "pine_tree", "plain",      "plate",      "poppy",
    "porcupine",    "possum",        "rabbit",      "raccoon",    "ray",        "road",       "rocket",
    "rose",         "sea",           "seal",        "shark",      "shrew",      "skunk",      "skyscraper",
    "snail",        "snake",         "spider",      "squirrel",   "streetcar",  "sunflower",  "sweet_pepper",
    "table",        "tank",          "telephone",   "television", "tiger",      "tractor",    "train",
    "trout",        "tulip",         "turtle",      "wardrobe",   "whale",      "willow_tree", "wolf",
    "woman",        "worm"};

// "Fashion-MNIST" -> "fashionmnist": the forms people write the names in compare equal.
std::string canonical(const std::string& name) {
    std::string out;
    for (unsigned char c : name)
        if (c != '-' && c != '_' && c != ' ') out += static_cast<char>(std::tolower(c));
    return out;
}

const std::vector<std::string>* known(const std::string& dataset) {
    const std::string key = canonical(dataset);
    if (key == "fashionmnist" || key == "fmnist") return &kFashion;
    if (key == "mnist" || key == "svhn") return &kDigits;
    if (key == "cifar10") return &kCifar10;
    if (key == "cifar100") return &kCifar100;
    return nullptr;
}

} // namespace

std::vector<std::string> classNames(const std::string& dataset, std::int64_t numClasses) {
    if (numClasses <= 0) return {};
    const std::vector<std::string>* names = known(dataset);
    if (names && static_cast<std::int64_t>(names->size()) == numClasses) return *names;
    std::vector<std::string> numbers;
    numbers.reserve(static_cast<std::size_t>(numClasses));
    for (std::int64_t k = 0; k < numClasses; ++k) numbers.push_back(std::to_string(k));
    return numbers;
}

std::string className(const std::vector<std::string>& names, std::int64_t label) {
    if (label >= 0 && label < static_cast<std::int64_t>(names.size())) return names[static_cast<std::size_t>(label)];
    return std::to_string(label);
}

} // namespace memloc::core
