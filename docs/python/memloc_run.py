"""Reads memloc run files (format versions 1, 2 and 3) with h5py and numpy only.

A run file is one HDF5 file per training run; docs/guide/run-file.html describes every group,
dataset and attribute. This module returns its parts as numpy arrays and plain Python values:

    import memloc_run
    with memloc_run.open_run("memloc-demo/demo.h5") as run:
        done = run.epochs_completed                 # epochs 0..done hold data
        metrics = run.metrics()                     # name -> float64 [done + 1]
        state = run.checkpoint(done)                # PyTorch state_dict name -> ndarray
        rewinding = run.rewinding()                 # None when the run has no such analysis

Only epochs 0..epochs_completed are data: a file laid out ahead (format 2 and later) holds the
room of every planned epoch from the start (NaN metric rows, checkpoint datasets of zeros), and
any file may hold an epoch whose save was interrupted. Every method here cuts that away.

Names: format 3 names every part by one rule (attributes hold single values, lists are datasets,
string lists are called *_names). Files of formats 1 and 2, and analyses that memloc before
format 3 added to any file, use some other names; this module reads both and always returns the
format 3 names.

Copy this file next to your script (or put its folder on sys.path); it needs Python 3.7+,
numpy and h5py (Debian: python3-h5py).
"""

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import h5py
import numpy as np

SUPPORTED_FORMATS = (1, 2, 3)
METRIC_NAMES = ("epoch", "train_loss", "train_clean_acc", "train_noisy_given_acc",
                "train_noisy_true_acc", "test_acc", "lr", "seconds")
ACCOUNTING_NAMES = ("clean_norm", "noisy_norm", "total_norm", "cosine")


class RunFileError(Exception):
    """The file is not a memloc run, or of a format version this module does not read."""


# ----------------------------------------------------------------------------- small readers

def _text(value):
    """A str from an HDF5 string as h5py returns it (bytes for string datasets)."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _scalar(value):
    """A plain Python value from an attribute value."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return value.tolist() if value.ndim else value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj):
    """Every attribute of a group or dataset as plain Python values."""
    return {name: _scalar(value) for name, value in obj.attrs.items()}


def _strings(group, *names):
    """The first of `names` that `group` holds, as a list of str (string list datasets)."""
    for name in names:
        if name in group:
            return [_text(v) for v in group[name][()]]
    raise KeyError("%s: none of %s" % (group.name, ", ".join(names)))


def _array(group, *names, dtype=None):
    """The first of `names` that `group` holds as a dataset or, failing that, as an attribute
    (formats 1 and 2 kept some lists as attributes), as a numpy array."""
    for name in names:
        if name in group:
            values = group[name][()]
            return np.asarray(values, dtype=dtype)
    for name in names:
        if name in group.attrs:
            return np.atleast_1d(np.asarray(group.attrs[name], dtype=dtype))
    raise KeyError("%s: none of %s" % (group.name, ", ".join(names)))


# ----------------------------------------------------------------------------- results

@dataclass
class Dataset:
    """/dataset: which examples the run trained on and with which labels. Arrays have one entry per
    training example, in the order of the training subset: position i is example id i (the id
    analyses use); its index in the dataset's training split is train_indices[i]."""
    name: str
    num_classes: int
    image_shape: List[int]          # [C, H, W]
    train_indices: np.ndarray       # int64 [N]
    test_indices: np.ndarray        # int64 [M]
    true_labels: np.ndarray         # int64 [N]
    given_labels: np.ndarray        # int64 [N], the labels trained on
    noise_mask: np.ndarray          # bool [N], True = mislabeled
    normalize_mean: np.ndarray      # float64 [C]
    normalize_std: np.ndarray       # float64 [C]
    attrs: Dict[str, object] = field(default_factory=dict)
    # bool [N], True = in the studied set the analyses compare with the rest: /dataset/focus_mask
    # in runs trained with a focus file, else the noise mask. attrs["focus_name"] names it.
    focus_mask: np.ndarray = None


@dataclass
class Accounting:
    """/accounting: per-epoch, per-group gradient norms; row e - 1 is epoch e."""
    group_names: List[str]
    clean_norm: np.ndarray          # float64 [done, G]
    noisy_norm: np.ndarray
    total_norm: np.ndarray
    cosine: np.ndarray


@dataclass
class Rewinding:
    """/analyses/rewinding: accuracy of the final model with group g rewound to rewind_epochs[e]."""
    group_names: List[str]
    rewind_epochs: np.ndarray       # int64 [E]
    clean: np.ndarray               # float64 [G, E]
    noisy_given: np.ndarray         # memorization
    noisy_true: np.ndarray
    test: np.ndarray
    attrs: Dict[str, object] = field(default_factory=dict)  # eval_subset, batch_size, final_* ...


