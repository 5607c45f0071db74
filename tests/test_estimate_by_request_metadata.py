"""The estimate from the logs, cut by what each call sent in its request metadata: each application's
estimate is its calls priced, the cut adds up to the whole, and a view that cannot be cut says so."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from test_allocate_by_request_metadata import MONTH, clean_month, priced_by_app  # noqa: F401

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.estimate import build_estimate

DIM = "request-metadata/app"


def estimate(folder, view="spend", by=(DIM,)):
    engine = DuckDBEngine(logs=folder / "logs")
    profiles = ProfileMap.load(folder / "inference-profiles.json")
    return build_estimate(engine, MONTH, view, profiles=profiles, by=by)


def test_each_application_is_estimated_at_what_its_calls_cost(clean_month):  # noqa: F811
    cut = estimate(clean_month)
    got: dict[str | None, Decimal] = defaultdict(Decimal)
    for row in cut.rows:
        got[row[DIM]] += row["estimated_cost"]
    expected = priced_by_app(clean_month, caller="arn:")
    assert set(got) == set(expected) >= {"notebook", "support-portal", "sales-assistant", "docs-search", None}
    for name, cost in expected.items():
        assert abs(got[name] - cost) <= Decimal("1e-8"), name


@pytest.mark.parametrize("view", ["spend", "models", "spenders", "daily"])
def test_the_cut_adds_up_to_the_view_it_cuts(clean_month, view):  # noqa: F811
    whole, cut = estimate(clean_month, view, by=()), estimate(clean_month, view)
    assert DIM in cut.columns and DIM not in whole.columns
    total = sum((r["estimated_cost"] for r in cut.rows), Decimal(0))
    assert total == sum((r["estimated_cost"] for r in whole.rows), Decimal(0)) == cut.total


def test_a_view_that_is_not_cut_by_request_metadata_says_which_are(clean_month):  # noqa: F811
    with pytest.raises(UserInputError, match="not cut by request metadata"):
        estimate(clean_month, "cache")
    with pytest.raises(UserInputError, match="one request-metadata/<key>"):
        estimate(clean_month, "spend", by=("principal",))
