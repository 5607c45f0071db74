"""From options to library objects: the engine, price table, inference-profile map and rules a command
runs with, and the data checks ``--check`` asks for before a report.

Each falls back to the settings (``CUR_ANALYZER_*``, ``cur-analyzer.toml``) when its option is not given.
The library modules load here, when a command runs, never when the app is imported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cur_analyzer.api import LIVE_PROFILES
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


def load_profiles(path: Path | None) -> ProfileMap | None:
    """``--profiles FILE`` (a saved listing) or ``--profiles live`` (ListInferenceProfiles now)."""
    if path is None:
        return None
    from cur_analyzer.bedrock.models import ProfileMap

    if str(path) == LIVE_PROFILES:
        import boto3

        from cur_analyzer.config import load_settings

        settings = load_settings()
        session = boto3.Session(region_name=settings.region, profile_name=settings.profile)
        return ProfileMap.from_aws(session.client("bedrock"))
    return ProfileMap.load(path)


def load_prices(path: Path | None) -> PriceTable:
    """``--prices FILE``, else the ``prices`` setting, else the shipped price table."""
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.config import load_settings

    return PriceTable.load(path or load_settings().prices)


def load_rules(path: Path | None) -> Rules | None:
    """The rules in force (``--rules``, the ``rules`` setting, ``./cur-analyzer.rules.yaml``) or None."""
    from cur_analyzer.config import load_settings
    from cur_analyzer.rules import find_rules

    return find_rules(path, None if path is not None else load_settings().rules)


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
