"""Budgets: a dimension's monthly budget per value set against what each value spent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cur_analyzer.rules._model import BudgetSpec

HUNDRED = Decimal(100)
ZERO = Decimal(0)

__all__ = ["BudgetStatus", "budget_status"]


@dataclass(frozen=True)
class BudgetStatus:
    dimension: str
    value: str
    currency: str
    budget: Decimal | None
    spend: Decimal

    @property
    def used_pct(self) -> Decimal | None:
        if self.budget is None:
            return None
        if self.budget == 0:
            return None if self.spend == 0 else Decimal("Infinity")
        return self.spend / self.budget * HUNDRED

    @property
    def over(self) -> bool:
        return self.budget is not None and self.spend > self.budget

    def describe(self) -> str:
        used = self.used_pct
        pct = "" if used is None or not used.is_finite() else f" ({used:.1f}% of budget)"
        return (
            f"{self.dimension}={self.value} spent {self.currency} {self.spend:,.2f} of "
            f"{self.budget if self.budget is not None else 0:,.2f}{pct}"
        )


def budget_status(budget: BudgetSpec, spend: Mapping[str, Decimal]) -> list[BudgetStatus]:
    """Budget vs spend for every value that has a budget or spend (spend in the budget's currency)."""
    values = list(budget.amounts) + sorted(v for v in spend if v not in budget.amounts)
    return [
        BudgetStatus(budget.dimension, v, budget.currency, budget.amounts.get(v), spend.get(v, ZERO))
        for v in values
    ]
