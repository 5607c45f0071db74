"""A billing period: its hours, interval strings, working hours, invoice id and month-constant columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa

from cur_analyzer.synth.catalogue import Account


@dataclass(frozen=True)
class Period:
    """One billing period; ``index`` counts months from the first one generated and seeds the month's draws."""

    month: str
    index: int
    final: bool
    invoice_id: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, month: str, index: int, final: bool, seed: int) -> Period:
        start = datetime.strptime(month + "-01", "%Y-%m-%d")
        end = datetime.strptime(add_months(month, 1) + "-01", "%Y-%m-%d")
        number = np.random.default_rng([seed, index, 0x1D]).integers(100000, 999999)
        invoice = f"EUINUS{start:%y}-{number}" if final else ""
        return cls(month, index, final, invoice, start, end)

    @property
    def hours(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)

    def hour_ms(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (epoch ms) per hour index; index ``hours`` is the whole billing period."""
        base = int((self.start - datetime(1970, 1, 1)).total_seconds()) * 1000
        starts = base + np.arange(self.hours + 1, dtype=np.int64) * 3_600_000
        starts[-1] = base
        ends = starts + 3_600_000
        ends[-1] = base + self.hours * 3_600_000
        return starts, ends

    def intervals(self) -> pa.Array:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        out = [
            f"{self.start + timedelta(hours=h):{fmt}}/{self.start + timedelta(hours=h + 1):{fmt}}"
            for h in range(self.hours)
        ]
        out.append(f"{self.start:{fmt}}/{self.end:{fmt}}")
        return pa.array(out, type=pa.string())

    def slots(self, granularity: str) -> Slots:
        """The time slots lines of this period are cut into at ``granularity`` (hourly, daily, monthly)."""
        if granularity == "hourly":
            starts, ends = self.hour_ms()
            return Slots(starts, ends, self.intervals(), np.arange(self.hours + 1, dtype=np.int32))
        base = int((self.start - datetime(1970, 1, 1)).total_seconds()) * 1000
        whole_end = base + self.hours * 3_600_000
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        whole = f"{self.start:{fmt}}/{self.end:{fmt}}"
        if granularity == "monthly":
            one = np.array([base], np.int64)
            return Slots(one, one * 0 + whole_end, pa.array([whole]), np.zeros(self.hours + 1, np.int32))
        days = self.hours // 24
        starts = np.append(base + np.arange(days, dtype=np.int64) * 86_400_000, base)
        ends = np.append(starts[:-1] + 86_400_000, whole_end)
        texts = [
            f"{self.start + timedelta(days=d):{fmt}}/{self.start + timedelta(days=d + 1):{fmt}}"
            for d in range(days)
        ]
        slot_of = np.append(np.arange(self.hours, dtype=np.int32) // 24, days).astype(np.int32)
        return Slots(starts, ends, pa.array([*texts, whole]), slot_of)

    def working_hours(self) -> np.ndarray:
        """Weekday hours 07-20 UTC: when people and their apps call Bedrock (keeps the log folders few)."""
        hours = [
            h
            for h in range(self.hours)
            if (t := self.start + timedelta(hours=h)).weekday() < 5 and 7 <= t.hour < 21
        ]
        return np.array(hours, dtype=np.int32)

    def constants(self, payer: Account) -> dict[str, str]:
        return {
            "bill_bill_type": "Anniversary",
            "bill_billing_entity": "AWS",
            "bill_invoice_id": self.invoice_id,
            "bill_invoicing_entity": "Amazon Web Services EMEA SARL",
            "bill_payer_account_id": payer.id,
            "bill_payer_account_name": payer.name,
            "line_item_currency_code": "USD",
            "line_item_legal_entity": "Amazon Web Services EMEA SARL",
            "pricing_currency": "USD",
        }


@dataclass(frozen=True)
class Slots:
    """A period cut at one granularity: per slot its usage start and end (epoch ms) and its
    ``identity_time_interval``; ``slot_of[hour]`` is the slot of an hour of the period (``hour`` = ``hours``:
    a line for the whole period, which a monthly export folds into its one slot)."""

    starts: np.ndarray
    ends: np.ndarray
    intervals: pa.Array
    slot_of: np.ndarray


def check_month(month: str) -> None:
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None


def add_months(month: str, n: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
