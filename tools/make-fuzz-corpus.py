#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz-corpus/<target>/ (small files).

usage: /usr/bin/python3 tools/make-fuzz-corpus.py MEMLOC_CLI

Needs Debian's python3-torch (the TorchScript and torch.save seeds) and a memloc-cli (a tiny run
file). Existing fixtures from tests/fixtures are copied where they are small. Deterministic except
for the run file's creation time.
"""

import gzip
import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fuzz-corpus")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx():
    images = struct.pack(">IIII", 0x803, 2, 3, 3) + bytes(range(18))
    labels = struct.pack(">II", 0x801, 2) + bytes([3, 7])
    put("fuzz_idx", "images", images)
    put("fuzz_idx", "labels", labels)
    put("fuzz_idx", "images.gz", gzip.compress(images, mtime=0))
    put("fuzz_idx", "labels.gz", gzip.compress(labels, mtime=0))


def cifar():
    records = b"".join(bytes([label]) + bytes((label * 7 + i) % 256 for i in range(3072)) for label in (0, 9))
    put("fuzz_cifar", "two_records.bin", records)
    put("fuzz_cifar", "one_record.bin", records[:3073])


def torch_files():
    for name in ("state_dict.pt", "checkpoint.pt", "forbidden_global.pt"):
        with open(os.path.join(FIXTURES, "checkpoints", name), "rb") as f:
            data = f.read()
        put("fuzz_torch_file", name, data)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
            put("fuzz_unpickler", name.replace(".pt", ".pkl"), z.read(pkl))
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4, dtype=torch.float32).reshape(2, 2), "b": torch.tensor([1, 2]),
                "meta": {"epoch": 3, "name": "x", "flags": [True, None, 1.5], "t": (1, 2)}}, buf)
    put("fuzz_torch_file", "tiny.pt", buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        put("fuzz_unpickler", "tiny.pkl", z.read(pkl))


def safetensors():
    with open(os.path.join(FIXTURES, "checkpoints", "reference.safetensors"), "rb") as f:
        put("fuzz_safetensors", "reference.safetensors", f.read())
    header = b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"epoch":"1"}}'
    header += b" " * (-len(header) % 8)
    put("fuzz_safetensors", "tiny.safetensors", struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1, 2))


def torchscript():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
                                torch.nn.Flatten(), torch.nn.Linear(2, 3))
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(model), buf)
    put("fuzz_torchscript", "tiny_sequential.pt", buf.getvalue())


def run_file(cli):
    with tempfile.TemporaryDirectory() as d:
        run = os.path.join(d, "tiny.h5")
        subprocess.run([cli, "train", "--out", run, "--dataset", "synthetic", "--synthetic-train", "16",
                        "--synthetic-test", "8", "--synthetic-size", "4", "--synthetic-classes", "2", "--model", "mlp",
                        "--width", "0.01", "--epochs", "1", "--batch-size", "8", "--device", "cpu", "--threads", "1",
                        "--quiet"], check=True)
        with open(run, "rb") as f:
            put("fuzz_run_file", "tiny_mlp.h5", f.read())


def config():
    for name in ("demo.json", "demo-etd.json"):
        shutil.copy(os.path.join(ROOT, "resources", name), os.path.join(OUT, "fuzz_config", name))
    put("fuzz_config", "small.json", b'{"dataset": "synthetic", "noise": 0.2, "epochs": 3, "model": "mlp"}')
    put("fuzz_config", "normalize.json", b'{"normalize": "0.1,0.2,0.3/0.4,0.5,0.6", "dropout": "example-tied", '
                                          b'"dropout_blocks": "2,3,5"}')
    put("fuzz_config", "empty.json", b"{}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(os.path.join(OUT, "fuzz_config"), exist_ok=True)
    idx()
    cifar()
    torch_files()
    safetensors()
    torchscript()
    run_file(os.path.abspath(sys.argv[1]))
    config()
    for target in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, target))
        size = sum(os.path.getsize(os.path.join(OUT, target, f)) for f in files)
        print("%-18s %2d files %7d bytes" % (target, len(files), size))
