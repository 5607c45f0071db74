"""Building the coverage report from the engine: checking the options, running ``tag_coverage.sql`` once for
every key (the month read once) and, for rules dimensions, ``attribution_lines.sql``, and writing the notes."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import (
    TAG_PREFIXES,
    USAGE_LINE_TYPES,
    Dimension,
    parse_dimension,
    resource_tags_key,
    validate_tag_key,
)
from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports._lines import MonthLines, month_is_final
from cur_analyzer.reports.chargeback import check_month, check_scope
from cur_analyzer.reports.coverage._model import (
    TAGS_MAP_PREFIXES,
    Coverage,
    CoverageRow,
    HygieneProblem,
    Offender,
)
from cur_analyzer.reports.coverage._spellings import _spelling_problems
from cur_analyzer.reports.coverage._tally import Parts, ordered_problems, ordered_rows, rules_part
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.rules import Rules

#: The dimensions coverage is broken down by besides the total.
_SCOPES = (parse_dimension("account"), parse_dimension("service"))


def _check_key(key: str) -> str:
    for prefix in (*TAG_PREFIXES, *TAGS_MAP_PREFIXES):
        if key.startswith(prefix):
            raise UserInputError(
                f"required key {key!r}: give the tag key alone ({key[len(prefix) :]!r}); coverage looks it "
                "up as a resource, principal and account tag",
                option="require",
            )
    return validate_tag_key(key)


def _checked_keys(keys: Sequence[str], service: str, cost_basis: str) -> tuple[str, ...]:
    """The required keys, checked and without repeats, once the options are known to be valid."""
    if not keys:
        raise UserInputError("coverage needs at least one required tag key", option="require")
    check_scope(service, cost_basis)
    return tuple(dict.fromkeys(_check_key(k) for k in keys))


def tag_coverage_params(
    keys: Sequence[str], month: str, service: str, cost_basis: str, top: int = 10
) -> dict[str, Any]:
    """``tag_coverage.sql``'s parameters: every key at once, so the month is read once whatever their number."""
    return {
        "tag_keys": list(keys),
        "usage_types": sorted(USAGE_LINE_TYPES),
        "resource_keys": [resource_tags_key(k) for k in keys],
        "cost_basis": cost_basis,
        "month": month,
        "service": service,
        "top": top,
    }


def build_coverage(
    engine: Engine,
    month: str,
    keys: Sequence[str],
    service: str = "bedrock",
    cost_basis: str = "unblended",
    rules: Rules | None = None,
    top: int = 10,
    lines: MonthLines | None = None,
) -> Coverage:
    """``lines``: the month's lines already read for ``rules_dimensions(keys, rules)`` (the monthly pack's),
    so the rules coverage and whether the month is final need no query of their own."""
    keys = _checked_keys(keys, service, cost_basis)
    if top < 1:
        raise UserInputError(
            f"the offenders listed per key and kind must be at least 1 (got {top})", option="top"
        )
    check_month(engine, month)
    caps = engine.capabilities()
    notes: list[str] = []
    if not caps.tags:
        notes.append(
            "the export has no `tags` column: principal and account tags cannot be seen; resource tags "
            "come from resource_tags only"
        )
    lines, rules_keys, resolved = _rules_part(engine, month, keys, rules, service, cost_basis, lines)

    parts = Parts.of(
        query_rows(engine, "tag_coverage", tag_coverage_params(keys, month, service, cost_basis, top))
    )
    rows: list[CoverageRow] = []
    offenders: list[Offender] = []
    not_listed: list[Offender] = []
    hygiene: list[HygieneProblem] = []
    for key in keys:
        allowed = rules.allowed(key) if rules is not None else None
        key_rows, problems = parts.rows(key), parts.value_problems(key, allowed)
        if key in resolved:
            rules_rows, rules_problems = rules_part(key, resolved[key], allowed)
            key_rows, problems = key_rows + rules_rows, problems + rules_problems
        rows += ordered_rows(key_rows)
        hygiene += ordered_problems(problems)
        listed, rest = parts.offenders(key)
        offenders += listed
        not_listed += rest
    hygiene = _spelling_problems(keys, parts.spellings()) + hygiene
    adjustments = parts.adjustments()
    final = lines.final if lines is not None else month_is_final(engine, month, *parts.line_counts())
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
        not_listed,
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
            + ", ".join(money(amt, cur) for cur, amt in sorted(adjustments.items()))
        )
    if not final:
        notes.append(f"{month} is not final (no invoice id yet): coverage will change until AWS closes it")
    return notes


def rules_dimensions(keys: Sequence[str], rules: Rules | None) -> list[Dimension]:
    """What the rules coverage of ``keys`` reads from the month's lines: each key the rules file defines
    as a dimension, and the account and service coverage is broken down by (nothing without such a key)."""
    names = [k for k in dict.fromkeys(keys) if rules is not None and k in rules.dimensions]
    if not names:
        return []
    return [*(Dimension(k, "rules") for k in names), *_SCOPES]


def _rules_part(
    engine: Engine,
    month: str,
    keys: Sequence[str],
    rules: Rules | None,
    service: str,
    cost_basis: str,
    lines: MonthLines | None,
) -> tuple[MonthLines | None, tuple[str, ...], dict[str, list[tuple[dict, str | None]]]]:
    """The month's lines (read here when the keys need them and none were given), the keys the rules file
    defines, and per such key each usage row of the lines with the value it resolves to."""
    dims = rules_dimensions(keys, rules)
    if lines is None and dims:
        lines = MonthLines.read(engine, month, dims, rules, service, cost_basis)
    elif lines is not None and (lines.month, lines.service, lines.cost_basis) != (month, service, cost_basis):
        raise ValueError(f"the lines given are {lines.month} {lines.service} {lines.cost_basis}'s")
    names = tuple(d.spec for d in dims if d.kind == "rules")
    if lines is None or not names:
        return lines, names, {}
    plan = lines.plan.cut(dims)
    out: dict[str, list[tuple[dict, str | None]]] = {k: [] for k in names}
    for rec in lines.records:
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            continue
        for d in plan.rules_dims:
            out[d.spec].append((rec, plan.value(d, rec)[0]))
    return lines, names, out
