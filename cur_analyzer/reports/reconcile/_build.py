"""Building a reconciliation: options, the billed and log queries, the notes, then buckets to rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import Decimal

from cur_analyzer.attribution import REQUEST_METADATA, Dimension, parse_dimension, request_metadata_key
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.engines import Engine, query_batches
from cur_analyzer.errors import UserInputError
from cur_analyzer.granularity import Granularity, granularity_of, reconcile_note
from cur_analyzer.reports._lines import month_is_final
from cur_analyzer.reports.chargeback import check_month
from cur_analyzer.reports.estimate import (
    LogWindow,
    malformed_note,
    price_buckets,
    unresolved_profiles_note,
    usable_rows,
)
from cur_analyzer.reports.reconcile._buckets import _billed_buckets, _logged_buckets
from cur_analyzer.reports.reconcile._explain import _explain
from cur_analyzer.reports.reconcile._metadata import cut_by_metadata
from cur_analyzer.reports.reconcile._model import (
    ESTIMATE_CURRENCY,
    LOGGED_KINDS,
    MARKETPLACE_UNITS,
    METADATA_KIND,
    NOT_A_LOG_METER,
    OTHER_CURRENCY,
    Bucket,
    Reconciliation,
)
from cur_analyzer.reports.reconcile._rollup import _roll_up, model_label
from cur_analyzer.reports.reconcile._sides import read_sides
from cur_analyzer.rules import LinePlan, Rules
from cur_analyzer.text import money


def build_reconciliation(
    engine: Engine,
    month: str,
    by: Sequence[str] = ("principal", "model"),
    tolerance_pct: Decimal | float | str = 1,
    prices: PriceTable | None = None,
    profiles: ProfileMap | None = None,
    rules: Rules | None = None,
) -> Reconciliation:
    tolerance = Decimal(str(tolerance_pct))
    if tolerance < 0:
        raise UserInputError("the tolerance must be a percentage >= 0")
    dims = [_parse_by(spec, rules) for spec in (by or ("principal", "model"))]
    meta_key = _metadata_key(dims)
    plan = LinePlan([d for d in dims if d.kind != METADATA_KIND], rules)
    check_month(engine, month)
    prices = prices or PriceTable.load()
    window = LogWindow(month).params
    params = plan.slot_params() | {
        "month": month,
        "log_month": month,
        "bucket_grain": "day",
        "dt_from": window["dt_from"],
        "dt_to": window["dt_to"],
        "meta_key": meta_key,
    }
    notes: list[str] = []
    buckets: dict[tuple, Bucket] = {}
    billed, logged = read_sides(query_batches(engine, "reconcile", params))
    grain = granularity_of(engine, month, billed.shortest_spans)
    period = _period_of(grain)
    lines, invoiced = billed.total("line_count"), billed.total("invoiced_lines")
    _billed_buckets(billed.take_rows(), plan, buckets, notes, period)
    malformed: dict[str, int] = {}
    usage = usable_rows(logged, malformed)
    priced = price_buckets(usage, prices, profiles)
    if note := malformed_note(malformed, month):
        notes.append(note)
    logs = _logged_buckets(priced, buckets, period)
    if note := unresolved_profiles_note(logs.unresolved_calls):
        notes.append(note)
    final = month_is_final(engine, month, lines, invoiced)
    compared = cut_by_metadata(list(buckets.values())) if meta_key else list(buckets.values())
    for b in compared:
        _explain(b, logs, prices, tolerance)
    rows = _roll_up(compared, dims, plan, tolerance, final)
    if not final:
        notes.append(f"{month} is not final: mismatches are 'pending' until AWS closes the month")
    notes.append(f"price table {prices.version}; tolerance {tolerance}% of the billed cost")
    if note := reconcile_note(grain):
        notes.append(note)
    notes += _not_compared_notes(buckets.values())
    return Reconciliation(
        month,
        tuple(d.spec for d in dims),
        tolerance,
        final,
        rows,
        compared,
        notes + engine.notes,
        malformed,
        grain,
    )


def _period_of(grain: Granularity) -> Callable[[str], str]:
    """A bucket's period from a usage day (``YYYY-MM-DD``): the day, or on a monthly export the month, as
    the export's lines say no finer."""
    if grain is Granularity.MONTHLY:
        return lambda day: day[:7] if day else day
    return lambda day: day


def _not_compared_notes(buckets) -> list[str]:
    """What the comparison left out, in words: bills in another currency, meters the logs never count, AWS
    Marketplace models."""
    billed: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    marketplace_models: set[str] = set()
    for b in buckets:
        if reason := b.not_compared:
            billed[reason][b.currency] += b.billed_cost
            if reason == MARKETPLACE_UNITS:
                marketplace_models.add(model_label(b.price_key, b.key[4]))
    notes = []
    if other := billed.get(OTHER_CURRENCY):
        notes.append(
            f"billed in {_amounts(other)}: not compared, the estimate is in {ESTIMATE_CURRENCY} (the price "
            "table's)"
        )
    if meters := billed.get(NOT_A_LOG_METER):
        notes.append(
            f"billed {_amounts(meters)} at meters the invocation logs never count (model units, images, "
            "search units…): not compared"
        )
    if units := billed.get(MARKETPLACE_UNITS):
        notes.append(
            f"billed {_amounts(units)} by AWS Marketplace for {', '.join(sorted(marketplace_models))}: "
            "Marketplace lines count raw units, not the tokens the invocation logs count, so they are not "
            "compared"
        )
    return notes


def _amounts(by_currency: dict[str, Decimal]) -> str:
    return ", ".join(money(a, c) for c, a in sorted(by_currency.items()))


def _metadata_key(dims: Sequence[Dimension]) -> str | None:
    """The one request metadata key the rows are cut by, or None."""
    keys = [request_metadata_key(d.spec) for d in dims if d.kind == METADATA_KIND]
    if len(keys) > 1:
        raise UserInputError(f"reconcile cuts by one {REQUEST_METADATA}<key> at most", option="by")
    return keys[0] if keys else None


def _parse_by(spec: str, rules: Rules | None) -> Dimension:
    """A dimension both sides of the reconciliation have: the invocation logs know no usage type or
    product code, so ``token-type``, ``usage-type`` and ``service`` are refused."""
    if request_metadata_key(spec) is not None:
        return Dimension(spec, METADATA_KIND)
    dim = parse_dimension(spec, tuple(rules.dimensions) if rules else ())
    if dim.kind not in LOGGED_KINDS:
        simple = ", ".join(k for k in LOGGED_KINDS if k not in ("tag", "rules"))
        raise UserInputError(
            f"reconcile cannot group by {spec!r}, the invocation logs do not say it; it groups by {simple}, "
            f"tag or rules-file dimensions and {REQUEST_METADATA}<key>",
            option="by",
        )
    return dim
