"""The monthly pack as ONE self-contained HTML file: plotly.js inlined once, no network at view time.

Formats what ``reports.monthly.views()`` holds and computes nothing: every chart is drawn from the rows of
the table printed under it; money is rounded to 2 places for display only (the exact value is kept in each
cell's ``data-sort`` attribute, which the inline sort script and the tests read). All text is escaped
(``html.escape``; chart labels too, as plotly reads a little HTML in them). Print-friendly CSS.

plotly is heavy to import: it is imported inside ``render_html`` only.
"""

from __future__ import annotations

import html
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import UNALLOCATED

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly import MonthlyReport, PackView

#: Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
BLUE, ORANGE, GREEN, SKY, VERMILLION, PURPLE, YELLOW = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#56B4E9",
    "#D55E00",
    "#CC79A7",
    "#F0E442",
)
GREY = "#9AA3AD"
INK = "#1F2933"
PALETTE = [BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, "#555555"]
FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif'
#: Bars shown in a ranking chart; the table under it lists every row.
TOP = 15
CENT = Decimal("0.01")
NUM_CLASS = ' class="num"'
TOC = {
    "team": "Teams",
    "budgets": "Budgets",
    "principal": "Principals",
    "model": "Models",
    "daily": "Daily trend",
    "token-type": "Input / output / cache",
    "coverage": "Tag coverage",
    "untagged": "Untagged",
    "reconciliation": "Estimate vs bill",
    "checks": "Data quality",
    "notes": "Notes",
}

_CSS = """
:root { --ink: #1f2933; --muted: #5f6b7a; --line: #d9dee5; --bg: #f5f7fa; --card: #fff;
        --blue: #0072B2; --red: #C23B00; --amber: #9A6700; --green: #007A55; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 %FONT%; }
header.top { background: #102a43; color: #fff; padding: 22px 36px 18px; }
header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
header.top .sub { color: #cbd5e1; font-size: 13.5px; }
header.top .inputs { color: #9fb3c8; font-size: 12px; margin-top: 6px; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
.badge.final { background: #d1fae5; color: #065f46; }
.badge.open { background: #fef3c7; color: #92400e; }
nav.toc { background: #fff; border-bottom: 1px solid var(--line); padding: 8px 36px; font-size: 13px;
          position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 2px 18px; }
nav.toc a { color: var(--blue); text-decoration: none; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
main { max-width: 1320px; margin: 0 auto; padding: 18px 36px 40px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin: 6px 0 8px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 21px; font-weight: 650; margin-top: 2px; font-variant-numeric: tabular-nums; }
.card .unit { color: var(--muted); font-size: 12px; }
.card.bad { border-color: #f3b8a0; background: #fff5f0; } .card.bad .value { color: var(--red); }
.card.warn { border-color: #f0d58c; background: #fffbeb; } .card.warn .value { color: var(--amber); }
.card.good .value { color: var(--green); }
section.view { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
               padding: 18px 22px 16px; margin: 18px 0; }
section.view h2 { margin: 0 0 4px; font-size: 19px; font-weight: 650; }
section.view p.intro { margin: 0 0 10px; color: var(--muted); max-width: 110ch; }
section.omitted p.omitted { margin: 6px 0 2px; padding: 10px 14px; background: #fffbeb; border-left: 4px solid #e0a800;
                            color: #5c4400; }
.body.side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 24px; align-items: start; }
.body.side > figure.chart { position: sticky; top: 44px; }
figure.chart { margin: 0 0 10px; min-width: 0; }
figure.chart .modebar-container { opacity: 0; transition: opacity 0.2s; }
figure.chart:hover .modebar-container, figure.chart:focus-within .modebar-container { opacity: 1; }
p.chartnote { margin: -4px 0 8px; color: var(--muted); font-size: 12px; }
.tablewrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #edf0f3; text-align: left; vertical-align: top; }
th { background: #f0f3f7; color: #334e68; font-weight: 600; position: relative; white-space: nowrap; user-select: none; }
table.sortable thead th { cursor: pointer; padding-right: 18px; }
table.sortable thead th::after { content: "\\2195"; position: absolute; right: 5px; color: #9fb3c8; font-size: 11px; }
table.sortable thead th[aria-sort="ascending"]::after { content: "\\25B2"; color: var(--blue); }
table.sortable thead th[aria-sort="descending"]::after { content: "\\25BC"; color: var(--blue); }
td.num, th.num { text-align: right; white-space: nowrap; }
td.mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 11.5px; word-break: break-all; }
tbody tr:hover { background: #f8fafc; }
tfoot td { border-bottom: none; color: var(--muted); }
tfoot tr.total td { border-top: 2px solid #bcccdc; color: var(--ink); font-weight: 700; }
tfoot tr.first td { border-top: 1px solid #bcccdc; }
td .st { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 11.5px; font-weight: 600; }
.st.pass, .st.within, .st.match { background: #d1fae5; color: #065f46; }
.st.FAIL, .st.OVER { background: #fde2d8; color: #9a2a00; }
.st.warn { background: #fef3c7; color: #92400e; }
.st.not-run, .st.no-budget { background: #e5e7eb; color: #374151; }
ul.foot { margin: 8px 0 0; padding-left: 18px; color: var(--muted); font-size: 12px; }
footer.bottom { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 30px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  header.top { background: #fff; color: var(--ink); padding: 0 0 8px; border-bottom: 2px solid var(--ink); }
  header.top .sub, header.top .inputs { color: var(--muted); }
  nav.toc, .modebar-container { display: none !important; }
  main { max-width: none; padding: 0; }
  section.view { border: none; padding: 8px 0; margin: 8px 0; break-inside: avoid-page; }
  .body.side { grid-template-columns: 1fr; }
  .body.side > figure.chart { position: static; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  table.sortable thead th::after { content: none; }
  a { color: inherit; text-decoration: none; }
}
@media (max-width: 980px) { .body.side { grid-template-columns: 1fr; } main { padding: 12px; } }
""".replace("%FONT%", FONT)

