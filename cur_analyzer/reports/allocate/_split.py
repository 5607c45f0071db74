"""Splitting each bucket's billed cost over its records by tokens, exactly, for millions of records at once.

Money here is an integer count of the SQL money quantum (1e-10, ``DECIMAL(38,10)``), so a share is exact
integer arithmetic: the floor of ``cost × tokens / bucket tokens``, and the quanta the floors leave go one
each to the records with the largest remainders (Hamilton's largest-remainder method). A bucket's shares
therefore sum to its cost to the last quantum, and no share is off its exact value by more than one quantum. ``rules._splits.allocate`` is the
rules file's split of a few pools over a few values (Decimal, remainder to the largest); this is the same
promise at the scale of a month of invocation logs, vectorised with numpy.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

#: 10 ** 10 quanta make one unit of money: the SQL money scale
QUANTA_PER_UNIT = 10**10
_INT64_SAFE = 2**62
_REMAINDER_BITS = 21
_REMAINDER_STEPS = 2**_REMAINDER_BITS - 1


def to_quanta(amount: Decimal) -> int:
    """``amount`` (at most 10 places, as the SQL money type holds it) as an integer count of quanta."""
    quanta = amount.scaleb(10)
    if quanta != quanta.to_integral_value():
        raise ValueError(f"{amount} has more places than the money scale")
    return int(quanta)


def from_quanta(quanta: int) -> Decimal:
    return Decimal(int(quanta)).scaleb(-10)


def split_quanta(bucket_of: np.ndarray, weight: np.ndarray, bucket_quanta: np.ndarray) -> np.ndarray:
    """Each entry's share (in quanta) of its bucket's cost ``bucket_quanta[bucket_of[i]]``, in proportion to
    ``weight[i]`` (positive integers). Equal remainders go in the entries' order: the caller orders them."""
    n, buckets = len(bucket_of), len(bucket_quanta)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    totals = sum_by(bucket_of, weight, buckets)
    largest_cost = int(np.abs(bucket_quanta).max(initial=0))
    exact = largest_cost < _INT64_SAFE and int(totals.max(initial=0)) ** 2 < _INT64_SAFE
    cost, total = bucket_quanta[bucket_of], totals[bucket_of]
    if not exact:  # a bucket too large for int64 products: the same arithmetic on Python integers
        cost, total, weight = cost.astype(object), total.astype(object), weight.astype(object)
    whole, left_over = cost // total, cost % total  # cost = whole * total + left_over, 0 <= left_over < total
    scaled = left_over * weight  # < total ** 2
    share = whole * weight + scaled // total
    remainder = (scaled % total).astype(np.float64) / total.astype(np.float64)
    given = sum_by(bucket_of, share, buckets, dtype=share.dtype)
    # quanta the floors left per bucket, 0 <= short < its entries (a bucket without entries has none to give)
    short = np.asarray(np.where(totals > 0, bucket_quanta.astype(share.dtype) - given, 0), dtype=np.int64)
    share[_largest_remainders(bucket_of, remainder, short)] += 1
    return share.astype(np.int64) if exact else share


def split_sorted_quanta(
    bucket_of: np.ndarray, weight: np.ndarray, bucket_quanta: np.ndarray, slice_entries: int = 1_000_000
) -> np.ndarray:
    """``split_quanta`` for entries already in bucket order, a slice of whole buckets at a time: the same
    shares, with the working arrays of one slice, not of a month of records, in memory at once."""
    shares = np.empty(
        len(bucket_of), dtype=bucket_quanta.dtype if bucket_quanta.dtype == object else np.int64
    )
    start = 0
    while start < len(bucket_of):
        end = min(start + slice_entries, len(bucket_of))
        # extend to the end of the last bucket the slice reaches, so no bucket is split across slices
        end = int(np.searchsorted(bucket_of, bucket_of[end - 1], side="right"))
        low, high = int(bucket_of[start]), int(bucket_of[end - 1]) + 1
        part = split_quanta(bucket_of[start:end] - low, weight[start:end], bucket_quanta[low:high])
        shares[start:end] = part
        start = end
    return shares


def _largest_remainders(bucket_of: np.ndarray, remainder: np.ndarray, short: np.ndarray) -> np.ndarray:
    """The entries that get one more quantum: in each bucket, the ``short`` largest remainders. Sorting by
    one integer key (bucket, then remainder in 2**-21 steps, largest first) keeps a month of records to one
    stable sort; remainders closer than that step go in the entries' order, so a share may then be off its
    exact value by up to one quantum, and the bucket still sums exactly."""
    steps = (1.0 - remainder) * _REMAINDER_STEPS  # in (0, steps]: the largest remainder sorts first
    key = (bucket_of.astype(np.int64) << _REMAINDER_BITS) | steps.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_buckets = bucket_of[order]
    first = np.flatnonzero(np.r_[True, sorted_buckets[1:] != sorted_buckets[:-1]])
    rank = np.arange(len(order)) - np.repeat(first, np.diff(np.r_[first, len(order)]))
    return order[rank < short[sorted_buckets]]


def sum_by(groups: np.ndarray, values: np.ndarray, size: int, dtype=np.int64) -> np.ndarray:
    """``values`` summed per group, exactly (integers, never floats)."""
    out = np.zeros(size, dtype=dtype)
    np.add.at(out, groups, values)
    return out


def distinct(values: np.ndarray, *, inverse: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The sorted distinct values of an integer array and, asked for, each value's index among them. By
    one sort: numpy's own unique hashes large arrays, several times slower on a month of records."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.empty(len(ordered), dtype=bool)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    if not inverse:
        return ordered[starts], None
    where = np.empty(len(values), dtype=np.int64)
    where[order] = np.cumsum(starts) - 1
    return ordered[starts], where
