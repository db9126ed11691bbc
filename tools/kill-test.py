#!/usr/bin/python3
"""Crash-safety test: kills `memloc-cli train` with SIGKILL at random moments and checks the run file.

Usage: /usr/bin/python3 tools/kill-test.py [--cli BUILD/app/cli/memloc-cli] [--kills 20] [--epochs 30] [--seed 1]
                                           [--keep DIR] [--self-check-corrupt]

A tiny synthetic run (ResNet-9 width 0.125, 256 16x16 images, ~0.1 s per epoch on one thread) is
trained once without interruption (the reference; every epoch's checkpoint is kept in memory),
then again while being killed: half of the kills come at a random time, the other half while a
save is in progress (the process is polled through /proc/PID/fd until it has the run file open
for the k-th time, k random in 1..6, then killed within 0-2 ms). Each process is one lineage: a
fresh `train --out` or a `train --resume` after a kill. When a lineage ends (killed, or finished
on its own) the script checks the run file it left:
  - it opens (`memloc-cli inspect --json` succeeds; after a kill),
  - it holds every epoch the killed process had reported complete (its per-epoch lines),
  - every stored epoch's metrics equal the reference run's (all but the wall-clock seconds),
  - every stored epoch's checkpoint equals the reference's same epoch bit for bit (same tensor
    names, dtypes, shapes and bytes), in particular the epochs this lineage wrote after its resume;
then resumes with `memloc-cli train --resume`. A lineage killed before it completed an epoch
writes nothing to compare, so its kill waits for the next lineage that does: every kill is
followed by a bit-exact check of checkpoints written after its resume, and a kill left without
one fails the test. A kill that lands after the last epoch was saved leaves nothing to resume;
it is checked like the others but not counted, and the run starts again (as when the process
finishes before the kill). At the end the run is resumed to completion and checked the same way,
and its final metrics must equal the reference's. Prints one line per kill (what was compared:
epochs, tensors, how many written after the resume), one line per kill when a later check covers
it, and a summary counting the resumed lineages checked bit-exactly. Exit status 0 only if every
check passed.

--self-check-corrupt proves the comparison can fail: it flips the lowest bit of one element of one
tensor in a checkpoint that a resumed lineage wrote (in the run file, before the check; an epoch
that no later resume loads), and the test must then report that tensor and exit 1.
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


def epochs_completed(path):
    with h5py.File(path, "r") as f:
        return int(f.attrs["epochs_completed"])


def read_checkpoints(path):
    """{epoch: {tensor name: array}} of every completed epoch (None where its checkpoint is missing)."""
    out = {}
    with h5py.File(path, "r") as f:
        done = int(f.attrs["epochs_completed"])
        for e in range(done + 1):
            name = "checkpoints/epoch_%04d" % e
            if name not in f:
                out[e] = None
                continue
            tensors = {}
            f[name].visititems(lambda n, obj: tensors.__setitem__(n, obj[()]) if isinstance(obj, h5py.Dataset) else None)
            out[e] = tensors
    return out


def bit_difference(a, b):
    """How array a differs from the reference's b, bit for bit (None if not at all)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return "%s %s, the reference has %s %s" % (a.dtype, a.shape, b.dtype, b.shape)
    ba, bb = a.tobytes(), b.tobytes()
    if ba == bb:
        return None
    size = max(1, a.dtype.itemsize)
    i = next(i for i in range(len(ba)) if ba[i] != bb[i]) // size
    return "element %d is %r, the reference has %r" % (i, a.reshape(-1)[i], b.reshape(-1)[i])


class Failures(list):
    """Failure messages; a problem seen again by a later check (same key) is not repeated."""

    def __init__(self):
        super().__init__()
        self.keys = set()

    def add(self, key, message):
        if key not in self.keys:
            self.keys.add(key)
            self.append(message)


