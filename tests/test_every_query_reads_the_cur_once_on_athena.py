"""Does every query read the month's CUR, and the invocation logs, once on Athena too, not only on DuckDB?

Athena (Trino) keeps no WITH query's rows: every reference to one runs it again, so a WITH over ``cur2``
(or ``invocation_logs``) reached twice (named twice, named by two other WITH queries, or by both branches
of a UNION ALL) reads the month twice, and Athena bills every byte of both reads. DuckDB keeps such a WITH
query's rows and reads the files once, so the DuckDB scan counters cannot see it: the shape of the SQL is
what is checked, by counting the reads of each table once every WITH reference is replaced by its query."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from cur_analyzer import schema, sql

#: The queries that read the month more than once, how many times and why (none may do so unlisted).
READ_MORE_THAN_ONCE = {
    "reconcile": (
        2,
        "the billed lines, and their periods in a read of their own so that DuckDB need not hold every line "
        "between the two uses (reconcile.sql); on Athena that is a second read of the month. Their periods "
        "from the same aggregation (GROUPING SETS) would group the lines by hour as well as by day: 5.2 "
        "million groups instead of 475,000 at ten million lines, held in DuckDB's hash table",
    ),
}
#: The queries that read the month's invocation logs more than once, how many times and why.
LOGS_READ_MORE_THAN_ONCE = {
    "reconcile": (
        2,
        "one grouping of the records gives the logged rows and the hours logging was on (reconcile.sql's "
        "logs), but the hours decide the billed rows' period_logged while the logged rows are returned beside "
        "them: two references, so two reads on Athena",
    ),
}


def reads_on_athena(node: exp.Expression, table: str, known: dict | None = None) -> int:
    """How many times ``table`` is read when every WITH reference under ``node`` is replaced by its query.

    ``known`` maps the WITH queries in scope to (their query, the WITH queries it can name): one of a WITH
    clause names those before it, and an inner WITH clause hides an outer query of the same name."""
    known = dict(known or {})
    for clause in (c for c in node.iter_expressions() if isinstance(c, exp.With)):
        for cte in clause.expressions:
            known[cte.alias] = (cte.this, dict(known))
    count = 0
    for child in node.iter_expressions():
        if isinstance(child, exp.With):
            continue  # a WITH query is counted where it is named, as often as it is
        if isinstance(child, exp.Table) and not child.db and child.name in known:
            query, its_known = known[child.name]
            count += reads_on_athena(query, table, its_known)
        elif isinstance(child, exp.Table) and child.name == table:
            count += 1
        else:
            count += reads_on_athena(child, table, known)
    return count


def cur_reads(text: str) -> int:
    return reads_on_athena(sqlglot.parse_one(text, read="athena"), schema.CUR_TABLE)


def log_reads(text: str) -> int:
    return reads_on_athena(sqlglot.parse_one(text, read="athena"), schema.LOGS_TABLE)


CUR_QUERIES = [name for name in sql.available() if schema.CUR_TABLE in sql.tables_of(name)]
LOG_QUERIES = [name for name in sql.available() if schema.LOGS_TABLE in sql.tables_of(name)]


@pytest.mark.parametrize("name", CUR_QUERIES)
def test_the_query_reads_the_month_once_on_athena(name):
    expected, _why = READ_MORE_THAN_ONCE.get(name, (1, ""))
    assert cur_reads(sql.load(name).text) == expected, (
        f"{name}.sql reads cur2 {cur_reads(sql.load(name).text)} times on Athena (every WITH reference "
        f"runs it again); READ_MORE_THAN_ONCE says {expected}"
    )


@pytest.mark.parametrize("name", LOG_QUERIES)
def test_the_query_reads_the_invocation_logs_once_on_athena(name):
    expected, _why = LOGS_READ_MORE_THAN_ONCE.get(name, (1, ""))
    assert log_reads(sql.load(name).text) == expected, (
        f"{name}.sql reads invocation_logs {log_reads(sql.load(name).text)} times on Athena (every WITH "
        f"reference runs it again); LOGS_READ_MORE_THAN_ONCE says {expected}"
    )


def test_every_query_listed_as_reading_the_month_more_than_once_still_exists_and_says_why():
    for name, (times, why) in READ_MORE_THAN_ONCE.items():
        assert name in CUR_QUERIES and times > 1 and why, name
    for name, (times, why) in LOGS_READ_MORE_THAN_ONCE.items():
        assert name in LOG_QUERIES and times > 1 and why, name


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("SELECT * FROM cur2", 1),
        ("WITH a AS (SELECT * FROM cur2) SELECT * FROM a", 1),
        # named twice, through a WITH query that names it, and from both branches of a UNION ALL
        ("WITH a AS (SELECT * FROM cur2) SELECT * FROM a JOIN a AS b ON true", 2),
        ("WITH a AS (SELECT * FROM cur2), b AS (SELECT * FROM a) SELECT * FROM a, b", 2),
        ("WITH a AS (SELECT * FROM cur2) SELECT * FROM a UNION ALL SELECT * FROM a", 2),
        (
            "WITH a AS (SELECT * FROM cur2), b AS (SELECT * FROM a UNION ALL SELECT * FROM a) SELECT * FROM b, b",
            4,
        ),
        # a WITH query never named reads nothing; an inner one of the same name hides the outer one
        ("WITH a AS (SELECT * FROM cur2) SELECT 1", 0),
        ("WITH a AS (SELECT * FROM cur2) SELECT * FROM (WITH a AS (SELECT 1 AS x) SELECT * FROM a)", 0),
        ("SELECT * FROM cur2 WHERE x IN (SELECT x FROM cur2)", 2),
    ],
)
def test_the_reads_are_counted_as_athena_runs_the_with_queries(text, reads):
    assert cur_reads(text) == reads
