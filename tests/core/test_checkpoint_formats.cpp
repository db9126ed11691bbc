// Tests for the checkpoint file formats: torch.save zip files (safe unpickler) and safetensors.
// Fixtures come from tests/fixtures/make_checkpoints.py; reference.safetensors holds every tensor
// as Python wrote it, and each loaded tensor must equal it byte for byte. readersMatchPythonTorchLoad
// also checks every reader against Python's own torch.load at run time
// (tests/fixtures/dump_fixture_values.py), value for value.

// LibTorch first: Qt's keyword macros would otherwise clash with its headers.
#include <torch/torch.h>

#include <caffe2/serialize/inline_container.h>

#include "io/safetensors.h"
#include "io/torch_file.h"
#include "memloc/error.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include "error_of.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace memloc::core;
using memloc::core::testing::errorOf;
using namespace std::string_literals;

namespace {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

const char* const kPwnedPath = "/tmp/memloc_checkpoint_fixture_pwned";  // see make_checkpoints.py

std::string fixture(const char* name) {
    return std::string(MEMLOC_SOURCE_DIR) + "/tests/fixtures/checkpoints/" + name;
}

/// A file under tests/fixtures, by its path relative to that folder.
std::string fixturePath(const QString& relative) {
    return (QStringLiteral(MEMLOC_SOURCE_DIR "/tests/fixtures/") + relative).toStdString();
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}


/// A one-line message containing every part.
bool containsAll(const QString& message, const QStringList& parts) {
    if (message.isEmpty() || message.contains('\n')) return false;
    for (const QString& p : parts)
        if (!message.contains(p)) return false;
    return true;
}

/// Same dtype, shape and bytes (exact, also for half, bfloat16 and NaN).
bool sameTensor(const torch::Tensor& a, const torch::Tensor& b) {
    if (!a.defined() || !b.defined() || a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
    const torch::Tensor ca = a.contiguous(), cb = b.contiguous();
    return ca.nbytes() == cb.nbytes() && (ca.nbytes() == 0 || std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) == 0);
}

/// Every tensor in value, as (path, tensor) in order; paths as make_checkpoints.py's tensors_of.
void flattenTensors(const std::string& prefix, const PickleValue& value, NamedTensors& out) {
    switch (value.kind) {
    case PickleValue::Kind::Tensor: out.emplace_back(prefix, value.tensor); break;
    case PickleValue::Kind::Dict:
        for (const auto& [key, item] : value.entries) {
            const std::string k = key.kind == PickleValue::Kind::Int ? std::to_string(key.integer) : key.text;
            flattenTensors(prefix + "/" + k, item, out);
        }
        break;
    case PickleValue::Kind::List:
    case PickleValue::Kind::Tuple:
        for (std::size_t i = 0; i < value.items.size(); ++i)
            flattenTensors(prefix + "/" + std::to_string(i), value.items[i], out);
        break;
    default: break;
    }
}

/// The reference tensors whose names start with prefix + "/", in file order.
NamedTensors referenceTensors(const std::string& prefix) {
    NamedTensors out;
    for (const auto& [name, t] : loadSafetensors(fixture("reference.safetensors")).tensors)
        if (name.rfind(prefix + "/", 0) == 0) out.emplace_back(name, t);
    return out;
}

void compareToReference(const NamedTensors& loaded, const NamedTensors& reference) {
    QCOMPARE(loaded.size(), reference.size());
    for (std::size_t i = 0; i < loaded.size(); ++i) {
        QCOMPARE(QString::fromStdString(loaded[i].first), QString::fromStdString(reference[i].first));
        QVERIFY2(loaded[i].second.is_contiguous(), loaded[i].first.c_str());
        QVERIFY2(sameTensor(loaded[i].second, reference[i].second), loaded[i].first.c_str());
    }
}

/// A tensor of every supported dtype, including awkward layouts.
NamedTensors sampleTensors() {
    torch::manual_seed(7);
    NamedTensors t;
    t.emplace_back("float", torch::randn({3, 4}));
    t.emplace_back("transposed", torch::randn({4, 3}).t());
    t.emplace_back("float64", torch::randn({2, 2}, torch::kDouble));
    t.emplace_back("half", torch::randn({5}).to(torch::kHalf));
    t.emplace_back("bfloat16", torch::randn({5}).to(torch::kBFloat16));
    t.emplace_back("int64", torch::tensor({std::int64_t(1) << 40, -(std::int64_t(1) << 62), std::int64_t(3)}));
    t.emplace_back("int32", torch::tensor({-7, 1 << 30}, torch::kInt));
    t.emplace_back("int16", torch::tensor({-300, 300}, torch::kShort));
    t.emplace_back("int8", torch::tensor({-128, 127}, torch::kChar));
    t.emplace_back("uint8", torch::tensor({0, 255}, torch::kByte));
    t.emplace_back("bool", torch::tensor({true, false, true}));
    t.emplace_back("scalar", torch::tensor(2.5));
    t.emplace_back("empty", torch::zeros({0, 3}));
    t.emplace_back("expanded", torch::randn({3}).expand({2, 3}));
    t.emplace_back("name with spaces/and.dots", torch::arange(6).view({2, 3}));
    return t;
}

const char* pythonDtype(torch::ScalarType type) {
    switch (type) {
    case torch::kFloat: return "torch.float32";
    case torch::kDouble: return "torch.float64";
    case torch::kHalf: return "torch.float16";
    case torch::kBFloat16: return "torch.bfloat16";
    case torch::kLong: return "torch.int64";
    case torch::kInt: return "torch.int32";
    case torch::kShort: return "torch.int16";
    case torch::kChar: return "torch.int8";
    case torch::kByte: return "torch.uint8";
    case torch::kBool: return "torch.bool";
    default: return "?";
    }
}

/// The line the Python scripts below print per tensor: name|dtype|shape|sha256 of the bytes.
QString describe(const std::string& name, const torch::Tensor& tensor) {
    const torch::Tensor t = tensor.contiguous();
    QStringList dims;
    for (std::int64_t d : t.sizes()) dims << QString::number(d);
    const QByteArray bytes(static_cast<const char*>(t.data_ptr()), static_cast<int>(t.nbytes()));
    return QString("%1|%2|[%3]|%4")
        .arg(QString::fromStdString(name), pythonDtype(t.scalar_type()), dims.join(", "),
             QString(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
}

const char* const kPythonDescribe =
    "import sys, hashlib\n"
    "def describe(k, v):\n"
    "    b = v.contiguous().flatten().view(torch.uint8).numpy().tobytes() if v.numel() else b''\n"
    "    print('%s|%s|%s|%s' % (k, v.dtype, list(v.shape), hashlib.sha256(b).hexdigest()))\n";

/// Runs Python with torch; "" and *ok = false if it is not available or the script fails.
QString runPython(const QString& script, const QStringList& args, bool* ok) {
    QProcess p;
    p.start(MEMLOC_PYTHON, QStringList{"-c", script} + args);
    *ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    if (!*ok) qWarning("python failed: %s", p.readAllStandardError().constData());
    return QString::fromUtf8(p.readAllStandardOutput());
}

bool pythonHasTorch() {
    QProcess p;
    p.start(MEMLOC_PYTHON, {"-c", "import torch"});
    return p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

/// A torch.save-style zip archive holding the given data.pkl and data/<key> records.
void writeArchive(const std::string& path, const std::string& pickle,
                  const std::map<std::string, std::string>& records = {}) {
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", pickle.data(), pickle.size());
    for (const auto& [key, data] : records) writer.writeRecord("data/" + key, data.data(), data.size());
    writer.writeEndOfFile();
}

/// Pickle text of _rebuild_tensor_v2 on float storage '0' of numel elements, with size/stride.
std::string tensorPickle(int numel, int offset, int size, int stride) {
    std::string p = "\x80\x02";
    p += "ctorch._utils\n_rebuild_tensor_v2\n(";
    p += "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpu"s;
    p += "K" + std::string(1, static_cast<char>(numel)) + "tQ";
    p += "K" + std::string(1, static_cast<char>(offset));
    p += "K" + std::string(1, static_cast<char>(size)) + "\x85";
    p += "K" + std::string(1, static_cast<char>(stride)) + "\x85";
    p += "\x89" "ccollections\nOrderedDict\n)RtR.";
    return p;
}

/// What tests/fixtures/dump_fixture_values.py prints for the given fixtures (paths relative to
/// tests/fixtures): per file, the nodes of Python's torch.load result, depth first. Empty if
/// Python failed.
std::map<QString, QJsonArray> pythonFixtureValues(const QStringList& files) {
    QStringList args{QStringLiteral(MEMLOC_SOURCE_DIR "/tests/fixtures/dump_fixture_values.py")};
    for (const QString& f : files) args << QString::fromStdString(fixturePath(f));
    QProcess p;
    p.start(MEMLOC_PYTHON, args);
    std::map<QString, QJsonArray> out;
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("dump_fixture_values.py failed: %s", p.readAllStandardError().constData());
        return out;
    }
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(p.readAllStandardOutput(), &error);
    if (error.error != QJsonParseError::NoError) {
        qWarning("dump_fixture_values.py printed invalid JSON: %s", qPrintable(error.errorString()));
        return out;
    }
    const QJsonArray list = doc.object().value("files").toArray();
    for (qsizetype i = 0; i < list.size() && i < files.size(); ++i)
        out[files[i]] = list[i].toObject().value("nodes").toArray();
    return out;
}

/// The kind name dump_fixture_values.py gives a value of this kind.
QString pythonKind(PickleValue::Kind kind) {
    switch (kind) {
    case PickleValue::Kind::None: return "none";
    case PickleValue::Kind::Bool: return "bool";
    case PickleValue::Kind::Int: return "int";
    case PickleValue::Kind::Float: return "float";
    case PickleValue::Kind::String: return "str";
    case PickleValue::Kind::Bytes: return "bytes";
    case PickleValue::Kind::Tensor: return "tensor";
    case PickleValue::Kind::List: return "list";
    case PickleValue::Kind::Tuple: return "tuple";
    case PickleValue::Kind::Dict: return "dict";
    }
    return "?";
}

/// The 64 bits of a double as 16 hex digits, as dump_fixture_values.py prints them.
QString doubleBits(double d) {
    quint64 bits = 0;
    std::memcpy(&bits, &d, sizeof bits);
    return QString("%1").arg(bits, 16, 16, QChar('0'));
}

/// "" if tensor is what dump_fixture_values.py printed for it (dtype, shape, the first elements
/// exactly, SHA-256 of all its bytes), else what differs.
QString tensorMismatch(const QJsonObject& node, const torch::Tensor& tensor) {
    if (node.value("kind").toString() != "tensor") return "memloc has a tensor, Python a " + node.value("kind").toString();
    if (!tensor.defined()) return "memloc returned an undefined tensor";
    const torch::Tensor t = tensor.contiguous();
    const QString dtype = pythonDtype(t.scalar_type());
    if (node.value("dtype").toString() != dtype) return "dtype " + dtype + ", Python has " + node.value("dtype").toString();
    QStringList ours, theirs;
    for (std::int64_t d : t.sizes()) ours << QString::number(d);
    for (const QJsonValue d : node.value("shape").toArray()) theirs << QString::number(d.toInteger());
    if (ours != theirs) return "shape [" + ours.join(", ") + "], Python has [" + theirs.join(", ") + "]";
    const torch::Tensor flat = t.flatten();
    const QJsonArray head = node.value("head").toArray();
    const QJsonArray headBits = node.value("head_bits").toArray();
    if (head.size() != std::min<std::int64_t>(flat.numel(), 4))
        return QString("Python printed %1 leading elements of %2").arg(head.size()).arg(flat.numel());
    for (qsizetype i = 0; i < head.size(); ++i) {
        QString ourText, theirText = head[i].toString();
        bool same = false;
        if (t.is_floating_point()) {
            const double value = flat[static_cast<std::int64_t>(i)].item<double>();
            ourText = QString::number(value, 'g', 17);
            same = doubleBits(value) == headBits[i].toString() ||
                   (std::isnan(value) && theirText.contains("nan"));
        } else if (t.scalar_type() == torch::kBool) {
            ourText = flat[static_cast<std::int64_t>(i)].item<bool>() ? "true" : "false";
            same = ourText == theirText;
        } else {
            ourText = QString::number(flat[static_cast<std::int64_t>(i)].item<std::int64_t>());
            same = ourText == theirText;
        }
        if (!same) return QString("element %1 is %2, Python has %3").arg(i).arg(ourText, theirText);
    }
    const QByteArray bytes(static_cast<const char*>(t.data_ptr()), static_cast<qsizetype>(t.nbytes()));
    const QString sha = QString(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
    if (sha != node.value("sha256").toString()) return "the bytes differ (SHA-256 " + sha + ", Python " + node.value("sha256").toString() + ")";
    return {};
}

/// Compares value with the nodes dump_fixture_values.py printed, from nodes[index] on (the same
/// depth-first order; index advances past value's nodes). "" if equal, else the first difference
/// with its path ("/optimizer/state/0/momentum_buffer").
QString valueMismatch(const PickleValue& value, const QString& path, const QJsonArray& nodes, qsizetype& index) {
    const QString where = path.isEmpty() ? QString("(top level)") : path;
    if (index >= nodes.size()) return where + ": memloc has a value, Python has nothing more";
    const QJsonObject node = nodes[index++].toObject();
    if (node.value("path").toString() != path)
        return where + ": memloc's next value is here, Python's at '" + node.value("path").toString() + "'";
    const QString kind = pythonKind(value.kind);
    if (node.value("kind").toString() != kind) return where + ": memloc has a " + kind + ", Python a " + node.value("kind").toString();
    const QJsonValue theirs = node.value("value");
    auto differs = [&](const QString& ours, const QString& python) { return where + ": memloc has " + ours + ", Python " + python; };
    switch (value.kind) {
    case PickleValue::Kind::None: return {};
    case PickleValue::Kind::Bool:
        return value.boolean == theirs.toBool() ? QString() : differs(value.boolean ? "True" : "False", theirs.toBool() ? "True" : "False");
    case PickleValue::Kind::Int:
        return QString::number(value.integer) == theirs.toString() ? QString() : differs(QString::number(value.integer), theirs.toString());
    case PickleValue::Kind::Float:
        return doubleBits(value.real) == node.value("bits").toString()
                   ? QString()
                   : differs(QString::number(value.real, 'g', 17) + " (bits " + doubleBits(value.real) + ")",
                             theirs.toString() + " (bits " + node.value("bits").toString() + ")");
    case PickleValue::Kind::String:
        return QString::fromStdString(value.text) == theirs.toString() ? QString()
                                                                      : differs("'" + QString::fromStdString(value.text) + "'", "'" + theirs.toString() + "'");
    case PickleValue::Kind::Bytes: {
        const QString hex = QString(QByteArray::fromStdString(value.text).toHex());
        return hex == theirs.toString() ? QString() : differs("bytes " + hex, "bytes " + theirs.toString());
    }
    case PickleValue::Kind::Tensor: {
        const QString m = tensorMismatch(node, value.tensor);
        return m.isEmpty() ? m : where + ": " + m;
    }
    case PickleValue::Kind::List:
    case PickleValue::Kind::Tuple: {
        if (node.value("length").toInteger() != static_cast<qint64>(value.items.size()))
            return differs(QString("%1 items").arg(value.items.size()), QString("%1").arg(node.value("length").toInteger()));
        for (std::size_t i = 0; i < value.items.size(); ++i) {
            const QString m = valueMismatch(value.items[i], path + "/" + QString::number(i), nodes, index);
            if (!m.isEmpty()) return m;
        }
        return {};
    }
    case PickleValue::Kind::Dict: {
        QStringList keys, children;
        for (const auto& entry : value.entries) {
            const PickleValue& key = entry.first;
            if (key.kind == PickleValue::Kind::Int) {
                keys << "i:" + QString::number(key.integer);
                children << QString::number(key.integer);
            } else if (key.kind == PickleValue::Kind::String) {
                keys << "s:" + QString::fromStdString(key.text);
                children << QString::fromStdString(key.text);
            } else {
                return where + ": memloc has a dict key of kind " + pythonKind(key.kind);
            }
        }
        QStringList pythonKeys;
        for (const QJsonValue k : node.value("keys").toArray()) pythonKeys << k.toString();
        for (qsizetype i = 0; i < std::max(keys.size(), pythonKeys.size()); ++i)
            if (i >= keys.size() || i >= pythonKeys.size() || keys[i] != pythonKeys[i])
                return differs(QString("key #%1 %2 (of %3)").arg(i).arg(i < keys.size() ? keys[i] : "-").arg(keys.size()),
                               QString("%1 (of %2)").arg(i < pythonKeys.size() ? pythonKeys[i] : "-").arg(pythonKeys.size()));
        for (std::size_t i = 0; i < value.entries.size(); ++i) {
            const QString m = valueMismatch(value.entries[i].second, path + "/" + children[static_cast<qsizetype>(i)], nodes, index);
            if (!m.isEmpty()) return m;
        }
        return {};
    }
    }
    return where + ": unknown kind";
}

/// "" if a whole loaded file equals Python's nodes for it, else the first difference.
QString fileMismatch(const PickleValue& value, const QJsonArray& nodes) {
    qsizetype index = 0;
    const QString m = valueMismatch(value, "", nodes, index);
    if (!m.isEmpty()) return m;
    if (index != nodes.size())
        return QString("Python has %1 more values after memloc's last, the first at '%2'")
            .arg(nodes.size() - index)
            .arg(nodes[index].toObject().value("path").toString());
    return {};
}

/// A safetensors file image: 8-byte length (or lengthOverride), header, data.
QByteArray safetensorsBytes(const QByteArray& header, const QByteArray& data, qint64 lengthOverride = -1) {
    QByteArray out;
    const quint64 n = lengthOverride >= 0 ? static_cast<quint64>(lengthOverride) : static_cast<quint64>(header.size());
    for (int i = 0; i < 8; ++i) out.append(static_cast<char>((n >> (8 * i)) & 0xFF));
    return out + header + data;
}

} // namespace

class TestCheckpointFormats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stateDictMatchesPython();
    void checkpointValues();
    void forbiddenGlobalIsRefused();
    void legacyFormatIsExplained();
    void damagedZip_data();
    void damagedZip();
    void malformedPickle_data();
    void malformedPickle();
    void saveTorchFileRoundTrip();
    void saveTorchFileReadByPython();
    void saveTorchFileErrors();
    void readsCxxPickleSave();
    void pythonSafetensorsLoads();
    void readersMatchPythonTorchLoad();
    void safetensorsRoundTrip();
    void safetensorsReadByPython();
    void malformedSafetensors_data();
    void malformedSafetensors();
    void saveSafetensorsErrors();
};

void TestCheckpointFormats::stateDictMatchesPython() {
    const PickleValue sd = loadTorchFile(fixture("state_dict.pt"));
    QCOMPARE(sd.kind, PickleValue::Kind::Dict);
    QCOMPARE(QString::fromStdString(sd.entries.front().first.text), QString("0.weight"));
    NamedTensors loaded;
    flattenTensors("sd", sd, loaded);
    compareToReference(loaded, referenceTensors("sd"));

    const PickleValue* tracked = sd.find("1.num_batches_tracked");
    QVERIFY(tracked);
    QCOMPARE(tracked->tensor.scalar_type(), torch::kLong);
    QCOMPARE(tracked->tensor.dim(), 0);
    QCOMPARE(tracked->tensor.item<std::int64_t>(), std::int64_t(1));
    QCOMPARE(sd.find("extra.slice")->tensor.sizes().vec(), (std::vector<std::int64_t>{2, 3}));
    QCOMPARE(sd.find("extra.float64")->tensor.scalar_type(), torch::kDouble);
    QCOMPARE(sd.find("extra.half")->tensor.scalar_type(), torch::kHalf);
    QCOMPARE(sd.find("extra.expanded")->tensor.sizes().vec(), (std::vector<std::int64_t>{2, 3}));
    QVERIFY(torch::equal(sd.find("extra.expanded")->tensor[0], sd.find("extra.expanded")->tensor[1]));
    QCOMPARE(sd.find("extra.empty")->tensor.numel(), std::int64_t(0));
    QCOMPARE(sd.find("no.such.key"), nullptr);
    QCOMPARE(tracked->find("x"), nullptr);  // not a dict
}

void TestCheckpointFormats::checkpointValues() {
    const PickleValue ckpt = loadTorchFile(fixture("checkpoint.pt"));
    QCOMPARE(ckpt.kind, PickleValue::Kind::Dict);
    NamedTensors loaded;
    flattenTensors("ckpt", ckpt, loaded);
    compareToReference(loaded, referenceTensors("ckpt"));

    QCOMPARE(ckpt.find("epoch")->kind, PickleValue::Kind::Int);
    QCOMPARE(ckpt.find("epoch")->integer, std::int64_t(3));
    QCOMPARE(ckpt.find("note")->kind, PickleValue::Kind::String);
    QCOMPARE(QString::fromStdString(ckpt.find("note")->text), QString("x"));
    QCOMPARE(ckpt.find("lr")->kind, PickleValue::Kind::Float);
    QCOMPARE(ckpt.find("lr")->real, 0.1);
    QCOMPARE(ckpt.find("big")->integer, std::int64_t(1) << 40);
    QCOMPARE(ckpt.find("negative")->integer, std::int64_t(-70000));
    QCOMPARE(ckpt.find("medium")->integer, std::int64_t(40000));
    QCOMPARE(ckpt.find("blob")->kind, PickleValue::Kind::Bytes);
    QCOMPARE(ckpt.find("blob")->text, std::string("\x00\xff" "ab", 4));

    const PickleValue* flags = ckpt.find("flags");
    QCOMPARE(flags->kind, PickleValue::Kind::List);
    QCOMPARE(flags->items.size(), std::size_t(4));
    QCOMPARE(flags->items[0].kind, PickleValue::Kind::Int);
    QCOMPARE(flags->items[0].integer, std::int64_t(1));
    QCOMPARE(flags->items[1].kind, PickleValue::Kind::Float);
    QCOMPARE(flags->items[1].real, 2.5);
    QCOMPARE(flags->items[2].kind, PickleValue::Kind::None);
    QCOMPARE(flags->items[3].kind, PickleValue::Kind::Bool);
    QCOMPARE(flags->items[3].boolean, true);

    const PickleValue* pair = ckpt.find("pair");
    QCOMPARE(pair->kind, PickleValue::Kind::Tuple);
    QCOMPARE(pair->items[0].kind, PickleValue::Kind::Bool);
    QCOMPARE(pair->items[0].boolean, false);
    QCOMPARE(QString::fromStdString(pair->items[1].text), QString::fromUtf8("caf\xc3\xa9"));

    // The optimizer's state is keyed by parameter index (int keys).
    const PickleValue* optimizer = ckpt.find("optimizer");
    QVERIFY(optimizer);
    const PickleValue* state = optimizer->find("state");
    QCOMPARE(state->entries.size(), std::size_t(6));
    QCOMPARE(state->entries[5].first.kind, PickleValue::Kind::Int);
    QCOMPARE(state->entries[5].first.integer, std::int64_t(5));
    QVERIFY(state->entries[5].second.find("momentum_buffer"));
    const PickleValue& group = optimizer->find("param_groups")->items.at(0);
    QCOMPARE(group.find("lr")->real, 0.1);
    QCOMPARE(group.find("momentum")->real, 0.9);
    QCOMPARE(group.find("nesterov")->boolean, false);
    QCOMPARE(group.find("foreach")->kind, PickleValue::Kind::None);
    QCOMPARE(group.find("params")->items.size(), std::size_t(6));
    QCOMPARE(group.find("params")->items[4].integer, std::int64_t(4));

    const PickleValue* model = ckpt.find("model_state_dict");
    QCOMPARE(model->find("0.weight")->tensor.sizes().vec(), (std::vector<std::int64_t>{4, 1, 3, 3}));
}

void TestCheckpointFormats::forbiddenGlobalIsRefused() {
    QFile::remove(kPwnedPath);
    const QString message = errorOf([] { loadTorchFile(fixture("forbidden_global.pt")); });
    QVERIFY2(containsAll(message, {"forbidden_global.pt", "refuses to load global 'posix.system'"}),
             qPrintable(message));
    QVERIFY(!QFile::exists(kPwnedPath));
}

void TestCheckpointFormats::legacyFormatIsExplained() {
    const QString message = errorOf([] { loadTorchFile(fixture("legacy.pt")); });
    QVERIFY2(containsAll(message, {"legacy.pt", "legacy torch.save format", "torch.save(",
                                   "PyTorch >= 1.6", "_use_new_zipfile_serialization=False"}),
             qPrintable(message));
}

void TestCheckpointFormats::damagedZip_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("missing file") << "missing" << "cannot open";
    QTest::newRow("directory") << "directory" << "is a directory";
    QTest::newRow("empty file") << "empty" << "not a torch.save checkpoint";
    QTest::newRow("text file") << "text" << "not a torch.save checkpoint";
    QTest::newRow("truncated to half") << "half" << "truncated or corrupt";
    QTest::newRow("last 10 bytes cut") << "tail" << "truncated or corrupt";
    QTest::newRow("tensor data byte flipped") << "flip-data" << "truncated or corrupt";
    QTest::newRow("data.pkl byte flipped") << "flip-pickle" << "truncated or corrupt";
}

void TestCheckpointFormats::damagedZip() {
    QFETCH(QString, kind);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString source = QString::fromStdString(fixture("state_dict.pt"));
    QByteArray bytes = readFile(source);
    QVERIFY(!bytes.isEmpty());
    QString path = dir.filePath("damaged.pt");
    if (kind == "missing") {
        path = dir.filePath("missing.pt");
    } else if (kind == "directory") {
        QVERIFY(QDir(dir.path()).mkdir("damaged.pt"));
    } else {
        if (kind == "empty") bytes.clear();
        if (kind == "text") bytes = "epoch,loss\n1,0.5\n";
        if (kind == "half") bytes.truncate(bytes.size() / 2);
        if (kind == "tail") bytes.chop(10);
        if (kind.startsWith("flip")) {
            caffe2::serialize::PyTorchStreamReader reader(source.toStdString());
            const std::size_t offset = reader.getRecordOffset(kind == "flip-data" ? "data/0" : "data.pkl");
            bytes[static_cast<int>(offset) + 3] = static_cast<char>(bytes[static_cast<int>(offset) + 3] ^ 0x20);
        }
        QVERIFY(writeFile(path, bytes));
    }
    const QString message = errorOf([&] { loadTorchFile(path.toStdString()); });
    QVERIFY2(containsAll(message, {path, expected}), qPrintable(message));
}

void TestCheckpointFormats::malformedPickle_data() {
    QTest::addColumn<QByteArray>("pickle");
    QTest::addColumn<QString>("expected");
    auto bytes = [](const std::string& s) { return QByteArray(s.data(), static_cast<int>(s.size())); };
    QTest::newRow("stack underflow") << bytes("\x80\x02s.") << "stack underflow";
    QTest::newRow("undefined memo") << bytes("\x80\x02h\x05.") << "memo index 5 not defined";
    QTest::newRow("text opcode") << bytes("\x80\x02I1\n.") << "opcode 0x49";
    QTest::newRow("truncated string") << bytes(std::string("\x80\x02X\xff\x00\x00\x00" "ab", 9)) << "unexpected end";
    QTest::newRow("no STOP") << bytes("\x80\x02N") << "unexpected end";
    QTest::newRow("eval via STACK_GLOBAL")
        << bytes("\x80\x04\x8c\x08" "builtins\x8c\x04" "eval\x93.") << "refuses to load global 'builtins.eval'";
    QTest::newRow("getattr via GLOBAL") << bytes("\x80\x02" "c__builtin__\ngetattr\n.")
                                        << "refuses to load global '__builtin__.getattr'";
    QTest::newRow("torch.load itself") << bytes("\x80\x02" "ctorch\nload\n.") << "refuses to load global 'torch.load'";
    QTest::newRow("BUILD on a list") << bytes("\x80\x02]Nb.") << "BUILD on a list";
    QTest::newRow("recursive list") << bytes("\x80\x02]q\x00h\x00" "a."s) << "nested more than";
    QTest::newRow("deep nesting") << bytes("\x80\x02" + std::string(3000, ']') + std::string(2999, 'a') + ".")
                                  << "nested more than";
    QTest::newRow("tensor beyond storage") << bytes(tensorPickle(4, 0, 5, 1)) << "reaches element 4";
    QTest::newRow("offset beyond storage") << bytes(tensorPickle(4, 3, 2, 1)) << "reaches element 4";
    QTest::newRow("storage size mismatch") << bytes(tensorPickle(5, 0, 2, 1)) << "holds 16 bytes, expected 20";
}

void TestCheckpointFormats::malformedPickle() {
    QFETCH(QByteArray, pickle);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string path = dir.filePath("crafted.pt").toStdString();
    writeArchive(path, pickle.toStdString(), {{"0", std::string(16, '\0')}});
    const QString message = errorOf([&] { loadTorchFile(path); });
    QVERIFY2(containsAll(message, {QString::fromStdString(path), expected}), qPrintable(message));
}

void TestCheckpointFormats::saveTorchFileRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("saved.pt").toStdString();
    const NamedTensors tensors = sampleTensors();
    saveTorchFile(path, tensors);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));
    const PickleValue loaded = loadTorchFile(path);
    QCOMPARE(loaded.kind, PickleValue::Kind::Dict);
    QCOMPARE(loaded.entries.size(), tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        QCOMPARE(loaded.entries[i].first.text, tensors[i].first);
        QVERIFY2(sameTensor(loaded.entries[i].second.tensor, tensors[i].second), tensors[i].first.c_str());
    }
    // Overwriting an existing file, and an empty dict.
    saveTorchFile(path, {});
    QCOMPARE(loadTorchFile(path).entries.size(), std::size_t(0));
}

