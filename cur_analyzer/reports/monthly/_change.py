"""The two sections the pack takes whole from other report builders: why the bill changed since the
previous month, per team (``reports.explain``), and the bill allocated to the applications and end users
behind each role (``reports.allocate``, with invocation logs only).

The explanation reads the previous month's lines and this month's. This month's it groups from the
pack's own read of them (read with the columns it keeps too: ``CHANGE_GRAIN``), so no engine reads a
month's lines twice. Under ``Analyzer.monthly`` this month is held (``Engine.held``), and a held engine
refuses a query for any other month; so ``read_ahead`` reads the previous month's lines *before* the
hold, and the explanation takes them from there. Each month's lines are then read once: this month's by
the pack, the previous month's by the read ahead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports.monthly._model import Phrase

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.engines import Engine
    from cur_analyzer.reports._lines import MonthLines
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.explain import Explanation
    from cur_analyzer.rules import Rules

#: a month's lines as the explanation reads them, by month: what the pack reads before its hold
LinesAhead = dict[str, list[dict]]
#: the allocation's cuts, read in one call and rolled up per cut: the caller's role, then what the calls
#: sent as their application and end user
ALLOCATION_BY = ("role", "request-metadata/app", "request-metadata/user")
#: the cuts whose columns the explanation keeps besides its dimension's: who called (account, principal)
#: and what says a line's model, meter and tier (usage type, and the product name a Marketplace model is
#: named in). The pack reads its lines with them when it explains the change, and the explanation groups
#: this month's from those lines.
CHANGE_GRAIN = ("account", "principal", "usage-type", "model")


def team_dimension(rules: Rules | None) -> str:
    """The rules file's ``team`` dimension, else the principal tag."""
    return "team" if rules is not None and "team" in rules.dimensions else "iamPrincipal/team"


def previous_month(month: str) -> str:
    return str(BillingPeriod.parse(month).previous)


def read_ahead(engine: Engine, month: str, service: str, cost_basis: str, rules: Rules | None) -> LinesAhead:
    """The previous month's lines as the explanation reads them, read before the pack holds ``month`` (a
    held engine refuses any other month); none when the source does not hold that month, or when the
    explanation would refuse its inputs (it says why in its place)."""
    vs = previous_month(month)
    if vs not in engine.months():
        return {}
    from cur_analyzer.reports.explain import read_lines

    try:
        return {vs: read_lines(engine, vs, team_dimension(rules), service, cost_basis, rules)}
    except UserInputError:
        return {}


def has_previous(engine: Engine, month: str) -> bool:
    """Does the source hold the month before ``month`` (is there a change to explain)?"""
    return previous_month(month) in engine.months()


def explain_change(
    engine: Engine, lines: MonthLines, rules: Rules | None, ahead: LinesAhead
) -> Explanation | Phrase:
    """Why the bill changed since the previous month, per team: this month's lines grouped from the
    pack's (``lines``, read with ``CHANGE_GRAIN``), the previous month's from ``ahead`` when read before a
    hold; or the phrase that says why it cannot be told (the source does not hold the previous month, or
    the explanation refused the inputs)."""
    from cur_analyzer.reports.explain import build_explain, grain
    from cur_analyzer.reports.monthly._grain import at_grain

    month, service, cost_basis = lines.month, lines.service, lines.cost_basis
    vs = previous_month(month)
    if not has_previous(engine, month):
        return Phrase("change.omitted.no_previous", {"month": month, "vs": vs})
    try:
        read = {**ahead, month: at_grain(lines, *grain(engine, team_dimension(rules), rules))}
        return build_explain(
            engine, month, None, team_dimension(rules), service, cost_basis, rules=rules, read_already=read
        )
    except UserInputError as refused:
        return Phrase("change.omitted.refused", {"vs": vs, "why": str(refused)})


def allocate(engine: Engine, month: str, profiles: ProfileMap | None) -> Allocation:
    """The month's Bedrock bill split down to the invocation-log records, by role, application and user
    (one split: the pack rolls it up per cut)."""
    from cur_analyzer.reports.allocate import build_allocation

    return build_allocation(engine, month, ALLOCATION_BY, profiles)
