"""Building the explanation: both months' lines read through ``athena/attribution_lines.sql`` as a
chargeback reads them, each resolved by ``rules.LinePlan``, kept per value as ``_parts.Book``s and split.

No I/O beyond the two queries, no rendering.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import PRINCIPAL_GRAINS, USAGE_LINE_TYPES, parse_dimension, validate_month
from cur_analyzer.engines import query_rows
from cur_analyzer.errors import UserInputError, about
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports.chargeback import check_month, check_scope, month_is_final
from cur_analyzer.reports.explain._model import (
    ADJUSTMENT,
    ATTRIBUTED,
    UNALLOCATED_KIND,
    ExplainRow,
    Explanation,
)
from cur_analyzer.reports.explain._parts import ZERO, Book, Key, split
from cur_analyzer.rules import MAX_SLOTS, LinePlan

if TYPE_CHECKING:
    from cur_analyzer.engines import Engine
    from cur_analyzer.rules import Rules

#: a row of the report: (kind, value, currency)
RowKey = tuple[str, str, str]
#: who incurred a line: its account, IAM principal and kind of resource (an AIP or not). M0's tags of
#: the same caller say where a line of M went before tags changed.
Caller = tuple[Any, Any, Any]
Slots = tuple[Any, ...]
#: the columns the split reads besides the dimension's own (and their parameters): the caller, and the
#: usage type and product name that say a line's model, meter and tier
KEPT_COLUMNS = ("account", "principal", "usage_type", "product_name")
_KEEP = tuple(f"by_{column}" for column in KEPT_COLUMNS)
_SLOT_NAMES = tuple(f"slot{i}" for i in range(1, MAX_SLOTS + 1))


def build_explain(
    engine: Engine,
    month: str,
    vs: str | None = None,
    by: str = "principal",
    service: str = "bedrock",
    cost_basis: str = "unblended",
    rules: Rules | None = None,
    read_already: Mapping[str, list[dict]] | None = None,
) -> Explanation:
    """Why the bill of ``month`` differs from the bill of ``vs`` (default: the month before), per value of
    the dimension ``by``. ``read_already``: months whose lines a caller read before, at the explanation's
    grain (``read_lines``, or summed up to ``grain``): a pack reads the month before its own ahead of its
    hold, and gives its own month's from its one read of it."""
    check_scope(service, cost_basis)
    with about("month"):
        month = validate_month(month)
    given_vs = vs
    with about("vs"):
        vs = validate_month(vs) if vs else str(BillingPeriod.parse(month).previous)
        if vs == month:
            raise UserInputError(f"nothing to compare: the month to compare against is {month} itself")
    with about("month"):
        check_month(engine, month)
    _check_vs(engine, vs, None if given_vs else month)
    plan, caps = _plan(engine, by, rules)
    read = dict(read_already or {})
    before = read[vs] if vs in read else _read(engine, plan, vs, service, cost_basis)
    after = read[month] if month in read else _read(engine, plan, month, service, cost_basis)
    rows = _rows(plan, before, after)
    notes = _notes(plan, caps, cost_basis, engine)
    final = {m: month_is_final(engine, m, *_line_counts(r)) for m, r in ((vs, before), (month, after))}
    notes += [
        f"{m} is not final (no invoice id yet): its figures will change" for m, f in final.items() if not f
    ]
    return Explanation(month, vs, by, service, cost_basis, rows, final[month], final[vs], notes)


def _check_vs(engine: Engine, vs: str, defaulted_from: str | None) -> None:
    """The month compared against is held; one left to default is named as the month before."""
    if defaulted_from is None or vs in engine.months():
        with about("vs"):
            check_month(engine, vs)
        return
    held = ", ".join(engine.months())
    raise UserInputError(
        f"no CUR data for {vs}, the month before {defaulted_from}, to compare against; the export holds "
        f"{held}: name another month to compare against",
        option="vs",
    )


def read_lines(
    engine: Engine, month: str, by: str, service: str, cost_basis: str, rules: Rules | None
) -> list[dict]:
    """One month's lines as the explanation of ``by`` reads them: for a caller that must read a month
    before the engine holds another (the pack)."""
    check_scope(service, cost_basis)
    plan, _caps = _plan(engine, by, rules)
    return _read(engine, plan, month, service, cost_basis)


def grain(engine: Engine, by: str, rules: Rules | None) -> tuple[LinePlan, tuple[str, ...]]:
    """The plan the explanation of ``by`` reads and resolves each month's lines with, and the columns it
    keeps besides the plan's: lines read finer, summed up to these, are the rows it would read."""
    return _plan(engine, by, rules)[0], KEPT_COLUMNS


def _plan(engine: Engine, by: str, rules: Rules | None) -> tuple[LinePlan, Any]:
    dim = parse_dimension(by, tuple(rules.dimensions) if rules else ())
    caps = engine.capabilities()
    if dim.kind in PRINCIPAL_GRAINS and not caps.iam_principal:
        from cur_analyzer import schema

        raise UserInputError(schema.IAM_OPTION_HINT)
    return LinePlan([dim], rules, has_resource_ids=caps.has("resource_id")), caps


