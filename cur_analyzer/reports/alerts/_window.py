"""The window the alerts look at: the days asked for (a billing month, or the last N days of Bedrock usage
on the bill), the months of history their trailing averages need, and which days have that history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports.chargeback import check_month

if TYPE_CHECKING:
    from cur_analyzer.engines import Engine
    from cur_analyzer.rules import AlertRules

#: the Bedrock usage lines of one billing month (``YYYY-MM``), by day
LinesOf = Callable[[str], list[dict]]


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    period = BillingPeriod.parse(month)
    return period.start, period.last_day


def months_between(first: dt.date, last: dt.date) -> list[str]:
    out, period = [], BillingPeriod(first.year, first.month)
    while period.start <= last:
        out.append(str(period))
        period = period.next
    return out


def as_day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def check_window_args(month: str | None, days: int | None) -> None:
    """Exactly one of a month or a day count, and a day count of at least one."""
    if (month is None) == (days is None):
        raise UserInputError("alerts looks at a month (YYYY-MM) or at the last N days: give one of the two")
    if days is not None and days < 1:
        raise UserInputError(f"the number of days must be at least 1 (got {days})", option="days")


def requested_window(
    engine: Engine, month: str | None, days: int | None, available: Sequence[str], lines_of: LinesOf
) -> tuple[dt.date, dt.date]:
    """The first and last day asked for: the whole month, or ``days`` days up to the newest usage day."""
    if month is not None:
        check_month(engine, month)
        return month_bounds(month)
    if not available:
        raise UserInputError("the export holds no months at all")
    last = _newest_usage_day(available, lines_of)
    first = last - dt.timedelta(days=(days or 1) - 1)
    return first, last


def _newest_usage_day(available: Sequence[str], lines_of: LinesOf) -> dt.date:
    # newest month first: an older month is read only when every newer one has no Bedrock usage
    newest = None
    for m in reversed(available):
        newest = max((as_day(r["usage_date"]) for r in lines_of(m)), default=None)
        if newest is not None:
            break
    if newest is None:
        raise UserInputError("the export has no Bedrock usage to look back from")
    return newest


def history_lines(
    first: dt.date,
    last: dt.date,
    month: str | None,
    available: Sequence[str],
    cfg: AlertRules,
    lines_of: LinesOf,
    notes: list[str],
) -> tuple[list[dict], dt.date, dt.date]:
    """The usage lines from the trailing history before ``first`` to ``last``, the first day the export
    holds of them, and the last day to check (cut to the newest usage day when the month is still open)."""
    history_from = first - dt.timedelta(days=cfg.trailing_days)
    months = [m for m in months_between(history_from, last) if m in available]
    records = [r for m in months for r in lines_of(m)]
    data_start = month_bounds(months[0])[0] if months else first
    data_end = max((as_day(r["usage_date"]) for r in records), default=None)
    if month is not None and month == available[-1] and data_end is not None and first <= data_end < last:
        notes.append(f"the bill has Bedrock usage up to {data_end}; later days of {month} are not in yet")
        last = data_end
    return records, data_start, last


def checkable_days(
    first: dt.date, last: dt.date, data_start: dt.date, cfg: AlertRules, notes: list[str]
) -> list[dt.date]:
    """The window's days whose whole trailing history the export covers (only those are checked for spikes)."""
    window = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    checkable = [d for d in window if d - dt.timedelta(days=cfg.trailing_days) >= data_start]
    if len(checkable) < len(window):
        missing = len(window) - len(checkable)
        notes.append(
            f"{missing} day(s) from {first} lack a full {cfg.trailing_days}-day history in the export and "
            "were not checked for spikes"
        )
    return checkable
