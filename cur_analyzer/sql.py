"""Loads the SQL in ``athena/``, binds parameters by name, and adapts it to an engine.

The files are plain Athena (Trino) SQL with ``?`` placeholders, so a user can paste one into the Athena
console. Each file declares its parameters in order in a ``-- params:`` header; binding by name here keeps
the positional ``?`` list honest. The DuckDB engine runs the same text after sqlglot transpiles it; table
names in the files are logical (``cur2``, ``invocation_logs``) and each engine maps them to real tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import resource_dir

_PARAMS_RE = re.compile(r"^--\s*params:\s*(.*)$")
# an indented comment line holding only names and commas continues the list
_CONTINUATION_RE = re.compile(r"^--\s{2,}[a-z0-9_]+(\s*,\s*[a-z0-9_]+)*\s*,?$")
IDENTIFIER_RE = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    params: tuple[str, ...]

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        """Positional values for the ``?`` placeholders, from values given by name."""
        missing = [p for p in dict.fromkeys(self.params) if p not in values]
        if missing:
            raise ValueError(f"{self.name}.sql needs parameters {missing}")
        return [values[p] for p in self.params]


def _declared_params(text: str) -> tuple[str, ...]:
    """Names from the ``-- params:`` header and the indented name-only comment lines right after it."""
    names: list[str] = []
    collecting = False
    for line in text.splitlines():
        stripped = line.strip()
        if m := _PARAMS_RE.match(stripped):
            collecting, chunk = True, m.group(1)
        elif collecting and _CONTINUATION_RE.match(stripped):
            chunk = stripped[2:]
        else:
            collecting = False
            continue
        names += [n.strip() for n in chunk.split(",") if n.strip()]
    return tuple(names)


@cache
def load(name: str) -> Query:
    path = resource_dir("athena") / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file athena/{name}.sql in this installation")
    text = path.read_text()
    return Query(name, text, _declared_params(text))


def available() -> list[str]:
    return sorted(p.name[:-4] for p in resource_dir("athena").iterdir() if p.name.endswith(".sql"))


def placeholder_count(text: str) -> int:
    import sqlglot
    from sqlglot import exp

    return sum(1 for _ in sqlglot.parse_one(text, read="athena").find_all(exp.Placeholder))


@cache
def for_duckdb(name: str) -> str:
    """The file transpiled Athena -> DuckDB (logical table names are DuckDB views of the same name)."""
    import sqlglot

    return sqlglot.transpile(load(name).text, read="athena", write="duckdb")[0]


def validate_identifier(value: str, what: str) -> str:
    if not IDENTIFIER_RE.fullmatch(value or ""):
        raise UserInputError(f"{what} {value!r} is not a valid identifier (lower-case letters, digits, _)")
    return value


def for_athena(name: str, tables: Mapping[str, tuple[str, str]]) -> str:
    """The file with logical table names replaced by validated, quoted ``"database"."table"`` names."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(load(name).text, read="athena")
    for table in tree.find_all(exp.Table):
        target = tables.get(table.name)
        if target is None:
            continue
        db, tbl = (validate_identifier(v, "Glue name") for v in target)
        table.set("this", exp.to_identifier(tbl, quoted=True))
        table.set("db", exp.to_identifier(db, quoted=True))
    return tree.sql(dialect="athena")


@cache
def tables_of(name: str) -> frozenset[str]:
    """Logical tables a SQL file reads (``cur2``, ``invocation_logs``)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(load(name).text, read="athena")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    return frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)
