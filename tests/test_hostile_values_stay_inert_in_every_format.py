"""A tag value or a session name is written by someone else: whatever it holds, every output shows it as
text. No spreadsheet formula in csv or xlsx (numbers stay numbers), no HTML or link in md, no rich markup or
terminal escape in the table, no script in the HTML report (checked in a real browser), and the machine
formats (json, parquet) keep the value exactly.

The hostile values ride in real data: the demo CUR export, copied, with every principal tag `team`,
resource tag `team` and `ChatApp` session name replaced by one of ``HOSTILE``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.render import Tabular, visible
from cur_analyzer.render._escape import formula_safe, md_safe, xlsx_safe

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
MONTH = "2026-10"
runner = CliRunner()

HOSTILE = [
    '=HYPERLINK("http://evil","x")',
    "=1+1",
    "+1+cmd|' /C calc'!A0",
    "-1+2",
    "@SUM(A1)",
    "\tcmd",
    "\rcmd",
    " =1+1",
    "\uff1dcmd()",  # full-width equals sign
    "[/bold]",
    "[link=https://evil]x[/link]",
    "[red]paint[/red] :smile:",
    "\x1b[31mred",
    "\x1b]8;;https://evil\x07click\x1b]8;;\x07",
    "\x1b[2Jclear",
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    "</script><script>window.__pwned=3</script>",
    "<b>bold</b> &amp; [x](javascript:window.__pwned=4) ![t](http://evil/t.png)",
    "nul\x00bell\x07",
    "abc\u202edef",
    "a|b\nc",
    "back\\",
]
#: What makes a spreadsheet read a cell as a formula (OWASP), full-width forms included.
TRIGGERS = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)%?")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours when it believes it writes to a terminal


def _replace(values: list, i: int, keys: set[str]) -> list:
    return [(k, HOSTILE[i % len(HOSTILE)] if k in keys else v) for k, v in values]


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory) -> Path:
    """The demo export with hostile team tags (principal and resource) and ChatApp session names."""
    export = tmp_path_factory.mktemp("hostile") / "cur2-bedrock"
    shutil.copytree(DEMO / "cur2-bedrock", export)
    data = export / "data" / f"BILLING_PERIOD={MONTH}" / "cur2-bedrock-00001.snappy.parquet"
    table = pq.read_table(data)
    for column, keys in (
        ("tags", {"iamPrincipal/team", "resourceTags/team"}),
        ("resource_tags", {"user_team"}),
    ):
        values = [_replace(m or [], i, keys) for i, m in enumerate(table.column(column).to_pylist())]
        field = table.schema.get_field_index(column)
        table = table.set_column(field, column, pa.array(values, table.schema.field(column).type))
    principals = [
        f"arn:aws:sts::123456789012:assumed-role/ChatApp/{HOSTILE[i % len(HOSTILE)]}"
        if p and "ChatApp/session-2" in p
        else p
        for i, p in enumerate(table.column("line_item_iam_principal").to_pylist())
    ]
    field = table.schema.get_field_index("line_item_iam_principal")
    table = table.set_column(field, "line_item_iam_principal", pa.array(principals, pa.string()))
    pq.write_table(table, data)
    return export


def chargeback(export: Path, by: str, *args: str):
    result = runner.invoke(app, ["chargeback", "--month", MONTH, "--cur", str(export), "--by", by, *args])
    assert result.exit_code == 0, result.output
    return result


def exact_values(export: Path, by: str) -> list[str]:
    """The dimension's values as the json output carries them: exactly the data."""
    doc = json.loads(chargeback(export, by, "-f", "json").stdout)
    return [r[by] for r in doc["rows"]]


def spreadsheet_text_is_inert(value: str) -> bool:
    return not value.startswith(TRIGGERS) or bool(PLAIN_NUMBER.fullmatch(value))


#: Dimensions whose values are the hostile strings themselves (a principal holds one inside its ARN).
BY = ["iamPrincipal/team", "tag/team"]