void TestCheckpointFormats::saveTorchFileReadByPython() {
    if (!pythonHasTorch()) QSKIP("no Python with torch at " MEMLOC_PYTHON);
    QTemporaryDir dir;
    const QString path = dir.filePath("for_python.pt");
    const NamedTensors tensors = sampleTensors();
    saveTorchFile(path.toStdString(), tensors);
    QStringList expected{"dict"};
    for (const auto& [name, t] : tensors) expected << describe(name, t);
    bool ok = false;
    const QString out = runPython(QString("import torch\n") + kPythonDescribe +
                                      "d = torch.load(sys.argv[1], weights_only=True)\n"
                                      "print(type(d).__name__)\n"
                                      "for k, v in d.items(): describe(k, v)\n",
                                  {path}, &ok);
    QVERIFY(ok);
    QCOMPARE(out.trimmed().split('\n'), expected);
}

void TestCheckpointFormats::saveTorchFileErrors() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.pt").toStdString();
    QString message = errorOf([&] { saveTorchFile(path, {{"a", torch::ones(2)}, {"a", torch::ones(2)}}); });
    QVERIFY2(containsAll(message, {"bad.pt", "duplicate tensor name 'a'"}), qPrintable(message));
    message = errorOf([&] { saveTorchFile(path, {{"c", torch::ones(2, torch::kComplexFloat)}}); });
    QVERIFY2(containsAll(message, {"bad.pt", "'c'", "ComplexFloat"}), qPrintable(message));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    const std::string unwritable = dir.filePath("no/such/dir/x.pt").toStdString();
    message = errorOf([&] { saveTorchFile(unwritable, {{"a", torch::ones(2)}}); });
    QVERIFY2(containsAll(message, {QString::fromStdString(unwritable), "cannot write"}), qPrintable(message));
}

