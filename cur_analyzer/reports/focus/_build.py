"""Building the export: the rules in force (plus the built-in ``team`` sources), one ``focus_lines.sql``
query, each usage line's attribution resolved once per distinct key, the rows, and the notes; for FOCUS
1.3 the columns it adds and, given the allocation ledger, the usage lines split down to the records."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import USAGE_LINE_TYPES
from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.reports.focus._allocated import as_13, split_rows
from cur_analyzer.reports.focus._columns import FOCUS_VERSION, check_version
from cur_analyzer.reports.focus._model import FocusExport
from cur_analyzer.reports.focus._row import focus_row
from cur_analyzer.reports.focus._values import EFFECTIVE_COST_BASIS

if TYPE_CHECKING:
    from cur_analyzer.attribution import Dimension
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.rules import LinePlan, Rules

#: The dimension whose value and provenance go in ``x_team`` / ``x_team_source``.
TEAM_DIMENSION = "team"
#: Without a rules file (or one without ``team``), ``team`` is the first of these tag sources.
DEFAULT_TEAM_SOURCES = (("aip_tag", "team"), ("principal_tag", "team"), ("account_tag", "team"))

#: A resolved attribution: the value and the deciding source of each dimension, in dimension order.
_Resolution = tuple[tuple[str, ...], tuple[str | None, ...]]


def _rules_with_team(rules: Rules | None, team_dimension: str) -> Rules:
    """The rules in force plus a ``team`` dimension (the built-in sources) when they do not define one."""
    from dataclasses import replace

    from cur_analyzer.rules import RuleDimension, Rules, TagSource, compile_source

    base = rules or Rules.empty()
    if team_dimension in base.dimensions:
        return base
    sources = tuple(
        compile_source(TagSource(source=kind, key=key), Path(".")) for kind, key in DEFAULT_TEAM_SOURCES
    )
    dims = {**base.dimensions, team_dimension: RuleDimension(team_dimension, sources)}
    return replace(base, dimensions=dims)


def build_focus_export(
    engine: Engine,
    month: str,
    rules: Rules | None = None,
    team_dimension: str = TEAM_DIMENSION,
    *,
    version: str = FOCUS_VERSION,
    allocation: Allocation | None = None,
) -> FocusExport:
    """Every Amazon Bedrock line of ``month`` as a FOCUS row of ``version`` (see the package docstring);
    with ``allocation`` (FOCUS 1.3 only) each usage line its ledger splits becomes its allocated charges."""
    from cur_analyzer.attribution import parse_dimension
    from cur_analyzer.reports._lines import month_is_final
    from cur_analyzer.reports.chargeback import check_month
    from cur_analyzer.rules import LinePlan

    check_version(version, split=allocation is not None)
    check_month(engine, month)
    caps = engine.capabilities()
    rule_set = _rules_with_team(rules, team_dimension)
    names = tuple(rule_set.dimensions)
    dims = [parse_dimension(n, names) for n in names]
    plan = LinePlan(dims, rule_set, has_resource_ids=caps.has("resource_id"))
    records = query_rows(
        engine,
        "focus_lines",
        {**plan.slot_params(), "effective_cost_basis": EFFECTIVE_COST_BASIS, "month": month},
    )

    notes: list[str] = plan.notes(caps)
    counters: dict[str, int] = defaultdict(int)
    resolved: dict[tuple, _Resolution] = {}
    rows = [
        focus_row(rec, _attribution(rec, plan, dims, resolved), team_dimension, counters) for rec in records
    ]

    if not caps.iam_principal:
        notes.append("the export has no line_item_iam_principal: x_principal is never set")
    notes += _fallback_notes(counters)
    final = month_is_final(engine, month, len(records), sum(1 for r in records if r["invoice_id"]))
    if not final:
        notes.append(f"{month} is not final (no invoice id yet): InvoiceId is null and figures will change")
    if version == "1.3":
        rows = [as_13(r) for r in rows]
    if allocation is not None:
        rows, split_notes = split_rows(rows, records, allocation.ledger)
        notes += split_notes + [f"allocation: {n}" for n in allocation.notes]
    team = rule_set.dimensions[team_dimension]
    return FocusExport(
        month,
        rows,
        final,
        tuple(s.via for s in team.sources),
        tuple(n for n in names if n != team_dimension),
        notes + engine.notes,
        version,
    )


def _attribution(
    rec: dict[str, Any], plan: LinePlan, dims: list[Dimension], resolved: dict[tuple, _Resolution]
) -> dict[str, tuple[str, str]]:
    """Dimension -> (value, deciding source) of a usage line, ``unallocated`` when no source decided; empty
    for other lines. ``resolved`` caches the plan's answer per distinct attribution key."""
    from cur_analyzer.rules import MAX_SLOTS

    if rec["line_item_type"] not in USAGE_LINE_TYPES:
        return {}
    key = (
        rec["account"],
        rec["principal"],
        rec["service"],
        rec["resource_kind"],
        *(rec[f"slot{i}"] for i in range(1, MAX_SLOTS + 1)),
    )
    if key not in resolved:
        # focus_lines.sql reads Bedrock lines only: each may be on an inference profile (LinePlan._is_aip)
        resolved[key] = plan.resolve({**rec, "in_bedrock_scope": True})
    values, vias = resolved[key]
    return {d.spec: (v, via or "unallocated") for d, v, via in zip(dims, values, vias, strict=True)}


def _fallback_notes(counters: dict[str, int]) -> list[str]:
    """One note per kind of fallback the rows took, with how many lines took it."""
    notes = []
    if counters["unit"]:
        notes.append(
            f"{counters['unit']} lines have a pricing unit FOCUS cannot express: PricingUnit 'Units'"
        )
    if counters["period"]:
        notes.append(
            f"{counters['period']} lines had no positive charge period: ChargePeriodEnd set to its bound"
        )
    if counters["effective"]:
        notes.append(
            f"{counters['effective']} lines had no {EFFECTIVE_COST_BASIS} cost: EffectiveCost = BilledCost"
        )
    if counters["currency"]:
        notes.append(
            f"{counters['currency']} lines are priced in another currency than billed: PricingCurrency* columns null"
        )
    return notes
