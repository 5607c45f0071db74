"""The suite JSON in ``checks/``: where a suite lives, its expectations as stored, grouped by frame."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from cur_analyzer.checks._model import ERROR, SUITES, WARNING
from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import resource_dir


def suite_path(name: str) -> Any:
    """``checks/<name>.json`` in the installed package (or the checkout)."""
    if name not in SUITES:
        raise UserInputError(f"unknown check suite {name!r}: choose from {', '.join(SUITES)}")
    return resource_dir("checks") / f"{name}.json"


@cache
def load_suite_dict(name: str) -> dict[str, Any]:
    """The suite JSON as stored, without GX ids (``gx.ExpectationSuite(**d)`` refuses stale ids)."""
    d = json.loads(suite_path(name).read_text())
    d.pop("id", None)
    for e in d.get("expectations", []):
        e.pop("id", None)
    return d


def expectations_by_frame(name: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in load_suite_dict(name)["expectations"]:
        out.setdefault(e["meta"]["frame"], []).append(e)
    return out


def _severity(e: dict[str, Any]) -> str:
    return ERROR if str(e.get("severity", "critical")).lower() == "critical" else WARNING


def columns_of(kwargs: dict[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return tuple(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)
