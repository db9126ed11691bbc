#!/usr/bin/python3
"""Checks that memory use while training does not grow with epochs.

usage: /usr/bin/python3 tools/memory-growth.py [--cli build/app/cli/memloc-cli] [--epochs 100]

Trains the tiny synthetic run of tests/core/tiny_run.h (ResNet-9 width 0.125, gradient accounting
on) and samples the resident set size (VmRSS, /proc/PID/status) each time an epoch is reported.
Prints RSS after epoch 1, at 25% / 50% / 75% of the run and at the end, and the growth per epoch
over the second half (a least-squares slope). Exit status 1 if the second half grows by more than
4 MB in all (a leak of even one small checkpoint per epoch would exceed it).
"""
import argparse
import os
import subprocess
import sys
import tempfile


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/app/cli/memloc-cli")
    ap.add_argument("--epochs", type=int, default=100)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        run = os.path.join(d, "run.h5")
        cmd = [a.cli, "train", "--out", run, "--dataset", "synthetic", "--synthetic-train", "256", "--synthetic-test",
               "64", "--synthetic-size", "16", "--synthetic-classes", "4", "--noise", "0.2", "--width", "0.125",
               "--epochs", str(a.epochs), "--batch-size", "32", "--device", "cpu", "--threads", "1"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
        samples = []
        for line in p.stdout:
            if line.startswith("epoch ") and "/" in line:
                epoch = int(line.split()[1].split("/")[0])
                if epoch >= 1:
                    samples.append((epoch, rss_kb(p.pid)))
        if p.wait() != 0:
            sys.exit("training failed")
    n = len(samples)
    for i in (0, n // 4, n // 2, 3 * n // 4, n - 1):
        print("epoch %3d: RSS %6.1f MB" % (samples[i][0], samples[i][1] / 1024))
    half = samples[n // 2:]
    mx = sum(e for e, _ in half) / len(half)
    my = sum(r for _, r in half) / len(half)
    slope = sum((e - mx) * (r - my) for e, r in half) / max(1e-9, sum((e - mx) ** 2 for e, _ in half))
    growth = half[-1][1] - half[0][1]
    print("second half: %+.1f KB per epoch (slope), %+.1f MB in all" % (slope, growth / 1024))
    return 1 if growth > 4096 else 0


if __name__ == "__main__":
    sys.exit(main())
