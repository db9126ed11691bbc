"""Reads gzipped IDX files (MNIST, Fashion-MNIST) into numpy arrays; numpy only."""
import gzip

import numpy as np


def idx_array(path):
    """The array stored in the gzipped IDX file at `path` (uint8 images or labels)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
