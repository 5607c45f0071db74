"""Loads the SQL in ``athena/``, composes its fragments, binds parameters by name, adapts it to an engine.

The files are plain Athena (Trino) SQL with ``?`` placeholders. A rule that more than one query needs (the
cost of a line under a cost basis, the Bedrock scope, the kind of resource a line is on, the reason a log
record cannot be used...) is written once, as an expression in ``athena/fragments/<name>.sql``, and a query
names it where it needs it: ``{{ cost }}``, or ``{{ tag_value(slot1_tags_key, slot1_resource_key) }}`` to
bind the fragment's parameters under the query's own names. ``load`` returns the composed query, which is
what runs and what ``literal_sql`` prints paste-ready for the Athena console.

Each file (query or fragment) declares its own ``?`` parameters in order in a ``-- params:`` header;
composing keeps the positional list honest. The DuckDB engine runs the same text after sqlglot transpiles it;
table names in the files are logical (``cur2``, ``invocation_logs``) and each engine maps them to real tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import resource_dir
from cur_analyzer.sql_cache import remembered

_PARAMS_RE = re.compile(r"^--\s*params:\s*(.*)$")
# an indented comment line holding only names and commas continues the list
_CONTINUATION_RE = re.compile(r"^--\s{2,}[a-z0-9_]+(\s*,\s*[a-z0-9_]+)*\s*,?$")
IDENTIFIER_RE = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    params: tuple[str, ...]
    #: a fragment that is a list of columns, not one expression
    columns: bool = False

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


FRAGMENTS = "fragments"
_INCLUDE_RE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*(?:\(([^)]*)\))?\s*\}\}")
_MAX_FRAGMENT_DEPTH = 8
#: a fragment whose header holds this line is a list of SELECT columns, composed in as it is; any other
#: fragment is one expression, composed in parentheses
COLUMNS_MARK = "-- kind: columns"


def _read(relative: str) -> str:
    path = resource_dir("athena") / relative
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file athena/{relative} in this installation")
    return path.read_text()


@cache
def load(name: str) -> Query:
    """``athena/<name>.sql`` with every ``{{ fragment }}`` composed in: the query as it runs."""
    raw = _read(f"{name}.sql")
    text, params = _compose(raw, _declared_params(raw), name, 0)
    return Query(name, text, params)


@cache
def fragment(name: str) -> Query:
    """``athena/fragments/<name>.sql``: one expression, its header comment lines left out."""
    raw = _read(f"{FRAGMENTS}/{name}.sql")
    lines = raw.splitlines()
    while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):  # the header
        lines.pop(0)
    return Query(name, "\n".join(lines).strip(), _declared_params(raw), COLUMNS_MARK in raw.splitlines())


def load_fragment_text(name: str) -> str:
    """A fragment with the fragments it names composed in (what it adds to a query)."""
    frag = fragment(name)
    return _compose(frag.text, frag.params, f"fragments/{name}", 1)[0]


def _compose(text: str, declared: tuple[str, ...], where: str, depth: int) -> tuple[str, tuple[str, ...]]:
    """The text with each ``{{ fragment(args) }}`` replaced by ``(expression)``, and the names of all the
    ``?`` of the result in order: the file's own, then each fragment's renamed to the arguments given."""
    if depth > _MAX_FRAGMENT_DEPTH:
        raise ValueError(f"{where}: fragments nest more than {_MAX_FRAGMENT_DEPTH} deep")
    own = list(declared)
    parts: list[str] = []
    params: list[str] = []
    position = 0
    for include in _INCLUDE_RE.finditer(text):
        before = text[position : include.start()]
        params += _take(own, _placeholders_in(before), where)
        frag = fragment(include.group(1))
        # a fragment may use one of its parameters at several ``?``: it takes each name once
        names = list(dict.fromkeys(frag.params))
        args = [a.strip() for a in include.group(2).split(",")] if include.group(2) else names
        if len(args) != len(names):
            raise ValueError(f"{where}: {{{{ {frag.name} }}}} takes {len(names)} parameters, got {len(args)}")
        body, inner = _compose(frag.text, frag.params, f"fragments/{frag.name}", depth + 1)
        renamed = dict(zip(names, args, strict=True))
        params += [renamed.get(p, p) for p in inner]
        # continuation lines take the indentation of the line the fragment is named on (readable output)
        line_start = text.rfind("\n", 0, include.start()) + 1
        indent = " " * (
            len(text[line_start : include.start()]) - len(text[line_start : include.start()].lstrip())
        )
        body = body.replace("\n", "\n" + indent)
        parts += [before, body if frag.columns else f"({body})"]
        position = include.end()
    rest = text[position:]
    params += _take(own, _placeholders_in(rest), where)
    if own:
        raise ValueError(f"{where}.sql declares parameters {own} that no ? uses")
    return "".join(parts) + rest, tuple(params)


def _take(names: list[str], count: int, where: str) -> list[str]:
    if count > len(names):
        raise ValueError(f"{where}.sql has more ? than its -- params: header names")
    taken, names[:] = names[:count], names[count:]
    return taken


#: what the placeholder scan steps over whole (a string literal, a quoted name, a comment: a quote doubles to
#: escape itself, and an unclosed one runs to the end), or a placeholder
_SKIPPED_OR_PLACEHOLDER = re.compile(
    r"'(?:[^']|'')*'?" r'|"(?:[^"]|"")*"?' r"|--[^\n]*" r"|/\*.*?(?:\*/|\Z)" r"|\?",
    re.DOTALL,
)


def _placeholders(text: str) -> list[int]:
    """Offsets of the ``?`` placeholders of SQL text, skipping string literals, quoted names and comments
    (the text may be a piece of a statement, so it is scanned, not parsed)."""
    return [m.start() for m in _SKIPPED_OR_PLACEHOLDER.finditer(text) if m.group() == "?"]


def _placeholders_in(text: str) -> int:
    return len(_placeholders(text))


def literal_sql(name: str, values: Mapping[str, Any]) -> str:
    """The composed query with every parameter written in as an Athena literal: paste-ready for the
    Athena console. Values are quoted as SQL literals (a quote doubles), never spliced in raw."""
    q = load(name)
    bound = q.bind(values)
    out, position = [], 0
    for offset, value in zip(_placeholders(q.text), bound, strict=True):
        out += [q.text[position:offset], literal(value)]
        position = offset + 1
    return "".join(out) + q.text[position:]


def literal(value: Any) -> str:
    """A parameter value as the Athena SQL literal it stands for: what ``literal_sql`` writes in, and what
    Athena substitutes server-side for an execution parameter. Strings are quoted (a quote doubles), never
    spliced in raw."""
    from decimal import Decimal

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | tuple):  # an array parameter (every required tag key at once)
        return "ARRAY[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"unsupported Athena parameter type {type(value).__name__}")


def available() -> list[str]:
    """The queries (fragments are not queries of their own)."""
    return sorted(p.name[:-4] for p in resource_dir("athena").iterdir() if p.name.endswith(".sql"))


def available_fragments() -> list[str]:
    folder = resource_dir("athena") / FRAGMENTS
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))


def placeholder_count(text: str) -> int:
    import sqlglot
    from sqlglot import exp

    return sum(1 for _ in sqlglot.parse_one(text, read="athena").find_all(exp.Placeholder))


@cache
def for_duckdb(name: str) -> str:
    """The file transpiled Athena -> DuckDB (logical table names are DuckDB views of the same name); kept
    on disk after the first run (``sql_cache``)."""
    text = load(name).text
    return remembered("duckdb", text, lambda: transpiled_to_duckdb(text))


def transpiled_to_duckdb(text: str) -> str:
    import sqlglot

    return sqlglot.transpile(text, read="athena", write="duckdb")[0]


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
    """Logical tables a SQL file reads (``cur2``, ``invocation_logs``); kept on disk (``sql_cache``)."""
    text = load(name).text
    return frozenset(remembered("tables", text, lambda: _tables_read(text)))


def _tables_read(text: str) -> list[str]:
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read="athena")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name not in ctes})
