"""The tag-coverage report model: what share of a month's spend carries each required tag key, who and
what does not, and what is wrong with the tags that are there.

For each ``--require KEY``, coverage = tagged cost / total cost of the month's usage lines, per source:

* ``resource``  — resource and AIP tags (``tags['resourceTags/KEY']``, else ``resource_tags['user_key']``)
* ``principal`` — IAM principal and session tags (``tags['iamPrincipal/KEY']``)
* ``account``   — account tags (``tags['accountTag/KEY']``)
* ``rules``     — the rules-file dimension named KEY, when there is one (before shared-cost splits)
* ``any``       — a line is tagged when any of the three tag sources gives it a non-empty value

broken down by account and by service. Adjustment lines (tax, credits, fees…) carry no tags; they are left
out of the ratio and their total is reported beside it. Built from ``athena/tag_coverage.sql`` (every key in
one read of the month: sums, ranked offenders, values, spellings) and, for rules dimensions,
``athena/attribution_lines.sql``.

The package splits by job: ``_model`` (types and vocabulary), ``_build`` (options, queries, notes),
``_tally`` (the query's rows per key, the rules source), ``_spellings`` (spelling hygiene) and ``_table``
(the renderers' view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cur_analyzer.reports.coverage._build import build_coverage, rules_dimensions, tag_coverage_params
from cur_analyzer.reports.coverage._model import (
    HYGIENE_PROBLEMS,
    NO_CALLER,
    OFFENDER_KINDS,
    SOURCES,
    TAG_SOURCES,
    TAGS_MAP_PREFIXES,
    Coverage,
    CoverageRow,
    CoverageView,
    HygieneProblem,
    Offender,
    normalise_key,
)
from cur_analyzer.reports.coverage._table import document, tabular

#: the builder reads the engine, the rules and the chargeback: loaded on first use, so the command line
#: can take its coverage view choices from here without them
_BUILD = ("build_coverage", "rules_dimensions", "tag_coverage_params")


def __getattr__(name: str) -> Any:
    if name in _BUILD:
        from cur_analyzer.reports.coverage import _build

        return getattr(_build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "HYGIENE_PROBLEMS",
    "NO_CALLER",
    "OFFENDER_KINDS",
    "SOURCES",
    "TAGS_MAP_PREFIXES",
    "TAG_SOURCES",
    "Coverage",
    "CoverageRow",
    "CoverageView",
    "HygieneProblem",
    "Offender",
    "build_coverage",
    "document",
    "normalise_key",
    "rules_dimensions",
    "tabular",
    "tag_coverage_params",
]
