"""The monthly pack's charts: a plotly figure per view, drawn from the rows of the table printed under it.

Figures only (data and layout); the page template places them. Chart coordinates are floats (plotly draws
floats; the exact value is in the table). plotly reads a little HTML in every text it shows (labels, hover
texts, axis titles), so each label from the data is escaped like the page (``_label``); the legends and
hover texts come from the words file (``charts.*``).

A figure is written as the JSON plotly.js reads (``{"data": [...], "layout": {...}}``), the same dict
plotly's ``Figure(...).to_dict()`` gives for it, with the ``plotly_white`` template spelled out as plotly
spells it: building plotly's Figure objects only to turn them back into that dict took most of the page's
rendering time (plotly validates every property of every trace), and this needs no plotly module.
"""

from __future__ import annotations

import functools
import html
import json
from decimal import Decimal
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._pack_words import word, words_under
from cur_analyzer.render._places import shown_money

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly import PackView

__all__ = ["FONT", "TOP", "chart", "money"]

#: a figure as plotly.js reads it: {"data": [trace, ...], "layout": {...}}
Figure = dict[str, Any]

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
#: The page's font (report.css says the same), so the charts' text matches the tables'.
FONT = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif'
#: Bars shown in a ranking chart; the table under it lists every row.
TOP = 15
COVERAGE_COLOURS = {"resource": SKY, "principal": BLUE, "account": PURPLE, "rules": GREEN, "any": ORANGE}
#: The ranking charts, by view: the column that names a bar.
RANKINGS = {"team": "team", "principal": "caller", "model": "model"}


def money(value: Decimal | None) -> str:
    """Money as shown: at the places in force (2 unless asked), thousands separated (the exact value stays
    in the data)."""
    if value is None:
        return ""
    return shown_money(value)


def _f(value: Decimal | None) -> float | None:
    """A chart coordinate: plotly draws floats; the exact value is in the table."""
    return None if value is None else float(value)


def _label(text: Any) -> str:
    """A category label for plotly, which reads a little HTML in text: escaped like the page."""
    return html.escape(str(text), quote=False)


def _wrap(text: Any, width: int = 14) -> str:
    """An escaped label broken into short lines (plotly's ``<br>``), so axis labels need no rotation."""
    lines: list[str] = []
    for part in str(text).split():
        if lines and len(lines[-1]) + 1 + len(part) <= width:
            lines[-1] += " " + part
        else:
            lines.append(part)
    return "<br>".join(_label(line) for line in lines)


def _says(chart_name: str, **facts: Any) -> dict[str, str]:
    """Every text of one chart from the words file, rendered with ``facts``."""
    return {
        name: word(f"charts.{chart_name}.{name}", facts)
        for name, text in words_under(f"charts.{chart_name}").items()
        if isinstance(text, str)
    }


@functools.cache
def _template() -> str:
    """plotly's ``plotly_white`` template, as plotly ships it (and spells it out in a figure's layout)."""
    return (files("plotly") / "package_data" / "templates" / "plotly_white.json").read_text(encoding="utf-8")


def _figure(
    traces: list[dict[str, Any]], layout: dict[str, Any], xaxis: dict | None = None, yaxis: dict | None = None
) -> Figure:
    """The figure of ``traces`` (each with its plotly ``type``) over ``layout`` and its axes."""
    layout = {**layout, "template": json.loads(_template())}  # each figure its own copy, as plotly's
    if xaxis is not None:
        layout["xaxis"] = xaxis
    if yaxis is not None:
        layout["yaxis"] = yaxis
    return {"data": traces, "layout": layout}


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
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


def _stacks_shared_costs(view: PackView, rows: list[dict[str, Any]]) -> bool:
    """Shared costs split across teams stack on what each team was attributed; a negative share (credits
    and discounts passed on) would draw back over the attributed bar, so then one bar shows the cost."""
    return view.key == "team" and "shared" in view.columns and all(r["shared"] >= 0 for r in rows)


def _ranking(view: PackView, label_col: str, cur: str) -> Figure:
    says = _says("ranking", cur=cur)
    named = [r for r in view.rows if not r.get("no_value")]
    rows = named[:TOP] + [r for r in view.rows if r.get("no_value") and r["cost"]]
    stacked = _stacks_shared_costs(view, rows)
    labels = [_label(r[label_col]) for r in rows]
    colours = [GREY if r.get("no_value") else BLUE for r in rows]
    totals = {"text": [money(r["cost"]) for r in rows], "textposition": "outside", "cliponaxis": False}
    bar = {"type": "bar", "y": labels, "orientation": "h"}
    if stacked:
        traces = [
            bar
            | {
                "x": [_f(r["attributed"]) for r in rows],
                "name": says["attributed"],
                "marker": {"color": colours},
                "hovertemplate": says["hover_attributed"],
            },
            bar
            | {
                "x": [_f(r["shared"]) for r in rows],
                "name": says["shared"],
                "marker": {"color": SKY},
                "hovertemplate": says["hover_shared"],
            }
            | totals,
        ]
    else:
        traces = [
            bar
            | {
                "x": [_f(r["cost"]) for r in rows],
                "name": says["cost"],
                "marker": {"color": colours},
                "hovertemplate": says["hover_cost"],
            }
            | totals
        ]
    layout = _layout(
        max(200, 30 * len(rows) + 70),
        barmode="stack",
        showlegend=stacked,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        margin={"l": 10, "r": 60, "t": 34 if stacked else 10, "b": 36},
    )
    xaxis = {"title": {"text": cur}, "tickformat": ",.0f", "rangemode": "tozero", "automargin": True}
    return _figure(traces, layout, xaxis, {"autorange": "reversed", "automargin": True, "ticksuffix": "  "})