void TestCheckpointFormats::readsCxxPickleSave() {
    // C++ torch::pickle_save wraps values in TorchScript type tags; they pass through.
    QTemporaryDir dir;
    const QString path = dir.filePath("cxx.pt");
    c10::Dict<std::string, torch::Tensor> dict;
    dict.insert("w", torch::arange(6, torch::kFloat).view({2, 3}));
    dict.insert("b", torch::tensor({true, false}));
    const std::vector<char> bytes = torch::pickle_save(dict);
    QVERIFY(writeFile(path, QByteArray(bytes.data(), static_cast<int>(bytes.size()))));
    const PickleValue loaded = loadTorchFile(path.toStdString());
    QCOMPARE(loaded.entries.size(), std::size_t(2));
    QVERIFY(sameTensor(loaded.find("w")->tensor, dict.at("w")));
    QVERIFY(sameTensor(loaded.find("b")->tensor, dict.at("b")));
}

void TestCheckpointFormats::pythonSafetensorsLoads() {
    const SafetensorsFile file = loadSafetensors(fixture("reference.safetensors"));
    QCOMPARE(QString::fromStdString(file.metadata.at("source")), QString("make_checkpoints.py"));
    QCOMPARE(file.tensors.size(), std::size_t(39));  // 24 in state_dict.pt, 15 in checkpoint.pt
    QCOMPARE(QString::fromStdString(file.tensors.front().first), QString("sd/0.weight"));
    // The Python file lists tensors in buffer order, which the reader keeps.
    const PickleValue sd = loadTorchFile(fixture("state_dict.pt"));
    QVERIFY(sameTensor(file.tensors.front().second, sd.find("0.weight")->tensor));
}

