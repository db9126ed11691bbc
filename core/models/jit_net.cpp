#include "models/jit_net.h"

#include "memloc/error.h"

#include <caffe2/serialize/inline_container.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <sstream>

namespace memloc::core {

namespace {

/// Mirrors one TorchScript submodule in the nn::Module tree so that named_parameters(),
/// named_modules() and train() work with the script's names.
class JitMirror : public torch::nn::Module {
public:
    explicit JitMirror(torch::jit::Module target) : m_target(std::move(target)) {}
    void train(bool on = true) override {
        m_target.train(on);
        torch::nn::Module::train(on);
    }

private:
    torch::jit::Module m_target;
};

/// The child of `parent` named `name`, created (mirroring `target`) if it does not exist yet.
std::shared_ptr<torch::nn::Module> mirrorChild(torch::nn::Module& parent, const std::string& name,
                                               const torch::jit::Module& target) {
    for (const auto& child : parent.named_children())
        if (child.key() == name) return child.value();
    return parent.register_module(name, std::make_shared<JitMirror>(target));
}

std::vector<std::string> splitPath(const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream in(path);
    std::string part;
    while (std::getline(in, part, '.')) parts.push_back(part);
    return parts;
}

/// (group name, module path) pairs from "name=path,name=path".
std::vector<std::pair<std::string, std::string>> parseGroupsSpec(const std::string& spec, const std::string& origin) {
    std::vector<std::pair<std::string, std::string>> out;
    std::stringstream in(spec);
    std::string item;
    while (std::getline(in, item, ',')) {
        const std::size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
            throw Error(origin + ": layer group '" + item + "' must be written NAME=MODULE.PATH");
        out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (out.empty()) throw Error(origin + ": the layer group list is empty");
    return out;
}

bool under(const std::string& name, const std::string& path) {
    return name.size() > path.size() && name.compare(0, path.size(), path) == 0 && name[path.size()] == '.';
}

std::string moduleOf(const std::string& parameter) {
    const std::size_t dot = parameter.rfind('.');
    return dot == std::string::npos ? std::string() : parameter.substr(0, dot);
}

} // namespace

bool JitNet::looksLikeTorchScript(const std::string& archive) {
    try {
        std::istringstream in(archive);
        caffe2::serialize::PyTorchStreamReader reader(&in);
        if (reader.hasRecord("constants.pkl")) return true;
        for (const std::string& record : reader.getAllRecords())
            if (record.rfind("code/", 0) == 0) return true;
    } catch (const c10::Error&) {
    }
    return false;
}

JitNet::JitNet(const std::string& archive, const std::string& groupsSpec, const std::string& origin) {
    try {
        std::istringstream in(archive);
        m_module = torch::jit::load(in, torch::kCPU);
    } catch (const c10::Error& e) {
        throw Error(origin + ": not a loadable TorchScript module: " + e.what_without_backtrace());
    } catch (const std::exception& e) {  // the TorchScript parser throws std::runtime_error (found by fuzz_torchscript)
        throw Error(origin + ": not a loadable TorchScript module: " + e.what());
    }

    // Mirror every parameter and buffer under its TorchScript name (same tensors).
    auto mirror = [&](const std::string& name, const torch::Tensor& tensor, bool parameter) {
        const std::vector<std::string> parts = splitPath(name);
        torch::nn::Module* node = this;
        torch::jit::Module target = m_module;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            target = target.attr(parts[i]).toModule();
            node = mirrorChild(*node, parts[i], target).get();
        }
        if (parameter)
            node->register_parameter(parts.back(), tensor, tensor.requires_grad());
        else
            node->register_buffer(parts.back(), tensor);
    };
    std::vector<std::string> parameterNames;
    for (const auto& p : m_module.named_parameters(true)) {
        p.value.set_requires_grad(true);
        mirror(p.name, p.value, true);
        parameterNames.push_back(p.name);
    }
    for (const auto& b : m_module.named_buffers(true)) mirror(b.name, b.value, false);
    if (parameterNames.empty()) throw Error(origin + ": the TorchScript module has no parameters to analyse");

    std::vector<std::pair<std::string, std::string>> groupPaths;
    if (groupsSpec.empty()) {
        for (const auto& child : m_module.named_children()) {
            const bool hasParams = std::any_of(parameterNames.begin(), parameterNames.end(),
                                               [&](const std::string& n) { return under(n, child.name); });
            if (hasParams) groupPaths.emplace_back(child.name, child.name);
        }
        if (groupPaths.empty()) throw Error(origin + ": the TorchScript module has no child module with parameters (give the layer groups explicitly)");
    } else {
        groupPaths = parseGroupsSpec(groupsSpec, origin);
    }

    std::set<std::string> taken;
    std::map<std::string, torch::Tensor> byName;
    for (const auto& p : m_module.named_parameters(true)) byName[p.name] = p.value;
    for (const auto& [groupName, path] : groupPaths) {
        LayerGroup g;
        g.name = groupName;
        g.prefix = path;
        g.block = 0;
        for (const std::string& n : parameterNames)
            if (under(n, path)) g.parameters.push_back(n);
        if (g.parameters.empty()) throw Error(origin + ": layer group '" + groupName + "': no parameters under module '" + path + "'");
        for (const std::string& n : g.parameters)
            if (!taken.insert(n).second)
                throw Error(origin + ": layer group '" + groupName + "' overlaps another group at parameter '" + n + "'");
        // Units: the leading dimension of the group's last parameter; masks cover that module.
        std::string last;
        for (const std::string& n : g.parameters)
            if (byName[n].dim() >= 1) last = n;
        if (last.empty()) throw Error(origin + ": layer group '" + groupName + "' has only scalar parameters");
        g.units = byName[last].size(0);
        std::vector<torch::Tensor> masked;
        for (const std::string& n : g.parameters)
            if (moduleOf(n) == moduleOf(last) && byName[n].dim() >= 1 && byName[n].size(0) == g.units) masked.push_back(byName[n]);
        m_groups.push_back(g);
        m_maskedParams.push_back(masked);
        m_unitGates.push_back(ChannelGate(g.units));
    }
}

torch::Tensor JitNet::forward(const torch::Tensor& x) {
    std::vector<std::pair<torch::Tensor, torch::Tensor>> saved;
    {
        torch::NoGradGuard noGrad;
        for (std::size_t g = 0; g < m_unitGates.size(); ++g) {
            const torch::Tensor& keep = m_unitGates[g]->keep();
            if (!keep.defined()) continue;
            for (torch::Tensor& p : m_maskedParams[g]) {
                saved.emplace_back(p, p.clone());
                std::vector<std::int64_t> shape(static_cast<std::size_t>(p.dim()), 1);
                shape[0] = p.size(0);
                p.mul_(keep.to(p.device(), p.scalar_type()).view(shape));
            }
        }
    }
    torch::Tensor out;
    try {
        out = m_module.forward({x}).toTensor();
    } catch (...) {
        torch::NoGradGuard noGrad;
        for (auto& [p, original] : saved) p.copy_(original);
        throw;
    }
    torch::NoGradGuard noGrad;
    for (auto& [p, original] : saved) p.copy_(original);
    return out;
}

torch::Tensor JitNet::forwardRange(const torch::Tensor& x, std::size_t begin, std::size_t end) {
    return begin == 0 && end >= 1 ? forward(x) : x;
}

void JitNet::train(bool on) {
    m_module.train(on);
    Net::train(on);
}

} // namespace memloc::core
