"""The billing period: parsed and validated once, the one home of month arithmetic.

A CUR 2.0 export is partitioned by ``BILLING_PERIOD=YYYY-MM`` (calendar months, UTC). Invocation logs are
partitioned by the hour they were delivered (``dt = yyyy/MM/dd/HH``), which can be after the call: the log
partitions of a period run from its first hour to one day after its end, and queries keep the records whose
own timestamp falls in the period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from cur_analyzer.errors import UserInputError

#: ``YYYY-MM`` with a real month
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: a folder of the export's S3 layout that holds one billing period (Data Exports writes it upper-case;
#: a hand-made copy may not)
PARTITION_RE = re.compile(r"^BILLING_PERIOD=(\d{4}-\d{2})$", re.IGNORECASE)
#: logs of a call can be delivered after it: the slack after the last day whose partitions are read
LOG_DELIVERY_SLACK = dt.timedelta(days=1)
_LOG_PARTITION_FORMAT = "%Y/%m/%d/00"


@dataclass(frozen=True, order=True)
class BillingPeriod:
    """One calendar month of the bill (``str()`` is ``YYYY-MM``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str | BillingPeriod) -> BillingPeriod:
        if isinstance(text, BillingPeriod):
            return text
        m = _PERIOD_RE.fullmatch(text or "") if isinstance(text, str) else None
        if m is None:
            raise UserInputError(f"a billing period is written YYYY-MM, e.g. 2026-10 (got {text!r})")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of_partition(cls, folder_name: str) -> BillingPeriod | None:
        """The period of a ``BILLING_PERIOD=YYYY-MM`` folder name, or None for any other name."""
        m = PARTITION_RE.match(folder_name)
        if m is None or _PERIOD_RE.fullmatch(m.group(1)) is None:
            return None
        return cls.parse(m.group(1))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> dt.date:
        """The first day."""
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        """The first day of the next period (exclusive bound)."""
        return self.next.start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def days(self) -> list[dt.date]:
        """Every day of the period, in order."""
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]

    @property
    def next(self) -> BillingPeriod:
        return BillingPeriod(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> BillingPeriod:
        return BillingPeriod(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def partition(self) -> str:
        """The export's folder name for this period."""
        return f"BILLING_PERIOD={self}"

    def log_partitions(self) -> dict[str, Any]:
        """The ``dt_from`` (inclusive) and ``dt_to`` (exclusive) bounds of the log partitions to read."""
        return log_partitions(self.start, self.last_day)


def log_partitions(first_day: dt.date, last_day: dt.date) -> dict[str, Any]:
    """The log partitions holding the calls of ``first_day`` .. ``last_day``: from the first day's first
    hour to the end of the day after the last (a call's record can be delivered after it)."""
    return {
        "dt_from": first_day.strftime(_LOG_PARTITION_FORMAT),
        "dt_to": (last_day + dt.timedelta(days=1) + LOG_DELIVERY_SLACK).strftime(_LOG_PARTITION_FORMAT),
    }