void TestCheckpointFormats::readersMatchPythonTorchLoad() {
    // Python's own torch.load, run now, against each reader: not only the readers against each
    // other, so a reader and a fixture that drift together still fail.
    if (!pythonHasTorch()) QSKIP("no Python with torch at " MEMLOC_PYTHON);
    const QStringList pickled{"checkpoints/state_dict.pt", "checkpoints/checkpoint.pt"};
    const QStringList models{"resnet9_w0125.pt", "resnet50_ref.pt", "resnet50_cifar_ref.pt", "vit_ref.pt"};
    const std::map<QString, QJsonArray> python = pythonFixtureValues(pickled + models);
    QCOMPARE(python.size(), static_cast<std::size_t>(pickled.size() + models.size()));
    for (const auto& [file, nodes] : python) QVERIFY2(!nodes.isEmpty(), qPrintable(file + ": Python printed nothing"));

    // memloc's torch.save reader: every container, number, string, bytes and tensor.
    for (const QString& file : pickled + models) {
        const PickleValue loaded = loadTorchFile(fixturePath(file));
        const QString m = fileMismatch(loaded, python.at(file));
        QVERIFY2(m.isEmpty(), qPrintable(file + ": loadTorchFile: " + m));
    }

    // The safetensors reader: reference.safetensors holds the tensors of state_dict.pt as "sd/..."
    // and of checkpoint.pt as "ckpt/...", in that order (make_checkpoints.py).
    std::vector<std::pair<std::string, QJsonObject>> expected;
    const std::vector<std::pair<QString, std::string>> sources{{"checkpoints/state_dict.pt", "sd"},
                                                               {"checkpoints/checkpoint.pt", "ckpt"}};
    for (const auto& [file, prefix] : sources)
        for (const QJsonValue n : python.at(file))
            if (n.toObject().value("kind").toString() == "tensor")
                expected.emplace_back(prefix + n.toObject().value("path").toString().toStdString(), n.toObject());
    const SafetensorsFile st = loadSafetensors(fixture("reference.safetensors"));
    QCOMPARE(st.tensors.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        QCOMPARE(QString::fromStdString(st.tensors[i].first), QString::fromStdString(expected[i].first));
        const QString m = tensorMismatch(expected[i].second, st.tensors[i].second);
        QVERIFY2(m.isEmpty(), qPrintable("reference.safetensors: " + QString::fromStdString(expected[i].first) + ": " + m));
    }

    // LibTorch's own reader, torch::pickle_load, which the model tests use for these files.
    for (const QString& file : models) {
        std::ifstream in(fixturePath(file), std::ios::binary);
        QVERIFY2(in.good(), qPrintable(file));
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const c10::IValue value = torch::pickle_load(bytes);
        QVERIFY2(value.isGenericDict(), qPrintable(file + ": torch::pickle_load did not return a dict"));
        std::map<std::string, torch::Tensor> loaded;
        for (const auto& item : value.toGenericDict()) {
            QVERIFY2(item.key().isString() && item.value().isTensor(), qPrintable(file + ": not a dict of str -> tensor"));
            loaded[item.key().toStringRef()] = item.value().toTensor();
        }
        const QJsonArray& nodes = python.at(file);
        QCOMPARE(nodes[0].toObject().value("kind").toString(), QString("dict"));
        QCOMPARE(static_cast<qint64>(loaded.size()), nodes[0].toObject().value("length").toInteger());
        for (qsizetype i = 1; i < nodes.size(); ++i) {
            const QJsonObject n = nodes[i].toObject();
            const std::string name = n.value("path").toString().mid(1).toStdString();
            QVERIFY2(loaded.count(name), qPrintable(file + ": torch::pickle_load lacks '" + QString::fromStdString(name) + "'"));
            const QString m = tensorMismatch(n, loaded.at(name));
            QVERIFY2(m.isEmpty(), qPrintable(file + ": torch::pickle_load: " + QString::fromStdString(name) + ": " + m));
        }
    }
}