@dataclass
class RetrainSeries:
    """One group of /analyses/retraining; row 0 is the rewound model before any training."""
    epoch: np.ndarray               # int64 [T + 1]: 0, 1, ..., epochs_trained
    train_loss: np.ndarray          # float64 [T + 1] (NaN in row 0)
    train_clean: np.ndarray
    clean: np.ndarray
    noisy_given: np.ndarray
    noisy_true: np.ndarray
    test: np.ndarray
    epochs_trained: int
    stop_rule_met: bool


@dataclass
class Retraining:
    group_names: List[str]
    groups: Dict[str, RetrainSeries]
    attrs: Dict[str, object] = field(default_factory=dict)  # from_epoch, lr, ..., final_*


@dataclass
class Flipping:
    """/analyses/flipping: per flipped example, and the units zeroed for it. The units of example i
    are rows unit_offsets[i]:unit_offsets[i + 1] of the unit_* arrays (see units_of)."""
    group_names: List[str]
    parameter_names: List[str]
    examples: Dict[str, np.ndarray]   # id, noisy, given_label, true_label, original_prediction,
                                      # flipped, units_zeroed, acc_{clean,noisy,test}_after
    units: Dict[str, np.ndarray]      # unit_offsets [n + 1], unit_group, unit_channel,
                                      # unit_element, unit_parameter, unit_prediction_after
    attrs: Dict[str, object] = field(default_factory=dict)  # noisy_requested, mode, base_* ...

    def units_of(self, i):
        """The units zeroed for example i (its position in `examples`), in the order zeroed, as a
        dict of arrays plus 'parameter' (names)."""
        lo, hi = int(self.units["unit_offsets"][i]), int(self.units["unit_offsets"][i + 1])
        out = {k: v[lo:hi] for k, v in self.units.items() if k != "unit_offsets"}
        out["parameter"] = [self.parameter_names[p] for p in out["unit_parameter"]]
        return out


@dataclass
class Neurons:
    """/analyses/neurons: one score per unit, a list with one array per group (group_units[g]
    values each)."""
    group_names: List[str]
    group_units: np.ndarray                 # int64 [G]
    scores: Dict[str, List[np.ndarray]]     # flip_noisy, flip_clean, attribution,
                                            # ablation_noisy, ablation_clean
    attrs: Dict[str, object] = field(default_factory=dict)


@dataclass
class DropoutEval:
    """/analyses/dropout_eval: accuracy[mode, column] of an example-tied dropout run."""
    mode_names: List[str]                   # standard, test, drop
    column_names: List[str]                 # clean_acc, noisy_given_acc, noisy_true_acc, test_acc
    accuracy: np.ndarray                    # float64 [3, 4]
    dropout_blocks: List[int]
    attrs: Dict[str, object] = field(default_factory=dict)  # p_gen, p_mem, eval_subset

    def as_dict(self):
        """{mode: {column: accuracy}}."""
        return {m: dict(zip(self.column_names, map(float, row))) for m, row in zip(self.mode_names, self.accuracy)}


# ----------------------------------------------------------------------------- the run

