#!/usr/bin/python3
"""The published Python way of doing memloc's heavy work, timed for `memloc-cli bench --suite side-by-side`.

Reads a memloc run file (h5py: config, labels, noise mask, checkpoints) and the dataset's IDX
files, so both sides work on the same images, labels and weights, then times, as the paper's
scripts do it:
  epoch        one training epoch of ResNet-9 (nn.Sequential, make_reference.py), plain and with
               gradient accounting by three backward passes per batch (clean, noisy, total)
  rewind       the (group x epoch) grid: per cell deep-copy the final model, load the group's
               tensors of that epoch, evaluate clean / noisy / test
  flip         per example: deep-copy the model, repeat forward+backward of the flip objective,
               score w*grad (conv weights summed per output channel), zero the best unit, until
               the prediction changes; then evaluate the edited model
  drop         evaluation with one unit's activation masked by a forward hook
Prints one JSON object (seconds; medians of --repeats after a warm-up) on stdout.
Usage: /usr/bin/python3 bench_reference.py RUN.h5 [--threads 2] [--tasks epoch,rewind,flip,drop]
       [--device cpu|cuda|cuda:N] ...   (on a GPU every timing waits for the device to finish)
"""
import argparse
import copy
import gzip
import json
import os
import statistics
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_reference import resnet9  # noqa: E402  (the published architecture)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_files import idx_array as idx_images  # noqa: E402

