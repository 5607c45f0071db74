"""The monthly pack: one report model holding every view FinOps sends to finance and team leads.

``build_monthly`` reads the month's attributed lines once and groups every spend cut, the budgets and the
daily trend from them, and calls the coverage, reconciliation and check builders; ``views`` turns the
model into the tables both renderers (``render.html``, ``render._pack_xlsx``) show. No I/O, no rendering,
no words: a sentence the pack needs is a ``Phrase`` (a key and its facts), worded by the renderers from
one words file. A section that needs an input the user did not give (logs, a rules file with budgets) is still
listed, with the phrase that says what is missing (``MonthlyReport.omitted``); nothing is left out
silently.
"""

from cur_analyzer.reports.monthly._build import build_monthly
from cur_analyzer.reports.monthly._model import (
    DEFAULT_REQUIRE,
    SECTIONS,
    SPEND_CUTS,
    Budgets,
    DayAdjustment,
    DayRow,
    MonthlyReport,
    Phrase,
    Spend,
    SpendRow,
)
from cur_analyzer.reports.monthly._views import PackView, views

__all__ = [
    "DEFAULT_REQUIRE",
    "SECTIONS",
    "SPEND_CUTS",
    "Budgets",
    "DayAdjustment",
    "DayRow",
    "MonthlyReport",
    "PackView",
    "Phrase",
    "Spend",
    "SpendRow",
    "build_monthly",
    "views",
]