def _read(engine: Engine, plan: LinePlan, month: str, service: str, cost_basis: str) -> list[dict]:
    params = plan.params(month, service, cost_basis) | dict.fromkeys(_KEEP, True)
    return query_rows(engine, "attribution_lines", params)


def _line_counts(records: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    records = list(records)
    return sum(int(r["line_count"]) for r in records), sum(int(r["invoiced_lines"]) for r in records)


def _notes(plan: LinePlan, caps: Any, cost_basis: str, engine: Any) -> list[str]:
    notes = []
    if any(d.kind == "tag" for d in plan.dims) and not caps.tags:
        notes.append("the export has no `tags` column: principal and account tags read as Unallocated")
    if cost_basis.startswith("net-") and not caps.net:
        notes.append(f"the export has no net columns: {cost_basis} falls back to the gross values")
    if plan.rules.shared_costs:
        notes.append(
            "shared-cost rules are not applied here: the lines they would share show on their own rows"
        )
    return notes + plan.notes(caps) + list(engine.notes)


# --- one line ----------------------------------------------------------------------------------------
def _money(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(0) if value is None else Decimal(repr(value))


@lru_cache(maxsize=4096)
def _token_key(usage_type: str | None, product_name: str | None) -> Key | None:
    """(model group, meter) of a text-token line; None for any other line."""
    from cur_analyzer.bedrock.meter_classes import marketplace_model
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    parsed = parse_usage_type(usage_type or "")
    if not (parsed.mapped and parsed.is_token_meter):
        return None
    model = parsed.billing_name or marketplace_model(product_name)
    group = (parsed.region_code, model, parsed.style, parsed.tier, parsed.scope, parsed.flags)
    return group, parsed.meter


def _add(book: Book, rec: Mapping[str, Any]) -> None:
    cost = _money(rec["cost"])
    key = _token_key(rec.get("usage_type"), rec.get("product_name")) if _is_usage(rec) else None
    if key is None:
        book.add_other(cost)
    else:
        book.add_tokens(key[0], key[1], _money(rec.get("usage_amount")), cost)


def _is_usage(rec: Mapping[str, Any]) -> bool:
    return rec["line_item_type"] in USAGE_LINE_TYPES


def _row_key(plan: LinePlan, rec: Mapping[str, Any]) -> RowKey:
    if not _is_usage(rec):
        return ADJUSTMENT, rec["line_item_type"] or "(blank)", rec["currency"]
    values, _vias, no_value = plan.resolve_marked(rec)
    return (UNALLOCATED_KIND if no_value[0] else ATTRIBUTED), values[0], rec["currency"]


def _caller(rec: Mapping[str, Any]) -> Caller:
    return rec.get("account"), rec.get("principal"), rec.get("resource_kind")


def _slots(rec: Mapping[str, Any]) -> Slots:
    return tuple(rec.get(s) for s in _SLOT_NAMES)


# --- M0's tags of each caller ------------------------------------------------------------------------
def _tags_then(before: Iterable[Mapping[str, Any]]) -> dict[Caller, dict[Slots, Decimal]]:
    """Per caller, the tag values (slots) its usage lines carried in M0, with the cost of each."""
    seen: dict[Caller, dict[Slots, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for rec in before:
        if _is_usage(rec):
            seen[_caller(rec)][_slots(rec)] += abs(_money(rec["cost"]))
    return seen


def _as_then(rec: Mapping[str, Any], then: Mapping[Caller, Mapping[Slots, Decimal]]) -> Mapping[str, Any]:
    """The line with the tags its caller had in M0: its own when it carried them then (or the caller is
    new), else those that carried the most of the caller's M0 cost."""
    known = then.get(_caller(rec))
    if not known or _slots(rec) in known:
        return rec
    slots = max(known.items(), key=lambda kv: (kv[1], repr(kv[0])))[0]
    return {**rec, **dict(zip(_SLOT_NAMES, slots, strict=True))}


def _rows(plan: LinePlan, before: list[dict], after: list[dict]) -> list[ExplainRow]:
    books_vs: dict[RowKey, Book] = defaultdict(Book)
    moved: dict[RowKey, Book] = defaultdict(Book)
    billed: dict[RowKey, Decimal] = defaultdict(lambda: ZERO)
    for rec in before:
        _add(books_vs[_row_key(plan, rec)], rec)
    then = _tags_then(before)
    for rec in after:
        billed[_row_key(plan, rec)] += _money(rec["cost"])
        _add(moved[_row_key(plan, _as_then(rec, then) if _is_usage(rec) else rec)], rec)
    keys = set(books_vs) | set(moved) | set(billed)
    rows = [ExplainRow.of(k[1], k[0], k[2], split(books_vs[k], moved[k], billed[k])) for k in keys]
    rows.sort(
        key=lambda r: (
            r.kind == ADJUSTMENT,
            r.kind == UNALLOCATED_KIND,
            r.currency,
            -abs(r.parts.change),
            r.value,
        )
    )
    return rows
