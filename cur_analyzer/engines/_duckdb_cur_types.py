"""What the CUR parquet files of the DuckDB engine store: the type of every column in every file, read
from the footers, and the view expression that makes each one schema.py's type, or refuses it.

The files are data other people write: a column stored as text, a map stored as a string or two files
that disagree on a type must end in one line naming the column and the file, never in a DuckDB error
halfway through a report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from cur_analyzer import schema
from cur_analyzer.errors import UserInputError
from cur_analyzer.sql_cache import remembered


@cache  # sqlglot takes milliseconds per type, and the view asks for every column's: kept on disk too
def athena_to_duckdb_type(athena_type: str) -> str:
    def work_out() -> str:
        from sqlglot import exp

        return exp.DataType.build(athena_type, dialect="athena").sql("duckdb")

    return remembered("type", athena_type, work_out)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- what the files store -------------------------------------------------------------------------------
_EXACT_NUMBER_RE = re.compile(r"^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|DECIMAL\(.*\))$")
#: Both kinds of number the view reads as they are. They are two families all the same: where files mix
#: them DuckDB's union_by_name reads the exact ones as binary floats (FLOAT, even, for DECIMAL + FLOAT).
NUMBER_FAMILIES = ("float", "exact")


def _family(stored_type: str) -> str:
    """The kind of value a stored DuckDB type holds: what decides whether the view can use the column."""
    t = stored_type.upper()
    if t == '"NULL"':  # a column written with no values at all (pyarrow's null type)
        return "null"
    if t == "VARCHAR":
        return "string"
    if t in ("DOUBLE", "FLOAT", "REAL"):
        return "float"
    if _EXACT_NUMBER_RE.match(t):
        return "exact"
    if t.startswith(("TIMESTAMP", "DATE")):
        return "timestamp"
    if t.startswith("MAP("):
        return "map"
    if t.endswith("]") or t.startswith(("STRUCT(", "UNION(")):
        return "nested"
    return t.lower()  # BOOLEAN, BLOB, TIME, UUID...: a family of its own


def athena_family(stored_type: str) -> str:
    """``schema.py``'s word for a stored type (``double``, ``bigint``, ``decimal``, ``string``, ``map``...)."""
    family, t = _family(stored_type), stored_type.upper()
    if family in NUMBER_FAMILIES:
        return "double" if family == "float" else "decimal" if "DECIMAL" in t else "bigint"
    return family  # the other families already carry Athena's word


def _expected_duckdb_type(column: schema.Column) -> str:
    return re.sub(r"\bTEXT\b", "VARCHAR", athena_to_duckdb_type(column.type))


def files_text(files: Sequence[str], limit: int = 2) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" and {len(files) - limit} more file(s)" if len(files) > limit else "")


@dataclass(frozen=True)
class StoredColumn:
    """One column as the parquet files store it: its name as written and the files per DuckDB type."""

    name: str
    files_by_type: dict[str, tuple[str, ...]]

    @property
    def families(self) -> dict[str, list[str]]:
        """Files per kind of value, leaving out files that hold no values for the column at all."""
        out: dict[str, list[str]] = {}
        for t, files in self.files_by_type.items():
            if _family(t) != "null":
                out.setdefault(_family(t), []).extend(files)
        return out

    @property
    def family(self) -> str:
        return next(iter(self.families), "null")

    @property
    def type(self) -> str:
        """The stored type, the first non-null one (the column has one family once the view accepted it)."""
        return next((t for t in self.files_by_type if _family(t) != "null"), '"NULL"')


