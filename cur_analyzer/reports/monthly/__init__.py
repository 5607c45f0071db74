"""The monthly pack: one report model holding every view FinOps sends to finance and team leads.

``build_monthly`` reads the month's attributed lines once and groups every spend cut, the budgets and the
daily trend from them, and calls the coverage, reconciliation, check, explanation (why the bill changed
since the previous month, per team) and allocation builders; ``views`` turns the model into the tables
both renderers (``render.html``, ``render._pack_xlsx``) show. No I/O, no rendering, no words: a sentence the
pack needs is a ``Phrase`` (a key and its facts), worded by the renderers from one words file. A section
that needs an input the user did not give (logs, a rules file with budgets, the previous month's data) is
still listed, with the phrase that says what is missing (``MonthlyReport.omitted``); nothing is left out
silently. ``read_ahead`` reads the previous month's lines before a hold of the month (``_change``).
"""

from cur_analyzer.reports.monthly._build import build_monthly
from cur_analyzer.reports.monthly._change import read_ahead
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
    "read_ahead",
    "views",
]
