"""The tag-coverage report model: what share of a month's spend carries each required tag key, who and
what does not, and what is wrong with the tags that are there.

For each ``--require KEY``, coverage = tagged cost / total cost of the month's usage lines, per source:

* ``resource``  — resource and AIP tags (``tags['resourceTags/KEY']``, else ``resource_tags['user_key']``)
* ``principal`` — IAM principal and session tags (``tags['iamPrincipal/KEY']``)
* ``account``   — account tags (``tags['accountTag/KEY']``)
* ``rules``     — the rules-file dimension named KEY, when there is one (before shared-cost splits)
* ``any``       — a line is tagged when any of the three tag sources gives it a non-empty value

broken down by account and by service. Adjustment lines (tax, credits, fees…) carry no tags; they are left
out of the ratio and their total is reported beside it. Built from ``athena/tag_coverage.sql`` (one run per
key), ``athena/tag_spellings.sql`` and, for rules dimensions, ``athena/attribution_lines.sql``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import (
    TAG_PREFIXES,
    UNALLOCATED,
    USAGE_LINE_TYPES,
    Dimension,
    resource_tags_key,
    validate_tag_key,
)
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.chargeback import COST_BASES, SERVICES, check_month, month_is_final

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import Rules

TAG_SOURCES = ("resource", "principal", "account")
SOURCES = (*TAG_SOURCES, "rules", "any")
OFFENDER_KINDS = ("principal", "aip", "resource")
HYGIENE_PROBLEMS = ("spelling", "not-allowed", "empty-value")
#: Prefixes of the unified ``tags`` map (AWS documents these; ``iamPrincipal/`` from the Bedrock blogs).
TAGS_MAP_PREFIXES = ("iamPrincipal/", "resourceTags/", "accountTag/", "userAttribute/", "costCategory/")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
PCT_QUANTUM = Decimal("0.01")


def normalise_key(key: str) -> str:
    """A tag key as compared for spelling variants: lower-case without ``-``, ``_`` and spaces
    (``Cost-Center``, ``costCenter`` and ``cost_center`` are one key)."""
    return re.sub(r"[-_ ]", "", key.lower())


@dataclass(frozen=True)
class CoverageRow:
    key: str
    source: str  # one of SOURCES
    scope: str  # "total" | "account" | "service"
    scope_value: str | None  # the account id or product code for a breakdown row
    currency: str
    tagged: Decimal
    total: Decimal

    @property
    def untagged(self) -> Decimal:
        return self.total - self.tagged

    @property
    def pct(self) -> Decimal | None:
        """Coverage in percent, unrounded; None when the scope has no spend."""
        return self.tagged / self.total * HUNDRED if self.total else None


@dataclass(frozen=True)
class Offender:
    """A principal, AIP or resource whose spend lacks the key at its own source."""

    key: str
    kind: str  # one of OFFENDER_KINDS
    id: str
    account: str | None
    currency: str
    untagged: Decimal  # spend without the key at this source
    uncovered: Decimal  # the part no source tags at all
    lines: int


@dataclass(frozen=True)
class HygieneProblem:
    key: str
    problem: str  # one of HYGIENE_PROBLEMS
    source: str | None  # for values: the source; for spellings: the map the spelling was found in
    spelling: (
        str | None
    )  # the variant key as found (``iamPrincipal/Team``, ``resource_tags:user_costcenter``)
    value: str | None  # the value outside the allowed list
    cost: Decimal
    lines: int

    def describe(self) -> str:
        if self.problem == "spelling":
            return f"{self.key}: also spelled {self.spelling} ({self.cost:,.2f} on {self.lines} lines)"
        if self.problem == "empty-value":
            return f"{self.key}: empty {self.source} value on {self.lines} lines ({self.cost:,.2f})"
        return f"{self.key}: {self.source} value {self.value!r} is not allowed ({self.cost:,.2f} on {self.lines} lines)"


@dataclass
class Coverage(ReportModel):
    month: str
    service: str
    cost_basis: str
    keys: tuple[str, ...]
    rows: list[CoverageRow]
    untagged: list[Offender]
    hygiene: list[HygieneProblem]
    adjustments: dict[str, Decimal]  # currency -> adjustment total left out of the ratio
    final: bool
    rules_keys: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def totals(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.scope == "total"]

    def below(self, threshold: Decimal, source: str = "any") -> list[CoverageRow]:
        """Overall rows of ``source`` under ``threshold`` percent (a key without spend never fails)."""
        return [r for r in self.totals() if r.source == source and r.pct is not None and r.pct < threshold]

    def as_table(self) -> Tabular:
        return tabular(self)


def _check_key(key: str) -> str:
    for prefix in (*TAG_PREFIXES, *TAGS_MAP_PREFIXES):
        if key.startswith(prefix):
            raise UserInputError(
                f"--require {key!r}: give the tag key alone ({key[len(prefix) :]!r}); coverage looks it up "
                "as a resource, principal and account tag"
            )
    return validate_tag_key(key)


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
    if not keys:
        raise UserInputError("coverage needs at least one --require KEY")
    if cost_basis not in COST_BASES:
        raise UserInputError(f"--cost-basis must be one of {', '.join(COST_BASES)} (got {cost_basis!r})")
    if service not in SERVICES:
        raise UserInputError(f"--service must be bedrock or all (got {service!r})")
    keys = tuple(dict.fromkeys(_check_key(k) for k in keys))
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
    final = month_is_final(engine, month)
    if not final:
        notes.append(f"{month} is not final (no invoice id yet): coverage will change until AWS closes it")
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
    return t, dict(adjustments)


def _spelling_problems(keys: Sequence[str], spellings: list[dict]) -> list[HygieneProblem]:
    """The same key written several ways, from ``tag_spellings.sql`` rows.

    The unified ``tags`` map keeps a key as written (``resourceTags/Team``); the legacy ``resource_tags``
    map holds AWS's normalised twin (``user_team``) of every resource tag, so a legacy key is only a
    spelling of its own when no ``resourceTags/`` key explains it. A required key is flagged when any
    other spelling of it occurs; any other key when it occurs in two or more spellings.
    """
    tags_keys = [(r["tag_key"], r) for r in spellings if r["map_name"] == "tags"]
    twins = {resource_tags_key(k.split("/", 1)[1]) for k, _ in tags_keys if k.startswith("resourceTags/")}
    found: list[tuple[str, str, str, dict]] = []  # (bare key, shown spelling, map, row)
    for k, r in tags_keys:
        prefix = next((p for p in TAGS_MAP_PREFIXES if k.startswith(p)), "")
        if prefix in ("userAttribute/", "costCategory/"):
            continue
        found.append((k[len(prefix) :], k, "tags", r))
    for r in spellings:
        k = r["tag_key"]
        if r["map_name"] == "resource_tags" and k.startswith("user_") and k not in twins:
            found.append((k[len("user_") :], f"resource_tags:{k}", "resource_tags", r))

    groups: dict[str, list[tuple[str, str, str, dict]]] = defaultdict(list)
    for entry in found:
        groups[normalise_key(entry[0])].append(entry)
    out: list[HygieneProblem] = []
    required = {normalise_key(k): k for k in keys}
    for norm, entries in sorted(groups.items()):
        key = required.get(norm)
        if key is not None:
            # a legacy key is the required key itself when it is the key's own normalised twin
            variants = [
                e
                for e in entries
                if (e[2] == "tags" and e[0] != key)
                or (e[2] == "resource_tags" and e[1] != f"resource_tags:{resource_tags_key(key)}")
            ]
        else:
            if len({e[0] for e in entries}) < 2:
                continue
            # the spelling with the most spend is the key; on a tie the all-lower-case one
            by_cost = sorted(entries, key=lambda e: (-(e[3]["cost"] or ZERO), e[0] != e[0].lower(), e[0]))
            key = by_cost[0][0]
            variants = [e for e in entries if e[0] != key]
        merged: dict[str, list] = defaultdict(lambda: [ZERO, 0, ""])
        for _bare, shown, map_name, r in variants:
            acc = merged[shown]
            acc[0] += r["cost"] or ZERO
            acc[1] += int(r["line_count"])
            acc[2] = map_name
        for shown, (cost, lines, map_name) in sorted(merged.items()):
            out.append(HygieneProblem(key, "spelling", map_name, shown, None, cost, lines))
    return out


# --- rendering views ---------------------------------------------------------------------------------------
def _pct(value: Decimal | None) -> Decimal | None:
    return value.quantize(PCT_QUANTUM) if value is not None else None


def _row_doc(r: CoverageRow) -> dict:
    return {
        "key": r.key,
        "source": r.source,
        "tagged_cost": r.tagged,
        "untagged_cost": r.untagged,
        "coverage_pct": _pct(r.pct),
        "currency": r.currency,
    }


def document(cov: Coverage) -> dict:
    currencies = sorted({r.currency for r in cov.rows})
    return {
        "report": "coverage",
        "month": cov.month,
        "service": cov.service,
        "cost_basis": cov.cost_basis,
        "currency": currencies[0] if len(currencies) == 1 else None,
        "keys": list(cov.keys),
        "final": cov.final,
        "rows": [_row_doc(r) for r in cov.totals()],
        "by_account": [{"account": r.scope_value, **_row_doc(r)} for r in cov.rows if r.scope == "account"],
        "by_service": [{"service": r.scope_value, **_row_doc(r)} for r in cov.rows if r.scope == "service"],
        "untagged": [
            {
                "key": o.key,
                "kind": o.kind,
                "id": o.id,
                "account": o.account,
                "untagged_cost": o.untagged,
                "uncovered_cost": o.uncovered,
                "lines": o.lines,
                "currency": o.currency,
            }
            for o in cov.untagged
        ],
        "hygiene": [
            {
                "key": p.key,
                "problem": p.problem,
                "source": p.source,
                "spelling": p.spelling,
                "value": p.value,
                "cost": p.cost,
                "lines": p.lines,
            }
            for p in cov.hygiene
        ],
        "adjustments_excluded": cov.adjustments,
        "notes": cov.notes,
    }


def tabular(cov: Coverage, top: int = 5) -> Tabular:
    """Overall coverage per key and source, then by account and by service (``any`` and ``rules``
    only); offenders and hygiene problems in the footer (all of it is in ``--format json``)."""
    from cur_analyzer.reports._view import Tabular

    multi = len({r.currency for r in cov.rows}) > 1
    columns = [
        "key",
        "scope",
        "source",
        *(["currency"] if multi else []),
        "tagged_cost",
        "untagged_cost",
        "coverage",
    ]
    rows = []
    for r in cov.rows:
        if r.scope != "total" and r.source not in ("any", "rules"):
            continue
        pct = _pct(r.pct)
        rows.append(
            {
                "key": r.key,
                "scope": "total" if r.scope == "total" else f"{r.scope} {r.scope_value}",
                "source": r.source,
                "currency": r.currency,
                "tagged_cost": r.tagged,
                "untagged_cost": r.untagged,
                "coverage": f"{pct}%" if pct is not None else "",
            }
        )
    scope = "Amazon Bedrock" if cov.service == "bedrock" else "all services"
    footer = [f"{cov.month} · {scope} · {cov.cost_basis} cost · usage lines · keys {', '.join(cov.keys)}"]
    for key in cov.keys:
        for kind in OFFENDER_KINDS:
            offs = [o for o in cov.untagged if o.key == key and o.kind == kind][:top]
            if offs:
                footer.append(
                    f"{kind}s without {key}: "
                    + "; ".join(f"{o.id} {o.untagged:,.2f} (uncovered {o.uncovered:,.2f})" for o in offs)
                )
    if cov.hygiene:
        footer += [f"hygiene: {p.describe()}" for p in cov.hygiene]
    else:
        footer.append("hygiene: no spelling variants, empty or disallowed values")
    footer += cov.notes
    return Tabular(
        title=f"Tag coverage {cov.month}",
        columns=columns,
        rows=rows,
        money_columns=("tagged_cost", "untagged_cost"),
        footer=footer,
        document=document(cov),
    )
