"""From a command's options to the ``Analyzer`` it runs with: the shared options (``--cur``, ``--logs``,
``--engine``, ``--rules``, ``--prices``, ``--profiles``) over the settings (``CUR_ANALYZER_*``,
``cur-analyzer.toml``), which are read once per command.

The library modules load here, when a command runs, never when the app is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cur_analyzer.api import Analyzer
from cur_analyzer.choices import EngineName

__all__ = ["open_analyzer", "period_text"]


def open_analyzer(
    *,
    cur: list[Path] | None = None,
    logs: list[Path] | None = None,
    engine: EngineName | None = None,
    rules: Path | None = None,
    prices: Path | None = None,
    profiles: Path | None = None,
    on_progress: Callable[..., None] | None = None,
) -> Analyzer:
    """The Analyzer of one command run. A reference file named on the command line is read at once, so a
    bad one is refused before any data is read, even when this run turns out not to need it."""
    from cur_analyzer.config import load_settings

    analyzer = Analyzer(
        cur=cur,
        logs=logs,
        engine=engine,
        rules=rules,
        prices=prices,
        profiles=profiles,
        settings=load_settings(engine=engine),
        on_progress=on_progress,
    )
    for name, given in (("rules", rules), ("prices", prices), ("profiles", profiles)):
        if given is not None:
            getattr(analyzer, name)
    return analyzer


def period_text(month: str) -> str:
    """``--month`` checked before a command's first step (an output path, the settings): ``YYYY-MM``."""
    from cur_analyzer.errors import about
    from cur_analyzer.period import BillingPeriod

    with about("month"):
        return str(BillingPeriod.parse(month))
