"""Reading the rows of ``tag_coverage.sql`` (every key in one read: the sums, the ranked offenders, the values
found, the spellings and the month's line counts) into the report's types, and adding the rules coverage of a
key from the month's lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cur_analyzer.attribution import UNALLOCATED
from cur_analyzer.reports.coverage._model import (
    HYGIENE_PROBLEMS,
    OFFENDER_KINDS,
    SOURCES,
    ZERO,
    CoverageRow,
    HygieneProblem,
    Offender,
)

_SCOPES = ("total", "account", "service")


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else ZERO


@dataclass
class Parts:
    """The rows of ``tag_coverage.sql``, by what they answer."""

    by_part: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, records: Iterable[dict[str, Any]]) -> Parts:
        parts = cls()
        for rec in records:
            parts.by_part[rec["part"]].append(rec)
        return parts

    def rows(self, key: str) -> list[CoverageRow]:
        return [
            CoverageRow(
                key, r["source"], r["scope"], r["scope_value"], r["currency"], _money(r["tagged_cost"]),
                _money(r["cost"]),
            )
            for r in self.by_part["coverage"]
            if r["tag_key"] == key
        ]  # fmt: skip

    def value_problems(self, key: str, allowed: frozenset[str] | None) -> list[HygieneProblem]:
        """Empty values, and values outside ``allowed`` (a few distinct values per key and source)."""
        bad: dict[tuple[str, str, str | None], list] = defaultdict(lambda: [ZERO, 0])
        for r in self.by_part["value"]:
            value = r["value"]
            if r["tag_key"] != key:
                continue
            if value == "":
                problem = ("empty-value", r["source"], None)
            elif allowed is not None and value not in allowed:
                problem = ("not-allowed", r["source"], value)
            else:
                continue
            bad[problem][0] += _money(r["cost"])
            bad[problem][1] += int(r["line_count"])
        return [
            HygieneProblem(key, problem, source, None, value, cost, lines)
            for (problem, source, value), (cost, lines) in bad.items()
        ]

    def offenders(self, key: str) -> tuple[list[Offender], list[Offender]]:
        """The listed offenders of ``key`` per kind, most uncovered first, and per kind and currency one row
        summing the rest (so every uncovered dollar is in one of the two)."""
        listed = [
            Offender(
                key, r["kind"], r["id"], r["account"], r["currency"], _money(r["cost"]),
                _money(r["uncovered_cost"]), int(r["line_count"]),
            )
            for r in self.by_part["offender"]
            if r["tag_key"] == key
        ]  # fmt: skip
        rest = [
            Offender(
                key, r["kind"], f"{r['offenders']} more", None, r["currency"], _money(r["cost"]),
                _money(r["uncovered_cost"]), int(r["line_count"]), int(r["offenders"]),
            )
            for r in self.by_part["not-listed"]
            if r["tag_key"] == key
        ]  # fmt: skip
        kinds = {k: i for i, k in enumerate(OFFENDER_KINDS)}
        listed.sort(key=lambda o: (kinds[o.kind], -o.uncovered, -o.untagged, o.id))
        rest.sort(key=lambda o: (kinds[o.kind], o.currency))
        return listed, rest

    def spellings(self) -> list[dict[str, Any]]:
        """Every tag key of each map as spelled there, with its lines and unblended cost."""
        return [
            {"map_name": r["source"], "tag_key": r["value"], "line_count": r["line_count"], "cost": r["cost"]}
            for r in self.by_part["spelling"]
        ]

    def adjustments(self) -> dict[str, Decimal]:
        """Per currency, the cost of the adjustment lines, left out of the ratio."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.by_part["lines"]:
            if not r["is_usage"]:
                out[r["currency"]] += _money(r["cost"])
        return dict(out)

    def line_counts(self) -> tuple[int, int]:
        """The month's lines in scope and how many of them carry an invoice id."""
        lines = self.by_part["lines"]
        return sum(int(r["line_count"]) for r in lines), sum(int(r["invoiced_lines"]) for r in lines)


def rules_part(
    key: str, resolved: Iterable[tuple[Mapping[str, Any], str | None]], allowed: frozenset[str] | None
) -> tuple[list[CoverageRow], list[HygieneProblem]]:
    """The rules source of ``key``: the usage rows of the month's lines with the value each resolves to."""
    cov: dict[tuple[str, str | None, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    bad: dict[str, list] = defaultdict(lambda: [ZERO, 0])
    for rec, value in resolved:
        cost = _money(rec["cost"])
        tagged = value is not None and value != UNALLOCATED
        for scope, scope_value in zip(_SCOPES, (None, rec.get("account"), rec.get("service")), strict=True):
            acc = cov[(scope, scope_value, rec["currency"])]
            acc[1] += cost
            if tagged:
                acc[0] += cost
        if allowed is not None and value is not None and value not in allowed:
            bad[value][0] += cost
            bad[value][1] += int(rec["line_count"])
    rows = [
        CoverageRow(key, "rules", scope, scope_value, currency, tagged, total)
        for (scope, scope_value, currency), (tagged, total) in cov.items()
    ]
    problems = [
        HygieneProblem(key, "not-allowed", "rules", None, value, cost, lines)
        for value, (cost, lines) in bad.items()
    ]
    return rows, problems


def ordered_rows(rows: Sequence[CoverageRow]) -> list[CoverageRow]:
    """One key's rows: the totals, then per account, then per service; sources in ``SOURCES`` order."""
    order = {s: i for i, s in enumerate(SOURCES)}
    scopes = {s: i for i, s in enumerate(_SCOPES)}
    return sorted(rows, key=lambda r: (scopes[r.scope], r.currency, r.scope_value or "", order[r.source]))


def ordered_problems(problems: Sequence[HygieneProblem]) -> list[HygieneProblem]:
    """One key's value problems: by problem, most costly first."""
    return sorted(
        problems, key=lambda p: (HYGIENE_PROBLEMS.index(p.problem), -p.cost, p.source or "", p.value or "")
    )
