"""The ledger's split gives each bucket exactly its cost, at any size of cost and tokens, and no share is
off its exact value by more than one quantum (1e-10)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cur_analyzer.reports.allocate._split import split_quanta, split_sorted_quanta

buckets = st.lists(st.integers(-(10**20), 10**20), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(costs=buckets, data=st.data(), big=st.booleans())
def test_every_bucket_gets_exactly_its_cost_and_each_share_is_within_a_quantum(costs, data, big):
    n = data.draw(st.integers(1, 40))
    bucket_of = np.array(data.draw(st.lists(st.integers(0, len(costs) - 1), min_size=n, max_size=n)))
    top = 10**12 if big else 10**6
    weight = np.array(data.draw(st.lists(st.integers(1, top), min_size=n, max_size=n)), dtype=np.int64)
    quanta = np.array(costs, dtype=object if any(abs(c) >= 2**62 for c in costs) else np.int64)
    shares = split_quanta(bucket_of, weight, quanta)
    for b, cost in enumerate(costs):
        mine = [i for i in range(n) if bucket_of[i] == b]
        if not mine:
            continue
        total = sum(int(weight[i]) for i in mine)
        assert sum(int(shares[i]) for i in mine) == cost
        for i in mine:
            assert abs(Fraction(int(shares[i])) - Fraction(cost * int(weight[i]), total)) <= 1


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_splitting_a_slice_of_buckets_at_a_time_gives_the_same_shares(data):
    n = data.draw(st.integers(1, 60))
    bucket_of = np.sort(np.array(data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))))
    weight = np.array(data.draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n)), dtype=np.int64)
    quanta = np.array(data.draw(st.lists(st.integers(0, 10**14), min_size=10, max_size=10)), dtype=np.int64)
    whole = split_quanta(bucket_of, weight, quanta)
    sliced = split_sorted_quanta(bucket_of, weight, quanta, slice_entries=data.draw(st.integers(1, 7)))
    assert whole.tolist() == sliced.tolist()