void TestCheckpointFormats::safetensorsRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("saved.safetensors").toStdString();
    const NamedTensors tensors = sampleTensors();
    const std::map<std::string, std::string> metadata{{"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\""}};
    saveSafetensors(path, tensors, metadata);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));
    const QByteArray bytes = readFile(QString::fromStdString(path));
    quint64 headerSize = 0;
    for (int i = 7; i >= 0; --i) headerSize = (headerSize << 8) | static_cast<unsigned char>(bytes[i]);
    QCOMPARE(headerSize % 8, quint64(0));

    const SafetensorsFile loaded = loadSafetensors(path);
    QCOMPARE(loaded.metadata, metadata);
    QCOMPARE(loaded.tensors.size(), tensors.size());
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        QCOMPARE(loaded.tensors[i].first, tensors[i].first);
        QVERIFY2(sameTensor(loaded.tensors[i].second, tensors[i].second), tensors[i].first.c_str());
    }
    saveSafetensors(path, {});
    QCOMPARE(loadSafetensors(path).tensors.size(), std::size_t(0));
}

void TestCheckpointFormats::safetensorsReadByPython() {
    if (!pythonHasTorch()) QSKIP("no Python with torch at " MEMLOC_PYTHON);
    QTemporaryDir dir;
    const QString path = dir.filePath("for_python.safetensors");
    const NamedTensors tensors = sampleTensors();
    saveSafetensors(path.toStdString(), tensors, {{"k", "v"}});
    QStringList expected{"{'k': 'v'}"};
    for (const auto& [name, t] : tensors) expected << describe(name, t);
    // A minimal reader written from the specification (Python has no safetensors package here).
    bool ok = false;
    const QString out = runPython(
        QString("import json, struct, torch\n") + kPythonDescribe +
            "DT = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,\n"
            "      'I64': torch.int64, 'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8,\n"
            "      'U8': torch.uint8, 'BOOL': torch.bool}\n"
            "raw = open(sys.argv[1], 'rb').read()\n"
            "(n,) = struct.unpack('<Q', raw[:8])\n"
            "header = json.loads(raw[8:8 + n])\n"
            "print(header.pop('__metadata__'))\n"
            "buf = raw[8 + n:]\n"
            "for k, info in header.items():\n"
            "    b, e = info['data_offsets']\n"
            "    t = torch.frombuffer(bytearray(buf[b:e]) or bytearray(1), dtype=torch.uint8)[:e - b]\n"
            "    describe(k, t.view(DT[info['dtype']]).reshape(info['shape']))\n",
        {path}, &ok);
    QVERIFY(ok);
    QCOMPARE(out.trimmed().split('\n'), expected);
}