def _spend_colour(row: dict[str, Any]) -> str:
    if row["status"] == "OVER":
        return VERMILLION
    return GREY if row["budget"] is None else BLUE


def _budgets(view: PackView, cur: str) -> Figure:
    """A bullet chart: the budget as a wide pale bar, the spend as a narrow bar over it."""
    says = _says("budgets", cur=cur)
    rows = view.rows
    labels = [_label(r["value"]) for r in rows]
    budget = {
        "type": "bar",
        "y": labels,
        "x": [_f(r["budget"]) for r in rows],
        "orientation": "h",
        "name": says["budget"],
        "marker": {"color": "#DCE3EA", "line": {"color": "#9FB3C8", "width": 1}},
        "width": 0.8,
        "hovertemplate": says["hover_budget"],
    }
    spend = {
        "type": "bar",
        "y": labels,
        "x": [_f(r["spend"]) for r in rows],
        "orientation": "h",
        "name": says["spend"],
        "marker": {"color": [_spend_colour(r) for r in rows]},
        "width": 0.42,
        "text": [money(r["spend"]) + (f" ({r['used']:.0f}%)" if r["used"] is not None else "") for r in rows],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": says["hover_spend"],
    }
    layout = _layout(
        max(200, 30 * len(rows) + 80),
        barmode="overlay",
        margin={"l": 10, "r": 90, "t": 34, "b": 36},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
    )
    xaxis = {"title": {"text": cur}, "tickformat": ",.0f", "rangemode": "tozero"}
    return _figure(
        [budget, spend], layout, xaxis, {"autorange": "reversed", "automargin": True, "ticksuffix": "  "}
    )


def _daily(view: PackView, cur: str) -> Figure:
    says = _says("daily", cur=cur)
    rows = view.rows
    days = [r["day"] for r in rows]
    traces = [
        {
            "type": "bar",
            "x": days,
            "y": [_f(r["billed"]) for r in rows],
            "name": says["billed"],
            "marker": {"color": BLUE},
            "hovertemplate": says["hover_billed"],
        }
    ]
    if "estimated" in view.columns:
        traces.append(
            {
                "type": "scatter",
                "x": days,
                "y": [_f(r["estimated"]) for r in rows],
                "name": says["estimated"],
                "mode": "lines+markers",
                "line": {"color": ORANGE, "width": 2.5},
                "marker": {"size": 6},
                "hovertemplate": says["hover_estimated"],
            }
        )
    layout = _layout(360, margin={"l": 10, "r": 20, "t": 34, "b": 40}, bargap=0.25)
    xaxis = {"type": "date", "tickformat": "%a<br>%d %b", "dtick": 86400000 * 2, "automargin": True}
    yaxis = {"title": {"text": cur}, "tickformat": ",.0f", "rangemode": "tozero", "automargin": True}
    return _figure(traces, layout, xaxis, yaxis)


def _donut(view: PackView, cur: str) -> Figure:
    rows = [r for r in view.rows if r["cost"] is not None]
    pie = {
        "type": "pie",
        "labels": [_label(r["meter"]) for r in rows],
        "values": [_f(r["cost"]) for r in rows],
        "hole": 0.55,
        "sort": False,
        "direction": "clockwise",
        "marker": {"colors": PALETTE, "line": {"color": "#fff", "width": 2}},
        "texttemplate": "%{label}<br>%{percent:.1%}",
        "textposition": "outside",
        "hovertemplate": f"%{{label}}<br>%{{value:,.2f}} {cur} (%{{percent:.1%}})<extra></extra>",
    }
    return _figure([pie], _layout(340, showlegend=False, margin={"l": 40, "r": 40, "t": 30, "b": 30}))


def _coverage_bar(view: PackView, source: str, keys: list[str]) -> dict[str, Any]:
    """One source's bars: its coverage of each required key (none where it has no row for a key)."""
    rows = {r["key"]: r for r in view.rows if r["source"] == source}
    named = source in words_under("charts.coverage.source")
    name = _label(word(f"charts.coverage.source.{source}") if named else source)
    covered = [rows[k]["coverage"] if k in rows else None for k in keys]
    return {
        "type": "bar",
        "y": [_label(k) for k in keys],
        "x": [_f(c) for c in covered],
        "orientation": "h",
        "name": name,
        "marker": {"color": COVERAGE_COLOURS.get(source, GREY)},
        "text": [f"{c:.0f}%" if c is not None else "" for c in covered],
        "textposition": "outside",
        "cliponaxis": False,
        "hovertemplate": word("charts.coverage.hover", {"source": name}),
    }