# Click a heading to sort by it (again to reverse); numbers by their exact data-sort value.
_SORT_JS = """
(function () {
  function key(cell, numeric) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw);
    return isNaN(n) ? -Infinity : n;
  }
  function sortBy(table, index, th) {
    var dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    if (!th.hasAttribute("aria-sort") && th.getAttribute("data-type") !== "num") dir = "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    var numeric = th.getAttribute("data-type") === "num", body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[index], numeric), y = key(b.cells[index], numeric);
      var c = x < y ? -1 : x > y ? 1 : 0;
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent.trim();
      th.addEventListener("click", function () { sortBy(table, i, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, i, th); }
      });
    });
  });
})();
"""


# --- formatting ------------------------------------------------------------------------------------------
def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_EVEN):,.2f}"


def exact(value: Any) -> str:
    """The exact value for ``data-sort`` (a Decimal as its plain decimal string)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _cell(view: PackView, column: str, value: Any) -> str:
    if column in view.money_columns:
        return f'<td class="num" data-sort="{esc(exact(value))}">{esc(money(value))}</td>'
    if column in view.percent_columns:
        shown = "" if value is None else f"{value:.1f}%"
        return f'<td class="num" data-sort="{esc(exact(value))}">{esc(shown)}</td>'
    if isinstance(value, bool):
        return f"<td>{esc(value)}</td>"
    if isinstance(value, int | Decimal):
        return f'<td class="num" data-sort="{esc(exact(value))}">{esc(f"{value:,}")}</td>'
    if column in ("status",) and value:
        return f'<td><span class="st {esc(str(value).replace(" ", "-"))}">{esc(value)}</span></td>'
    mono = ' class="mono"' if column in ("principal", "id") else ""
    return f"<td{mono}>{esc(value)}</td>"


def _is_numeric(view: PackView, column: str) -> bool:
    if column in view.money_columns or column in view.percent_columns:
        return True
    values = [r.get(column) for r in view.rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values)


def table(view: PackView) -> str:
    numeric = {c: _is_numeric(view, c) for c in view.columns}
    head = "".join(
        f'<th scope="col" data-type="{"num" if numeric[c] else "text"}"'
        f'{NUM_CLASS if numeric[c] else ""} data-column="{esc(c)}">{esc(view.label(c))}</th>'
        for c in view.columns
    )
    body = "".join(
        "<tr>" + "".join(_cell(view, c, row.get(c)) for c in view.columns) + "</tr>" for row in view.rows
    )
    foot = ""
    for i, row in enumerate(view.summary_rows):
        kind = "total" if row.get(view.columns[0]) == "Total" else ("first" if i == 0 else "")
        cells = "".join(_cell(view, c, row.get(c)) for c in view.columns)
        foot += f'<tr class="{kind}">{cells}</tr>'
    return (
        f'<div class="tablewrap"><table class="sortable" data-view="{esc(view.key)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        + (f"<tfoot>{foot}</tfoot>" if foot else "")
        + "</table></div>"
    )


# --- charts ----------------------------------------------------------------------------------------------
def _f(value: Decimal | None) -> float | None:
    """A chart coordinate: plotly draws floats; the exact value is in the table."""
    return None if value is None else float(value)


def _label(text: Any) -> str:
    """A category label for plotly, which reads a little HTML in text: escaped like the page."""
    return html.escape(str(text), quote=False)


def _wrap(text: Any, width: int = 14) -> str:
    """An escaped label broken into short lines (``<br>``), so axis labels need no rotation."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(_label(line) for line in lines)


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "template": "plotly_white",
        "height": height,
        "margin": {"l": 10, "r": 24, "t": 10, "b": 36},
        "font": {"family": FONT, "size": 12, "color": INK},
        "colorway": PALETTE,
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "bgcolor": "rgba(0,0,0,0)"},
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def _ranking(view: PackView, label_col: str, cur: str, stacked: bool) -> Any:
    import plotly.graph_objects as go

    named = [r for r in view.rows if r[label_col] != UNALLOCATED]
    rows = named[:TOP] + [r for r in view.rows if r[label_col] == UNALLOCATED and r["cost"]]
    labels = [_label(r[label_col]) for r in rows]
    colours = [GREY if r[label_col] == UNALLOCATED else BLUE for r in rows]
    fig = go.Figure()
    if stacked:
        fig.add_bar(
            y=labels,
            x=[_f(r["attributed"]) for r in rows],
            orientation="h",
            name="attributed",
            marker_color=colours,
            hovertemplate=f"%{{y}}<br>attributed %{{x:,.2f}} {cur}<extra></extra>",
        )
        fig.add_bar(
            y=labels,
            x=[_f(r["shared"]) for r in rows],
            orientation="h",
            name="shared costs (split)",
            marker_color=SKY,
            text=[money(r["cost"]) for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}<br>shared %{{x:,.2f}} {cur}<extra></extra>",
        )
    else:
        fig.add_bar(
            y=labels,
            x=[_f(r["cost"]) for r in rows],
            orientation="h",
            name="cost",
            marker_color=colours,
            text=[money(r["cost"]) for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}}<br>%{{x:,.2f}} {cur}<extra></extra>",
        )
    fig.update_layout(
        _layout(
            max(200, 30 * len(rows) + 70),
            barmode="stack",
            showlegend=stacked,
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
            margin={"l": 10, "r": 60, "t": 34 if stacked else 10, "b": 36},
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    fig.update_xaxes(title_text=cur, tickformat=",.0f", rangemode="tozero", automargin=True)
    return fig


def _budgets(view: PackView, cur: str) -> Any:
    """A bullet chart: the budget as a wide pale bar, the spend as a narrow bar over it."""
    import plotly.graph_objects as go

    rows = view.rows
    labels = [_label(r["value"]) for r in rows]
    fig = go.Figure()
    fig.add_bar(
        y=labels,
        x=[_f(r["budget"]) for r in rows],
        orientation="h",
        name="budget",
        marker={"color": "#DCE3EA", "line": {"color": "#9FB3C8", "width": 1}},
        width=0.8,
        hovertemplate=f"%{{y}}<br>budget %{{x:,.2f}} {cur}<extra></extra>",
    )
    fig.add_bar(
        y=labels,
        x=[_f(r["spend"]) for r in rows],
        orientation="h",
        name="spend",
        marker_color=[
            VERMILLION if r["status"] == "OVER" else (GREY if r["budget"] is None else BLUE) for r in rows
        ],
        width=0.42,
        text=[money(r["spend"]) + (f" ({r['used']:.0f}%)" if r["used"] is not None else "") for r in rows],
        textposition="outside",
        cliponaxis=False,
        hovertemplate=f"%{{y}}<br>spend %{{x:,.2f}} {cur}<extra></extra>",
    )
    fig.update_layout(
        _layout(
            max(200, 30 * len(rows) + 80),
            barmode="overlay",
            margin={"l": 10, "r": 90, "t": 34, "b": 36},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    fig.update_xaxes(title_text=cur, tickformat=",.0f", rangemode="tozero")
    return fig


def _daily(view: PackView, cur: str) -> Any:
    import plotly.graph_objects as go

    rows = view.rows
    fig = go.Figure()
    fig.add_bar(
        x=[r["day"] for r in rows],
        y=[_f(r["billed"]) for r in rows],
        name="billed usage (CUR)",
        marker_color=BLUE,
        hovertemplate=f"%{{x|%a %d %b}}<br>billed %{{y:,.2f}} {cur}<extra></extra>",
    )
    if "estimated" in view.columns:
        fig.add_scatter(
            x=[r["day"] for r in rows],
            y=[_f(r["estimated"]) for r in rows],
            name="estimated from invocation logs",
            mode="lines+markers",
            line={"color": ORANGE, "width": 2.5},
            marker={"size": 6},
            hovertemplate=f"%{{x|%a %d %b}}<br>estimated %{{y:,.2f}} {cur}<extra></extra>",
        )
    fig.update_layout(_layout(360, margin={"l": 10, "r": 20, "t": 34, "b": 40}, bargap=0.25))
    fig.update_xaxes(type="date", tickformat="%a<br>%d %b", dtick=86400000 * 2, automargin=True)
    fig.update_yaxes(title_text=cur, tickformat=",.0f", rangemode="tozero", automargin=True)
    return fig


def _donut(view: PackView, label_col: str, cur: str) -> Any:
    import plotly.graph_objects as go

    rows = [r for r in view.rows if r["cost"] is not None]
    fig = go.Figure(
        go.Pie(
            labels=[_label(r[label_col]) for r in rows],
            values=[_f(r["cost"]) for r in rows],
            hole=0.55,
            sort=False,
            direction="clockwise",
            marker={"colors": PALETTE, "line": {"color": "#fff", "width": 2}},
            texttemplate="%{label}<br>%{percent:.1%}",
            textposition="outside",
            hovertemplate=f"%{{label}}<br>%{{value:,.2f}} {cur} (%{{percent:.1%}})<extra></extra>",
        )
    )
    fig.update_layout(_layout(340, showlegend=False, margin={"l": 40, "r": 40, "t": 30, "b": 30}))
    return fig


def _coverage(view: PackView) -> Any:
    import plotly.graph_objects as go

    keys = list(dict.fromkeys(r["key"] for r in view.rows))
    sources = list(dict.fromkeys(r["source"] for r in view.rows))
    colours = {"resource": SKY, "principal": BLUE, "account": PURPLE, "rules": GREEN, "any": ORANGE}
    names = {
        "resource": "resource / AIP tag",
        "principal": "principal tag",
        "account": "account tag",
        "rules": "rules file",
        "any": "any tag",
    }
    fig = go.Figure()
    for s in sources:
        rows = {r["key"]: r for r in view.rows if r["source"] == s}
        fig.add_bar(
            y=[_label(k) for k in keys],
            x=[_f(rows[k]["coverage"]) if k in rows else None for k in keys],
            orientation="h",
            name=_label(names.get(s, s)),
            marker_color=colours.get(s, GREY),
            text=[
                f"{rows[k]['coverage']:.0f}%" if k in rows and rows[k]["coverage"] is not None else ""
                for k in keys
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{y}} · {_label(names.get(s, s))}<br>%{{x:.1f}}% covered<extra></extra>",
        )
    fig.update_layout(
        _layout(
            max(220, 24 * len(keys) * len(sources) + 90),
            barmode="group",
            margin={"l": 10, "r": 40, "t": 34, "b": 40},
            bargap=0.2,
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=True, ticksuffix="  ")
    fig.update_xaxes(range=[0, 109], ticksuffix="%", title_text="share of usage cost tagged", dtick=20)
    return fig


def _waterfall(view: PackView, cur: str) -> Any:
    import plotly.graph_objects as go

    summary = {r["cause"]: r["amount"] for r in view.summary_rows}
    estimated = summary["Estimated (invocation logs)"]
    billed = summary["Billed (CUR usage)"]
    causes = [r for r in view.rows if r["amount"]]
    fig = go.Figure(
        go.Waterfall(
            orientation="v",
            x=["estimated<br>(logs)", *[_wrap(r["cause"]) for r in causes], "billed<br>(CUR)"],
            measure=["absolute", *["relative"] * len(causes), "total"],
            y=[_f(estimated), *[_f(r["amount"]) for r in causes], _f(billed)],
            text=[money(estimated), *[money(r["amount"]) for r in causes], money(billed)],
            textposition="outside",
            cliponaxis=False,
            increasing={"marker": {"color": ORANGE}},
            decreasing={"marker": {"color": GREEN}},
            totals={"marker": {"color": BLUE}},
            connector={"line": {"color": "#9fb3c8", "dash": "dot"}},
            hovertemplate=f"%{{x}}<br>%{{y:,.2f}} {cur}<extra></extra>",
        )
    )
    fig.update_layout(_layout(360, showlegend=False, margin={"l": 10, "r": 20, "t": 30, "b": 40}))
    fig.update_yaxes(title_text=cur, tickformat=",.0f", rangemode="tozero", automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def _chart(view: PackView, cur: str) -> Any | None:
    if view.omitted or not view.rows:
        return None
    # the currency code comes from the data and lands in hover templates and axis titles, which plotly
    # reads as its little HTML: escaped like every label
    cur = _label(cur)
    if view.key == "team":
        return _ranking(view, "team", cur, stacked="shared" in view.columns)
    if view.key == "principal":
        return _ranking(view, "caller", cur, stacked=False)
    if view.key == "model":
        return _ranking(view, "model", cur, stacked=False)
    if view.key == "budgets":
        return _budgets(view, cur)
    if view.key == "daily":
        return _daily(view, cur)
    if view.key == "token-type":
        return _donut(view, "meter", cur)
    if view.key == "coverage":
        return _coverage(view)
    if view.key == "reconciliation":
        return _waterfall(view, cur)
    return None


# --- the page --------------------------------------------------------------------------------------------
def _cards(view: PackView, cur: str) -> str:
    out = []
    for r in view.rows:
        value, unit, kind = r["value"], r["unit"], r["kind"]
        if kind == "text":
            continue  # the month's status: the badge in the header says it
        tone = ""
        if kind == "money":
            shown = money(value)
        elif kind == "percent":
            shown = "" if value is None else f"{value:.1f}%"
            unit = ""
            tone = "" if value is None else ("good" if value >= 95 else ("warn" if value >= 80 else "bad"))
        elif kind == "count":
            shown = f"{value:,}"
            tone = "bad" if value and r["metric"] != "Data check warnings" else ("warn" if value else "good")
        else:
            shown = str(value)
            tone = "good" if value == "final" else "warn"
        data = f' data-sort="{esc(exact(value))}"' if kind != "text" else ""
        out.append(
            f'<div class="card {tone}"><div class="label">{esc(r["metric"])}</div>'
            f'<div class="value"{data}>{esc(shown)}</div><div class="unit">{esc(unit)}</div></div>'
        )
    return '<div class="cards">' + "".join(out) + "</div>"


def _section(view: PackView, number: int, cur: str) -> tuple[str, bool]:
    head = f"<h2>{number}. {esc(view.title)}</h2>" + (
        f'<p class="intro">{esc(view.intro)}</p>' if view.intro else ""
    )
    if view.omitted:
        return (
            f'<section class="view omitted" id="{esc(view.key)}" data-view="{esc(view.key)}">{head}'
            f'<p class="omitted">{esc(view.omitted)}</p></section>',
            False,
        )
    if view.key == "notes":
        items = "".join(f"<li><b>{esc(r['report'])}</b>: {esc(r['note'])}</li>" for r in view.rows)
        return f'<section class="view" id="notes" data-view="notes">{head}<ul>{items}</ul></section>', False
    fig = _chart(view, cur)
    chart = ""
    if fig is not None:
        div = fig.to_html(
            include_plotlyjs=False,
            full_html=False,
            div_id=f"chart-{view.key}",
            default_width="100%",
            default_height=f"{fig.layout.height}px",
            config={
                "displaylogo": False,
                "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d"],
            },
        )
        chart = f'<figure class="chart" data-chart="{esc(view.key)}">{div}</figure>'
    if not view.rows:
        tbl = '<p class="intro">Nothing to show this month.</p>'
    else:
        tbl = table(view)
    foot = "".join(f"<li>{esc(n)}</li>" for n in view.footer)
    foot = f'<ul class="foot">{foot}</ul>' if foot else ""
    side = view.key in ("team", "model", "token-type", "budgets", "reconciliation", "coverage") and chart
    if view.key in ("team", "principal", "model"):
        named = [r for r in view.rows if r[view.columns[0]] != UNALLOCATED]
        if len(named) > TOP:
            chart += f'<p class="chartnote">The chart shows the top {TOP} of {len(named)}; the table lists all.</p>'
    inner = f'<div class="body side">{chart}<div>{tbl}{foot}</div></div>' if side else f"{chart}{tbl}{foot}"
    return (
        f'<section class="view" id="{esc(view.key)}" data-view="{esc(view.key)}">{head}{inner}</section>',
        fig is not None,
    )


def _month_name(month: str) -> str:
    import datetime as dt

    return dt.date.fromisoformat(month + "-01").strftime("%B %Y")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cur-analyzer")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without an install
        return "dev"


def render_html(report: MonthlyReport) -> str:
    """The whole pack as one HTML document (plotly.js inline once; opens with no network)."""
    from plotly.offline import get_plotlyjs

    from cur_analyzer.reports.monthly import views

    version = _version()

    cur = report.currency
    all_views = views(report)
    summary, rest = all_views[0], all_views[1:]
    sections, charts = [], 0
    for i, v in enumerate(rest, start=1):
        text, has_chart = _section(v, i, cur)
        sections.append(text)
        charts += has_chart
    toc = "".join(f'<a href="#{esc(v.key)}">{esc(TOC.get(v.key, v.title))}</a>' for v in rest)
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    status = (
        '<span class="badge final">month final</span>'
        if report.final
        else '<span class="badge open">month NOT final: figures will change</span>'
    )
    inputs = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in report.inputs.items())
    title = f"Amazon Bedrock chargeback · {_month_name(report.month)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="cur-analyzer {esc(version)}">'
        f"<title>Amazon Bedrock chargeback {esc(report.month)} (generated {esc(generated)})</title>"
        f"<style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        f'</head><body data-charts="{charts}">'
        f'<header class="top"><h1>{esc(title)}</h1>'
        f'<div class="sub">Billing period {esc(report.month)} · {esc(report.cost_basis)} cost · {esc(cur)} · '
        f"{status} · generated {esc(generated)} by cur-analyzer {esc(version)}</div>"
        + (f'<div class="inputs">{inputs}</div>' if inputs else "")
        + f'</header><nav class="toc">{toc}</nav><main>'
        f'<section class="summary" id="summary" data-view="summary">{_cards(summary, cur)}</section>'
        + "".join(sections)
        + "</main>"
        f'<footer class="bottom">{esc(title)} · generated {esc(generated)} · every chart is drawn from the '
        "table under it; money is rounded to 2 places here and exact in the xlsx and json outputs</footer>"
        f"<script>{_SORT_JS}</script></body></html>\n"
    )
