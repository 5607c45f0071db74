"""The FOCUS export report model: the month's rows, whether the month is final, how ``x_team`` was decided,
the notes, the FOCUS version written, and the totals a summary reads."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.focus._columns import FOCUS_VERSION, columns_of
from cur_analyzer.reports.focus._values import ZERO
from cur_analyzer.reports.focus._views import tabular

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular


@dataclass
class FocusExport(ReportModel):
    month: str
    rows: list[
        dict[str, Any]
    ]  # one per CUR line or allocated charge; keys column_names; money and quantities as Decimal
    final: bool
    #: how x_team is decided: the rules file's sources for ``team`` or the built-in default
    team_sources: tuple[str, ...]
    rules_dimensions: tuple[str, ...]
    notes: list[str] = field(default_factory=list)
    version: str = FOCUS_VERSION

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in columns_of(self.version))

    def totals(self, column: str = "BilledCost") -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.rows:
            out[r["BillingCurrency"]] += r[column] or ZERO
        return dict(out)

    def by_category(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for r in self.rows:
            out[r["ChargeCategory"]] += 1
        return dict(out)

    def as_table(self) -> Tabular:
        return tabular(self)
