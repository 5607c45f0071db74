"""The monthly pack's report model: the month's figures, each cut once, with no words.

Where the pack needs a sentence (why a section is left out, a note of its own, a caption in a table) it
holds a ``Phrase``: the key of the sentence and the facts it needs. The words themselves are written once,
in the renderers' words file, so the HTML page and the xlsx workbook say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cur_analyzer.checks import CheckReport
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.chargeback import AdjustmentRow, Chargeback
    from cur_analyzer.reports.coverage import Coverage
    from cur_analyzer.reports.explain import Explanation
    from cur_analyzer.reports.reconcile import Reconciliation
    from cur_analyzer.rules import BudgetStatus

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_REQUIRE = ("team", "cost-center")
#: The four chargeback cuts of the pack, by their ``--by`` (the team one is decided at build time).
SPEND_CUTS = ("team", "principal", "model", "token-type")
SECTIONS = (
    "summary",
    "team",
    "change",
    "budgets",
    "principal",
    "model",
    "daily",
    "token-type",
    "coverage",
    "untagged",
    "reconciliation",
    "allocation",
    "checks",
    "notes",
)


@dataclass(frozen=True)
class Phrase:
    """A sentence of the pack by its key in the words file (``summary.metric.total``), with the facts it
    needs as values. Equal phrases say the same thing; the facts are not hashed (they may hold lists)."""

    key: str
    facts: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class SpendRow:
    """One value of a chargeback cut, summed over the rows of that value (all ``attributed_via`` sources)."""

    value: str
    currency: str
    cost: Decimal
    #: the part of ``cost`` that came from shared-cost splits of the rules file
    shared: Decimal
    lines: int
    #: the rules-file sources that decided (``principal_tag:team, aip_tag:team``), empty without rules
    via: tuple[str, ...] = ()
    #: the lines of this row have no value (the Unallocated row), unlike a tag whose value reads
    #: "Unallocated"
    no_value: bool = False

    @property
    def attributed(self) -> Decimal:
        return self.cost - self.shared


@dataclass
class Spend:
    """One chargeback cut of the month: its values, its adjustment rows and its totals."""

    dimension: str
    rows: list[SpendRow]
    adjustments: list[AdjustmentRow]
    totals: dict[str, Decimal]
    usage_totals: dict[str, Decimal]
    unallocated: dict[str, Decimal]
    notes: list[str]

    @classmethod
    def of(cls, cb: Chargeback) -> Spend:
        acc: dict[tuple[str, bool, str], list] = {}
        for r in cb.rows:
            no_value = bool(r.no_value) and r.no_value[0]
            a = acc.setdefault((r.values[0], no_value, r.currency), [ZERO, ZERO, 0, []])
            a[0] += r.cost
            if r.via is not None and "split:" in r.via:
                a[1] += r.cost
            elif r.via is not None and r.via not in a[3]:
                a[3].append(r.via)
            a[2] += r.lines
        rows = [
            SpendRow(value, cur, cost, shared, lines, tuple(via), no_value)
            for (value, no_value, cur), (cost, shared, lines, via) in acc.items()
        ]
        rows.sort(key=lambda r: (r.no_value, r.currency, -r.cost, r.value))
        return cls(
            cb.dimensions[0],
            rows,
            list(cb.adjustments),
            cb.totals(),
            cb.usage_totals(),
            cb.unallocated(),
            list(cb.notes),
        )

    def share_pct(self, row: SpendRow | AdjustmentRow) -> Decimal | None:
        """A row's share of the month's total in its currency, which the rows and the adjustments left sum
        to (so the shares sum to 100)."""
        base = self.totals.get(row.currency) or ZERO
        return row.cost / base * HUNDRED if base else None


@dataclass(frozen=True)
class DayRow:
    day: str
    currency: str
    billed: Decimal  # usage lines of the day (unblended)
    lines: int
    estimated: Decimal | None = None  # invocation-log estimate of the day (with logs)


@dataclass(frozen=True)
class DayAdjustment:
    day: str
    line_item_type: str
    currency: str
    cost: Decimal
    lines: int


@dataclass
class Budgets:
    dimension: str
    statuses: list[BudgetStatus]


@dataclass
class MonthlyReport:
    month: str
    generated_at: dt.datetime
    final: bool
    team_dimension: str
    spend: dict[str, Spend]  # SPEND_CUTS -> the cut
    daily: list[DayRow]
    daily_adjustments: list[DayAdjustment]
    budgets: list[Budgets]
    coverage: Coverage
    reconciliation: Reconciliation | None
    checks: CheckReport
    #: what the report was built from (shown in its header): cur, logs, rules, profiles, engine
    inputs: dict[str, str] = field(default_factory=dict)
    #: section -> the phrase shown instead of it (a missing input, never a silent gap)
    omitted: dict[str, Phrase] = field(default_factory=dict)
    #: (report, note), every note of every report, once each, in the order they were built; the pack's
    #: own notes are phrases, the other reports' notes their text
    notes: list[tuple[str, str | Phrase]] = field(default_factory=list)
    cost_basis: str = "unblended"
    #: why the bill changed since the previous month, per team (None when that month is not in the data)
    change: Explanation | None = None
    #: the bill allocated to the invocation-log records by role, application and user (with logs only)
    allocation: Allocation | None = None

    @property
    def team(self) -> Spend:
        return self.spend["team"]

    @property
    def totals(self) -> dict[str, Decimal]:
        """The month's Bedrock total per currency (every cut has the same; tests hold them to it)."""
        return self.team.totals

    @property
    def currencies(self) -> list[str]:
        return sorted(self.totals)

    @property
    def currency(self) -> str:
        return self.currencies[0] if self.currencies else "USD"

    @property
    def usage_total(self) -> Decimal:
        return self.spend["principal"].usage_totals.get(self.currency, ZERO)

    @property
    def total(self) -> Decimal:
        return self.totals.get(self.currency, ZERO)

    def headline_coverage(self) -> list[tuple[str, str, Decimal | None]]:
        """Per required key: (key, source, coverage %) — the rules dimension of that name when the rules
        file defines one, else ``any`` tag source."""
        out = []
        for key in self.coverage.keys:
            source = "rules" if key in self.coverage.rules_keys else "any"
            row = next(
                (
                    r
                    for r in self.coverage.totals()
                    if r.key == key and r.source == source and r.currency == self.currency
                ),
                None,
            )
            out.append((key, source, row.pct if row else None))
        return out

    @property
    def over_budget(self) -> list[BudgetStatus]:
        return [s for b in self.budgets for s in b.statuses if s.over]