# --- machine formats keep the data exactly ------------------------------------------------------------------
@pytest.mark.parametrize("by", BY)
def test_json_carries_every_hostile_value_exactly(hostile_export, by):
    assert set(HOSTILE) <= set(exact_values(hostile_export, by))


def test_parquet_carries_every_hostile_value_exactly(hostile_export, tmp_path):
    out = tmp_path / "c.parquet"
    chargeback(hostile_export, "iamPrincipal/team", "-f", "parquet", "-o", str(out))
    assert set(HOSTILE) <= set(pq.read_table(out).column("iamPrincipal/team").to_pylist())


# --- spreadsheets: no formula, numbers stay numbers ---------------------------------------------------------
@pytest.mark.parametrize("by", BY)
def test_no_csv_cell_starts_a_formula_and_money_stays_a_number(hostile_export, by):
    rows = list(csv.reader(io.StringIO(chargeback(hostile_export, by, "-f", "csv").stdout)))
    header, body = rows[0], rows[1:]
    for row in rows:
        for cell in row:
            assert spreadsheet_text_is_inert(cell), row
    shown = [r[header.index(by)] for r in body]
    # each value is there, in its own cell, prefixed only when it would start a formula
    assert {formula_safe(v) for v in exact_values(hostile_export, by)} <= set(shown)
    assert {"'" + v for v in HOSTILE if not spreadsheet_text_is_inert(v)} <= set(shown)
    assert {len(r) for r in rows} == {len(header)}
    costs = [Decimal(r[header.index("cost")]) for r in body]  # a credit's "-7.57" is a number, not "'-7.57"
    assert any(c < 0 for c in costs)


