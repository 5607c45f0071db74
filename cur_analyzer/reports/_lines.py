"""The month's attributed lines, read once (``athena/attribution_lines.sql``) and grouped in Python.

``MonthLines.read`` asks for the lines at the grain a set of dimensions needs (``rules.LinePlan`` folds
away every column none of them reads); ``chargeback(dims)`` groups them by any of those dimensions,
``daily()`` by usage day, ``final`` says whether the month is final from the same rows, and ``tells_days``
whether the export has days at all (a monthly export does not). A chargeback reads the lines for its own
dimensions; the monthly pack reads them once for every view it shows.

``month_is_final`` is the one rule of a final month: every line carries an invoice id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import DAY, USAGE_LINE_TYPES, Dimension, label
from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.rules import LinePlan, Rules

if TYPE_CHECKING:
    from cur_analyzer.reports.chargeback import Chargeback
    from cur_analyzer.schema import Capabilities

ZERO = Decimal(0)
#: (day, currency) -> [cost, lines] of the usage lines; (day, line item type, currency) -> [cost, lines]
DailyUsage = dict[tuple[str, str], list]
DailyAdjustments = dict[tuple[str, str, str], list]


def month_is_final(engine: Engine, month: str, lines: int = 0, invoiced_lines: int = 0) -> bool:
    """Has AWS closed the month: does every line carry an invoice id (``fragments/invoiced.sql``)?

    Said from the lines a report already read (``lines`` of them, ``invoiced_lines`` invoiced) when it read
    any; else from every line of the month (``athena/month_status.sql``)."""
    if not lines:
        status = query_rows(engine, "month_status", {"month": month})[0]
        lines, invoiced_lines = int(status["lines"] or 0), int(status["invoiced_lines"] or 0)
    return bool(lines) and lines == invoiced_lines


@dataclass
class MonthLines:
    """One month's ``attribution_lines.sql`` rows, read for ``plan``'s dimensions."""

    engine: Engine
    month: str
    service: str
    cost_basis: str
    plan: LinePlan
    caps: Capabilities
    records: list[dict[str, Any]]

    @classmethod
    def read(
        cls,
        engine: Engine,
        month: str,
        dims: Sequence[Dimension],
        rules: Rules | None = None,
        service: str = "bedrock",
        cost_basis: str = "unblended",
        *,
        by_day: bool = False,
        cost_only: bool = False,
    ) -> MonthLines:
        """The month's lines at the grain of ``dims`` (and of the usage day with ``by_day``); ``cost_only``:
        as a chargeback needs them (``LinePlan.params``), for no other view."""
        caps = engine.capabilities()
        plan = LinePlan(dims, rules, has_resource_ids=caps.has("resource_id"))
        params = plan.params(month, service, cost_basis, by_day=by_day, cost_only=cost_only)
        records = query_rows(engine, "attribution_lines", params)
        return cls(engine, month, service, cost_basis, plan, caps, records)

    @cached_property
    def tells_days(self) -> bool:
        """Does the export say this month's spend per day (not a monthly export)? Said from the usage days
        of these lines when they hold more than one (read ``by_day`` or for a day dimension), else from the
        month's status (``granularity.tells_days``)."""
        from cur_analyzer.granularity import tells_days

        days = (r.get("usage_date") for r in self.records if r["line_item_type"] in USAGE_LINE_TYPES)
        return tells_days(self.engine, self.month, days)

    @cached_property
    def final(self) -> bool:
        lines = sum(int(r["line_count"]) for r in self.records)
        invoiced = sum(int(r["invoiced_lines"]) for r in self.records)
        return month_is_final(self.engine, self.month, lines, invoiced)

    def chargeback(self, dims: Sequence[Dimension]) -> Chargeback:
        """The chargeback by ``dims`` (some of the dimensions the lines were read for)."""
        from cur_analyzer.reports.chargeback import chargeback_of

        return chargeback_of(self, self.plan.cut(dims))

    def daily(self) -> tuple[DailyUsage, DailyAdjustments]:
        """Cost and lines of the usage per (day, currency), and of the adjustments per (day, line item
        type, currency); the lines must have been read ``by_day``."""
        usage: DailyUsage = defaultdict(lambda: [ZERO, 0])
        adjustments: DailyAdjustments = defaultdict(lambda: [ZERO, 0])
        for r in self.records:
            day = label(DAY, r["usage_date"])
            cost = r["cost"] if r["cost"] is not None else ZERO
            if r["line_item_type"] in USAGE_LINE_TYPES:
                acc = usage[(day, r["currency"])]
            else:
                acc = adjustments[(day, r["line_item_type"] or "(blank)", r["currency"])]
            acc[0] += cost
            acc[1] += int(r["line_count"])
        return dict(usage), dict(adjustments)
