"""Which rules file is in force: said without loading the file's schema, so a run with none pays nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cur_analyzer.rules._compiled import Rules

__all__ = ["RULES_FILE_NAME", "find_rules"]

RULES_FILE_NAME = "cur-analyzer.rules.yaml"


def find_rules(explicit: str | Path | None = None, configured: str | Path | None = None) -> Rules | None:
    """The rules in force: ``--rules FILE``, else the ``rules`` setting (``CUR_ANALYZER_RULES`` or
    ``cur-analyzer.toml``), else ``./cur-analyzer.rules.yaml`` when it exists, else none."""
    chosen = explicit if explicit is not None else configured
    # Whatever stands under the default name is meant as the rules file: a FIFO, a directory or a link to
    # /dev/zero is refused by load_rules, not silently skipped.
    if chosen is None and os.path.lexists(RULES_FILE_NAME):
        chosen = RULES_FILE_NAME
    if chosen is None:
        return None
    from cur_analyzer.rules._load import load_rules

    return load_rules(chosen)