def check_run_file(run, ref_ck, ref_rows, since, failures, context):
    """Compares every stored epoch of run with the reference: metrics, and each checkpoint bit for
    bit. Returns (epochs completed, checkpoints compared, tensors compared, epochs compared that
    were written after `since`, their tensors, whether all matched)."""
    done, rows = stored_rows(run)
    ok = True
    for m in METRICS:
        if not np.array_equal(rows[m], ref_rows[m][: done + 1], equal_nan=True):
            failures.add(("metric", m, done), "%s: stored %s differs from the reference" % (context, m))
            ok = False
    ck = read_checkpoints(run)
    n_epochs = n_tensors = new_epochs = new_tensors = 0
    for e, tensors in ck.items():
        ref = ref_ck.get(e)
        if tensors is None or ref is None:
            if tensors is not ref:
                failures.add(("missing", e), "%s: the checkpoint of epoch %d is missing in the %s" %
                             (context, e, "run file" if tensors is None else "reference"))
                ok = False
            continue
        n_epochs += 1
        n_tensors += len(ref)
        if e > since:
            new_epochs += 1
            new_tensors += len(ref)
        if tensors.keys() != ref.keys():
            failures.add(("names", e), "%s: epoch %d's checkpoint and the reference's differ in tensors %s" %
                         (context, e, sorted(tensors.keys() ^ ref.keys())[:4]))
            ok = False
            continue
        for name in ref:
            diff = bit_difference(tensors[name], ref[name])
            if diff:
                failures.add(("tensor", e, name), "%s: epoch %d checkpoint, tensor '%s': %s" % (context, e, name, diff))
                ok = False
    return done, n_epochs, n_tensors, new_epochs, new_tensors, ok


def corrupt_one_tensor(run, epoch):
    """Flips the lowest bit of element 0 of the first (by name) tensor in a stored checkpoint."""
    with h5py.File(run, "r+") as f:
        g = f["checkpoints/epoch_%04d" % epoch]
        names = []
        g.visititems(lambda n, obj: names.append(n) if isinstance(obj, h5py.Dataset) and obj.size else None)
        name = sorted(names)[0]
        data = np.array(g[name][()])
        data.reshape(-1).view(np.uint8)[0] ^= 1  # the lowest byte of element 0 (little-endian)
        g[name][...] = data
        return name


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


def plural(n, word):
    return "%d %s%s" % (n, word, "" if n == 1 else "s")


