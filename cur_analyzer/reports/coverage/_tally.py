"""Summing one required key over ``tag_coverage.sql`` rows (and the rules rows of the same key): tagged
and total cost per source and scope, the principals and resources that lack the key, empty and
disallowed values, and the adjustment total left out of the ratio."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from cur_analyzer.attribution import UNALLOCATED, USAGE_LINE_TYPES
from cur_analyzer.reports.coverage._model import (
    HYGIENE_PROBLEMS,
    OFFENDER_KINDS,
    SOURCES,
    TAG_SOURCES,
    ZERO,
    CoverageRow,
    HygieneProblem,
    Offender,
)


def _nonempty(value: str | None) -> bool:
    return value is not None and value != ""


class _Tally:
    """Sums for one key, over ``tag_coverage.sql`` rows (and the rules rows of the same key)."""

    def __init__(self, key: str):
        self.key = key
        # (source, scope, scope_value, currency) -> [tagged, total]
        self.cov: dict[tuple[str, str, str | None, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        # (kind, id, account, currency) -> [untagged, uncovered, lines]
        self.off: dict[tuple[str, str, str | None, str], list] = defaultdict(lambda: [ZERO, ZERO, 0])
        # (problem, source, value, currency) -> [cost, lines]
        self.bad: dict[tuple[str, str, str | None, str], list] = defaultdict(lambda: [ZERO, 0])
        self.has_rules = False

    def add(self, source: str, rec: Mapping[str, Any], cost: Decimal, tagged: bool) -> None:
        currency = rec["currency"]
        for scope, value in (
            ("total", None),
            ("account", rec.get("account")),
            ("service", rec.get("service")),
        ):
            acc = self.cov[(source, scope, value, currency)]
            acc[1] += cost
            if tagged:
                acc[0] += cost

    def offend(self, kind: str, ident: str, rec: Mapping[str, Any], cost: Decimal, uncovered: bool) -> None:
        acc = self.off[(kind, ident, rec.get("account"), rec["currency"])]
        acc[0] += cost
        if uncovered:
            acc[1] += cost
        acc[2] += int(rec["line_count"])

    def problem(
        self, problem: str, source: str, value: str | None, rec: Mapping[str, Any], cost: Decimal
    ) -> None:
        acc = self.bad[(problem, source, value, rec["currency"])]
        acc[0] += cost
        acc[1] += int(rec["line_count"])

    def add_rules(self, resolved: Iterable[tuple[dict, str | None]], allowed: frozenset[str] | None) -> None:
        self.has_rules = True
        for rec, value in resolved:
            cost = rec["cost"] if rec["cost"] is not None else ZERO
            self.add("rules", rec, cost, value is not None and value != UNALLOCATED)
            if allowed is not None and value is not None and value not in allowed:
                self.problem("not-allowed", "rules", value, rec, cost)

    def rows(self) -> list[CoverageRow]:
        order = {s: i for i, s in enumerate(SOURCES)}
        scopes = {"total": 0, "account": 1, "service": 2}
        out = [
            CoverageRow(self.key, src, scope, value, cur, tagged, total)
            for (src, scope, value, cur), (tagged, total) in self.cov.items()
        ]
        out.sort(key=lambda r: (scopes[r.scope], r.currency, r.scope_value or "", order[r.source]))
        return out

    def offenders(self, top: int) -> list[Offender]:
        out: list[Offender] = []
        for kind in OFFENDER_KINDS:
            found = [
                Offender(self.key, k, ident, account, cur, untagged, uncovered, lines)
                for (k, ident, account, cur), (untagged, uncovered, lines) in self.off.items()
                if k == kind
            ]
            found.sort(key=lambda o: (-o.uncovered, -o.untagged, o.id))
            out += found[:top]
        return out

    def hygiene(self) -> list[HygieneProblem]:
        out = [
            HygieneProblem(
                self.key, problem, source, None, value if problem == "not-allowed" else None, cost, lines
            )
            for (problem, source, value, _cur), (cost, lines) in self.bad.items()
        ]
        out.sort(key=lambda p: (HYGIENE_PROBLEMS.index(p.problem), -p.cost, p.source or "", p.value or ""))
        return out


def _tally_usage_line(
    t: _Tally, rec: Mapping[str, Any], cost: Decimal, allowed: frozenset[str] | None
) -> None:
    """One usage row: its cost per source, its empty or disallowed values, and who lacks the key."""
    values = {
        "resource": rec["resource_value"],
        "principal": rec["principal_value"],
        "account": rec["account_value"],
    }
    tagged = {src: _nonempty(v) for src, v in values.items()}
    covered = any(tagged.values())
    for src in TAG_SOURCES:
        t.add(src, rec, cost, tagged[src])
    t.add("any", rec, cost, covered)
    for src, v in values.items():
        if v == "":
            t.problem("empty-value", src, None, rec, cost)
        elif allowed is not None and v is not None and v not in allowed:
            t.problem("not-allowed", src, v, rec, cost)
    if rec["principal"] and not tagged["principal"]:
        t.offend("principal", rec["principal"], rec, cost, not covered)
    if rec["resource_kind"] in ("aip", "resource") and rec["resource_id"] and not tagged["resource"]:
        t.offend(rec["resource_kind"], rec["resource_id"], rec, cost, not covered)


def _tally(
    key: str, records: list[dict], allowed: frozenset[str] | None
) -> tuple[_Tally, dict[str, Decimal]]:
    t = _Tally(key)
    adjustments: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for rec in records:
        cost = rec["cost"] if rec["cost"] is not None else ZERO
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            adjustments[rec["currency"]] += cost
            continue
        _tally_usage_line(t, rec, cost, allowed)
    return t, dict(adjustments)
