"""``cur-analyzer sql REPORT``: the Athena SQL a report runs, parameters written in, ready to paste.

The printed query is proved by running it: transpiled to DuckDB over the demo export, the chargeback query
gives the chargeback's total to the last decimal, so a user pasting it into Athena gets the invoice too."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlglot
from typer.testing import CliRunner

from cur_analyzer import Analyzer
from cur_analyzer.cli import app

ROOT_RULES = "examples/cur-analyzer.rules.yaml"
runner = CliRunner()


def _run_pasted(demo_engine, pasted: str) -> list[dict]:
    """Run a paste-ready Athena query on the demo export, as Athena would (no parameters left)."""
    demo_engine.capabilities()  # the cur2 view exists once the engine has looked at the export
    demo_engine.query("month_status", {"month": "2026-10"})
    duck = sqlglot.transpile(pasted, read="athena", write="duckdb")[0]
    return demo_engine._con.sql(duck).to_arrow_table().to_pylist()


@pytest.mark.parametrize(
    "by", [["principal"], ["iamPrincipal/team", "tag/team"], ["model", "day"], ["account", "region"]]
)
def test_the_pasted_chargeback_query_sums_to_the_reports_total(demo_engine, demo_export, by):
    analyzer = Analyzer(cur=demo_export)
    report = analyzer.chargeback("2026-10", by)
    (query,) = analyzer.queries("chargeback", "2026-10", by=by)
    rows = _run_pasted(demo_engine, query.paste_ready())
    assert sum((r["cost"] for r in rows), Decimal(0)) == report.total
    assert sum(r["line_count"] for r in rows) == sum(r.lines for r in report.rows) + sum(
        a.lines for a in report.adjustments
    )


def test_the_pasted_query_binds_every_parameter(demo_export):
    (query,) = Analyzer(cur=demo_export).queries("chargeback", "2026-10", by=["iamPrincipal/team"])
    code = "\n".join(line.split("--")[0] for line in query.paste_ready().splitlines())
    assert "?" not in code
    assert "'2026-10'" in code and "'iamPrincipal/team'" in code


def test_a_hostile_tag_key_is_a_quoted_literal_not_sql(demo_export):
    key = "team' OR 1=1 --"
    with pytest.raises(Exception, match="characters AWS does not allow"):
        Analyzer(cur=demo_export).queries("chargeback", "2026-10", by=[f"tag/{key}"])
    # a value AWS allows in a key, with SQL meaning, stays inside its quotes
    (query,) = Analyzer(cur=demo_export).queries("chargeback", "2026-10", by=["tag/a:b=c+d@e"])
    assert "'resourceTags/a:b=c+d@e'" in query.paste_ready()


def test_the_sql_command_reads_no_data_and_prints_each_query_of_the_report():
    result = runner.invoke(
        app, ["sql", "report", "--month", "2026-10", "--rules", ROOT_RULES], env={"CUR_ANALYZER_CUR": ""}
    )
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith("-- report 2026-10, query")]
    names = [h.rsplit("athena/", 1)[1] for h in headers]
    # the pack reads the month's attributed lines once for all of its views (no chargeback query of its
    # own; "why the bill changed" groups this month's from the same read), and the previous month's once
    assert names.count("attribution_lines.sql") == 2
    pasted = result.output.split("-- report 2026-10, query")
    bound = [p for p in pasted[1:] if "athena/attribution_lines.sql" in p.splitlines()[0]]
    assert sorted("'2026-09'" in p for p in bound) == [False, True]
    assert "tag_coverage.sql" in names and "check_cur_lines.sql" in names


def test_sql_of_chargeback_by_a_rules_dimension_needs_the_rules_file():
    result = runner.invoke(app, ["sql", "chargeback", "--month", "2026-10", "--by", "team"])
    assert result.exit_code == 2
    assert "not a dimension" in result.output


def test_sql_of_a_bad_month_is_one_line_naming_the_flag():
    result = runner.invoke(app, ["sql", "chargeback", "--month", "2026-13"])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "--month" in result.output


def test_sql_writes_to_a_file_when_asked(tmp_path):
    out = tmp_path / "q.sql"
    result = runner.invoke(app, ["sql", "estimate", "--month", "2026-10", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "athena/estimate_usage.sql" in text and "'2026-10'" in text


@pytest.mark.parametrize(
    ("report", "queries"),
    [
        ("allocate", ["reconcile.sql", "allocate_records.sql"]),
        ("explain", ["attribution_lines.sql", "attribution_lines.sql"]),
        ("unit-costs", ["attribution_lines.sql"]),
    ],
)
def test_the_new_reports_print_their_queries_too(report, queries):
    result = runner.invoke(app, ["sql", report, "--month", "2026-10"], env={"CUR_ANALYZER_CUR": ""})
    assert result.exit_code == 0, result.output
    headers = [line for line in result.output.splitlines() if line.startswith(f"-- {report} 2026-10, query")]
    assert [h.rsplit("athena/", 1)[1] for h in headers] == queries
