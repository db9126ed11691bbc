#!/usr/bin/python3
"""Reads a run holding every analysis with docs/python/memloc_run.py and checks every part.

usage: /usr/bin/python3 tests/python/test_memloc_run.py --cli build/app/cli/memloc-cli [--keep DIR]

Makes a tiny example-tied dropout run with memloc-cli (synthetic data, gradient accounting), runs
rewind, retrain, flip, neurons and dropout-eval on it, then reads it with the shipped reader and
checks shapes and consistency against the file and against `memloc-cli inspect --json`. Then
rewrites a copy with the names of format 2 (and one marked format 1) and checks the reader returns
the same; a newer format version is refused. Exits 77 (skipped) when h5py is missing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import h5py
    import numpy as np
except ImportError:
    print("skipped: python3-h5py / python3-numpy are not installed")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "docs", "python"))
import memloc_run  # noqa: E402

TINY = ["--dataset", "synthetic", "--synthetic-train", "192", "--synthetic-test", "64", "--synthetic-size", "12",
        "--noise", "0.25", "--width", "0.125", "--epochs", "3", "--batch-size", "32", "--device", "cpu",
        "--dropout", "example-tied", "--p-gen", "0.5", "--p-mem", "0.25", "--dropout-blocks", "2,3,5,6"]
# The mask bits of test_run_file_format.cpp (memloc's own mask): seed 3, layer 2, p_gen 0.25,
# p_mem 0.5, ids 0..3 x 8 channels.
MASK_BITS = "11001101110100001110001111110001"


def cli(binary, *args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("memloc-cli %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr.strip()))
    return r.stdout


def make_run(binary, folder):
    path = os.path.join(folder, "all.h5")
    cli(binary, "train", *TINY, "--out", path, "--quiet")
    cpu = ["--device", "cpu", "--json"]
    cli(binary, "rewind", path, "--eval-subset", "32", *cpu)
    cli(binary, "retrain", path, "--groups", "conv1,fc", "--max-epochs", "1", "--eval-subset", "32", *cpu)
    cli(binary, "flip", path, "--noisy", "2", "--clean", "2", "--batch", "16", "--max-units", "10",
        "--eval-subset", "32", *cpu)
    cli(binary, "neurons", path, "--attribution-examples", "8", "--eval-subset", "32", *cpu)
    cli(binary, "dropout-eval", path, *cpu)
    return path


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def read_all(path):
    """Every part of the run as memloc_run returns it."""
    with memloc_run.open_run(path) as run:
        return {"version": run.format_version, "done": run.epochs_completed, "planned": run.epochs_planned,
                "config": run.config, "model": run.model(), "dataset": run.dataset(), "metrics": run.metrics(),
                "accounting": run.accounting(), "epochs": run.checkpoint_epochs(),
                "checkpoints": {e: run.checkpoint(e) for e in run.checkpoint_epochs()},
                "analyses": sorted(run.analyses()), "rewinding": run.rewinding(), "retraining": run.retraining(),
                "flipping": run.flipping(), "neurons": run.neurons(), "dropout_eval": run.dropout_eval()}


def check_run(r, inspect):
    done, groups = r["done"], r["model"]["group_names"]
    G = len(groups)
    check(done == inspect["epochs"] == 3, "epochs_completed")
    check(r["config"]["dropout"] == "example-tied" and r["config"]["dropout_blocks"] == "2,3,5,6", "config")
    check(groups == [g["name"] for g in inspect["groups"]], "group names")
    check(list(r["model"]["group_units"]) == [g["units"] for g in inspect["groups"]], "group units")
    check(r["model"]["dropout_blocks"] == [2, 3, 5, 6], "/model/dropout_blocks")
    check(r["model"]["etd_rounding"] == "round", "/model etd_rounding")

    ds = r["dataset"]
    n = len(ds.train_indices)
    check(n == 192 and len(ds.test_indices) == 64, "dataset sizes")
    check(ds.noise_mask.dtype == bool and int(ds.noise_mask.sum()) == inspect["dataset"]["noisy_count"] == 48,
          "noise mask")
    check(np.array_equal(ds.given_labels != ds.true_labels, ds.noise_mask), "noisy = relabeled")
    check(np.array_equal(ds.focus_mask, ds.noise_mask), "without a focus file the studied set is the noise mask")
    check(ds.image_shape == [1, 12, 12] and ds.normalize_mean.shape == (1,), "image shape, normalisation")

    for name in memloc_run.METRIC_NAMES:
        check(r["metrics"][name].shape == (done + 1,), "metrics/" + name)
        check(not np.isnan(r["metrics"][name][1:]).any(), "metrics/%s has NaN in a trained epoch" % name)
    check(list(r["metrics"]["epoch"]) == list(range(done + 1)), "metrics/epoch")
    for m, h in zip(r["metrics"]["test_acc"], inspect["metrics"]):
        check(abs(m - h["test_acc"]) < 1e-12, "test_acc as inspect reports it")

    acc = r["accounting"]
    check(acc.group_names == groups, "accounting group names")
    for a in (acc.clean_norm, acc.noisy_norm, acc.total_norm, acc.cosine):
        check(a.shape == (done, G), "accounting shape")

    check(r["epochs"] == list(range(done + 1)), "checkpoint epochs")
    keys0 = list(r["checkpoints"][0])
    for e, state in r["checkpoints"].items():
        check(list(state) == keys0, "checkpoint %d names" % e)
        check(all(isinstance(v, np.ndarray) for v in state.values()), "checkpoint arrays")
    check(r["checkpoints"][0]["0.0.weight"].shape == (8, 1, 3, 3), "first conv shape")
    check(r["checkpoints"][done]["0.0.weight"].dtype == np.float32, "float32 weights")
    check(not np.array_equal(r["checkpoints"][0]["0.0.weight"], r["checkpoints"][done]["0.0.weight"]), "trained")

    check(r["analyses"] == ["dropout_eval", "flipping", "neurons", "retraining", "rewinding"], "analyses")
    rw = r["rewinding"]
    E = len(rw.rewind_epochs)
    check(rw.group_names == groups and E >= 1 and all(0 <= e < done for e in rw.rewind_epochs), "rewinding axes")
    for grid in (rw.clean, rw.noisy_given, rw.noisy_true, rw.test):
        check(grid.shape == (G, E) and ((grid >= 0) & (grid <= 1)).all(), "rewinding grid")
    check(rw.attrs["final_epoch"] == done and rw.attrs["eval_subset"] == 32, "rewinding attributes")

    rt = r["retraining"]
    check(rt.group_names == ["conv1", "fc"] and sorted(rt.groups) == ["conv1", "fc"], "retraining groups")
    for s in rt.groups.values():
        check(s.epochs_trained == 1 and list(s.epoch) == [0, 1], "retraining epochs")
        check(np.isnan(s.train_loss[0]) and not np.isnan(s.train_loss[1]), "row 0 = before training")
        check(all(len(c) == 2 for c in (s.clean, s.noisy_given, s.noisy_true, s.test, s.train_clean)), "columns")
        check(isinstance(s.stop_rule_met, bool), "stop_rule_met")

    fl = r["flipping"]
    ex, units = fl.examples, fl.units
    k = len(ex["id"])
    check(k >= 1 and fl.group_names == groups, "flipping examples and groups")
    check(fl.attrs["noisy_requested"] == 2 and fl.attrs["clean_requested"] == 2, "flipping requested counts")
    check(units["unit_offsets"].shape == (k + 1,) and units["unit_offsets"][0] == 0, "unit offsets")
    check(np.all(np.diff(units["unit_offsets"]) == ex["units_zeroed"]), "units_zeroed = offset steps")
    check(units["unit_offsets"][-1] == len(units["unit_group"]) == len(units["unit_parameter"]), "unit rows")
    check(((ex["id"] >= 0) & (ex["id"] < n)).all(), "ids are positions in the training subset")
    check(np.array_equal(ex["noisy"], ds.noise_mask[ex["id"]]), "noisy flag = noise_mask[id]")
    check(np.array_equal(ex["given_label"], ds.given_labels[ex["id"]]), "given label = given_labels[id]")
    check(np.array_equal(ex["true_label"], ds.true_labels[ex["id"]]), "true label = true_labels[id]")
    state = r["checkpoints"][done]
    for i in range(k):
        u = fl.units_of(i)
        for g, p, el in zip(u["unit_group"], u["parameter"], u["unit_element"]):
            check(0 <= g < G and p in state, "unit group and parameter")
            check(0 <= el < state[p].size, "unit element within its parameter")
        if ex["flipped"][i]:
            check(u["unit_prediction_after"][-1] != ex["given_label"][i], "flipped: last prediction differs")

    ne = r["neurons"]
    check(ne.group_names == groups and list(ne.group_units) == list(r["model"]["group_units"]), "neuron groups")
    for name, rows in ne.scores.items():
        check([len(x) for x in rows] == list(ne.group_units), "neurons/" + name)
    for rows in (ne.scores["flip_noisy"], ne.scores["flip_clean"]):
        check(all(((x >= 0) & (x <= 1)).all() for x in rows), "flip frequencies are fractions")
    check(ne.attrs["has_flipping"] == 1, "neurons saw the flipping result")

    de = r["dropout_eval"]
    check(de.mode_names == ["standard", "test", "drop", "drop-recalibrated"], "dropout modes")
    check(de.column_names == ["clean_acc", "noisy_given_acc", "noisy_true_acc", "test_acc"], "dropout columns")
    check(de.accuracy.shape == (4, 4) and de.dropout_blocks == [2, 3, 5, 6], "dropout accuracy")
    check(abs(de.as_dict()["test"]["test_acc"] - r["metrics"]["test_acc"][done]) < 1e-12, "test mode = run's test_acc")
    check(de.attrs["p_gen"] == 0.5 and de.attrs["p_mem"] == 0.25, "dropout p_gen, p_mem")


def same(a, b, where="run"):
    """Whether two read_all results hold the same values (format_version aside)."""
    if isinstance(a, dict):
        check(isinstance(b, dict) and sorted(a) == sorted(b), "%s: keys %s vs %s" % (where, sorted(a), sorted(b)))
        for k in a:
            if k not in ("version", "attrs"):
                same(a[k], b[k], "%s/%s" % (where, k))
    elif hasattr(a, "__dataclass_fields__"):
        for k in a.__dataclass_fields__:
            same(getattr(a, k), getattr(b, k), "%s.%s" % (where, k))
    elif isinstance(a, (list, tuple)):
        check(len(a) == len(b), where)
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, "%s[%d]" % (where, i))
    elif isinstance(a, np.ndarray):
        check(np.array_equal(a, np.asarray(b), equal_nan=a.dtype.kind == "f"), where)
    else:
        check(a == b or (a != a and b != b), "%s: %r vs %r" % (where, a, b))


def to_format_2(path):
    """Rewrites a format 3 run with the names memloc wrote before format 3."""
    def to_attr(group, name, attr):
        if name in group:
            values = group[name][()]
            del group[name]
            group.attrs[attr] = values

    def move(group, old, new):
        if old in group:
            group.move(old, new)

    with h5py.File(path, "r+") as f:
        f.attrs["format_version"] = np.int64(2)
        for name in ("image_shape", "normalize_mean", "normalize_std"):
            to_attr(f["dataset"], name, name)
        to_attr(f["model"], "dropout_blocks", "dropout_blocks")
        if "etd_rounding" in f["model"].attrs:  # added after format 2; such files read as "round"
            del f["model"].attrs["etd_rounding"]
        move(f["accounting"], "group_names", "groups")
        a = f["analyses"]
        rw = a["rewinding"]
        rw.attrs["groups"] = ",".join(s.decode() for s in rw["group_names"][()])
        rw.attrs["epochs"] = rw["rewind_epochs"][()]
        move(rw, "rewind_epochs", "epochs")
        rt = a["retraining"]
        rt.attrs["groups"] = ",".join(s.decode() for s in rt["group_names"][()])
        fl = a["flipping"]
        for old, new in (("noisy", "noisy_requested"), ("clean", "clean_requested")):
            fl.attrs[old] = fl.attrs[new]
            del fl.attrs[new]
        move(fl, "group_names", "groups")
        move(fl, "parameter_names", "parameters")
        move(a["neurons"], "group_names", "groups")
        move(a["neurons"], "group_units", "units")
        de = a["dropout_eval"]
        to_attr(de, "dropout_blocks", "blocks")
        move(de, "mode_names", "modes")
        move(de, "column_names", "columns")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--keep", help="make the run in this folder and keep it")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="memloc-python-")
    os.makedirs(folder, exist_ok=True)
    try:
        path = make_run(args.cli, folder)
        inspect = json.loads(cli(args.cli, "inspect", path, "--json"))
        new = read_all(path)
        check(new["version"] == 3, "new runs are format 3")
        check_run(new, inspect)

        # A run studying a listed set: focus_mask holds it, beside the noise mask.
        ids = os.path.join(folder, "picked.txt")
        with open(ids, "w") as f:
            f.write("# every fifth example\n" + "\n".join(str(i) for i in range(0, 192, 5)) + "\n")
        focus = os.path.join(folder, "focus.h5")
        one = list(TINY)
        one[one.index("--epochs") + 1] = "1"
        cli(args.cli, "train", *one, "--focus", ids, "--focus-name", "picked", "--out", focus, "--quiet")
        with memloc_run.open_run(focus) as run:
            ds = run.dataset()
            check(np.array_equal(np.nonzero(ds.focus_mask)[0], np.arange(0, 192, 5)), "focus_mask = the listed ids")
            check(ds.attrs["focus_name"] == "picked" and int(ds.attrs["focus_count"]) == 39, "focus attributes")
            check(int(ds.noise_mask.sum()) == 48, "the noise mask is kept")

        # A run still training: only epochs up to epochs_completed are data.
        partial = os.path.join(folder, "partial.h5")
        shutil.copy(path, partial)
        with h5py.File(partial, "r+") as f:
            f.attrs["epochs_completed"] = np.int64(1)
        with memloc_run.open_run(partial) as run:
            check(run.metrics()["test_acc"].shape == (2,) and run.accounting().cosine.shape[0] == 1, "sliced")
            check(run.checkpoint_epochs() == [0, 1], "checkpoints up to epochs_completed")
            try:
                run.checkpoint(2)
                check(False, "checkpoint beyond epochs_completed")
            except KeyError:
                pass

        old = os.path.join(folder, "format2.h5")
        shutil.copy(path, old)
        to_format_2(old)
        check(json.loads(cli(args.cli, "inspect", old, "--json"))["format_version"] == 2, "memloc reads it")
        v2 = read_all(old)
        check(v2["version"] == 2, "format 2")
        same(new, v2)
        with h5py.File(old, "r+") as f:
            f.attrs["format_version"] = np.int64(1)
        same(new, read_all(old))
        with h5py.File(old, "r+") as f:
            f.attrs["format_version"] = np.int64(4)
        try:
            memloc_run.open_run(old)
            check(False, "format 4 refused")
        except memloc_run.RunFileError:
            pass

        mask = memloc_run.example_tied_mask(np.arange(4), 2, 8, 0.25, 0.5, 3)
        check("".join("1" if b else "0" for b in mask.reshape(-1)) == MASK_BITS, "example-tied mask hash")
        check(memloc_run.generalization_channels(10, 0.25) == 3 and memloc_run.generalization_channels(8, 0.4) == 3,
              "round(p_gen x C) with llround")
        # round and floor differ where p_gen x C has a fraction of 0.5 or more, and agree otherwise;
        # neither goes above C, and a layer too narrow for one channel gets none.
        gc = memloc_run.generalization_channels
        check(gc(64, 0.2) == 13 and gc(64, 0.2, "floor") == 12 and gc(128, 0.2, "floor") == 25 and
              gc(10, 0.25, "floor") == 2 and gc(256, 0.2, "floor") == gc(256, 0.2) == 51 and
              gc(2, 0.2) == gc(2, 0.2, "floor") == 0 and gc(3, 0.2) == 1 and gc(3, 0.2, "floor") == 0 and gc(8, 1.0, "floor") == 8, "etd_rounding floor vs round")
        # p_gen 0.35 x 8 = 2.8: round keeps channel 2 on for every example, floor leaves it to the hash.
        round_mask = memloc_run.example_tied_mask(np.arange(4), 2, 8, 0.35, 0.5, 3)
        floor_mask = memloc_run.example_tied_mask(np.arange(4), 2, 8, 0.35, 0.5, 3, "floor")
        check(round_mask[:, :3].all() and floor_mask[:, :2].all() and not floor_mask[:, 2].all() and
              np.array_equal(round_mask[:, 3:], floor_mask[:, 3:]), "floor mask")
        print("memloc_run: format 3 run with every analysis, format 2 and 1 names, mask hash: 1 passed, 0 failed")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
