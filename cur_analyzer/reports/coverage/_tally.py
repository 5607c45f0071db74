"""Summing one required key over ``tag_coverage.sql`` rows (and the rules rows of the same key): tagged
and total cost per source and scope, the principals and resources that lack the key, empty and
disallowed values, and the adjustment total left out of the ratio."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from cur_analyzer.attribution import UNALLOCATED, USAGE_LINE_TYPES, is_a_value
from cur_analyzer.reports.coverage._model import (
    HYGIENE_PROBLEMS,
    NO_CALLER,
    OFFENDER_KINDS,
    SOURCES,
    TAG_SOURCES,
    ZERO,
    CoverageRow,
    HygieneProblem,
    Offender,
)


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

    def offenders(self, top: int) -> tuple[list[Offender], list[Offender]]:
        """The ``top`` offenders per kind, most uncovered first, and per kind and currency one row summing
        the rest (so every uncovered dollar is in one of the two)."""
        listed: list[Offender] = []
        rest: list[Offender] = []
        for kind in OFFENDER_KINDS:
            found = [
                Offender(self.key, k, ident, account, cur, untagged, uncovered, lines)
                for (k, ident, account, cur), (untagged, uncovered, lines) in self.off.items()
                if k == kind
            ]
            found.sort(key=lambda o: (-o.uncovered, -o.untagged, o.id))
            listed += found[:top]
            rest += _summed(self.key, kind, found[top:])
        return listed, rest

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
    tagged = {src: is_a_value(v) for src, v in values.items()}
    covered = any(tagged.values())
    for src in TAG_SOURCES:
        t.add(src, rec, cost, tagged[src])
    t.add("any", rec, cost, covered)
    for src, v in values.items():
        if v == "":
            t.problem("empty-value", src, None, rec, cost)
        elif allowed is not None and v is not None and v not in allowed:
            t.problem("not-allowed", src, v, rec, cost)
    # an uncovered dollar is counted once: under its caller, else its resource, else as usage of the
    # account and service with neither
    caller = rec["principal"]
    resource = rec["resource_id"] if rec["resource_kind"] in ("aip", "resource") else None
    if caller and not tagged["principal"]:
        t.offend("principal", caller, rec, cost, not covered)
    if resource and not tagged["resource"]:
        t.offend(rec["resource_kind"], resource, rec, cost, not covered and not caller)
    if not caller and not resource and not covered:
        t.offend(NO_CALLER, rec["service"] or "", rec, cost, True)


def _summed(key: str, kind: str, offenders: list[Offender]) -> list[Offender]:
    """One row per currency for the offenders not listed, ``id`` saying how many it stands for."""
    by_currency: dict[str, list] = defaultdict(lambda: [ZERO, ZERO, 0, 0])
    for o in offenders:
        acc = by_currency[o.currency]
        acc[0] += o.untagged
        acc[1] += o.uncovered
        acc[2] += o.lines
        acc[3] += 1
    return [
        Offender(key, kind, f"{n} more", None, cur, untagged, uncovered, lines, n)
        for cur, (untagged, uncovered, lines, n) in sorted(by_currency.items())
    ]


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
