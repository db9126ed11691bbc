#!/usr/bin/python3
"""Crash-safety test: kills `memloc-cli train` with SIGKILL at random moments and checks the run file.

Usage: /usr/bin/python3 tools/kill-test.py [--cli BUILD/app/cli/memloc-cli] [--kills 20] [--epochs 30] [--seed 1] [--keep DIR]

A tiny synthetic run (ResNet-9 width 0.125, 256 16x16 images, ~0.1 s per epoch on one thread) is
trained once without interruption (the reference), then again while being killed: half of the kills
come at a random time, the other half while a save is in progress (the process is polled through
/proc/PID/fd until it has the run file open for the k-th time, k random in 1..6, then killed
within 0-2 ms). After every kill the script checks that
  - the run file opens (`memloc-cli inspect --json` succeeds),
  - it holds every epoch the killed process had reported complete (its per-epoch lines),
  - every stored epoch's metrics equal the reference run's (all but the wall-clock seconds),
then resumes with `memloc-cli train --resume`. At the end it resumes to completion and requires the
final metrics and the final checkpoint (every tensor, bit for bit) to equal the reference's.
Prints one line per kill and a summary; exit status 0 only if every check passed.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

TRAIN_ARGS = ["--dataset", "synthetic", "--synthetic-train", "256", "--synthetic-test", "64",
              "--synthetic-size", "16", "--synthetic-classes", "4", "--noise", "0.2", "--model", "resnet9",
              "--width", "0.125", "--batch-size", "32", "--device", "cpu", "--threads", "1", "--seed", "3"]
METRICS = ["epoch", "train_loss", "train_clean_acc", "train_noisy_given_acc", "train_noisy_true_acc",
           "test_acc", "lr"]


def inspect(cli, path):
    r = subprocess.run([cli, "inspect", path, "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return json.loads(r.stdout), ""


def stored_rows(path):
    """Metric rows of the completed epochs, read with h5py (an independent reader)."""
    with h5py.File(path, "r") as f:
        done = int(f.attrs["epochs_completed"])
        return done, {m: f["metrics/" + m][: done + 1].tolist() for m in METRICS}


def final_checkpoint(path):
    with h5py.File(path, "r") as f:
        done = int(f.attrs["epochs_completed"])
        g = f["checkpoints/epoch_%04d" % done]
        out = {}
        g.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        return out


def file_state(path):
    """A cheap fingerprint that changes whenever the run file (or its save copy) is written."""
    out = []
    for p in (path, path + ".saving"):
        try:
            st = os.stat(p)
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def file_is_open(pid, path):
    """Whether process pid has the run file (or its save copy) open: a save is in progress."""
    targets = {os.path.realpath(path), os.path.realpath(path) + ".saving"}
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) in targets:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def run_and_kill(cmd, env, path, mode, rng, delay_s):
    """Starts cmd, kills it per mode; returns (finished, epochs reported, hit a write, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        hit_write = False
        if mode == "random":
            deadline = time.monotonic() + delay_s
            while time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.002)
        else:  # "save": wait until the process has the run file open for the k-th time, then kill
            target = rng.randint(1, 6)
            start = time.monotonic()
            opened, was_open = 0, False
            while p.poll() is None and time.monotonic() - start < 30:
                is_open = file_is_open(p.pid, path)
                if is_open and not was_open:
                    opened += 1
                    if opened >= target:
                        time.sleep(rng.uniform(0.0, 0.002))
                        break
                was_open = is_open
        if p.poll() is None:
            hit_write = file_is_open(p.pid, path)
            p.send_signal(signal.SIGKILL)
            p.wait()
            finished = False
        else:
            finished = p.returncode == 0
            if not finished:
                err.seek(0)
                raise RuntimeError("memloc-cli failed by itself (exit %d): %s" %
                                   (p.returncode, err.read().decode().strip()))
        out.seek(0)
        err.seek(0)
        # The last epoch the process reported complete ("epoch   7/30 ..." lines; epoch 0 included).
        reported = -1
        for line in out.read().decode().splitlines():
            if line.startswith("epoch ") and "/" in line:
                reported = max(reported, int(line.split()[1].split("/")[0]))
        return finished, reported, hit_write, err.read().decode().strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/app/cli/memloc-cli")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="work in this folder and keep it")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cli = os.path.abspath(a.cli)
    work = a.keep or tempfile.mkdtemp(prefix="memloc-kill-")
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    ref, run = os.path.join(work, "reference.h5"), os.path.join(work, "killed.h5")
    for p in (ref, run, run + ".saving", run + ".partial"):
        if os.path.exists(p):
            os.remove(p)
    args = TRAIN_ARGS + ["--epochs", str(a.epochs)]

    t0 = time.monotonic()
    subprocess.run([cli, "train", "--out", ref] + args, check=True, capture_output=True, env=env)
    full_seconds = time.monotonic() - t0
    _, ref_rows = stored_rows(ref)
    print("reference: %d epochs in %.1f s" % (a.epochs, full_seconds))

    failures, kills, write_kills, attempts = [], 0, 0, 0
    started = False
    while kills < a.kills and attempts < 4 * a.kills:
        attempts += 1
        mode = "save" if attempts % 2 == 0 else "random"
        cmd = [cli, "train", "--resume", run] if started else [cli, "train", "--out", run] + args
        delay = rng.uniform(0.05, full_seconds)
        try:
            finished, reported, hit_write, stderr = run_and_kill(cmd, env, run, mode, rng, delay)
        except RuntimeError as e:
            failures.append("after kill %d: %s" % (kills, e))
            print("after kill %d: %s" % (kills, e))
            break
        if not started:
            # A kill before the run file was created leaves nothing to resume: start again.
            if not os.path.exists(run):
                continue
            started = True
        if finished:
            print("attempt %d: the run finished before the kill; starting again" % attempts)
            os.remove(run)
            started = False
            continue
        kills += 1
        write_kills += hit_write
        summary, why = inspect(cli, run)
        if summary is None:
            failures.append("kill %d: the run file does not open: %s" % (kills, why))
            print("kill %2d (%s%s): RUN FILE DAMAGED: %s" % (kills, mode, ", during a save" if hit_write else "", why))
            break
        done, rows = stored_rows(run)
        # Every epoch the killed process reported complete must be in the file.
        status = "ok"
        if done < reported:
            failures.append("kill %d: epoch %d was reported complete, %d stored" % (kills, reported, done))
            status = "LOST EPOCHS"
        for m in METRICS:
            if not np.array_equal(rows[m], ref_rows[m][: done + 1], equal_nan=True):
                failures.append("kill %d: stored %s differs from the reference" % (kills, m))
                status = "METRICS DIFFER"
        print("kill %2d (%-6s%s): %2d epochs stored, %s" % (kills, mode, ", during a save" if hit_write else "", done, status))
        if os.path.exists(run + ".saving"):
            print("         (a partial save copy %s.saving was left; the next save removes it)" % os.path.basename(run))

    r = subprocess.run([cli, "train", "--resume", run], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        failures.append("final resume failed: " + r.stderr.strip())
    else:
        final, _ = inspect(cli, run)
        reference, _ = inspect(cli, ref)
        strip = lambda d: {k: v for k, v in d["final"].items() if k != "seconds"}
        if strip(final) != strip(reference):
            failures.append("final metrics differ: %s vs %s" % (strip(final), strip(reference)))
        a_ck, b_ck = final_checkpoint(run), final_checkpoint(ref)
        if a_ck.keys() != b_ck.keys() or any(not np.array_equal(a_ck[k], b_ck[k]) for k in a_ck):
            failures.append("final checkpoint differs from the reference")
        print("final: %s" % json.dumps(strip(final)))
    print("summary: %d kills (%d during a save), %d failures" % (kills, write_kills, len(failures)))
    for f in failures:
        print("FAIL: " + f)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures or kills < a.kills else 0


if __name__ == "__main__":
    sys.exit(main())
