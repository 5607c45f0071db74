"""The monthly pack as ONE self-contained HTML file, rendered from the Jinja2 templates in ``templates/``
(package data): ``report.html`` lays out the page and inlines ``report.css``, ``report.js`` and plotly.js
(once: no network at view time), ``_views.html`` draws the sections, cards and tables.

Formats what ``reports.monthly.views()`` holds and computes nothing: every chart is drawn from the rows of
the table printed under it (``_charts``); money is rounded to 2 places for display only (the exact value is
kept in each cell's ``data-sort`` attribute, which the inline sort script and the tests read); the words
are the words file's (``_pack_words``). Every value is escaped as the templates print it (autoescape); JSON
inside a ``<script>`` goes through ``script_json``, so a ``</script>`` in a value cannot end the script.

jinja2 is imported when a report is rendered; plotly's Python modules never are: the charts are written
as the JSON plotly.js reads (``_charts``), and plotly.js is read from plotly's package data.
"""

from __future__ import annotations

import functools
import html
import json
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._pack_page import card, section
from cur_analyzer.render._pack_words import say, word
from cur_analyzer.render._places import DEFAULT_PLACES, money_places

if TYPE_CHECKING:
    from jinja2 import Environment
    from markupsafe import Markup

    from cur_analyzer.reports.monthly import MonthlyReport

__all__ = ["render_html", "script_json"]

#: What a script's JSON must not hold literally: "</script>" or "<!--" would end or bend the script.
_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"}


def _printed(value: Any) -> Any:
    """Every value a template prints: a phrase as its words, nothing for None (an empty cell), markup the
    templates made (a macro, plotly.js) as it is, and anything else escaped as ``html.escape`` does (quotes
    as ``&quot;``, as the page always had), which autoescape then leaves alone."""
    from markupsafe import Markup

    value = say(value)
    if value is None:
        return ""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


def script_json(value: Any) -> Markup:
    """``value`` as JSON to place inside a ``<script>``: ``<``, ``>``, ``&`` and ``'`` as ``\\u003c``…, as
    plotly and jinja2's ``tojson`` do, so no value can close the script or open a comment."""
    from markupsafe import Markup

    text = json.dumps(value)
    for char, escaped in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


@functools.cache
def environment() -> Environment:
    """The templates' environment, built once per process."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("cur_analyzer.render", "templates"),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        finalize=_printed,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["script_json"] = script_json
    return env


def _plotly_js() -> str:
    """plotly.js as plotly ships it (what ``plotly.offline.get_plotlyjs`` reads, without importing plotly's
    Python modules)."""
    from importlib.resources import files

    return (files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def _month_name(month: str) -> str:
    import datetime as dt

    return dt.date.fromisoformat(month + "-01").strftime("%B %Y")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cur-analyzer")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without an install
        return "dev"


def render_html(report: MonthlyReport, precision: int = DEFAULT_PLACES) -> str:
    """The whole pack as one HTML document (plotly.js inline once; opens with no network); money shown
    with ``precision`` decimal places (exact in the sort keys)."""
    with money_places(precision):
        return _page(report, precision)


def _page(report: MonthlyReport, precision: int) -> str:
    from markupsafe import Markup

    from cur_analyzer.reports.monthly import views

    summary, *rest = views(report)
    sections = [section(v, i, report.currency) for i, v in enumerate(rest, start=1)]
    page = (
        environment()
        .get_template("report.html")
        .render(
            report=report,
            currency=report.currency,
            version=_version(),
            generated=report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
            pack_title=word("pack.title", {"month": report.month}),
            month_name=_month_name(report.month),
            summary_cards=[card(r) for r in summary.rows if r["kind"] != "text"],
            sections=sections,
            charts=sum(s["chart"] is not None for s in sections),
            plotly_js=Markup(_plotly_js()),
            places=precision,
        )
    )
    return page + "\n"
