"""What sqlglot says about a SQL file, worked out once and kept on disk: a run that finds it there never
imports sqlglot.

Transpiling a query to DuckDB, listing the tables it reads, telling whether it keeps one month: each takes
sqlglot 20 to 200 ms, and importing sqlglot itself takes 150 ms, on every run of a command that answers in
a tenth of that. The answer depends only on the SQL text and on sqlglot's version, so each is kept as one
small JSON file named by the SHA-256 of (what was asked, the text, sqlglot's version, this format): a changed
file, fragment or sqlglot upgrade is a new name, never a stale answer. A file that cannot be read or does not
hold what its name promises is worked out again and rewritten.

The folder is ``CUR_ANALYZER_CACHE_DIR``, else ``cur-analyzer/sql`` under ``XDG_CACHE_HOME`` (``~/.cache``).
Where it cannot be written (a read-only home), the answer is still given, only not kept.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["CACHE_DIR_ENV", "cache_folder", "remembered"]

CACHE_DIR_ENV = "CUR_ANALYZER_CACHE_DIR"
#: bumped when what a kept answer holds changes shape
_FORMAT = "1"


def cache_folder() -> Path:
    named = os.environ.get(CACHE_DIR_ENV, "")
    if named:
        return Path(named).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "") or Path.home() / ".cache"
    return Path(base) / "cur-analyzer" / "sql"


@cache
def _sqlglot_version() -> str:
    """sqlglot's version file, read without importing sqlglot (finding a package's spec imports nothing)."""
    from importlib.util import find_spec

    spec = find_spec("sqlglot")
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    version_file = folder / "_version.py" if folder is not None else None
    if version_file is None or not version_file.is_file():
        from importlib.metadata import version

        return version("sqlglot")
    return version_file.read_text()


def _key(kind: str, source: str) -> str:
    digest = hashlib.sha256()
    for part in (_FORMAT, kind, _sqlglot_version(), source):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def remembered(kind: str, source: str, work_out: Callable[[], Any]) -> Any:
    """``work_out()`` (a JSON value) for ``source`` (the SQL text it reads), from the cache folder when a
    run already worked it out, else worked out now and kept."""
    key = _key(kind, source)
    path = cache_folder() / f"{kind}-{key}.json"
    try:
        kept = json.loads(path.read_text())
        if kept.get("key") == key:
            return kept["value"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    value = work_out()
    _keep(path, {"key": key, "value": value})
    return value


def _keep(path: Path, entry: dict[str, Any]) -> None:
    """Write the entry whole or not at all: a run reading it meanwhile sees the old file or the new one. A
    folder that cannot be written costs speed, not answers: the entry is then not kept."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(entry, out)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
