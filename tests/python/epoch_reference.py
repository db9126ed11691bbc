#!/usr/bin/env python3
"""One training epoch of ResNet-9 in PyTorch eager mode, timed, on any device: the Python side of
a speed comparison with `memloc-cli bench` / `memloc-cli train` (e.g. on a GPU).

    python3 epoch_reference.py plain-epoch|accounting-epoch [--device cuda] [--n 60000]
        [--width 1.0] [--batch-size 512] [--threads 4] [--warmup-batches 5]
        [--channels-last] [--bf16] [--noise 0.1] [--seed 0]

Data: the first N Fashion-MNIST training images (gzipped IDX files in $FMNIST_DIR, default
/usr/share/datasets/fashion-mnist), normalised per channel, kept on the device, with N * noise
labels replaced by a different class (as memloc's label noise does). Model: the published
ResNet-9 (tests/fixtures/make_reference.py) at the given width; SGD with Nesterov momentum 0.9,
weight decay 5e-4, lr 0.05.
  plain-epoch       forward, mean cross-entropy, one backward, step
  accounting-epoch  as the paper's scripts: per batch a backward pass for the clean part, one for
                    the noisy part (each accumulated per parameter) and one for the total
After `--warmup-batches` untimed batches the epoch (every full batch) is timed, waiting for the
device before and after. Prints `seconds=S` and `img/s=R` (and the settings) on stdout.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from make_reference import resnet9  # noqa: E402  (the published architecture)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx_files import idx_array as idx  # noqa: E402



def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("task", choices=["plain-epoch", "accounting-epoch"])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--warmup-batches", type=int, default=5)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--bf16", action="store_true", help="forward pass under bfloat16 autocast")
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    folder = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")

    images = idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))[: args.n]
    labels = idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))[: args.n].astype(np.int64)
    x = torch.from_numpy(images.copy()).float().div_(255).unsqueeze(1)
    x = (x - x.mean()) / x.std().clamp_min(1e-6)
    y = torch.from_numpy(labels)
    gen = torch.Generator().manual_seed(args.seed)
    noisy_ids = torch.randperm(len(y), generator=gen)[: int(args.noise * len(y))]
    shift = torch.randint(1, 10, (len(noisy_ids),), generator=gen)
    given = y.clone()
    given[noisy_ids] = (y[noisy_ids] + shift) % 10
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[noisy_ids] = True
    memory = torch.channels_last if args.channels_last else torch.contiguous_format
    x, given, mask = x.to(device).contiguous(memory_format=memory), given.to(device), mask.to(device)

    torch.manual_seed(args.seed)
    model = resnet9(1, 10, args.width).to(device).to(memory_format=memory)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    params = list(model.parameters())
    clean_sum = [torch.zeros_like(p) for p in params]
    noisy_sum = [torch.zeros_like(p) for p in params]
    accounting = args.task == "accounting-epoch"

    def step(ids):
        xb, yb, nb = x[ids], given[ids], mask[ids]
        opt.zero_grad()
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.bf16):
            logits = model(xb)
        losses = F.cross_entropy(logits.float(), yb, reduction="none")
        if accounting:
            (losses[~nb].sum() / len(ids)).backward(retain_graph=True)
            for acc, p in zip(clean_sum, params):
                acc += p.grad
            opt.zero_grad()
            (losses[nb].sum() / len(ids)).backward(retain_graph=True)
            for acc, p in zip(noisy_sum, params):
                acc += p.grad
            opt.zero_grad()
        losses.mean().backward()
        opt.step()

    order = torch.randperm(len(given), generator=torch.Generator().manual_seed(args.seed + 1)).to(device)
    full = len(order) // args.batch_size
    for b in range(min(args.warmup_batches, full)):
        step(order[b * args.batch_size:(b + 1) * args.batch_size])
    sync(device)
    start = time.perf_counter()
    for b in range(full):
        step(order[b * args.batch_size:(b + 1) * args.batch_size])
    sync(device)
    seconds = time.perf_counter() - start
    print(f"torch={torch.__version__} device={device} task={args.task} n={full * args.batch_size} "
          f"width={args.width} batch={args.batch_size} channels_last={args.channels_last} bf16={args.bf16}")
    print(f"seconds={seconds:.4f}")
    print(f"img/s={full * args.batch_size / seconds:.1f}")


if __name__ == "__main__":
    main()
