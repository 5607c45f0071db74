"""The coverage report's vocabulary and result types: the sources, offender kinds and hygiene problems it
knows, how a tag key is compared for spelling, and the rows, offenders, problems and ``Coverage`` model it
returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.choices import CoverageView
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

TAG_SOURCES = ("resource", "principal", "account")
SOURCES = (*TAG_SOURCES, "rules", "any")
#: Usage with neither a caller nor a resource id (batch jobs, data transfer, metrics): no principal or
#: resource can answer for it, so it is an offender kind of its own, one per account and service.
NO_CALLER = "no-caller-no-resource"
OFFENDER_KINDS = ("principal", "aip", "resource", NO_CALLER)
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
    """A principal, AIP or resource whose spend lacks the key at its own source, or the usage of one
    account and service with neither a caller nor a resource (``NO_CALLER``, ``id`` the service).

    ``uncovered`` counts each dollar no source tags once, under the line's caller, else its resource, else
    ``NO_CALLER``: per key and currency the offenders' ``uncovered`` (the listed ones and ``not_listed``)
    add up to the ``any`` source's untagged cost."""

    key: str
    kind: str  # one of OFFENDER_KINDS
    id: str
    account: str | None
    currency: str
    untagged: Decimal  # spend without the key at this source (for NO_CALLER: at any source)
    uncovered: Decimal  # the part no source tags, that this offender answers for
    lines: int
    #: how many offenders the row stands for: 1, or more for a ``not_listed`` row
    count: int = 1

    def as_row(self) -> dict[str, Any]:
        """The offender as a table row (the coverage report's offenders view, the pack's Untagged sheet)."""
        return {
            "key": self.key,
            "kind": self.kind,
            "id": self.id,
            "account": self.account or "",
            "currency": self.currency,
            "untagged_cost": self.untagged,
            "uncovered_cost": self.uncovered,
            "lines": self.lines,
        }


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
    #: per key, kind and currency, the offenders beyond the ``top`` listed, summed into one row each
    not_listed: list[Offender] = field(default_factory=list)

    def totals(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.scope == "total"]

    def below(self, threshold: Decimal, source: str = "any") -> list[CoverageRow]:
        """Overall rows of ``source`` under ``threshold`` percent (a key without spend never fails)."""
        return [r for r in self.totals() if r.source == source and r.pct is not None and r.pct < threshold]

    def untagged_total(self, key: str, currency: str) -> Decimal:
        """The spend no source tags with ``key``: what the offenders of ``key`` answer for."""
        return sum(
            (r.untagged for r in self.totals() if (r.key, r.source, r.currency) == (key, "any", currency)),
            ZERO,
        )

    def as_table(self, view: str = CoverageView.COVERAGE) -> Tabular:
        # imported here: the table module builds on these types, so a top-level import would be circular
        from cur_analyzer.reports.coverage._table import tabular

        return tabular(self, view)
