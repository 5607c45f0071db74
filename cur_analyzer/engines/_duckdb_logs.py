"""The invocation-log side of the DuckDB engine: which files ``--logs`` names and the SQL of the ``logs``
view over them (one row per log line, every field of ``schema.LOG_RECORD`` typed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cur_analyzer import schema
from cur_analyzer.errors import UserInputError


def resolve_logs(paths: Path | Sequence[Path]) -> tuple[Path, ...]:
    """Invocation-log files (``*.json.gz`` / ``*.json``) under the folders or files given to ``--logs``."""
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    files: list[Path] = []
    for p in given:
        if not p.exists():
            raise UserInputError(f"--logs {p}: no such file or folder")
        found = (
            [p]
            if p.is_file()
            else sorted(f for f in p.rglob("*.json*") if f.name.endswith((".json.gz", ".json")))
        )
        if not found:
            raise UserInputError(f"--logs {p}: no invocation-log files (*.json.gz) under this folder")
        files += found
    return tuple(files)


def _log_leaves(record: dict, prefix: str = "$") -> list[tuple[str, str]]:
    """(JSON path, Athena type) of every scalar field of the invocation-log record, in order."""
    out: list[tuple[str, str]] = []
    for key, spec in record.items():
        path = f"{prefix}.{key}"
        out += _log_leaves(spec, path) if isinstance(spec, dict) else [(path, str(spec))]
    return out


def _log_field(key: str, spec: object, path: str, index: dict[str, int]) -> str:
    """DuckDB expression for one log column from ``v``, the list of every leaf extracted in one parse."""
    if isinstance(spec, dict):
        inner = ", ".join(
            f"{_quote(k.lower())} := {_log_field(k, v, f'{path}.{k}', index)}" for k, v in spec.items()
        )
        return f"struct_pack({inner})"
    value = f"v[{index[path]}]"
    if spec == "bigint":
        return f"TRY_CAST({value} AS BIGINT)"
    if str(spec).startswith("map<"):
        return f"TRY_CAST(CAST({value} AS JSON) AS MAP(VARCHAR, VARCHAR))"
    return value


def logs_view_sql() -> str:
    """SELECT over ``read_csv(?)`` (the list of log files is the one bound parameter)."""
    # Lines are read as text so a malformed one becomes a row of NULLs (as Athena's OpenX SerDe with
    # ignore.malformed.json does) and is counted, never silently skipped. Every field comes out of ONE
    # parse per line (json_extract_string with a list of paths): a parse per field costs 5x the time.
    leaves = _log_leaves(schema.LOG_RECORD)
    index = {path: i + 1 for i, (path, _type) in enumerate(leaves)}
    paths = "[" + ", ".join(f"'{path}'" for path, _type in leaves) + "]"
    fields = ", ".join(
        f"{_log_field(key, spec, '$.' + key, index)} AS {_quote(key.lower())}"
        for key, spec in schema.LOG_RECORD.items()
    )
    dt = r"regexp_extract(filename, '(\d{4}/\d{2}/\d{2}/\d{2})/[^/]+$', 1) AS dt"
    reader = (
        "read_csv(?, columns={'line': 'VARCHAR'}, header=false, delim='\x1e', quote='', escape='',"
        " auto_detect=false, filename=true, strict_mode=false)"
    )
    parsed = f"TRY(json_extract_string(line, {paths})) AS v"
    lines = f"(SELECT {parsed}, filename FROM {reader} WHERE trim(line) <> '')"  # noqa: S608 - schema.py paths
    text = f"SELECT {fields}, {dt}, filename AS source_file FROM {lines}"  # noqa: S608 - names from schema.py
    return text


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
