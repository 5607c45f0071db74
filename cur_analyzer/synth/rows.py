"""Lines to write as arrays (template, hour, quantity, money) and the exact per-template sums of what was
written."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from cur_analyzer.synth.money import NULL_UNITS

# Amortization behaviour of a template's line item type.
KIND_PLAIN, KIND_SP_COVERED, KIND_SP_FEE, KIND_ZERO = 0, 1, 2, 3
KIND_RI_USAGE, KIND_RI_FEE = 4, 5  # DiscountedUsage at its effective cost; RIFee at its unused fees


@dataclass
class Rows:
    """Lines to write: template, hour of month (``hours`` = whole month), quantity and money in 1e-8 USD."""

    tpl: np.ndarray
    hour: np.ndarray
    qty: np.ndarray
    unb: np.ndarray
    net: np.ndarray  # NULL_UNITS = no net value (readers fall back to unblended)
    # savings_plan_* and reservation_* money columns, NULL_UNITS = null
    sp: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.tpl)

    @staticmethod
    def concat(parts: Iterable[Rows]) -> Rows:
        parts = [p for p in parts if len(p)]
        keys = sorted({k for p in parts for k in p.sp})
        sp = {k: np.concatenate([p.sp.get(k, np.full(len(p), NULL_UNITS)) for p in parts]) for k in keys}
        cat = [np.concatenate([getattr(p, a) for p in parts]) for a in ("tpl", "hour", "qty", "unb", "net")]
        return Rows(*cat, sp=sp)


def aggregated(rows: Rows, slot_of: np.ndarray) -> Rows:
    """One line per (template, slot) with quantities and money summed, as a daily or monthly export writes
    them; ``hour`` becomes the slot (``slot_of[hour]``). A money column is null where every line summed was."""
    if not len(rows):
        return rows
    slot = slot_of[rows.hour]
    order = np.lexsort((rows.tpl, slot))
    key = np.stack([slot[order], rows.tpl[order]])
    keep = np.ones(len(rows), bool)
    keep[1:] = (key[:, 1:] != key[:, :-1]).any(axis=0)
    starts = np.nonzero(keep)[0]

    def total(values: np.ndarray) -> np.ndarray:
        v = values[order]
        null = v == NULL_UNITS
        sums = np.add.reduceat(np.where(null, 0, v), starts)
        some = np.add.reduceat((~null).astype(np.int64), starts)
        return np.where(some > 0, sums, NULL_UNITS)

    return Rows(
        rows.tpl[order][starts],
        slot[order][starts].astype(np.int32),
        np.add.reduceat(rows.qty[order], starts),
        total(rows.unb),
        total(rows.net),
        sp={k: total(v) for k, v in rows.sp.items()},
    )


def sorted_rows(rows: Rows) -> Rows:
    """The rows by hour, then template (drawn Bedrock lines come out by slot)."""
    order = np.lexsort((rows.tpl, rows.hour))
    return Rows(rows.tpl[order], rows.hour[order], rows.qty[order], rows.unb[order], rows.net[order])


def single_row(tpl: int, hour: int, unb: int, net: int, sp: dict[str, np.ndarray] | None = None) -> Rows:
    """One line of quantity 0: a fee billed once for the month."""
    one = np.ones(1, dtype=np.int64)
    return Rows(
        np.array([tpl], np.int32), np.array([hour], np.int32), one * 0, one * unb, one * net, sp or {}
    )


class Accumulator:
    """Per-template exact sums (int64, 1e-8 USD) of the four cost bases, line counts and quantities."""

    FIELDS = ("lines", "qty", "unblended", "net_unblended", "amortized", "net_amortized")

    def __init__(self, n_templates: int) -> None:
        self.sums = {f: np.zeros(n_templates, dtype=np.int64) for f in self.FIELDS}

    def only(self, keep: np.ndarray) -> Accumulator:
        """A copy holding the sums of the templates ``keep`` marks only."""
        out = Accumulator(len(keep))
        out.sums = {f: np.where(keep, v, 0) for f, v in self.sums.items()}
        return out

    def add(self, rows: Rows, kind: np.ndarray) -> None:
        coalesced = np.where(rows.net == NULL_UNITS, rows.unb, rows.net)
        amort, namort = rows.unb.copy(), coalesced.copy()
        covered, fee, zero = kind == KIND_SP_COVERED, kind == KIND_SP_FEE, kind == KIND_ZERO
        if covered.any():
            amort[covered] = rows.sp["savings_plan_savings_plan_effective_cost"][covered]
            namort[covered] = rows.sp["savings_plan_net_savings_plan_effective_cost"][covered]
        if fee.any():
            total = rows.sp["savings_plan_total_commitment_to_date"][fee]
            amort[fee] = namort[fee] = total - rows.sp["savings_plan_used_commitment"][fee]
        amort[zero] = namort[zero] = 0
        self._reservations(rows, kind, amort, namort)
        values = {
            "lines": np.ones(len(rows), np.int64),
            "qty": rows.qty,
            "unblended": rows.unb,
            "net_unblended": coalesced,
            "amortized": amort,
            "net_amortized": namort,
        }
        for name, v in values.items():
            np.add.at(self.sums[name], rows.tpl, v)

    @staticmethod
    def _reservations(rows: Rows, kind: np.ndarray, amort: np.ndarray, namort: np.ndarray) -> None:
        """RI lines, amortized: usage at its effective cost, the fee at its unused upfront + recurring parts;
        the net bases read the net_ columns, or the gross ones where a line has none."""
        usage, fee = kind == KIND_RI_USAGE, kind == KIND_RI_FEE
        if not (usage.any() or fee.any()):
            return

        def col(name: str, net: bool = False) -> np.ndarray:
            gross = rows.sp[f"reservation_{name}"]
            if not net:
                return gross
            value = rows.sp.get(f"reservation_net_{name}", np.full(len(rows), NULL_UNITS))
            return np.where(value == NULL_UNITS, gross, value)

        if usage.any():
            amort[usage] = col("effective_cost")[usage]
            namort[usage] = col("effective_cost", net=True)[usage]
        if fee.any():
            upfront, recurring = "unused_amortized_upfront_fee_for_billing_period", "unused_recurring_fee"
            amort[fee] = (col(upfront) + col(recurring))[fee]
            namort[fee] = (col(upfront, net=True) + col(recurring, net=True))[fee]
