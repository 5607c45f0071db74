"""The two sections the pack takes whole from other report builders: why the bill changed since the
previous month, per team (``reports.explain``), and the bill allocated to the applications and end users
behind each role (``reports.allocate``, with invocation logs only).

The explanation reads the previous month's lines and this month's. Under ``Analyzer.monthly`` this month
is held (``Engine.held``), and a held engine refuses a query for any other month; so ``read_ahead`` reads
the previous month's lines *before* the hold, through ``LinesAhead``, which keeps that answer and gives it
back when the explanation asks again inside the hold. Each month's files are then scanned once: this
month's by the hold, the previous month's by the read ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports.monthly._model import Phrase

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.engines import Engine
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.explain import Explanation
    from cur_analyzer.rules import Rules

#: the query that reads a month's attributed lines (the one the explanation runs per month)
LINES_QUERY = "attribution_lines"
#: the allocation's cuts, read in one call and rolled up per cut: the caller's role, then what the calls
#: sent as their application and end user
ALLOCATION_BY = ("role", "request-metadata/app", "request-metadata/user")


def team_dimension(rules: Rules | None) -> str:
    """The rules file's ``team`` dimension, else the principal tag."""
    return "team" if rules is not None and "team" in rules.dimensions else "iamPrincipal/team"


def previous_month(month: str) -> str:
    return str(BillingPeriod.parse(month).previous)


class _Later(Exception):
    """A month's lines asked for while another month is the one to read: they are read later."""


def _key(name: str, params: Mapping[str, Any]) -> tuple[str, str]:
    return name, repr(sorted(params.items()))


class LinesAhead:
    """The engine as the pack sees it, holding the lines read ahead of the hold: a query asked before is
    answered from what was kept (once: the answer is let go), any other goes to the engine.

    While ``reading`` names a month, a lines query for another month stops the caller (``_Later``) before
    it reaches the data, and a lines query for that month is kept."""

    def __init__(self, engine: Engine):
        self._engine = engine
        self._kept: dict[tuple[str, str], pa.Table] = {}
        self.reading: str | None = None

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        key = _key(name, params)
        if key in self._kept:
            return self._kept.pop(key)
        if self.reading is None or name != LINES_QUERY:
            return self._engine.query(name, params)
        if params.get("month") != self.reading:
            raise _Later(params.get("month"))
        self._kept[key] = table = self._engine.query(name, params)
        return table

    def __getattr__(self, attr: str) -> Any:  # months, capabilities, held, notes, cur_scans...
        return getattr(self._engine, attr)


def read_ahead(engine: Engine, month: str, service: str, cost_basis: str, rules: Rules | None) -> LinesAhead:
    """``engine`` with the previous month's lines, as the pack's explanation reads them, already read (when
    the source holds that month): the explanation runs until it asks for this month's lines."""
    ahead = LinesAhead(engine)
    if previous_month(month) not in engine.months():
        return ahead
    from cur_analyzer.reports.explain import build_explain

    ahead.reading = previous_month(month)
    try:
        build_explain(ahead, month, None, team_dimension(rules), service, cost_basis, rules=rules)  # type: ignore[arg-type]
    except (_Later, UserInputError):
        # _Later: the previous month is kept; a mistake the explanation finds, the pack says in its place
        pass
    finally:
        ahead.reading = None
    return ahead


def explain_change(
    engine: Engine, month: str, service: str, cost_basis: str, rules: Rules | None
) -> Explanation | Phrase:
    """Why the bill changed since the previous month, per team; or the phrase that says why it cannot be
    told (the source does not hold the previous month, or the explanation refused the inputs)."""
    from cur_analyzer.reports.explain import build_explain

    vs = previous_month(month)
    if vs not in engine.months():
        return Phrase("change.omitted.no_previous", {"month": month, "vs": vs})
    try:
        return build_explain(engine, month, None, team_dimension(rules), service, cost_basis, rules=rules)
    except UserInputError as refused:
        return Phrase("change.omitted.refused", {"vs": vs, "why": str(refused)})


def allocate(engine: Engine, month: str, profiles: ProfileMap | None) -> Allocation:
    """The month's Bedrock bill split down to the invocation-log records, by role, application and user
    (one split: the pack rolls it up per cut)."""
    from cur_analyzer.reports.allocate import build_allocation

    return build_allocation(engine, month, ALLOCATION_BY, profiles)
