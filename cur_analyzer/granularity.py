"""How finely an export cuts its lines in time: hourly, daily or monthly (a CUR 2.0 data export's
``TIME_GRANULARITY``), told from the lines themselves, and the words a report says when a granularity cannot
answer what was asked.

An hourly export writes one line per resource and usage type per hour (usage start 10:00, end 11:00), a
daily one per day (00:00 to the next day's 00:00), a monthly one per month. The export's settings are not in
its files, so the grain is told from the shortest span (usage end - usage start) of the month's usage lines
(``athena/month_status.sql``): an hourly export also carries month-long lines (fees, some usage), but a
daily export never carries a line shorter than a day, and a monthly one none shorter than a month.

Every report that needs the grain asks here: the reconciliation compares at the export's grain, and a cut
by day is refused (chargeback) or replaced by a sentence (the monthly pack's daily trend) on a monthly export.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from cur_analyzer.engines import query_rows
from cur_analyzer.errors import UserInputError

if TYPE_CHECKING:
    from cur_analyzer.engines import Engine

__all__ = [
    "Granularity",
    "granularity_of",
    "no_days",
    "reconcile_note",
    "refuse_days",
    "tells_days",
]

HOUR_SECONDS = 3600
DAY_SECONDS = 24 * HOUR_SECONDS


class Granularity(StrEnum):
    HOURLY = "hourly"
    DAILY = "daily"
    MONTHLY = "monthly"

    @property
    def period(self) -> str:
        """The period one line covers: hour, day or month."""
        return {"hourly": "hour", "daily": "day", "monthly": "month"}[self.value]

    @classmethod
    def of_shortest_span(cls, seconds: float | None) -> Granularity:
        """The grain of an export whose shortest usage line spans ``seconds``. A line shorter than a day is
        only ever in an hourly export; a month without usage lines (None), or lines that name no span
        (end not after start), say nothing else, so they are taken as hourly, the finest grain."""
        if seconds is None or seconds < DAY_SECONDS:
            return cls.HOURLY
        return cls.DAILY if seconds <= DAY_SECONDS else cls.MONTHLY


def granularity_of(engine: Engine, month: str, shortest_spans: Iterable[float | None] = ()) -> Granularity:
    """The grain of ``month``'s export: from the shortest spans a report already read (``shortest_spans``,
    one per row it read) when it read any, else from every usage line of the month (``month_status.sql``,
    which the Analyzer's engine asks once per month)."""
    spans = [s for s in shortest_spans if s is not None]
    if not spans:
        status = query_rows(engine, "month_status", {"month": month})
        spans = [s for row in status if (s := row.get("shortest_usage_seconds")) is not None]
    return Granularity.of_shortest_span(min(spans) if spans else None)


def tells_days(engine: Engine, month: str, usage_days: Iterable[object]) -> bool:
    """Does ``month``'s export say spend per day? Usage lines that start on more than one day do (a monthly
    export starts every line on the month's first day): nothing more is read. Else the export's grain says."""
    if len({d for d in usage_days if d is not None}) > 1:
        return True
    return granularity_of(engine, month) is not Granularity.MONTHLY


# --- the words --------------------------------------------------------------------------------------------
def no_days(month: str) -> str:
    """Why a monthly export has no per-day answer."""
    return f"the {month} export is monthly: each line covers the whole month, so spend cannot be told per day"


def refuse_days(month: str) -> UserInputError:
    """The error for a cut by day of a monthly export (about the ``by`` input)."""
    return UserInputError(f"{no_days(month)}; group by another dimension", option="by")


def reconcile_note(granularity: Granularity) -> str | None:
    """What the reconciliation says about the grain it compared at; None for an hourly export."""
    if granularity is Granularity.DAILY:
        return "this export is daily: a log gap is told per day, not per hour"
    if granularity is Granularity.MONTHLY:
        return (
            "this export is monthly: the estimate and the bill are compared per month (the day column says "
            "the month), and a log gap is told per month, not per hour"
        )
    return None