IDX = {"fashion-mnist": ("/usr/share/datasets/fashion-mnist", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"),
       "mnist": ("/usr/share/datasets/mnist", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")}



def group_of(name):
    """'2.module.0.1.bias' -> '2.module.0' (the conv_bn block), '9.weight' -> '9'."""
    parts = name.split(".")[:-1]
    return ".".join(parts[:-1] if len(parts) > 1 else parts)


class Run:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.config = json.loads(f.attrs["config"])
            self.final = int(f.attrs["epochs_completed"])
            ds = f["dataset"]
            self.train_idx = torch.from_numpy(ds["train_indices"][:].astype(np.int64))
            self.test_idx = torch.from_numpy(ds["test_indices"][:].astype(np.int64))
            self.given = torch.from_numpy(ds["given_labels"][:].astype(np.int64))
            self.true = torch.from_numpy(ds["true_labels"][:].astype(np.int64))
            self.mask = torch.from_numpy(ds["noise_mask"][:].astype(bool))
            self.checkpoints = {}
            for key in f["checkpoints"]:
                epoch = int(key.split("_")[1])
                if epoch > self.final:  # space kept for epochs not trained yet
                    continue
                self.checkpoints[epoch] = {k: torch.as_tensor(v[()]) for k, v in f["checkpoints"][key].items()}
        folder, train_file, test_file = IDX[self.config["dataset"]]
        folder = self.config.get("data_dir") or folder
        train = torch.from_numpy(idx_images(os.path.join(folder, train_file))[self.train_idx.numpy()].copy()).float() / 255
        test = torch.from_numpy(idx_images(os.path.join(folder, test_file))[self.test_idx.numpy()].copy()).float() / 255
        train, test = train.unsqueeze(1), test.unsqueeze(1)
        mean, std = train.mean(dim=(0, 2, 3)), train.std(dim=(0, 2, 3)).clamp_min(1e-6)
        self.train = (train - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
        self.test = (test - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
        self.test_labels = self._test_labels(folder)
        self.device = torch.device("cpu")

    def to(self, device):
        """Keeps the images, labels and noise mask on `device` (as memloc does on a GPU)."""
        self.device = torch.device(device)
        for name in ("train", "test", "given", "true", "mask", "test_labels"):
            setattr(self, name, getattr(self, name).to(self.device))
        return self

    def _test_labels(self, folder):
        with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
            raw = f.read()
        return torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=8)[self.test_idx.numpy()].astype(np.int64))

    def model(self, epoch=None):
        classes = self.checkpoints[self.final]["9.weight"].shape[0]
        m = resnet9(self.train.size(1), classes, float(self.config["width"]))
        if epoch is not None:
            m.load_state_dict(self.checkpoints[epoch])
        return m.to(self.device)


def sync():
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def timed(fn, repeats):
    fn()  # warm-up
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def evaluate(model, sets, batch):
    model.eval()
    out = {}
    with torch.no_grad():
        for name, (x, y) in sets.items():
            pred = torch.cat([model(x[s:s + batch]).argmax(1) for s in range(0, len(x), batch)])
            out[name] = (pred == y).float().mean().item()
    return out


def eval_sets(run, limit):
    clean = (~run.mask).nonzero().flatten()[:limit]
    noisy = run.mask.nonzero().flatten()[:limit]
    return {"clean": (run.train[clean], run.given[clean]), "noisy_given": (run.train[noisy], run.given[noisy]),
            "test": (run.test[:limit], run.test_labels[:limit])}


def bench_epoch(run, args, accounting):
    torch.manual_seed(0)
    model = run.model()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True)
    params = list(model.parameters())
    clean_sum = [torch.zeros_like(p) for p in params]
    noisy_sum = [torch.zeros_like(p) for p in params]
    # The seed memloc's side of the suite uses (kEpochOrderSeed): not the noise seed, whose
    # randperm put all noisy examples first.
    order = torch.randperm(len(run.train), generator=torch.Generator().manual_seed(2023)).to(run.device)

    def epoch():
        for s in range(0, len(order), args.batch_size):
            ids = order[s:s + args.batch_size]
            x, y, noisy = run.train[ids], run.given[ids], run.mask[ids]
            opt.zero_grad()
            losses = F.cross_entropy(model(x), y, reduction="none")
            if accounting:
                # As published: backward on the clean part, the noisy part and the total.
                clean_loss = losses[~noisy].sum() / len(ids)
                noisy_loss = losses[noisy].sum() / len(ids)
                clean_loss.backward(retain_graph=True)
                for acc, p in zip(clean_sum, params):
                    acc += p.grad
                opt.zero_grad()
                noisy_loss.backward(retain_graph=True)
                for acc, p in zip(noisy_sum, params):
                    acc += p.grad
                opt.zero_grad()
            losses.mean().backward()
            opt.step()
    return timed(epoch, args.repeats)


def bench_rewind(run, args):
    final = run.model(run.final)
    sets = eval_sets(run, args.eval_subset)
    groups = {}
    for name, _ in final.named_parameters():
        groups.setdefault(group_of(name), []).append(name)
    epochs = [int(e) for e in args.rewind_epochs.split(",")] if args.rewind_epochs else \
        sorted(e for e in run.checkpoints if e < run.final)

    def grid():
        evaluate(final, sets, args.eval_batch)
        for names in groups.values():
            for e in epochs:
                model = copy.deepcopy(final)
                state = model.state_dict()
                for n in names:
                    state[n] = run.checkpoints[e][n]
                model.load_state_dict(state)
                evaluate(model, sets, args.eval_batch)
    median, times = timed(grid, args.repeats)
    return median, times, len(groups) * len(epochs)


def flip_one(final, run, target, args, sets):
    model = copy.deepcopy(final)
    model.eval()
    gen = torch.Generator().manual_seed(args.seed * 7919 + target + 1)
    perm = torch.randperm(len(run.train), generator=gen)
    perm = perm[perm != target][:args.flip_batch]
    ids = torch.cat([torch.tensor([target]), perm])
    x, y = run.train[ids], run.given[ids]
    given = int(run.given[target])
    units = 0
    for _ in range(args.max_units):
        model.zero_grad()
        losses = F.cross_entropy(model(x), y, reduction="none")
        (losses[1:].mean() - losses[0]).backward()
        scores, where = [], []
        for name, p in model.named_parameters():
            s = p.detach() * p.grad
            s = s.sum(dim=(1, 2, 3)) if p.dim() == 4 else s.flatten()
            scores.append(s)
            where.append(p)
        flat = torch.cat(scores)
        best = int(flat.argmax())
        if flat[best] <= 0:
            break
        with torch.no_grad():
            for s, p in zip(scores, where):
                if best < len(s):
                    if p.dim() == 4:
                        p[best].zero_()
                    else:
                        p.view(-1)[best] = 0
                    break
                best -= len(s)
        units += 1
        with torch.no_grad():
            if int(model(x[:1]).argmax(1)) != given:
                break
    evaluate(model, sets, args.eval_batch)
    return units


def bench_flip(run, args):
    final = run.model(run.final)
    final.eval()
    sets = eval_sets(run, args.eval_subset)
    targets = [int(t) for t in args.flip_ids.split(",")]
    units = []

    def flips():
        units.clear()
        for t in targets:
            units.append(flip_one(final, run, t, args, sets))
    median, times = timed(flips, args.repeats)
    return median / len(targets), [t / len(targets) for t in times], units


def bench_drop(run, args):
    model = run.model(run.final)
    model.eval()
    sets = eval_sets(run, args.eval_subset)
    conv1 = model[0]  # the first conv_bn block; the worst case (a full forward pass)
    channels = conv1[0].out_channels
    state = {"channel": 0}

    def hook(_module, _inputs, output):
        out = output.clone()
        out[:, state["channel"]] = 0
        return out
    conv1.register_forward_hook(hook)

    def once():
        state["channel"] = (state["channel"] + 1) % channels
        evaluate(model, sets, args.eval_batch)
    median, times = timed(once, args.repeats)
    return median, times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", default="epoch,rewind,flip,drop")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--eval-subset", type=int, default=500)
    ap.add_argument("--eval-batch", type=int, default=1024)
    ap.add_argument("--rewind-epochs", default="")
    ap.add_argument("--flip-ids", default="")
    ap.add_argument("--flip-batch", type=int, default=128)
    ap.add_argument("--max-units", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    run = Run(args.run).to(args.device)
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(), "device": str(run.device)}
    tasks = args.tasks.split(",")
    if "epoch" in tasks:
        out["epoch_plain_s"], out["epoch_plain_all"] = bench_epoch(run, args, False)
        out["epoch_accounting_s"], out["epoch_accounting_all"] = bench_epoch(run, args, True)
    if "rewind" in tasks:
        out["rewind_s"], out["rewind_all"], out["rewind_cells"] = bench_rewind(run, args)
    if "flip" in tasks and args.flip_ids:
        out["flip_per_example_s"], out["flip_all"], out["flip_units"] = bench_flip(run, args)
    if "drop" in tasks:
        out["drop_s"], out["drop_all"] = bench_drop(run, args)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
