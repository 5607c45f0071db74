"""Building the coverage report from the engine: checking the options, running ``tag_coverage.sql`` per
key, ``tag_spellings.sql`` and, for rules dimensions, ``attribution_lines.sql``, and writing the notes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import (
    TAG_PREFIXES,
    USAGE_LINE_TYPES,
    Dimension,
    resource_tags_key,
    validate_tag_key,
)
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import COST_BASES, SERVICES, check_month, month_is_final
from cur_analyzer.reports.coverage._model import (
    TAGS_MAP_PREFIXES,
    Coverage,
    CoverageRow,
    HygieneProblem,
    Offender,
)
from cur_analyzer.reports.coverage._spellings import _spelling_problems
from cur_analyzer.reports.coverage._tally import _tally

if TYPE_CHECKING:
    from cur_analyzer.rules import Rules


def _check_key(key: str) -> str:
    for prefix in (*TAG_PREFIXES, *TAGS_MAP_PREFIXES):
        if key.startswith(prefix):
            raise UserInputError(
                f"--require {key!r}: give the tag key alone ({key[len(prefix) :]!r}); coverage looks it up "
                "as a resource, principal and account tag"
            )
    return validate_tag_key(key)


def _checked_keys(keys: Sequence[str], service: str, cost_basis: str) -> tuple[str, ...]:
    """The required keys, checked and without repeats, once the options are known to be valid."""
    if not keys:
        raise UserInputError("coverage needs at least one --require KEY")
    if cost_basis not in COST_BASES:
        raise UserInputError(f"--cost-basis must be one of {', '.join(COST_BASES)} (got {cost_basis!r})")
    if service not in SERVICES:
        raise UserInputError(f"--service must be bedrock or all (got {service!r})")
    return tuple(dict.fromkeys(_check_key(k) for k in keys))


def tag_coverage_params(key: str, month: str, service: str, cost_basis: str) -> dict[str, Any]:
    return {
        "resource_tags_key": f"resourceTags/{key}",
        "resource_key": resource_tags_key(key),
        "principal_key": f"iamPrincipal/{key}",
        "account_key": f"accountTag/{key}",
        "cost_basis": cost_basis,
        "month": month,
        "service": service,
    }


def build_coverage(
    engine: Engine,
    month: str,
    keys: Sequence[str],
    service: str = "bedrock",
    cost_basis: str = "unblended",
    rules: Rules | None = None,
    top: int = 10,
) -> Coverage:
    keys = _checked_keys(keys, service, cost_basis)
    check_month(engine, month)
    caps = engine.capabilities()
    notes: list[str] = []
    if not caps.tags:
        notes.append(
            "the export has no `tags` column: principal and account tags cannot be seen; resource tags "
            "come from resource_tags only"
        )

    rows: list[CoverageRow] = []
    offenders: list[Offender] = []
    hygiene: list[HygieneProblem] = []
    adjustments: dict[str, Decimal] = {}
    rules_keys = tuple(k for k in keys if rules is not None and k in rules.dimensions)
    resolved = (
        _rules_values(engine, month, rules_keys, rules, service, cost_basis, caps) if rules_keys else {}
    )
    for key in keys:
        records = engine.query(
            "tag_coverage", tag_coverage_params(key, month, service, cost_basis)
        ).to_pylist()
        allowed = rules.allowed(key) if rules is not None else None
        tallies, adj = _tally(key, records, allowed)
        if key in resolved:
            tallies.add_rules(resolved[key], allowed)
        adjustments = adj
        rows += tallies.rows()
        offenders += tallies.offenders(top)
        hygiene += tallies.hygiene()
    spellings = engine.query("tag_spellings", {"month": month, "service": service}).to_pylist()
    hygiene = _spelling_problems(keys, spellings) + hygiene
    final = month_is_final(engine, month)
    notes += _closing_notes(month, rules_keys, adjustments, final)
    return Coverage(
        month,
        service,
        cost_basis,
        keys,
        rows,
        offenders,
        hygiene,
        adjustments,
        final,
        rules_keys,
        notes + engine.notes,
    )


def _closing_notes(
    month: str, rules_keys: Sequence[str], adjustments: dict[str, Decimal], final: bool
) -> list[str]:
    """What the reader must know to trust the numbers: rules before splits, adjustments left out, a month
    still open."""
    notes: list[str] = []
    if rules_keys:
        notes.append(
            f"rules coverage ({', '.join(rules_keys)}) is before shared-cost splits: a split shares cost, "
            "it does not attribute it"
        )
    if any(adjustments.values()):
        notes.append(
            "adjustment lines (tax, credits, refunds, fees, discounts) carry no tags and are left out: "
            + ", ".join(f"{cur} {amt:f}" for cur, amt in sorted(adjustments.items()))
        )
    if not final:
        notes.append(f"{month} is not final (no invoice id yet): coverage will change until AWS closes it")
    return notes


def _rules_values(
    engine: Engine,
    month: str,
    keys: Sequence[str],
    rules: Rules | None,
    service: str,
    cost_basis: str,
    caps: Any,
) -> dict[str, list[tuple[dict, str | None]]]:
    """Per rules dimension: each usage row of ``attribution_lines.sql`` with the value it resolves to."""
    from cur_analyzer.rules import LinePlan

    dims = [Dimension(k, "rules") for k in keys]
    plan = LinePlan(dims, rules, has_resource_ids=caps.has("resource_id"))
    records = engine.query("attribution_lines", plan.params(month, service, cost_basis)).to_pylist()
    out: dict[str, list[tuple[dict, str | None]]] = {k: [] for k in keys}
    for rec in records:
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            continue
        for d in dims:
            value, _ = plan.value(d, rec)
            out[d.spec].append((rec, value))
    return out