class RunFile:
    """An open run file (read-only). Use as a context manager, or call close()."""

    def __init__(self, path):
        self.path = str(path)
        try:
            self.file = h5py.File(self.path, "r")
        except OSError as e:
            raise RunFileError("%s: cannot open as HDF5: %s" % (self.path, e)) from e
        attrs = self.file.attrs
        if _scalar(attrs.get("format", "")) != "memloc-run":
            self.file.close()
            raise RunFileError("%s: not a memloc run (no format=\"memloc-run\" attribute)" % self.path)
        self.format_version = int(attrs["format_version"])
        if self.format_version not in SUPPORTED_FORMATS:
            self.file.close()
            raise RunFileError("%s: run format version %d is not supported (this reader reads %s)"
                               % (self.path, self.format_version, ", ".join(map(str, SUPPORTED_FORMATS))))
        self.attrs = _attrs(self.file)
        self.config = json.loads(self.attrs["config"])
        self.epochs_completed = int(self.attrs["epochs_completed"])
        self.epochs_planned = int(self.attrs.get("epochs_planned", self.epochs_completed))

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- model and data

    @property
    def group_names(self):
        return _strings(self.file["model"], "group_names")

    def model(self):
        """/model: its attributes, group_names, group_prefixes, group_units and, for example-tied
        dropout runs, dropout_blocks (a list of top-level block indices) and etd_rounding ("round"
        for files written before memloc stored it)."""
        m = self.file["model"]
        out = _attrs(m)
        out.pop("script_groups", None)  # formats 1 and 2: the same as group_names=group_prefixes
        out["group_names"] = _strings(m, "group_names")
        out["group_prefixes"] = _strings(m, "group_prefixes")
        out["group_units"] = _array(m, "group_units", dtype=np.int64)
        if out.get("dropout") == "example-tied":
            out["dropout_blocks"] = [int(b) for b in _array(m, "dropout_blocks", dtype=np.int64)]
            out.setdefault("etd_rounding", "round")
        return out

    def dataset(self):
        ds = self.file["dataset"]
        attrs = _attrs(ds)
        for name in ("image_shape", "normalize_mean", "normalize_std"):
            attrs.pop(name, None)  # attributes before format 3
        return Dataset(
            name=attrs.get("name", ""), num_classes=int(attrs["num_classes"]),
            image_shape=[int(v) for v in _array(ds, "image_shape", dtype=np.int64)],
            train_indices=ds["train_indices"][()], test_indices=ds["test_indices"][()],
            true_labels=ds["true_labels"][()], given_labels=ds["given_labels"][()],
            noise_mask=ds["noise_mask"][()].astype(bool),
            normalize_mean=_array(ds, "normalize_mean", dtype=np.float64),
            normalize_std=_array(ds, "normalize_std", dtype=np.float64), attrs=attrs,
            focus_mask=(ds["focus_mask"] if "focus_mask" in ds else ds["noise_mask"])[()].astype(bool))

    # -- per-epoch data

    def metrics(self):
        """name -> float64 [epochs_completed + 1]; row e = epoch e (NaN where an imported run lacks
        that epoch)."""
        g = self.file["metrics"]
        return {name: g[name][: self.epochs_completed + 1] for name in g}

    def accounting(self):
        """The gradient accounting, rows = epochs 1..epochs_completed; None when not recorded."""
        if "accounting" not in self.file:
            return None
        g = self.file["accounting"]
        done = self.epochs_completed
        return Accounting(_strings(g, "group_names", "groups"),
                          *(g[name][:done] for name in ACCOUNTING_NAMES))

    def checkpoint_epochs(self):
        """The epochs whose checkpoint is stored (0..epochs_completed; imported runs may lack some)."""
        g = self.file["checkpoints"]
        return [e for e in range(self.epochs_completed + 1) if "epoch_%04d" % e in g]

    def checkpoint(self, epoch=None):
        """PyTorch state_dict name -> ndarray of epoch `epoch` (default: the last completed one);
        float32, and int64 for num_batches_tracked. torch.nn.Module.load_state_dict takes
        {k: torch.from_numpy(v)} of it for the equivalent Python model."""
        epoch = self.epochs_completed if epoch is None else int(epoch)
        name = "epoch_%04d" % epoch
        if epoch < 0 or epoch > self.epochs_completed or name not in self.file["checkpoints"]:
            raise KeyError("%s: epoch %d is not stored (%d epochs completed; stored: %s)"
                           % (self.path, epoch, self.epochs_completed, self.checkpoint_epochs()))
        g = self.file["checkpoints"][name]
        return {k: np.asarray(v[()]) for k, v in g.items()}

    # -- analyses

    def analyses(self):
        """Names of the stored analyses (rewinding, retraining, flipping, neurons, dropout_eval)."""
        if "analyses" not in self.file:
            return []
        return [n for n in self.file["analyses"] if not n.endswith(".partial")]

    def _analysis(self, name):
        g = self.file.get("analyses/" + name)
        return g if isinstance(g, h5py.Group) else None

    def rewinding(self):
        g = self._analysis("rewinding")
        if g is None:
            return None
        attrs = _attrs(g)
        for old in ("groups", "epochs"):  # list attributes before format 3
            attrs.pop(old, None)
        return Rewinding(_strings(g, "group_names"), _array(g, "rewind_epochs", "epochs", dtype=np.int64),
                         g["clean"][()], g["noisy_given"][()], g["noisy_true"][()], g["test"][()], attrs)

    def retraining(self):
        g = self._analysis("retraining")
        if g is None:
            return None
        attrs = _attrs(g)
        attrs.pop("groups", None)  # a comma-joined list before format 3
        names = _strings(g, "group_names")
        groups = {}
        for name in names:
            s = g["groups"][name]
            groups[name] = RetrainSeries(
                s["epoch"][()], s["train_loss"][()], s["train_clean"][()], s["clean"][()],
                s["noisy_given"][()], s["noisy_true"][()], s["test"][()],
                int(s.attrs["epochs_trained"]), bool(s.attrs["stop_rule_met"]))
        return Retraining(names, groups, attrs)

    def flipping(self):
        g = self._analysis("flipping")
        if g is None:
            return None
        attrs = _attrs(g)
        for old, new in (("noisy", "noisy_requested"), ("clean", "clean_requested")):
            if old in attrs:  # before format 3
                attrs[new] = attrs.pop(old)
        examples = {k: g[k][()] for k in ("id", "noisy", "given_label", "true_label", "original_prediction",
                                          "flipped", "units_zeroed", "acc_clean_after", "acc_noisy_after",
                                          "acc_test_after")}
        examples["noisy"] = examples["noisy"].astype(bool)
        examples["flipped"] = examples["flipped"].astype(bool)
        units = {k: g[k][()] for k in ("unit_offsets", "unit_group", "unit_channel", "unit_element",
                                       "unit_parameter", "unit_prediction_after")}
        return Flipping(_strings(g, "group_names", "groups"), _strings(g, "parameter_names", "parameters"),
                        examples, units, attrs)

    def neurons(self):
        g = self._analysis("neurons")
        if g is None:
            return None
        units = _array(g, "group_units", "units", dtype=np.int64)
        ends = np.cumsum(units)
        scores = {}
        for name in ("flip_noisy", "flip_clean", "attribution", "ablation_noisy", "ablation_clean"):
            flat = g[name][()]
            scores[name] = [flat[end - n:end] for n, end in zip(units, ends)]
        return Neurons(_strings(g, "group_names", "groups"), units, scores, _attrs(g))

    def dropout_eval(self):
        g = self._analysis("dropout_eval")
        if g is None:
            return None
        attrs = _attrs(g)
        attrs.pop("blocks", None)  # an attribute before format 3
        return DropoutEval(_strings(g, "mode_names", "modes"), _strings(g, "column_names", "columns"),
                           g["accuracy"][()], [int(b) for b in _array(g, "dropout_blocks", "blocks", dtype=np.int64)],
                           attrs)


