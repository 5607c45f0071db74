"""What the page template is given for each view of the pack: its words, its chart placed (plotly's data,
layout and config), its table with every cell formatted, and the summary's headline cards.

Formatting only: money to the places in force, 2 unless asked (``_charts.money``) with the exact value kept for ``data-sort``, counts
with thousands separators, percentages to 1 place. No markup here (the templates write it) and no escaping
(the templates' environment escapes every value it prints).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._charts import RANKINGS, TOP, chart, money
from cur_analyzer.render._pack_words import ViewWords, say, words_of

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly import PackView

__all__ = ["Cell", "card", "cell", "exact", "section"]

#: Views whose chart sits beside its table (the others: above it).
SIDE_BY_SIDE = frozenset({"team", "model", "token-type", "budgets", "reconciliation", "coverage"})
CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


# --- cells -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One table cell as shown: its text, the exact value it sorts by, its class, a status badge's class."""

    text: str
    sort: str | None = None
    css: str = ""
    status: str = ""


def exact(value: Any) -> str:
    """The exact value for ``data-sort`` (a Decimal as its plain decimal string)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}%"


def cell(view: PackView, column: str, value: Any) -> Cell:
    value = say(value)
    if column in view.money_columns:
        return Cell(money(value), exact(value), "num")
    if column in view.percent_columns:
        return Cell(_percent(value), exact(value), "num")
    if isinstance(value, bool):
        return Cell(str(value))
    if isinstance(value, int | Decimal):
        return Cell(f"{value:,}", exact(value), "num")
    if column == "status" and value:
        return Cell(str(value), status=str(value).replace(" ", "-"))
    return Cell("" if value is None else str(value), css="mono" if column in ("principal", "id") else "")


def _is_numeric(view: PackView, column: str) -> bool:
    if column in view.money_columns or column in view.percent_columns:
        return True
    values = [r.get(column) for r in view.rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in values)


def _table(view: PackView, words: ViewWords) -> dict[str, Any]:
    """The sortable table: headings, body rows, then the summary rows (``first`` under a rule, ``total``)."""
    first = view.columns[0]
    foot = []
    for i, row in enumerate(view.summary_rows):
        kind = "total" if row.get(first) == "Total" else ("first" if i == 0 else "")
        foot.append((kind, [cell(view, c, row.get(c)) for c in view.columns]))
    return {
        "key": view.key,
        "head": [
            {"column": c, "label": words.label(c), "numeric": _is_numeric(view, c)} for c in view.columns
        ],
        "body": [[cell(view, c, row.get(c)) for c in view.columns] for row in view.rows],
        "foot": foot,
    }


# --- the summary cards -----------------------------------------------------------------------------------
def _tone(row: dict[str, Any]) -> str:
    """How a headline figure is coloured: coverage by how close to 100 %, a count of problems by > 0."""
    value, kind = row["value"], row["kind"]
    if kind == "percent" and value is not None:
        return "good" if value >= 95 else ("warn" if value >= 80 else "bad")
    if kind == "count":
        if value and row["name"] != "check_warnings":
            return "bad"
        return "warn" if value else "good"
    return ""


def card(row: dict[str, Any]) -> dict[str, Any]:
    value, kind = row["value"], row["kind"]
    shown = {"money": money, "percent": _percent, "count": lambda n: f"{n:,}"}[kind](value)
    return {
        "label": say(row["metric"]),
        "shown": shown,
        "unit": "" if kind == "percent" else say(row["unit"]),
        "tone": _tone(row),
        "sort": exact(value),
    }


# --- sections --------------------------------------------------------------------------------------------
def _placed_chart(view: PackView, cur: str) -> dict[str, Any] | None:
    """The view's chart as the template places it: plotly's data, layout and config, and its height."""
    figure = chart(view, cur)
    if figure is None:
        return None
    named = [r for r in view.rows if not r.get("no_value")] if view.key in RANKINGS else []
    return {
        "view": view.key,
        "id": f"chart-{view.key}",
        "data": figure.get("data", []),
        "layout": figure.get("layout", {}),
        "config": CHART_CONFIG,
        "height": figure["layout"]["height"],
        "shown_of": (TOP, len(named)) if len(named) > TOP else None,
    }


def section(view: PackView, number: int, cur: str) -> dict[str, Any]:
    words = words_of(view)
    section: dict[str, Any] = {"view": view, "words": words, "number": number, "chart": None, "more": []}
    if words.omitted is not None:
        return section
    if view.key == "notes":
        section["notes"] = [{"report": say(r["report"]), "note": say(r["note"])} for r in view.rows]
        return section
    section["chart"] = _placed_chart(view, cur)
    section["table"] = _table(view, words) if view.rows else None
    section["side"] = view.key in SIDE_BY_SIDE and section["chart"] is not None
    section["more"] = [
        {"title": more_words.title, "table": _table(more, more_words)}
        for more, more_words in ((more, words_of(more)) for more in view.more)
    ]
    return section
