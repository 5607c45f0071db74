"""The pack's one read of its month's lines, summed up to a coarser grain: the rows
``athena/attribution_lines.sql`` returns when it keeps fewer columns.

The pack reads its lines at the grain of every view at once (by day, principal, model, account...: tens
of thousands of rows on a large month). A spend cut groups them by one dimension, resolving every row it
is given; summed first to the columns that cut reads, it resolves a few hundred rows instead, and the
rows are the ones a chargeback of that cut reads for itself (the columns it folds away NULL, the cost,
usage amount and line counts summed), so its figures are that chargeback's. The explanation of the
change since the previous month takes this month's rows the same way, at its own grain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cur_analyzer.rules import MAX_SLOTS

if TYPE_CHECKING:
    from cur_analyzer.attribution import Dimension
    from cur_analyzer.reports._lines import MonthLines
    from cur_analyzer.rules import LinePlan

#: ``attribution_lines.sql``'s columns that no parameter folds away besides the tag slots, and those it sums
ALWAYS = frozenset({"resource_kind", "in_bedrock_scope", "line_item_type", "currency"})
SUMMED = ("cost", "usage_amount", "line_count", "invoiced_lines")
SLOTS = tuple(f"slot{i}" for i in range(1, MAX_SLOTS + 1))


def summed_up(
    records: Iterable[Mapping[str, Any]], columns: Iterable[str], slots: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """``records`` summed up to the grain of ``columns`` (``attribution_lines.sql``'s: every other column it
    can fold away is NULL); ``slots``: each tag slot of the result and the slot of ``records`` it takes its
    value from (a slot not named is NULL), by default every slot as it is. A summed value is NULL when
    every value summed is, as SQL's SUM. Exact: the sums are of decimals and integers."""
    kept = frozenset(columns) | ALWAYS
    picks: list[tuple[str, str | None]] | None = None
    grouped: dict[tuple, dict[str, Any]] = {}
    for rec in records:
        picks = picks or _picks(rec, kept, slots)
        key = tuple(rec[src] if src else None for _, src in picks)
        into = grouped.get(key)
        if into is None:
            row = {col: v for (col, _), v in zip(picks, key, strict=True)}
            grouped[key] = row | {col: rec[col] for col in SUMMED}
            continue
        for col in SUMMED:
            if (value := rec[col]) is not None:
                into[col] = value if into[col] is None else into[col] + value
    return list(grouped.values())


def _picks(
    rec: Mapping[str, Any], kept: frozenset[str], slots: Mapping[str, str] | None
) -> list[tuple[str, str | None]]:
    """Each column a row of the result is grouped by, and the column of ``rec`` its value comes from (None:
    folded away)."""

    def source(col: str) -> str | None:
        if col in SLOTS:
            return col if slots is None else slots.get(col)
        return col if col in kept else None

    return [(col, source(col)) for col in rec if col not in SUMMED]


def without_days(lines: MonthLines) -> MonthLines:
    """The month's lines without the usage day (read for the daily trend alone): every cut is summed up
    from these."""
    return _with_records(lines, summed_up(lines.records, lines.plan.columns))


def cut_lines(lines: MonthLines, dims: list[Dimension]) -> MonthLines:
    """The lines summed up to the columns a chargeback by ``dims`` reads (every tag slot kept: the plan of
    the cut is the pack's, ``LinePlan.cut``); ``.chargeback(dims)`` of them is the cut's."""
    return _with_records(lines, summed_up(lines.records, lines.plan.cut(dims).columns))


def at_grain(lines: MonthLines, plan: LinePlan, columns: Iterable[str]) -> list[dict[str, Any]]:
    """The rows ``attribution_lines.sql`` returns for ``plan`` keeping ``columns`` too, summed up from the
    lines (read for a superset of both): each of ``plan``'s tags in the slot ``plan`` gives it."""
    wanted = plan.columns | frozenset(columns)
    missing = sorted(wanted - lines.plan.columns) + [
        f"the tag {lk}" for lk in plan.slots if lk not in lines.plan.slots
    ]
    if missing:
        raise ValueError(f"the lines were read without {', '.join(missing)}")
    slots = {f"slot{i}": f"slot{lines.plan.slots[lk]}" for lk, i in plan.slots.items()}
    return summed_up(lines.records, wanted, slots)


def _with_records(lines: MonthLines, records: list[dict[str, Any]]) -> MonthLines:
    coarser = replace(lines, records=records)
    coarser.final = lines.final  # said once, from every line (an empty month asks the engine)
    return coarser
