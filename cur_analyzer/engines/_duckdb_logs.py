"""The invocation-log side of the DuckDB engine: which files the logs path names and the SQL of the ``logs``
view over them (one row per log line, every field of ``schema.LOG_RECORD`` typed).

Log files are data other people write, so no line can stop the read and none is dropped without a trace:

- each non-blank line is one row. A line that is not JSON, or not UTF-8 (JSON must be UTF-8), reads as a row
  of NULLs, as Athena's OpenX SerDe with ``ignore.malformed.json`` reads a line it cannot parse;
- a line over ``LINE_LIMIT`` (1 MiB) is not parsed: Bedrock moves any body over 100 KB out of the record
  into its own object, so a line ten times that is not one Bedrock wrote. Its row carries only the reason;
- a token count that is not a JSON whole number (a string, a boolean, an object, ``1.5``) reads as NULL and
  the row carries the reason; a whole number beyond +-10^15 (``1e30``, ``10^25``) reads as +-10^15, so the
  SQL's own rule sees it as what it is, absurd;
- only a line longer than the reader can hold stops the read (over ``READER_LIMIT``, 64 MiB, DuckDB's
  ``maximum_object_size``; its buffer takes up to twice that). The engine's error names the file.

The reasons the typed columns cannot show (a line over the limit, a token count that is not a whole number)
are written into ``schematype``, a field no report reads for anything else; every log SQL file classifies a
record with one rule (the ``malformed_reason`` CASE in ``athena/log_health.sql`` and its copies) that reads
those reasons first and then the typed columns: no timestamp, a timestamp that is not RFC 3339, negative
counts, counts over 10^9. Athena applies the same rule; its reader replaces bytes that are not UTF-8 with
U+FFFD, truncates a fractional count and gives NULL for a count it cannot read, so the two reasons only this
reader sees never fire there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cur_analyzer import schema
from cur_analyzer.errors import UserInputError

#: Longest line parsed as a record (bytes); a longer one is counted as malformed, ``LINE_OVER_LIMIT``.
LINE_LIMIT = 1024 * 1024
#: Longest line the reader is sure to hold (bytes; DuckDB's buffer takes up to twice this): a longer one
#: may stop the whole read with an error naming the file.
READER_LIMIT = 64 * 1024 * 1024
#: The reasons only this reader can tell, as the shared SQL rule spells them
LINE_OVER_LIMIT = "line over 1 MiB"
TOKEN_NOT_WHOLE = "token count not a whole number"
#: What a whole number beyond +-10^15 reads as (sign kept): still far over the SQL's 10^9 cap, and small
#: enough that a query adding a record's four counts never overflows BIGINT
_CLAMP = "1e15"


def resolve_logs(paths: Path | Sequence[Path]) -> tuple[Path, ...]:
    """Invocation-log files (``*.json.gz`` / ``*.json``) under the folders or files given as the logs.

    Only regular files are read (a FIFO or a device named ``*.json.gz`` would block or never end), and an
    empty file is left out: it holds no record, and an empty ``.json.gz`` is not a gzip stream."""
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    files: list[Path] = []
    for p in given:
        if not p.exists():
            raise UserInputError(f"invocation logs {p}: no such file or folder", option="logs")
        if p.is_file():
            found = [p]
        elif p.is_dir():
            found = sorted(
                f for f in p.rglob("*.json*") if f.name.endswith((".json.gz", ".json")) and f.is_file()
            )
            if not found:
                raise UserInputError(
                    f"invocation logs {p}: no invocation-log files (*.json.gz) under this folder",
                    option="logs",
                )
        else:
            raise UserInputError(f"invocation logs {p}: not a regular file or folder", option="logs")
        holding = [f for f in found if f.stat().st_size > 0]
        if not holding:
            raise UserInputError(f"invocation logs {p}: the invocation-log files are empty", option="logs")
        files += holding
    return tuple(files)


def _log_leaves(record: dict, prefix: str = "$") -> list[tuple[str, str]]:
    """(JSON path, Athena type) of every scalar field of the invocation-log record, in order."""
    out: list[tuple[str, str]] = []
    for key, spec in record.items():
        path = f"{prefix}.{key}"
        out += _log_leaves(spec, path) if isinstance(spec, dict) else [(path, str(spec))]
    return out


def _is_text(athena_type: str) -> bool:
    """Text leaves come out of one ``json_extract_string``; the others (numbers, maps) as JSON values."""
    return not (athena_type == "bigint" or athena_type.startswith("map<"))


def _token_column(path: str) -> str:
    return "n_" + path[2:].replace(".", "_").lower()


def _log_field(key: str, spec: object, path: str, text: dict[str, int], json: dict[str, int]) -> str:
    """DuckDB expression for one log column, from ``v`` (text leaves) and ``j`` (JSON leaves)."""
    if isinstance(spec, dict):
        inner = ", ".join(
            f"{_quote(k.lower())} := {_log_field(k, s, f'{path}.{k}', text, json)}" for k, s in spec.items()
        )
        return f"struct_pack({inner})"
    if spec == "bigint":
        return _token_column(path)
    if str(spec).startswith("map<"):
        return f"TRY_CAST(j[{json[path]}] AS MAP(VARCHAR, VARCHAR))"
    if path == "$.schemaType":
        # the reasons the typed columns cannot carry (see the module docstring)
        return f"COALESCE(reader_reason, v[{text[path]}])"
    return f"v[{text[path]}]"


def _token_sql(column: str, index: int) -> tuple[str, str, str]:
    """SQL for one token count held as JSON text in ``j[index]``: (its text and number, computed once per row
    as ``t_<column>`` and ``d_<column>``; its BIGINT value; "is not a whole number")."""
    text, d = f"t_{column}", f"d_{column}"
    # Only a JSON number casts to DOUBLE: a string keeps its quotes, true/{}/[] are not numbers. A DOUBLE is
    # exact up to 2^53, far above the 10^9 cap, so no valid count changes on the way.
    number = f"CAST(j[{index}] AS VARCHAR) AS {text}, TRY_CAST(CAST(j[{index}] AS VARCHAR) AS DOUBLE) AS {d}"
    clamped = f"TRY_CAST(least(greatest({d}, -{_CLAMP}), {_CLAMP}) AS BIGINT)"
    value = f"CASE WHEN NOT isnan({d}) AND {d} = trunc({d}) THEN {clamped} END AS {column}"
    not_whole = f"({text} <> 'null' AND ({d} IS NULL OR isnan({d}) OR {d} <> trunc({d})))"
    return number, value, not_whole


def logs_view_sql() -> str:
    """SELECT over ``read_ndjson_objects(?)`` (the list of log files is the one bound parameter)."""
    # The reader splits lines and checks each is JSON (NULL when not, with ignore_errors); the fields then
    # come out of ONE json_extract_string with a list of paths (a parse per field costs 5x the time) and one
    # json_extract for the leaves whose JSON type matters (token counts, maps).
    leaves = _log_leaves(schema.LOG_RECORD)
    text_paths = [p for p, t in leaves if _is_text(t)]
    json_paths = [p for p, t in leaves if not _is_text(t)]
    text = {p: i + 1 for i, p in enumerate(text_paths)}
    json = {p: i + 1 for i, p in enumerate(json_paths)}
    tokens = [_token_sql(_token_column(p), json[p]) for p, t in leaves if t == "bigint"]
    fields = ", ".join(
        f"{_log_field(key, spec, '$.' + key, text, json)} AS {_quote(key.lower())}"
        for key, spec in schema.LOG_RECORD.items()
    )
    dt = r"regexp_extract(filename, '(\d{4}/\d{2}/\d{2}/\d{2})/[^/]+$', 1) AS dt"
    reader = f"read_ndjson_objects(?, ignore_errors=true, filename=true, maximum_object_size={READER_LIMIT})"
    short = f"strlen(CAST(json AS VARCHAR)) <= {LINE_LIMIT}"
    lines = _select(
        [
            f"CASE WHEN {short} THEN json_extract_string(json, {_path_list(text_paths)}) END AS v",
            f"CASE WHEN {short} THEN json_extract(json, {_path_list(json_paths)}) END AS j",
            f"CASE WHEN NOT {short} THEN '{LINE_OVER_LIMIT}' END AS line_reason",
            "filename",
        ],
        reader,
    )
    numbers = _select(["v", "j", "line_reason", "filename", *(n for n, _v, _b in tokens)], f"({lines})")
    not_whole = " OR ".join(b for _n, _v, b in tokens)
    reason = f"COALESCE(line_reason, CASE WHEN COALESCE({not_whole}, false) THEN '{TOKEN_NOT_WHOLE}' END)"
    typed = _select(
        ["v", "j", *(v for _n, v, _b in tokens), f"{reason} AS reader_reason", "filename"], f"({numbers})"
    )
    return _select([fields, dt, "filename AS source_file"], f"({typed})")


def _select(items: list[str], source: str) -> str:
    return f"SELECT {', '.join(items)} FROM {source}"  # noqa: S608 - schema.py names, constants


def _path_list(paths: list[str]) -> str:
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
