#!/usr/bin/python3
"""Reads a memloc run file with plain h5py, as the README's "The run file" section shows.

usage: /usr/bin/python3 tests/python/read_run.py RUN.h5
Prints one line per stored fact; exits non-zero if the layout differs from the documented one
(docs/guide/run-file.html). Only epochs 0..epochs_completed hold data: files of format 2 and later
keep room (checkpoint groups, metric rows of NaN) for every planned epoch, and any file may hold
an epoch whose save was interrupted. docs/python/memloc_run.py does all of this for every format.
"""
import json
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format"] == "memloc-run", "not a memloc run"
    assert int(f.attrs["format_version"]) in (1, 2, 3), "a format this script does not know"
    done = int(f.attrs["epochs_completed"])
    config = json.loads(f.attrs["config"])
    mask = f["dataset/noise_mask"][:].astype(bool)
    given, true = f["dataset/given_labels"][:], f["dataset/true_labels"][:]
    assert np.all((given != true) == mask), "noisy examples must be exactly those with a changed label"
    groups = list(f["model/group_names"].asstr()[:])  # string datasets read as bytes without asstr()
    test_acc = f["metrics/test_acc"][: done + 1]
    memorized = f["metrics/train_noisy_given_acc"][done]
    first_conv = f[f"checkpoints/epoch_{done:04d}/0.0.weight"][:]
    stored = sorted(e for e in (int(k.split("_")[1]) for k in f["checkpoints"]) if e <= done)
    assert len(test_acc) == done + 1 and stored[-1] == done, "epochs missing"
    print(f"format_version {int(f.attrs['format_version'])}")
    print(f"model {config['model']} width {config['width']}")
    print(f"epochs {done}")
    print(f"noisy {int(mask.sum())} of {mask.size}")
    print(f"groups {' '.join(groups)}")
    print(f"test_acc_final {test_acc[-1]:.4f}")
    print(f"memorized_final {memorized:.4f}")
    print(f"first_conv_shape {'x'.join(map(str, first_conv.shape))}")
    print(f"checkpoints {' '.join(map(str, stored))}")
    if "accounting" in f:
        names = "group_names" if "group_names" in f["accounting"] else "groups"  # "groups" before format 3
        assert list(f["accounting"][names].asstr()[:]) == groups, "accounting groups differ from the model's"
        noisy_norm = f["accounting/noisy_norm"][:done]  # [epoch - 1, group]
        cosine = f["accounting/cosine"][:done]
        print(f"accounting_shape {noisy_norm.shape[0]}x{noisy_norm.shape[1]}")
        print(f"mean_cosine_last {cosine[-1].mean():.4f}")
