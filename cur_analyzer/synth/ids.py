"""Deterministic identifiers drawn from the generator's random streams: UUIDs and CUR line item ids."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def uuid_from_bits(bits: np.ndarray) -> str:
    """A UUID (version 4 layout) from two drawn int64s, so the same seed gives the same ids."""
    h = f"{int(bits[0]) & (2**63 - 1):016x}{int(bits[1]) & (2**63 - 1):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)


def line_ids(rng: np.random.Generator, month_index: int, first: int, n: int) -> pa.Array:
    """52-character base32 ids like CUR's, unique by construction: the tail encodes (month, line number)."""
    counter = (np.int64(month_index) << 40) + first + np.arange(n, dtype=np.int64)
    shifts = np.arange(12, -1, -1, dtype=np.int64) * 5
    tail = _B32[(counter[:, None] >> shifts) & 31]
    head = _B32[rng.integers(0, 32, size=(n, 39))]
    mat = np.ascontiguousarray(np.concatenate([head, tail], axis=1))
    return pa.array(mat.view("S52").ravel()).cast(pa.string())