@pytest.mark.parametrize("by", BY)
def test_no_xlsx_cell_is_a_formula_and_money_stays_numeric(hostile_export, tmp_path, by):
    out = tmp_path / "c.xlsx"
    chargeback(hostile_export, by, "-f", "xlsx", "-o", str(out))
    wb = load_workbook(out)
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert spreadsheet_text_is_inert(cell.value), (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    cost = [r[header.index("cost")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(c, int | float) for c in cost) and any(c < 0 for c in cost)
    shown = [r[header.index(by)] for r in sheet.iter_rows(min_row=2, values_only=True)]
    # XML reads a carriage return back as a line feed: the only change a value goes through
    assert {xlsx_safe(v).replace("\r", "\n") for v in exact_values(hostile_export, by)} <= set(shown)
    assert "nul\\x00bell\\x07" in shown  # a character xlsx cannot hold is shown, not dropped


def test_no_cell_of_the_monthly_pack_workbook_is_a_formula(hostile_pack):
    from cur_analyzer.render import render_pack_xlsx

    wb = load_workbook(io.BytesIO(render_pack_xlsx(hostile_pack)))
    texts = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert spreadsheet_text_is_inert(cell.value), (ws.title, cell.coordinate, cell.value)
                    texts.add(cell.value)
    # the hostile teams and the hostile input path are there, as text
    assert {"'" + HOSTILE[0], "[/bold]", "'" + HOSTILE_INPUT} <= texts


# --- markdown: no HTML, no link, no broken table ----------------------------------------------------------
@pytest.mark.parametrize("by", [*BY, "principal"])
def test_md_carries_no_live_html_no_link_and_one_cell_per_column(hostile_export, by):
    md = chargeback(hostile_export, by, "-f", "md").stdout
    lower = md.lower()
    assert "<script" not in lower and "<img" not in lower and "<b>" not in lower and "</script" not in lower
    assert "](" not in md.replace("\\](", "")  # no [text](url) link or ![image](url)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u202e]", md)
    table = [line for line in md.splitlines() if line.startswith("|")]
    cells = {len(re.findall(r"(?<!\\)\|", line)) for line in table}
    assert cells == {6}, "a value broke out of its cell"
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in md
    assert "\\[link=https://evil\\]x\\[/link\\]" in md


# --- the terminal table: markup and escapes print as text ------------------------------------------------
@pytest.mark.parametrize("by", [*BY, "principal"])
@pytest.mark.parametrize("terminal", [False, True], ids=["pipe", "terminal"])
def test_the_table_prints_markup_and_escapes_as_literal_text(hostile_export, monkeypatch, terminal, by):
    if terminal:  # rich then writes colours and links: the data must still not add any
        monkeypatch.setenv("FORCE_COLOR", "1")
    out = chargeback(hostile_export, by).stdout
    if not terminal:
        assert "\x1b" not in out
    assert "\x1b]8;" not in out and "\x07" not in out and "\x00" not in out and "\u202e" not in out
    text = SGR.sub("", out)
    assert "\x1b" not in text
    for literal in ("[/bold]", "[link=https://evil]x[/link]", "[red]paint[/red] :smile:", "\\x1b[31mred"):
        assert literal in text, literal
    assert "abc\\u202edef" in text and "a|b\\x0ac" in text and "\\x1b]8;;https://evil\\x07click" in text


def test_a_footer_note_holding_markup_prints_as_text():
    buf = io.StringIO()
    t = Tabular("t [bold]", ["a long column name"], [{"a": "x"}], footer=["[/dim] closes nothing", "\x1b[2J"])
    from cur_analyzer.render._write import _table

    _table(t, 2, buf)
    assert "[/dim] closes nothing" in buf.getvalue() and "\\x1b[2J" in buf.getvalue()
    assert "t [bold]" in buf.getvalue()


# --- the HTML report -----------------------------------------------------------------------------------
#: A path as it shows in the report's header (the user's own input, but it is printed like data).
HOSTILE_INPUT = "=cmd|' /C calc'!A0 <script>window.__pwned=5</script>"


@pytest.fixture(scope="module")
def hostile_pack(hostile_export):
    """The monthly pack of the hostile export, as the ``report`` command builds it (built once: it is the
    slow part; the renderers are what is under test)."""
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.monthly import build_monthly
    from cur_analyzer.rules import load_rules

    return build_monthly(
        DuckDBEngine(hostile_export, logs=DEMO / "logs"),
        MONTH,
        rules=load_rules(RULES),
        logs=True,
        profiles=ProfileMap.load(DEMO / "inference-profiles.json"),
        inputs={"cur": HOSTILE_INPUT},
    )


@pytest.fixture(scope="module")
def hostile_html(hostile_pack, tmp_path_factory) -> Path:
    from cur_analyzer.render.html import render_html

    out = tmp_path_factory.mktemp("report") / "report.html"
    out.write_text(render_html(hostile_pack))
    return out


def test_the_html_report_holds_no_hostile_markup_unescaped(hostile_html):
    page = hostile_html.read_text()
    for value in [*HOSTILE, HOSTILE_INPUT]:
        if "<" in value:
            assert value not in page, value
    # every <script> of the page is one of ours: plotly.js, one per chart, the sort script
    charts = int(re.search(r'data-charts="(\d+)"', page).group(1))
    assert page.count("<script") == 2 + charts
    assert "window.__pwned" in page  # the values are there, escaped


@pytest.fixture(scope="module")
def browser():
    from test_monthly_report_in_a_real_browser import CHROMIUM, Browser

    if not CHROMIUM.exists():
        pytest.skip("needs Debian's headless chromium at /usr/bin/chromium: run scripts/install-chromium.sh")
    b = Browser()
    yield b
    b.close()


def test_no_injected_script_runs_when_the_report_opens_in_chromium(browser, hostile_html):
    browser.events.clear()
    browser.open(hostile_html.as_uri())
    browser.wait_until(
        "document.querySelectorAll('figure.chart').length > 0 && "
        "Array.from(document.querySelectorAll('figure.chart')).every(f => f.querySelector('.main-svg'))"
    )
    # hover every trace of every chart: plotly builds its hover labels from the data then
    hovered = browser.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {"
        " const points = gd.data.map((t, i) => ({curveNumber: i, pointNumber: 0}));"
        " Plotly.Fx.hover(gd, points); return gd.querySelectorAll('.hoverlayer .hovertext').length; })"
    )
    assert sum(hovered) > 0
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert not any(m.get("method") == "Page.javascriptDialogOpening" for m in browser.events)
    assert browser.errors() == []
    text = browser.evaluate("document.body.innerText")
    for value in (
        "<script>window.__pwned=1</script>",
        '<img src=x onerror="window.__pwned=2">',
        HOSTILE_INPUT,
    ):
        assert value in text, value
    # the chart labels are text too (plotly reads a little HTML in them)
    svg = browser.evaluate(
        "Array.from(document.querySelectorAll('figure.chart svg')).map(s => s.textContent).join(' ')"
    )
    assert "<script>window.__pwned=1</script>" in svg


# --- the escapes themselves, on any text ------------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_is_inert_in_each_escape(value, tmp_path):
    assert spreadsheet_text_is_inert(formula_safe(value))
    assert not re.search(r"[\x00-\x1f\x7f\u202e]", visible(value))
    md = md_safe(value)
    assert "<" not in md.replace("<br>", "") and "\n" not in md and not re.search(r"(?<!\\)[|\[\]]", md)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(HOSTILE).map(lambda h: h * 2))
def test_any_text_is_inert_in_each_format(text):
    safe = formula_safe(text)
    assert spreadsheet_text_is_inert(safe)
    assert safe in (text, "'" + text)  # nothing but the prefix is added
    cell = xlsx_safe(text)
    assert spreadsheet_text_is_inert(cell)
    Workbook().active.append([cell])  # openpyxl stores it (it raises on what xlsx cannot hold)
    shown = visible(text)
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    md = md_safe(text)
    assert not re.search(r"[<>\n\r]", md.replace("<br>", "")) and not re.search(r"(?<!\\)[|\[\]`]", md)


@settings(max_examples=60, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-1e6, max_value=1e6))
def test_a_negative_amount_stays_a_number_in_csv_and_xlsx(amount):
    from cur_analyzer.render._write import _csv, _xlsx

    t = Tabular("t", ["who", "cost"], [{"who": "-1+2", "cost": amount}], money_columns=("cost",))
    ws = load_workbook(io.BytesIO(_xlsx(t))).active
    assert ws["A2"].value == "'-1+2" and ws["B2"].data_type == "n"
    assert Decimal(str(ws["B2"].value)) == pytest.approx(amount)
    assert _csv(t).splitlines()[1] == f"'-1+2,{amount:f}"


def test_a_hostile_currency_code_is_escaped_in_chart_hover_text_and_axis_titles(hostile_pack):
    from cur_analyzer.render._charts import chart as _chart
    from cur_analyzer.reports.monthly import views

    charts = [_chart(v, "<img src=x onerror=window.__pwned=6>") for v in views(hostile_pack)]
    figures = [json.dumps(f) for f in charts if f is not None]
    assert figures and all("<img" not in f for f in figures)
    assert any("&lt;img" in f for f in figures)


def test_csv_printed_on_a_terminal_cannot_drive_it_but_a_pipe_gets_the_exact_bytes(monkeypatch):
    import sys

    from cur_analyzer.render import render

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    t = Tabular("t", ["who"], [{"who": "\x1b[2Jx\ry"}, {"who": "a\nb"}])
    monkeypatch.setattr(sys, "stdout", Terminal())
    render(t, "csv")
    shown = sys.stdout.getvalue()
    assert "\x1b" not in shown and '"\\x1b[2Jx\\x0dy"' in shown and shown.endswith("\r\n")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    render(t, "csv")
    assert '"\x1b[2Jx\ry"' in sys.stdout.getvalue()