def _coverage(view: PackView) -> Figure:
    keys = list(dict.fromkeys(r["key"] for r in view.rows))
    sources = list(dict.fromkeys(r["source"] for r in view.rows))
    layout = _layout(
        max(220, 24 * len(keys) * len(sources) + 90),
        barmode="group",
        margin={"l": 10, "r": 40, "t": 34, "b": 40},
        bargap=0.2,
    )
    xaxis = {
        "range": [0, 109],
        "ticksuffix": "%",
        "title": {"text": word("charts.coverage.axis")},
        "dtick": 20,
    }
    return _figure(
        [_coverage_bar(view, source, keys) for source in sources],
        layout,
        xaxis,
        {"autorange": "reversed", "automargin": True, "ticksuffix": "  "},
    )


def _waterfall(view: PackView, cur: str) -> Figure:
    says = _says("waterfall")
    summary = {r["name"]: r["amount"] for r in view.summary_rows}
    estimated, billed = summary["estimated"], summary["billed"]
    causes = [r for r in view.rows if r["amount"]]
    waterfall = {
        "type": "waterfall",
        "orientation": "v",
        "x": [says["estimated"], *[_wrap(r["cause"]) for r in causes], says["billed"]],
        "measure": ["absolute", *["relative"] * len(causes), "total"],
        "y": [_f(estimated), *[_f(r["amount"]) for r in causes], _f(billed)],
        "text": [money(estimated), *[money(r["amount"]) for r in causes], money(billed)],
        "textposition": "outside",
        "cliponaxis": False,
        "increasing": {"marker": {"color": ORANGE}},
        "decreasing": {"marker": {"color": GREEN}},
        "totals": {"marker": {"color": BLUE}},
        "connector": {"line": {"color": "#9fb3c8", "dash": "dot"}},
        "hovertemplate": f"%{{x}}<br>%{{y:,.2f}} {cur}<extra></extra>",
    }
    layout = _layout(360, showlegend=False, margin={"l": 10, "r": 20, "t": 30, "b": 40})
    yaxis = {"title": {"text": cur}, "tickformat": ",.0f", "rangemode": "tozero", "automargin": True}
    return _figure([waterfall], layout, {"automargin": True}, yaxis)


def _change(view: PackView, cur: str, currency: str) -> Figure:
    """From last month's bill to this month's, one bar per part of the change: the Total row of the table
    under it, in the pack's currency."""
    from cur_analyzer.reports.explain import PARTS

    says = _says("change", cur=cur, vs=_label(view.facts["vs"]), month=_label(view.facts["month"]))
    names = words_under("charts.change.parts")
    total = next((r for r in view.summary_rows if r["currency"] == currency), view.summary_rows[0])
    amounts = [total["billed_vs"], *(total[p] for p in PARTS), total["billed"]]
    waterfall = {
        "type": "waterfall",
        "orientation": "v",
        "x": [says["vs"], *(_label(names[p]) for p in PARTS), says["month"]],
        "measure": ["absolute", *["relative"] * len(PARTS), "total"],
        "y": [_f(a) for a in amounts],
        "text": [money(a) for a in amounts],
        "textposition": "outside",
        "cliponaxis": False,
        "increasing": {"marker": {"color": VERMILLION}},
        "decreasing": {"marker": {"color": GREEN}},
        "totals": {"marker": {"color": BLUE}},
        "connector": {"line": {"color": "#9fb3c8", "dash": "dot"}},
        "hovertemplate": [says["total"], *[says["part"]] * len(PARTS), says["total"]],
    }
    layout = _layout(380, showlegend=False, margin={"l": 10, "r": 20, "t": 30, "b": 40})
    # a month label is a bar's name, not a date
    xaxis = {"type": "category", "automargin": True}
    return _figure(
        [waterfall], layout, xaxis, {"title": {"text": cur}, "tickformat": ",.0f", "automargin": True}
    )


def chart(view: PackView, cur: str) -> Figure | None:
    """The view's figure, or None (a view with no chart, left out, or with no rows)."""
    if view.omitted or not view.rows:
        return None
    # the currency code comes from the data and lands in hover templates and axis titles, which plotly
    # reads as its little HTML: escaped like every label
    currency, cur = cur, _label(cur)
    if view.key in RANKINGS:
        return _ranking(view, RANKINGS[view.key], cur)
    drawn = {
        "budgets": lambda: _budgets(view, cur),
        "daily": lambda: _daily(view, cur),
        "token-type": lambda: _donut(view, cur),
        "coverage": lambda: _coverage(view),
        "reconciliation": lambda: _waterfall(view, cur),
        "change": lambda: _change(view, cur, currency),
    }.get(view.key)
    return drawn() if drawn is not None else None
