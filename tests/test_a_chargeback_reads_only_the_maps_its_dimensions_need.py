"""The tag maps are the widest CUR columns: a chargeback reads `tags` or `resource_tags` only when one of
its dimensions looks a tag up there. Said by DuckDB's own plan of the query the report runs."""

from __future__ import annotations

import pytest

from cur_analyzer.attribution import parse_dimension
from cur_analyzer.rules import LinePlan


def maps_read(engine, dims: list[str]) -> set[str]:
    plan = LinePlan([parse_dimension(d) for d in dims], None, has_resource_ids=True)
    # the engine's own text and values for the query, planned but not run
    text, values, *_ = engine._prepared("attribution_lines", plan.params("2026-10", "bedrock", "unblended"))
    planned = "\n".join(row[1] for row in engine._con.execute("EXPLAIN " + text, values).fetchall())
    return {
        m
        for m in ("resource_tags", "tags")
        if m in planned.replace("resource_tags", "" if m == "tags" else "resource_tags")
    }


@pytest.mark.parametrize(
    ("dims", "maps"),
    [
        (["principal"], set()),
        (["account", "model"], set()),
        (["iamPrincipal/team"], {"tags"}),
        (["tag/team"], {"tags", "resource_tags"}),
    ],
)
def test_a_chargeback_reads_a_tag_map_only_for_a_tag_dimension(demo_engine, dims, maps):
    assert maps_read(demo_engine, dims) == maps