def top_level_columns(rows: Sequence[tuple[str, str, int | None, str]]) -> dict[str, StoredColumn]:
    """The top-level columns of ``parquet_schema`` rows (file, name, num_children, duckdb_type), which list
    each file's schema tree depth-first after a root row; nested fields are skipped."""
    files_by_type: dict[str, dict[str, list[str]]] = {}
    names: dict[str, str] = {}
    i = 0
    while i < len(rows):
        file, _root, top_count, _type = rows[i]
        i += 1
        for _ in range(top_count or 0):
            if i >= len(rows) or rows[i][0] != file:
                break
            _file, name, _children, duckdb_type = rows[i]
            names.setdefault(name.lower(), name)
            files_by_type.setdefault(name.lower(), {}).setdefault(duckdb_type, []).append(file)
            subtree = 1  # skip this column's nested fields, however deep (no recursion on hostile files)
            while subtree and i < len(rows) and rows[i][0] == file:
                subtree += (rows[i][2] or 0) - 1
                i += 1
        while i < len(rows) and rows[i][0] == file:  # a schema that lied about its child count
            i += 1
    return {
        key: StoredColumn(names[key], {t: tuple(f) for t, f in types.items()})
        for key, types in files_by_type.items()
    }


def view_expression(column: schema.Column, stored: StoredColumn) -> str:
    """The view's expression for one CUR column: the column as stored when it already has schema.py's
    kind of value, converted where that loses nothing, refused (naming column and file) otherwise."""
    families = stored.families
    if len(families) > 1:
        listed = "; ".join(
            f"{', '.join(sorted({t for t, f in stored.files_by_type.items() if _family(t) == fam}))} "
            f"in {files_text(files)}"
            for fam, files in families.items()
        )
        raise UserInputError(
            f"CUR column {column.name} is stored with different types in different files: {listed}; "
            "every file of an export must store a column the same way"
        )
    quoted, expected = quote(stored.name), _expected_duckdb_type(column)
    family = stored.family
    if family == "null":
        return f"CAST({quoted} AS {expected})"
    if column.type == "double":
        if family in NUMBER_FAMILIES:
            return quoted  # as stored: the reports cast it to DECIMAL(38,10)
        if family == "string":
            # Decided: a number column stored as text is accepted when its values are numbers as DuckDB
            # reads them (blank text is no value): nothing is lost by reading "0.25" as 0.25. Text that is
            # not a number becomes NaN, so a report stops at its DECIMAL cast, `DuckDBEngine._bad_numbers`
            # names the lines ("text that is not a number") and `check` fails them as amounts that are not
            # numbers; check's column_types still names the stored type, so `check --strict` fails on text.
            nan_unless_blank = f"CASE WHEN trim({quoted}) <> '' THEN CAST('NaN' AS DOUBLE) END"
            return f"COALESCE(TRY_CAST({quoted} AS DOUBLE), {nan_unless_blank})"
    elif column.type == "string":
        if family not in ("nested", "map"):
            # numbers, timestamps, booleans all have a text form; check's column_types names the stored type
            return quoted if family == "string" else f"CAST({quoted} AS VARCHAR)"
    elif column.type == "timestamp":
        if family == "timestamp":
            return quoted
    elif all(t == expected for t in stored.files_by_type if _family(t) != "null"):  # a map type
        return quoted if len(stored.files_by_type) == 1 else f"CAST({quoted} AS {expected})"
    raise UserInputError(
        f"CUR column {column.name} is stored as {stored.type} in "
        f"{files_text(list(stored.families.get(family, [])))}; CUR 2.0 stores it as {column.type}"
    )


def bad_number_tests(stored: dict[str, StoredColumn]) -> list[tuple[str, str, str]]:
    """(column, what is wrong, SQL condition) for each amount column the files hold as numbers or text."""
    tests = []
    for name in schema.AMOUNT_COLUMNS:
        column = stored.get(name)
        if column is None or column.family not in (*NUMBER_FAMILIES, "string"):
            continue
        quoted = quote(column.name)
        number = f"TRY_CAST({quoted} AS DOUBLE)"
        if column.family == "string":
            tests.append((name, "text that is not a number", f"trim({quoted}) <> '' AND {number} IS NULL"))
        # the text test: DuckDB trusts parquet min/max statistics, which leave NaN out
        nan = f"(NOT isfinite({number}) OR lower(CAST({number} AS VARCHAR)) = 'nan')"
        tests.append((name, "NaN or infinite", nan))
        tests.append((name, "too large (1e28 or more)", f"isfinite({number}) AND abs({number}) >= 1e28"))
    return tests
