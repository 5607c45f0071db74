"""The monthly pack tells finance why the bill changed since last month, per team (a waterfall from last
month's bill to this month's, one bar per part, and a table per team), and, with invocation logs, whom the
bill went to behind each role: applications and end users. Each reads every month's lines once, says so
when its input is missing, and shows a hostile team name as text."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from cur_analyzer import Analyzer
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.render import render_pack_xlsx
from cur_analyzer.render.html import render_html
from cur_analyzer.reports.explain import PARTS
from cur_analyzer.reports.monthly import build_monthly, views
from cur_analyzer.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
GENERATED = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)
SCRIPT = "<script>window.__pwned=1</script>"
FORMULA = "=cmd|' /C calc'!A0"
TRIGGERS = tuple("=+-@\t\r")


def _analyzer(engine: DuckDBEngine) -> Analyzer:
    return Analyzer(
        engine=engine,
        rules=load_rules(RULES),
        profiles=ProfileMap.load(DEMO / "inference-profiles.json"),
    )


@pytest.fixture(scope="module")
def november():
    """November's pack with logs, as the report command builds it, and the engine it read."""
    engine = DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs")
    return _analyzer(engine).monthly("2026-11", logs=True, generated_at=GENERATED), engine


@pytest.fixture(scope="module")
def october_without_logs():
    """October's pack without logs: the data holds no September to compare it with."""
    return _analyzer(DuckDBEngine(DEMO / "cur2-bedrock")).monthly("2026-10", generated_at=GENERATED)


def _sheet_rows(xlsx: bytes, name: str) -> list[tuple]:
    return list(load_workbook(io.BytesIO(xlsx))[name].iter_rows(values_only=True))


def _tables(rows: list[tuple]) -> list[tuple[tuple, list[tuple]]]:
    """Each table of a sheet: its heading row and its rows down to the Total (under a title block)."""
    tables, i = [], 0
    while i < len(rows):
        row = rows[i]
        if sum(v is not None for v in row) >= 3 and i > 1 and row[0] not in (None, "Total"):
            body = []
            for below in rows[i + 1 :]:
                body.append(below)
                if below[0] == "Total":
                    break
            tables.append((row, body))
            i += len(body)
        i += 1
    return tables


def _chart(page: str, view: str) -> dict:
    """The plotly data of one chart of the page, as the page hands it to plotly."""
    found = re.search(rf'Plotly\.newPlot\("chart-{view}", (\[.*?\]), \{{', page)
    return json.loads(found.group(1))[0]


def test_the_waterfall_parts_add_up_to_the_change_from_last_months_bill_to_this_months(november):
    pack, _engine = november
    october = _analyzer(DuckDBEngine(DEMO / "cur2-bedrock")).chargeback("2026-10", ["team"]).total
    total = pack.change.totals()["USD"]
    assert total["billed_vs"] == october and total["billed"] == pack.total
    assert sum((total[p] for p in PARTS), Decimal(0)) == total["change"] == pack.total - october
    for row in pack.change.rows:  # each team's parts add up to its own change
        assert sum(row.parts.amounts().values(), Decimal(0)) == row.parts.change, row.value

    bars = _chart(render_html(pack), "change")
    assert bars["measure"] == ["absolute", *["relative"] * len(PARTS), "total"]
    assert bars["y"][0] == pytest.approx(float(october))
    assert (
        bars["y"][0] + sum(bars["y"][1:-1])
        == pytest.approx(bars["y"][-1])
        == pytest.approx(float(pack.total))
    )


def test_the_change_sheets_total_is_this_months_bill_minus_last_months(november):
    pack, _engine = november
    october = _analyzer(DuckDBEngine(DEMO / "cur2-bedrock")).chargeback("2026-10", ["team"]).total
    [(heading, body)] = _tables(_sheet_rows(render_pack_xlsx(pack), "Change"))
    column = {name: i for i, name in enumerate(heading)}
    total = body[-1]
    assert total[0] == "Total"
    assert Decimal(str(total[column["change"]])) == pack.total - october
    assert Decimal(str(total[column["2026-10"]])) == october
    assert Decimal(str(total[column["2026-11"]])) == pack.total
    parts = sum(Decimal(str(total[column[p]])) for p in PARTS)
    assert abs(parts - (pack.total - october)) < Decimal("1e-9")
    teams = {row[0] for row in body[:-1]}
    assert {r.value for r in pack.spend["team"].rows if not r.no_value} <= teams