void TestCheckpointFormats::malformedSafetensors_data() {
    QTest::addColumn<QByteArray>("file");
    QTest::addColumn<QString>("expected");
    const QByteArray four(4, '\0'), eight(8, '\0'), twelve(12, '\0');
    QTest::newRow("too short") << QByteArray("\x01\x00\x00", 3) << "too short";
    QTest::newRow("bad JSON") << safetensorsBytes("{\"a\": ", {}) << "not valid JSON";
    QTest::newRow("not an object") << safetensorsBytes("[1, 2]", {}) << "does not start with '{'";
    QTest::newRow("huge header length") << safetensorsBytes("{}", {}, qint64(1) << 40) << "exceeds the 100 MB limit";
    QTest::newRow("header past end") << safetensorsBytes("{}", {}, 1000) << "runs past the end";
    QTest::newRow("offsets beyond file")
        << safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", four)
        << "ends at byte 8 but the data buffer has 4 bytes";
    QTest::newRow("overlapping")
        << safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                            R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                            twelve)
        << "overlapping";
    QTest::newRow("gap")
        << safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                            R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                            twelve)
        << "a gap";
    QTest::newRow("trailing bytes")
        << safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", eight)
        << "trailing bytes";
    QTest::newRow("wrong size")
        << safetensorsBytes(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", eight)
        << "need 12";
    QTest::newRow("unknown dtype")
        << safetensorsBytes(R"({"a": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}})", eight)
        << "unsupported dtype \"C64\"";
    QTest::newRow("negative offset")
        << safetensorsBytes(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [-1, 0]}})", {})
        << "non-negative integers";
    QTest::newRow("missing dtype")
        << safetensorsBytes(R"({"a": {"shape": [1], "data_offsets": [0, 1]}})", "x") << "no \"dtype\"";
    QTest::newRow("duplicate name")
        << safetensorsBytes(R"({"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},)"
                            R"( "a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}})",
                            "x")
        << "names 'a' twice";
    QTest::newRow("metadata not a string")
        << safetensorsBytes(R"({"__metadata__": {"k": 1}})", {}) << "metadata 'k' is not a string";
    QTest::newRow("shape overflow")
        << safetensorsBytes(R"({"a": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 0]}})",
                            {})
        << "overflows";
    QTest::newRow("invalid bool byte")
        << safetensorsBytes(R"({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}})",
                            QByteArray("\x01\x02", 2))
        << "bytes other than 0 and 1";
}

