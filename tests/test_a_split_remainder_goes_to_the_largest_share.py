"""When a shared cost does not divide to the money scale, who gets the last fraction of a cent? The largest
weight (the first of equal ones), and the shares still add up to the amount exactly. Found by mutation
testing: conservation alone held when the remainder went to any value at all."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cur_analyzer.rules import MONEY_QUANTUM, allocate


def test_the_rounding_remainder_goes_to_the_largest_weight_not_the_last_name():
    weights = {"zeta": Decimal(1), "alpha": Decimal(1), "mid": Decimal(4)}
    shares = allocate(Decimal("1"), weights)
    sixth = (Decimal(1) / 6).quantize(MONEY_QUANTUM)  # 0.1666666667, so the rounded shares overshoot
    assert shares["zeta"] == shares["alpha"] == sixth
    assert shares["mid"] == Decimal(1) - 2 * sixth  # 0.6666666666: the remainder taken from the largest
    assert sum(shares.values()) == Decimal("1")


def test_equal_weights_give_the_remainder_to_the_first_value():
    shares = allocate(Decimal("1"), {"b": Decimal(1), "a": Decimal(1), "c": Decimal(1)})
    third = (Decimal(1) / 3).quantize(MONEY_QUANTUM)
    assert shares == {"b": Decimal(1) - 2 * third, "a": third, "c": third}


@pytest.mark.parametrize("weights", [{}, {"a": Decimal(0)}, {"a": Decimal(0), "b": Decimal(0)}])
def test_nothing_to_weigh_by_is_refused_not_divided_by_zero(weights):
    with pytest.raises(ValueError, match="positive weights"):
        allocate(Decimal("5"), weights)
