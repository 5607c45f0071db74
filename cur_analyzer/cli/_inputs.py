"""From options to library objects: the engine, price table, inference-profile map and rules a command
runs with, and the data checks ``--check`` asks for before a report.

Each falls back to the settings (``CUR_ANALYZER_*``, ``cur-analyzer.toml``) when its option is not given.
The library modules load here, when a command runs, never when the app is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cur_analyzer.api import Analyzer
from cur_analyzer.choices import CheckSuite, EngineName, ServiceScope

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.engines import Engine
    from cur_analyzer.rules import Rules

__all__ = ["checked_first", "connect_engine", "load_prices", "load_profiles", "load_rules"]


def connect_engine(
    cur: list[Path] | None,
    engine: EngineName | None,
    update: Callable[..., None],
    logs: list[Path] | None = None,
) -> Engine:
    """The engine ``--engine`` (or the settings) chooses, over ``--cur``/``--logs`` when given."""
    from cur_analyzer.config import load_settings
    from cur_analyzer.engines import connect

    return connect(load_settings(engine=engine), cur=cur, on_progress=update, logs=logs)


# The Analyzer owns how each is found and loaded; a command that has only the one option asks it for that.
def load_profiles(path: Path | None) -> ProfileMap | None:
    """``--profiles FILE`` (a saved listing) or ``--profiles live`` (ListInferenceProfiles now)."""
    return Analyzer(profiles=path).profiles


def load_prices(path: Path | None) -> PriceTable:
    """``--prices FILE``, else the ``prices`` setting, else the shipped price table."""
    return Analyzer(prices=path).prices


def load_rules(path: Path | None) -> Rules | None:
    """The rules in force (``--rules``, the ``rules`` setting, ``./cur-analyzer.rules.yaml``) or None."""
    return Analyzer(rules=path).rules


def checked_first(
    engine: Engine,
    month: str,
    check: bool,
    suites: Sequence[CheckSuite] = (CheckSuite.CUR,),
    service: ServiceScope = ServiceScope.BEDROCK,
) -> None:
    """``--check``: validate the month's data before reporting on it (exit 1 naming what failed)."""
    if check:
        from cur_analyzer.checks import run_before

        run_before(engine, month, tuple(suites), service=service)