void TestCheckpointFormats::malformedSafetensors() {
    QFETCH(QByteArray, file);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.safetensors");
    QVERIFY(writeFile(path, file));
    const QString message = errorOf([&] { loadSafetensors(path.toStdString()); });
    QVERIFY2(containsAll(message, {path, expected}), qPrintable(message));
}

void TestCheckpointFormats::saveSafetensorsErrors() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.safetensors").toStdString();
    QString message = errorOf([&] { saveSafetensors(path, {{"a", torch::ones(1)}, {"a", torch::ones(1)}}); });
    QVERIFY2(containsAll(message, {"bad.safetensors", "duplicate tensor name 'a'"}), qPrintable(message));
    message = errorOf([&] { saveSafetensors(path, {{"__metadata__", torch::ones(1)}}); });
    QVERIFY2(containsAll(message, {"bad.safetensors", "reserved"}), qPrintable(message));
    message = errorOf([&] { saveSafetensors(path, {{"c", torch::ones(1, torch::kComplexDouble)}}); });
    QVERIFY2(containsAll(message, {"bad.safetensors", "'c'", "ComplexDouble"}), qPrintable(message));
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".partial")));
}

QTEST_GUILESS_MAIN(TestCheckpointFormats)
#include "test_checkpoint_formats.moc"