def open_run(path):
    """Opens a run file of format 1, 2 or 3 (read-only); raises RunFileError for anything else."""
    return RunFile(path)


# ----------------------------------------------------------------------------- example-tied dropout

def generalization_channels(channels, p_gen, rounding="round"):
    """How many leading channels of a layer are generalization channels: p_gen x channels rounded
    to nearest, halves away from zero (rounding "round", C's llround; memloc's default) or
    truncated (rounding "floor": int(p_gen * channels), as the paper's published code), at most
    channels. A run's choice is model()["etd_rounding"]."""
    exact = p_gen * channels
    if rounding == "floor":
        count = int(exact)
    elif rounding == "round":
        count = int(np.floor(exact + 0.5))
    else:
        raise ValueError("etd_rounding must be round or floor, got %r" % (rounding,))
    return max(0, min(int(channels), count))


def _mix32(x):
    x = x.astype(np.uint64)
    for _ in range(3):
        x ^= x >> np.uint64(16)
        x = (x * np.uint64(0x45D9F3B)) & np.uint64(0xFFFFFFFF)
    return x ^ (x >> np.uint64(16))


def example_tied_mask(ids, layer, channels, p_gen, p_mem, seed, rounding="round"):
    """The example-tied dropout mask memloc uses in training and the standard mode: bool
    [len(ids), channels], True = channel on for that example. `ids` are positions in the training
    subset (not dataset indices), `layer` the position k of the block in /model/dropout_blocks
    (0, 1, ...), `seed` /model/dropout_seed, `rounding` /model/etd_rounding (see
    generalization_channels)."""
    mask32 = np.uint64(0xFFFFFFFF)
    salt = np.uint64((int(seed) * 0x9E3779B1 + int(layer) * 0x85EBCA6B) & 0xFFFFFFFF)
    ids = np.asarray(ids, dtype=np.uint64).reshape(-1, 1)
    h = _mix32((ids + salt) & mask32)
    channel = np.arange(channels, dtype=np.uint64).reshape(1, -1)
    h = _mix32((h + channel * np.uint64(0x27D4EB2D)) & mask32)
    on = h.astype(np.float64) / 4294967296.0 < p_mem
    on[:, :generalization_channels(channels, p_gen, rounding)] = True
    return on
