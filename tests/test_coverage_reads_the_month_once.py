"""Does coverage read the month once, whatever the number of required keys, and hand Python only what it
shows (the top offenders and one "N more" row per kind and currency, not a row per principal or resource)?
And do Athena and DuckDB get the same keys, as one array parameter?"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from mock_aws_athena import athena_engine, executions, mocked_athena, queue_result

from cur_analyzer import sql
from cur_analyzer.attribution import is_a_value
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.coverage import OFFENDER_KINDS, build_coverage, tag_coverage_params

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"


def line(cost, principal=ALICE, tags=None, kind="Usage"):
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "tags": tags or {},
    }


@pytest.mark.parametrize("keys", [["team"], ["team", "cost-center", "project"]])
def test_coverage_reads_the_months_cur_once_whatever_the_number_of_keys(keys):
    engine = DuckDBEngine("fixtures/demo/cur2-bedrock")
    cov = build_coverage(engine, "2026-10", keys)
    assert engine.cur_scans == 1
    assert {r.key for r in cov.totals()} == set(keys)


def test_python_gets_the_top_offenders_and_one_rest_row_per_kind_not_every_principal():
    engine = DuckDBEngine("fixtures/demo/cur2-bedrock")
    every = build_coverage(engine, "2026-10", ["cost-center"], top=1000)
    principals = sum(1 for o in every.untagged if o.kind == "principal")
    assert principals > 2

    received: list[dict] = []
    original = engine.query_rows
    with mock.patch.object(
        engine, "query_rows", side_effect=lambda n, p: received.extend(rows := original(n, p)) or rows
    ):
        top = build_coverage(engine, "2026-10", ["cost-center"], top=1)
    offenders = [r for r in received if r["part"] == "offender"]
    assert len(offenders) <= len(OFFENDER_KINDS)
    rest = [r for r in received if r["part"] == "not-listed" and r["kind"] == "principal"]
    assert [r["offenders"] for r in rest] == [principals - 1]
    # the ranking in SQL keeps the same offender the full list puts first
    first = next(o for o in every.untagged if o.kind == "principal")
    assert [o for o in top.untagged if o.kind == "principal"] == [first]


def test_a_value_of_only_whitespace_tags_nothing_as_in_chargeback(make_cur):
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": "ml"}),
            line("2", BOB, tags={"iamPrincipal/team": " \u00a0\u3000"}),
        ]
    )
    cov = build_coverage(DuckDBEngine(export), "2026-10", ["team"])
    (any_row,) = [r for r in cov.totals() if r.source == "any"]
    assert (any_row.tagged, any_row.total) == (Decimal(1), Decimal(3))
    assert {(o.id, o.uncovered) for o in cov.untagged} == {(BOB, Decimal(2))}


def test_the_sql_says_a_value_names_something_exactly_when_python_does():
    import duckdb

    every_space = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    values = ["", "ml", " ml ", "\u200b", *every_space, *(s + "x" for s in every_space), "".join(every_space)]
    pattern = sql.load_fragment_text("names_something")
    got = duckdb.sql(
        f"SELECT COALESCE(regexp_matches(v, {pattern}), false) FROM unnest(?) AS t(v)",  # noqa: S608
        params=[values],
    ).fetchall()
    assert [g for (g,) in got] == [is_a_value(v) for v in values]


# --- Athena: the keys as one ARRAY execution parameter ---------------------------------------------------
@pytest.fixture
def aws(monkeypatch):
    with mocked_athena(monkeypatch, enforce=True):
        yield


def test_athena_gets_every_key_as_one_array_and_gives_the_same_coverage(aws, make_cur):
    assert sql.literal(["team", "o'brien"]) == "ARRAY['team', 'o''brien']"
    local = DuckDBEngine(
        make_cur([line("1", tags={"iamPrincipal/team": "ml"}), line("2", BOB), line("0.5", None, kind="Tax")])
    )
    keys = ["team", "cost-center"]
    expected = build_coverage(local, "2026-10", keys)
    remote = athena_engine()
    with mock.patch.object(remote, "months", return_value=["2026-10"]):
        queue_result(
            local.query("tag_coverage", tag_coverage_params(keys, "2026-10", "bedrock", "unblended"))
        )
        got = build_coverage(remote, "2026-10", keys)
    (run,) = executions()
    assert "ARRAY['team', 'cost-center']" in run.execution_parameters
    assert "ARRAY['user_team', 'user_cost_center']" in run.execution_parameters
    assert got.rows == expected.rows and got.untagged == expected.untagged
    assert got.adjustments == expected.adjustments == {"USD": Decimal("0.5")}
