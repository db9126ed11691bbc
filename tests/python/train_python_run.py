#!/usr/bin/python3
"""A researcher's ordinary Python training run, for memloc's import tests and as an example.

Trains the published ResNet-9 (nn.Sequential names) on the first N Fashion-MNIST images with
seeded label noise, the way a Python script would, and writes to OUT/:
  checkpoints/epoch_0.pt ... epoch_E.pt   plain torch.save(model.state_dict()) per epoch
  given_labels.npy, noise_mask.npy        the labels trained on and the 0/1 noise flags
  final_script.pt                         torch.jit.script of the final model
  wrapped.pt                              {'epoch', 'model_state_dict' (DataParallel names), 'optimizer'}
  probe.pt                                {'input': 8 normalised training images, 'logits': final model's}
  metrics.json                            per epoch: clean accuracy, memorization, test accuracy (eval mode)
Usage: /usr/bin/python3 train_python_run.py OUT [--train 600] [--epochs 4] [--width 0.125]
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_reference import resnet9  # noqa: E402  (the published architecture)

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=600)
    ap.add_argument("--test", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--width", type=float, default=0.125)
    ap.add_argument("--noise", type=float, default=0.1)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)

    def images(name, n):
        x = torch.from_numpy(idx(name)[:n].astype(np.float32) / 255.0).unsqueeze(1)
        return (x - MEAN) / STD

    x_train, x_test = images("train-images-idx3-ubyte.gz", args.train), images("t10k-images-idx3-ubyte.gz", args.test)
    y_true = torch.from_numpy(idx("train-labels-idx1-ubyte.gz")[:args.train].astype(np.int64))
    y_test = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz")[:args.test].astype(np.int64))
    rng = np.random.default_rng(7)
    noisy = rng.choice(args.train, int(args.noise * args.train), replace=False)
    given = y_true.clone()
    given[noisy] = torch.from_numpy((y_true.numpy()[noisy] + rng.integers(1, 10, len(noisy))) % 10)
    mask = given != y_true
    np.save(os.path.join(args.out, "given_labels.npy"), given.numpy())
    np.save(os.path.join(args.out, "noise_mask.npy"), mask.numpy().astype(np.uint8))

    model = resnet9(1, 10, args.width)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    metrics = []

    def evaluate(epoch):
        model.eval()
        with torch.no_grad():
            pred = model(x_train).argmax(1)
            test = model(x_test).argmax(1)
        metrics.append({"epoch": epoch,
                        "clean": (pred[~mask] == given[~mask]).float().mean().item(),
                        "memorized": (pred[mask] == given[mask]).float().mean().item(),
                        "test": (test == y_test).float().mean().item()})

    def save(epoch):
        torch.save(model.state_dict(), os.path.join(args.out, "checkpoints", f"epoch_{epoch}.pt"))

    evaluate(0)
    save(0)
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(args.train)
        for start in range(0, args.train, 64):
            idx_b = order[start:start + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(x_train[idx_b]), given[idx_b]).backward()
            opt.step()
        evaluate(epoch)
        save(epoch)

    model.eval()
    torch.jit.script(model).save(os.path.join(args.out, "final_script.pt"))
    wrapped = {"module." + k: v for k, v in model.state_dict().items()}
    torch.save({"epoch": args.epochs, "model_state_dict": wrapped, "optimizer": opt.state_dict(), "note": "wrapped"},
               os.path.join(args.out, "wrapped.pt"))
    with torch.no_grad():
        probe = x_train[:8].clone()
        torch.save({"input": probe, "logits": model(probe)}, os.path.join(args.out, "probe.pt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"mean": MEAN, "std": STD, "train": args.train, "test": args.test, "width": args.width,
                   "noisy": int(mask.sum()), "epochs": metrics}, f, indent=1)


if __name__ == "__main__":
    main()
