"""The coverage report's vocabulary and result types: the sources, offender kinds and hygiene problems it
knows, how a tag key is compared for spelling, and the rows, offenders, problems and ``Coverage`` model it
returns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

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
        # imported here: the table module builds on these types, so a top-level import would be circular
        from cur_analyzer.reports.coverage._table import tabular

        return tabular(self)
