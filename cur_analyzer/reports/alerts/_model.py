"""What the alerts report holds: the rule names, one fired ``Alert``, one ``RuleCheck`` per rule and the
``Alerts`` model that gathers them. No I/O, no rendering."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import AlertRules

RULES = ("daily-cost-spike", "spender-spike", "model-share", "failed-spend", "token-ratio", "large-call")
LOG_RULES = RULES[3:]
LOG_METERS = ("input", "cache_read", "cache_write", "output")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Alert:
    rule: str  # one of RULES
    subject: str  # "Bedrock", "principal=arn:…", "team=ml", "model=Claude Sonnet 4.6"
    day: str | None  # YYYY-MM-DD, or None for a rule over the whole window
    figure: Decimal  # the measured value, in ``unit``
    threshold: Decimal
    unit: str  # "%", "x", ":1", "tokens"
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    status: str  # "fired" | "silent" | "off" (threshold null) | "skipped" (no data for it)
    detail: str = ""


@dataclass
class Alerts(ReportModel):
    first_day: dt.date
    last_day: dt.date
    month: str | None
    days: int | None
    thresholds: AlertRules
    alerts: list[Alert]
    checks: list[RuleCheck]
    notes: list[str] = field(default_factory=list)

    @property
    def fired(self) -> bool:
        return bool(self.alerts)

    def as_table(self) -> Tabular:
        # imported here: the views module imports this one for the model types
        from cur_analyzer.reports.alerts._views import tabular

        return tabular(self)
