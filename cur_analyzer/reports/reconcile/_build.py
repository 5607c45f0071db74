"""Building a reconciliation: options, the billed and log queries, the notes, then buckets to rows."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cur_analyzer.attribution import Dimension, parse_dimension
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import check_month, month_is_final
from cur_analyzer.reports.estimate import LogWindow, malformed_note, price_buckets, usable_rows
from cur_analyzer.reports.reconcile._buckets import _billed_buckets, _logged_buckets
from cur_analyzer.reports.reconcile._explain import _explain
from cur_analyzer.reports.reconcile._model import RECONCILE_DIMS, Bucket, Reconciliation
from cur_analyzer.reports.reconcile._rollup import _roll_up
from cur_analyzer.rules import LinePlan, Rules


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
    plan = LinePlan([d for d in dims if d.kind in ("tag", "rules")], rules)
    check_month(engine, month)
    prices = prices or PriceTable.load()
    slots = plan.params(month, "bedrock")
    window = LogWindow(month).params
    params = {k: v for k, v in slots.items() if k.startswith("slot")} | {
        "month": month,
        "log_month": month,
        "dt_from": window["dt_from"],
        "dt_to": window["dt_to"],
    }
    notes: list[str] = []
    buckets: dict[tuple, Bucket] = {}
    _billed_buckets(engine.query("reconcile_billed", params).to_pylist(), plan, buckets, notes)
    malformed: dict[str, int] = {}
    usage = usable_rows(engine.query("estimate_usage", window).to_pylist(), malformed)
    priced = price_buckets(usage, prices, profiles)
    if note := malformed_note(malformed, month):
        notes.append(note)
    accounts = _logged_buckets(priced, buckets)
    final = month_is_final(engine, month)
    for b in buckets.values():
        _explain(b, accounts, prices, tolerance)
    rows = _roll_up(list(buckets.values()), dims, plan, tolerance, final)
    if not final:
        notes.append(f"{month} is not final: mismatches are 'pending' until AWS closes the month")
    notes.append(f"price table {prices.version}; tolerance {tolerance}% of the billed cost")
    return Reconciliation(
        month,
        tuple(d.spec for d in dims),
        tolerance,
        final,
        rows,
        list(buckets.values()),
        notes + engine.notes,
        malformed,
    )


def _parse_by(spec: str, rules: Rules | None) -> Dimension:
    if spec in RECONCILE_DIMS:
        return Dimension(spec, spec)
    dim = parse_dimension(spec, tuple(rules.dimensions) if rules else ())
    if dim.kind not in ("tag", "rules"):
        raise UserInputError(
            f"--by {spec!r}: reconcile groups by {', '.join(RECONCILE_DIMS)}, tag or rules-file dimensions"
        )
    return dim
