"""Building the allocation: the billed buckets (as the reconciliation reads them, at the bill's own grain),
the month's records, their meeting, the exact split, the ledger and its grouping."""

from __future__ import annotations

from collections.abc import Sequence

from cur_analyzer.attribution import REQUEST_METADATA
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines import Engine, query_batches
from cur_analyzer.granularity import Granularity, granularity_of
from cur_analyzer.reports._lines import month_is_final
from cur_analyzer.reports.allocate._dims import plan_by
from cur_analyzer.reports.allocate._entries import entries_of, entry_quanta, meet, unlogged_reason
from cur_analyzer.reports.allocate._ledger import LedgerParts, entry_fields, ledger_rows
from cur_analyzer.reports.allocate._model import METADATA_SLOTS, Allocation, sum_by_key
from cur_analyzer.reports.allocate._records import Records, read_records
from cur_analyzer.reports.allocate._split import split_sorted_quanta
from cur_analyzer.reports.chargeback import check_month
from cur_analyzer.reports.estimate import LogWindow, malformed_note
from cur_analyzer.reports.reconcile._buckets import MIXED, _billed_buckets, bucket_tag
from cur_analyzer.reports.reconcile._model import Bucket
from cur_analyzer.reports.reconcile._sides import BilledSide, read_sides
from cur_analyzer.rules import LinePlan, Rules

#: the period word each grain cuts the logs by, as athena/allocate_records.sql takes it
_LOG_GRAIN = {Granularity.HOURLY: "hour", Granularity.DAILY: "day", Granularity.MONTHLY: "month"}


def build_allocation(
    engine: Engine,
    month: str,
    by: Sequence[str] = ("principal",),
    profiles: ProfileMap | None = None,
    rules: Rules | None = None,
) -> Allocation:
    by_plan = plan_by(by or ("principal",), rules)
    check_month(engine, month)
    window = LogWindow(month).params
    plan = LinePlan(by_plan.bill_dims, by_plan.rules)
    # the reconciliation's own read of the bill, at the hour (its logged rows are not needed here)
    billed, _logged = read_sides(
        query_batches(
            engine,
            "reconcile",
            plan.slot_params()
            | {"month": month, "log_month": month, "bucket_grain": "hour", "meta_key": None}
            | {k: window[k] for k in ("dt_from", "dt_to")},
        )
    )
    grain = granularity_of(engine, month, billed.shortest_spans)
    notes: list[str] = []
    buckets: dict[tuple, Bucket] = {}
    _billed_buckets(billed.rows(), plan, buckets, notes, _bucket_period(grain))
    entries = entries_of(list(buckets.values()))
    slots = {f"meta{i}_key": None for i in range(1, METADATA_SLOTS + 1)}
    slots |= {f"meta{i}_key": key for i, key in enumerate(by_plan.metadata_keys, start=1)}
    records = read_records(
        query_batches(engine, "allocate_records", {"bucket_grain": _LOG_GRAIN[grain]} | slots | window),
        {f"{REQUEST_METADATA}{key}": f"meta{i}" for i, key in enumerate(by_plan.metadata_keys, start=1)},
    )
    pairs, facts = meet(entries, records, profiles)
    quanta = entry_quanta(entries)
    shares = split_sorted_quanta(pairs.entry, pairs.tokens, quanta)
    reasons = {i: unlogged_reason(entries[i], facts) for i in pairs.unlogged}
    rows = ledger_rows(pairs, shares, quanta, reasons)
    day_of = (lambda p: p[:7]) if grain is Granularity.MONTHLY else (lambda p: p[:10])
    fields = [entry_fields(e, day_of) for e in entries]
    tags = [{d.spec: bucket_tag(e.bucket, d.spec) for d in by_plan.bill_dims} for e in entries]
    notes += _notes(engine, month, billed, records, pairs.unbilled_records, grain)
    if any(MIXED in t.values() for t in tags):
        notes.append(
            f"'{MIXED}': the billed lines of one bucket (hour, caller, model, meter) carry different values, "
            "and the invocation logs cannot tell which call was which"
        )
    return Allocation(
        month,
        by_plan.dims,
        LedgerParts(rows, fields, records, tags, by_plan.steps),
        sum_by_key((e.bucket.currency, e.cost) for e in entries),
        sum_by_key((reasons[i], entries[i].cost) for i in pairs.unlogged),
        notes + engine.notes,
        grain,
    )


def _bucket_period(grain: Granularity):
    """The bucket's period from the billed row's hour (``YYYY-MM-DDTHH``): the hour on an hourly export, the
    day on a daily one, the month on a monthly one — what the export's lines say, no finer."""
    if grain is Granularity.MONTHLY:
        return lambda hour: hour[:7]
    if grain is Granularity.DAILY:
        return lambda hour: hour[:10]
    return lambda hour: hour


def _notes(
    engine: Engine, month: str, billed: BilledSide, records: Records, unbilled: int, grain: Granularity
) -> list[str]:
    notes = []
    if note := malformed_note(records.malformed, month):
        notes.append(note)
    if unbilled:
        word = "record" if unbilled == 1 else "records"
        notes.append(
            f"{unbilled:,} log {word} with tokens no billed line matches (model, caller, tier, scope or "
            "period): cost 0"
        )
    if not month_is_final(engine, month, billed.total("line_count"), billed.total("invoiced_lines")):
        notes.append(f"{month} is not final: the bill, and so the ledger, may still change")
    notes.append(
        f"each {grain.period}'s bill per account, region, caller, model, meter, tier and scope is split over "
        "its records by tokens, exactly: the largest remainders get the last 0.0000000001"
    )
    return notes
