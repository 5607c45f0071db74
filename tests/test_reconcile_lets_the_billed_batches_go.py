"""Does the reconciliation let each batch of the billed side go once its rows are in buckets, so that a month
of ten million lines never holds the engine's rows and the buckets made of them at once?"""

from __future__ import annotations

import pyarrow as pa

from cur_analyzer.reports.reconcile import BilledPart, Bucket
from cur_analyzer.reports.reconcile._sides import BilledSide


def _side() -> BilledSide:
    batches = [pa.RecordBatch.from_pylist([{"day": f"2026-10-0{i}", "line_count": i}]) for i in (1, 2, 3)]
    return BilledSide(batches)


def test_taking_the_rows_gives_every_row_and_lets_each_batch_go_as_it_is_read():
    side = _side()
    rows = side.take_rows()
    assert next(rows)["day"] == "2026-10-01"
    assert len(side.batches) == 2  # the first batch is gone once read
    assert [r["day"] for r in rows] == ["2026-10-02", "2026-10-03"]
    assert side.batches == []


def test_taking_the_rows_gives_what_reading_them_gives():
    assert list(_side().take_rows()) == list(_side().rows())


def test_a_bucket_and_its_parts_hold_no_attribute_dict():
    # hundreds of thousands of them at ten million lines: a __dict__ each weighs more than its fields
    for obj in (Bucket(("2026-10-01",), None), BilledPart(True, "standard", "in-region", False, 0, 0)):
        assert not hasattr(obj, "__dict__")
