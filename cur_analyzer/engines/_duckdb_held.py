"""Holding one billing period of the CUR in memory for the DuckDB engine (``DuckDBEngine.held``): what
the hold keeps, the one scan that fills it, and which queries a held month answers as the files would.

A report pack runs several queries over the same month; each one would scan the files again. The hold
scans them once into a table of the month's lines, keeping only the CUR columns some ``athena/*.sql``
reads (derived from the SQL, so a new query cannot read a column the hold dropped) and, for the Bedrock
scope, only the lines the ``in_bedrock_scope`` fragment keeps. A query that needs more than that (another
month, every service, a SELECT over ``cur2`` without the month or scope filter) would get a wrong answer
from the held table: it is refused as the caller's bug, never answered.

One exception: ``month_status.sql`` (is the month final? it asks every line, whatever the service) is
what a report falls back on when it read no line itself, e.g. a month without Bedrock spend. A
Bedrock-scope hold does not keep the other lines, so that query reads the files (the few columns it needs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cur_analyzer import schema, sql
from cur_analyzer.engines._duckdb_cur_types import quote
from cur_analyzer.sql_cache import remembered

#: what a hold can keep: the Bedrock-scope lines of the month, or all of them
HOLD_SCOPES = ("bedrock", "all")
#: the query about every line of the month, whatever the service: a Bedrock-scope hold reads the files
STATUS_QUERY = "month_status"


def _tree(name: str) -> Any:
    import sqlglot

    return sqlglot.parse_one(sql.load(name).text, read="athena")


@cache
def cur_queries() -> tuple[str, ...]:
    """The ``athena/*.sql`` queries that read the CUR."""
    return tuple(name for name in sql.available() if schema.CUR_TABLE in sql.tables_of(name))


@cache
def columns_read() -> tuple[str, ...]:
    """The CUR columns some query reads, in ``schema.CUR_COLUMNS`` order, then ``billing_period``: what a
    held month keeps (a query that selects ``*`` keeps every column)."""
    names: set[str] = set()
    for name in cur_queries():
        read = _columns_of(name)
        if read is None:
            return (*(c.name for c in schema.CUR_COLUMNS), schema.PARTITION_COLUMN.name)
        names |= set(read)
    return (
        *(c.name for c in schema.CUR_COLUMNS if c.name in names),
        schema.PARTITION_COLUMN.name,
    )


def _columns_of(name: str) -> list[str] | None:
    """The lower-case column names a query reads; None when it selects ``*`` (every column). Kept on disk
    (``sql_cache``): a held month needs this of every query, on every run."""
    text = sql.load(name).text

    def work_out() -> list[str] | None:
        from sqlglot import exp

        tree = _tree(name)
        if any(isinstance(star.parent, exp.Select) for star in tree.find_all(exp.Star)):
            return None
        return sorted({column.name.lower() for column in tree.find_all(exp.Column)})

    return remembered("columns", text, work_out)


@cache
def _scope_expression() -> Any:
    import sqlglot

    return sqlglot.parse_one(sql.load_fragment_text("in_bedrock_scope"), read="athena")


def scope_sql_duckdb() -> str:
    """The Bedrock scope as a DuckDB condition (what the scan marks the kept lines with); kept on disk."""
    text = sql.load_fragment_text("in_bedrock_scope")
    return remembered("scope", text, lambda: _scope_expression().sql(dialect="duckdb"))


@dataclass(frozen=True)
class CurReading:
    """How a query's SELECTs over ``cur2`` filter it."""

    #: every one keeps a single billing period (``billing_period = ?``)
    one_month: bool
    #: every one keeps the Bedrock scope only (or unless its ``service`` parameter is ``'all'``)
    bedrock_only: bool


def _conjuncts(select: Any) -> list[Any]:
    from sqlglot import exp

    where = select.args.get("where")
    if where is None:
        return []
    return (
        [c.unnest() for c in where.this.flatten()]
        if isinstance(where.this, exp.And)
        else [where.this.unnest()]
    )


def _reads_cur(select: Any) -> bool:
    from sqlglot import exp

    from_ = select.args.get("from_")
    sources = [from_.this] if from_ is not None else []
    sources += [join.this for join in select.args.get("joins") or ()]
    return any(isinstance(s, exp.Table) and s.name == schema.CUR_TABLE for s in sources)


def _is_period_filter(condition: Any) -> bool:
    from sqlglot import exp

    if not isinstance(condition, exp.EQ):
        return False
    sides = {type(condition.this), type(condition.expression)}
    column = condition.this if isinstance(condition.this, exp.Column) else condition.expression
    return sides == {exp.Column, exp.Placeholder} and column.name == schema.PARTITION_COLUMN.name


def _is_scope_filter(condition: Any) -> bool:
    """The scope itself, or ``? = 'all' OR <scope>`` (the queries' ``service`` switch)."""
    from sqlglot import exp

    scope = _scope_expression()
    if condition == scope:
        return True
    if not isinstance(condition, exp.Or):
        return False
    sides = [condition.this.unnest(), condition.expression.unnest()]
    switch = [s for s in sides if isinstance(s, exp.EQ) and s.find(exp.Placeholder) and s.find(exp.Literal)]
    return scope in sides and len(switch) == 1


@cache
def cur_reading(name: str) -> CurReading:
    """How ``name``'s SELECTs over ``cur2`` filter it; kept on disk (``sql_cache``)."""

    def work_out() -> list[bool]:
        from sqlglot import exp

        selects = [s for s in _tree(name).find_all(exp.Select) if _reads_cur(s)]
        return [
            all(any(_is_period_filter(c) for c in _conjuncts(s)) for s in selects),
            all(any(_is_scope_filter(c) for c in _conjuncts(s)) for s in selects),
        ]

    # the scope fragment is part of the answer: a changed scope is a new question
    question = sql.load(name).text + "\n" + sql.load_fragment_text("in_bedrock_scope")
    one_month, bedrock_only = remembered("cur-reading", question, work_out)
    return CurReading(one_month=one_month, bedrock_only=bedrock_only)


def fill_sql(files_view: str, scope: str) -> str:
    """The one scan that fills a hold: the kept columns of the kept lines of the month (``?``)."""
    columns = ", ".join(quote(c) for c in columns_read())
    kept = "" if scope == "all" else f" AND {scope_sql_duckdb()}"
    return f"SELECT {columns} FROM {files_view} WHERE billing_period = ?{kept}"  # noqa: S608 - names from schema.py


def on_files(name: str, files_view: str) -> str:
    """``athena/<name>.sql`` for DuckDB, reading the view over the files (``files_view``, fully named)
    instead of ``cur2``, which a hold shadows."""
    text = sql.for_duckdb(name)

    def work_out() -> str:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(text, read="duckdb")
        for table in tree.find_all(exp.Table):
            if table.name == schema.CUR_TABLE and not table.args.get("db"):
                table.replace(exp.to_table(files_view, dialect="duckdb").as_(table.alias_or_name))
        return tree.sql(dialect="duckdb")

    return remembered("on-files", files_view + "\n" + text, work_out)


@dataclass(frozen=True)
class HeldMonth:
    month: str
    scope: str

    def reads_files(self, name: str, params: Mapping[str, Any]) -> bool:
        """Does this query read the files while the month is held (the month's status over every line,
        which a Bedrock-scope hold does not keep)?"""
        return name == STATUS_QUERY and self.scope != "all" and params.get("month") == self.month

    def refusal(self, name: str, params: Mapping[str, Any]) -> str | None:
        """Why the held lines cannot answer this CUR query as the files would; None when they can."""
        held = f"{self.month} is held ({self.scope} scope)"
        reading = cur_reading(name)
        if params.get("month") != self.month or not reading.one_month:
            return f"{name}.sql reads month {params.get('month')!r} while {held}"
        if self.scope == "bedrock" and (
            params.get("service", "bedrock") != "bedrock" or not reading.bedrock_only
        ):
            return f"{name}.sql reads lines outside the Bedrock scope while {held}"
        return None