def test_the_pack_reads_each_months_lines_once_though_it_explains_the_change(november):
    """The month is held (one scan), and the previous month's lines are read once, ahead of the hold; the
    pack says what it says when every query reads the files itself."""
    pack, engine = november
    assert engine.cur_scans == 2
    unheld_engine = DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs")
    inputs = _analyzer(unheld_engine)
    unheld = build_monthly(
        unheld_engine,
        "2026-11",
        rules=inputs.rules,
        logs=True,
        prices=inputs.prices,
        profiles=inputs.profiles,
        generated_at=GENERATED,
    )
    assert unheld_engine.cur_scans > 2
    assert views(unheld) == views(pack)


def test_each_allocation_table_sums_to_the_bedrock_usage_billed(november):
    pack, _engine = november
    allocated = _analyzer(DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs")).allocate(
        "2026-11", ["role"]
    )
    assert allocated.total == pack.usage_total
    rows = _sheet_rows(render_pack_xlsx(pack), "Allocation")
    tables = _tables(rows)
    assert [heading[0] for heading, _ in tables] == ["role", "app", "user"]
    for heading, body in tables:
        cost = heading.index("cost")
        assert sum(Decimal(str(r[cost])) for r in body[:-1]) == allocated.total, heading[0]
        assert Decimal(str(body[-1][cost])) == allocated.total
    by_role = tables[0][1]
    reasons = {r[2] for r in by_role if r[1] == "unlogged"}
    assert reasons == set(allocated.unlogged_by_reason) and reasons  # the residual, with its reason
    said = " ".join(str(v) for row in rows for v in row if v is not None)
    assert f"The total, {allocated.total:.2f} USD, equals the Amazon Bedrock usage billed" in said


def test_without_logs_or_last_month_the_pack_says_what_each_section_needs(october_without_logs):
    pack = october_without_logs
    assert pack.change is None and pack.allocation is None
    no_previous = "The data holds no 2026-09, the month before 2026-10"
    no_logs = "The allocation to applications and end users needs the invocation logs"
    page = render_html(pack)
    assert no_previous in page and no_logs in page
    assert 'id="chart-change"' not in page
    xlsx = render_pack_xlsx(pack)
    assert any(no_previous in str(row[0]) for row in _sheet_rows(xlsx, "Change"))
    assert any(no_logs in str(row[0]) for row in _sheet_rows(xlsx, "Allocation"))


@pytest.fixture(scope="module")
def hostile_november(tmp_path_factory):
    """November's pack of the demo export with two teams (principal tag) renamed to a script and a
    formula, in both months, so the change names them."""
    export = tmp_path_factory.mktemp("hostile") / "cur2-bedrock"
    shutil.copytree(DEMO / "cur2-bedrock", export)
    renamed = {"docs": SCRIPT, "chat": FORMULA}
    for data in export.glob("data/*/*.parquet"):
        table = pq.read_table(data)
        tags = [
            [(k, renamed.get(v, v) if k == "iamPrincipal/team" else v) for k, v in (m or [])]
            for m in table.column("tags").to_pylist()
        ]
        field = table.schema.get_field_index("tags")
        table = table.set_column(field, "tags", pa.array(tags, table.schema.field("tags").type))
        pq.write_table(table, data)
    return build_monthly(DuckDBEngine(export), "2026-11", generated_at=GENERATED)


def test_a_hostile_team_name_is_text_in_the_change_section_and_sheet(hostile_november):
    pack = hostile_november
    assert {SCRIPT, FORMULA} <= {r.value for r in pack.change.rows}
    page = render_html(pack)
    change = page[page.index('id="change"') : page.index('id="budgets"')]
    assert SCRIPT not in page
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in change
    [(_heading, body)] = _tables(_sheet_rows(render_pack_xlsx(pack), "Change"))
    texts = [v for row in body for v in row if isinstance(v, str)]
    assert any(FORMULA in t for t in texts) and any(SCRIPT in t for t in texts)
    assert not [t for t in texts if t.startswith(TRIGGERS)]