def span(first, last):
    return "epoch %d" % first if first == last else "epochs %d-%d" % (first, last)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/app/cli/memloc-cli")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", help="work in this folder and keep it")
    ap.add_argument("--self-check-corrupt", action="store_true",
                    help="flip one bit of one checkpoint written after a resume; the test must then fail")
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
    ref_ck = read_checkpoints(ref)
    print("reference: %d epochs in %.1f s, %d checkpoints of %d tensors" %
          (a.epochs, full_seconds, sum(c is not None for c in ref_ck.values()), len(ref_ck[a.epochs] or {})))

    failures, kills, write_kills, attempts = Failures(), 0, 0, 0
    started = False
    pending = []       # kills whose resumes have not yet been followed by a bit-exact check
    lineages_checked = lineages_empty = total_epochs = total_tensors = 0
    corrupt = a.self_check_corrupt

    def check(since, resumed_from, context, last):
        """Checks the run file a lineage left; covers the pending kills if it wrote an epoch."""
        nonlocal lineages_checked, lineages_empty, total_epochs, total_tensors, corrupt
        done = epochs_completed(run)
        if corrupt and resumed_from is not None and since + 1 <= done and (since + 1 < done or last):
            # An epoch written after the resume that no later resume loads (the newest is loaded).
            name = corrupt_one_tensor(run, since + 1)
            print("         self-check: flipped the lowest bit of '%s' (element 0) in epoch %d's checkpoint" %
                  (name, since + 1))
            corrupt = False
        done, n_epochs, n_tensors, new_epochs, new_tensors, ok = check_run_file(
            run, ref_ck, ref_rows, since, failures, context)
        total_epochs += n_epochs
        total_tensors += n_tensors
        after = ("after kill %d's resume" % resumed_from) if resumed_from is not None else "by this run"
        text = "%s %s (%s, %s; %d written %s)" % (
            "bit-exact:" if ok else "DIFFERENT (see FAIL below):", span(0, done), plural(n_epochs, "checkpoint"),
            plural(n_tensors, "tensor"), new_epochs, after)
        covered = []
        if new_epochs:
            if resumed_from is not None:
                lineages_checked += 1
            for k in pending:
                covered.append("         kill %d covered: %s written after its resume (%s, %s) %s" % (
                    k, span(since + 1, done), plural(new_epochs, "checkpoint"), plural(new_tensors, "tensor"),
                    "bit-exact" if ok else "compared: DIFFERENT"))
            pending.clear()
        elif resumed_from is not None:
            lineages_empty += 1
            text += " (kill %d waits for a later check)" % resumed_from
        return done, text, covered

    while kills < a.kills and attempts < 4 * a.kills:
        attempts += 1
        mode = "save" if attempts % 2 == 0 else "random"
        since, resumed_from = (epochs_completed(run), kills) if started else (-1, None)
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
        if not finished:
            summary, why = inspect(cli, run)
            if summary is None:
                failures.append("kill %d: the run file does not open: %s" % (kills + 1, why))
                print("kill %2d (%s%s): RUN FILE DAMAGED: %s" % (kills + 1, mode, ", during a save" if hit_write else "", why))
                break
        label = "kill %d" % (kills + 1) if not finished else "attempt %d" % attempts
        done, text, covered = check(since, resumed_from, label, False)
        if finished or done >= a.epochs:
            # Nothing left to resume: the run starts again (a kill here is not counted).
            if finished and done != a.epochs:
                failures.append("attempt %d: the process exited 0 with %d of %d epochs" % (attempts, done, a.epochs))
            print("attempt %d: %s; %s; starting again" % (
                attempts, "the run finished before the kill" if finished else
                "killed after the last epoch was saved, nothing to resume (not counted)", text))
            for line in covered:
                print(line)
            os.remove(run)
            started = False
            continue
        kills += 1
        write_kills += hit_write
        # Every epoch the killed process reported complete must be in the file.
        status = "ok"
        if done < reported:
            failures.append("kill %d: epoch %d was reported complete, %d stored" % (kills, reported, done))
            status = "LOST EPOCHS"
        print("kill %2d (%-6s%s): %2d epochs stored, %s; %s" % (
            kills, mode, ", during a save" if hit_write else "", done, status, text))
        for line in covered:
            print(line)
        pending.append(kills)
        if os.path.exists(run + ".saving"):
            print("         (a partial save copy %s.saving was left; the next save removes it)" % os.path.basename(run))

    if started:
        since = epochs_completed(run)
        r = subprocess.run([cli, "train", "--resume", run], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            failures.append("final resume failed: " + r.stderr.strip())
        else:
            final, _ = inspect(cli, run)
            reference, _ = inspect(cli, ref)
            strip = lambda d: {k: v for k, v in d["final"].items() if k != "seconds"}
            if strip(final) != strip(reference):
                failures.append("final metrics differ: %s vs %s" % (strip(final), strip(reference)))
            done, text, covered = check(since, kills, "final resume", True)
            if done != a.epochs:
                failures.append("final resume: %d of %d epochs completed" % (done, a.epochs))
            print("final resume: %s" % text)
            for line in covered:
                print(line)
            print("final: %s" % json.dumps(strip(final)))
    for k in pending:
        failures.append("kill %d: no checkpoint written after its resume was compared with the reference" % k)
    print("summary: %d kills (%d during a save); %d of %d kills followed by a bit-exact check of checkpoints "
          "written after their resume; %d resumed lineages checked bit-exactly, %d killed before writing an "
          "epoch; %d checkpoints (%d tensors) compared in all; %d failures" % (
              kills, write_kills, kills - len(pending), kills, lineages_checked, lineages_empty, total_epochs,
              total_tensors, len(failures)))
    for f in failures:
        print("FAIL: " + f)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures or kills < a.kills else 0


if __name__ == "__main__":
    sys.exit(main())
