"""A chargeback reads the widest CUR columns only when it needs them: a tag map (`tags`, `resource_tags`)
only when a dimension looks a tag up there, the resource id only when a rules source tells lines on
application inference profiles apart, and the usage amount never. Said by DuckDB's own plan of the query
the chargeback runs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import DEMO

from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.rules import load_rules

WIDE = ("tags", "resource_tags", "line_item_resource_id", "line_item_usage_amount")


def wide_columns_read(engine, dims: list[str], rules=None) -> set[str]:
    asked: list[tuple[str, dict[str, Any]]] = []
    direct = engine.query_rows
    engine.query_rows = lambda name, params: asked.append((name, params)) or direct(name, params)
    try:
        build_chargeback(engine, "2026-10", dims, rules=rules)
    finally:
        del engine.query_rows
    ((name, params),) = asked
    # the engine's own text and values for the query the chargeback ran, planned again
    text, values, *_ = engine._prepared(name, params)
    planned = set(re.findall(r"[a-z_]+", engine._con.execute("EXPLAIN " + text, values).fetchall()[0][1]))
    return {c for c in WIDE if c in planned}


@pytest.mark.parametrize(
    ("dims", "wide"),
    [
        (["principal"], set()),
        (["account", "model"], set()),
        (["iamPrincipal/team"], {"tags"}),
        (["tag/team"], {"tags", "resource_tags"}),
    ],
)
def test_a_chargeback_reads_a_wide_column_only_for_a_dimension_that_needs_it(demo_engine, dims, wide):
    assert wide_columns_read(demo_engine, dims) == wide


def test_an_aip_tag_source_reads_the_resource_id(demo_engine):
    rules = load_rules(DEMO.parent.parent / "examples" / "cur-analyzer.rules.yaml")
    assert any(s.kind == "aip_tag" for s in rules.dimensions["team"].sources)
    assert "line_item_resource_id" in wide_columns_read(demo_engine, ["team"], rules)
